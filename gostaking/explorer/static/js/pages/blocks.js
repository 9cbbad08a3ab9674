// Blocks list (from the index) and one block with its transactions and events (from the node).

import {
  age,
  badge,
  errorBox,
  eventsTable,
  facts,
  fill,
  getJSON,
  gos,
  group,
  h,
  link,
  moment,
  renderIndexList,
  resultBadge,
  section,
  short,
  table,
} from '../api.js';

export function renderList(ctx) {
  return renderIndexList(ctx, {
    title: 'Blocks',
    route: '/blocks',
    headers: ['Height', 'Age', 'Hash', 'Proposer', 'Txs', 'Failed', 'Reward', 'Fees'],
    row: (b) => [
      link.block(b.height),
      age(b.time),
      h('span', { class: 'mono', title: b.hash }, short(b.hash, 10, 6)),
      h('span', { class: 'mono', title: b.proposer }, short(b.proposer, 8, 4)),
      String(b.num_txs),
      b.num_failed_txs ? badge(String(b.num_failed_txs), 'failed') : '0',
      gos(b.reward, 2),
      gos(b.fees),
    ],
    caption: 'blocks, newest first',
    numeric: [4, 5, 6, 7],
    empty: 'No block indexed yet.',
  });
}

function msgTypes(tx) {
  return tx.body && Array.isArray(tx.body.msgs) ? tx.body.msgs.map((m) => m.type).join(', ') : '—';
}

export async function renderBlock(ctx, heightText) {
  const height = Number(heightText);
  ctx.title(`Block ${group(height)}`);
  let block;
  try {
    block = await getJSON(`/blocks/${height}`);
  } catch (err) {
    fill(ctx.main, h('h1', {}, `Block ${group(height)}`), errorBox(err));
    if (err.status === 404 && ctx.waiting === undefined) {
      // A block not produced yet: show it as soon as it exists.
      ctx.waiting = true;
      ctx.onBlock(() => (ctx.waiting ? renderBlock(ctx, heightText) : null));
    }
    return;
  }
  if (!ctx.alive()) return;
  ctx.waiting = false;
  const nav = h(
    'nav',
    { class: 'pager', 'aria-label': 'neighbouring blocks' },
    height > 1 ? h('a', { class: 'button', href: `#/block/${height - 1}` }, `← ${group(height - 1)}`) : null,
    h('a', { class: 'button', href: `#/block/${height + 1}` }, `${group(height + 1)} →`),
  );
  const txRows = block.txs.map((tx) => [
    String(tx.index),
    link.tx(tx.hash),
    link.account(tx.sender),
    msgTypes(tx),
    gos(tx.fee),
    resultBadge(tx, { withLog: true }),
  ]);
  fill(
    ctx.main,
    h('h1', {}, `Block ${group(height)}`),
    nav,
    section(
      'Header',
      facts([
        ['Height', group(block.height)],
        ['Time', moment(block.time)],
        ['Hash', h('span', { class: 'mono break' }, block.hash)],
        [
          'Previous',
          block.height > 1
            ? h('a', { href: `#/block/${block.height - 1}`, class: 'mono break' }, block.previous_hash)
            : h('span', { class: 'mono break' }, block.previous_hash),
        ],
        ['Proposer', h('span', { class: 'mono' }, block.proposer)],
        [
          'Signers of the previous block',
          block.signers.length ? block.signers.map((s) => h('span', { class: 'mono chip' }, s)) : 'none',
        ],
        ['Transactions', `${block.num_txs} (${block.num_failed_txs} failed)`],
        ['App hash', h('span', { class: 'mono break' }, block.app_hash)],
        ['Txs hash', h('span', { class: 'mono break' }, block.txs_hash)],
        ['Results hash', h('span', { class: 'mono break' }, block.results_hash)],
        block.validator_updates.length
          ? [
              'Validator updates',
              block.validator_updates.map((u) =>
                h('div', { class: 'mono' }, `${short(u.consensus_pubkey, 12, 6)} → power ${u.power}`),
              ),
            ]
          : null,
      ]),
    ),
    section(
      `Transactions (${block.txs.length})`,
      table(['#', 'Hash', 'Sender', 'Messages', 'Fee', 'Result'], txRows, {
        caption: 'transactions of this block',
        empty: 'This block has no transactions.',
        numeric: [4],
      }),
    ),
    section(
      `Block events (${block.events.length})`,
      eventsTable(block.events, { caption: 'block-level events', empty: 'No block events.' }),
    ),
  );
}
