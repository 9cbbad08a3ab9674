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
  loadNodeNames,
  msgTypes,
  moment,
  moniker,
  proposerName,
  renderIndexList,
  resultBadge,
  section,
  short,
  table,
  txRowClass,
} from '../api.js';
import { t } from '../i18n.js';

export function renderList(ctx) {
  return renderIndexList(ctx, {
    title: t('Blocks'),
    route: '/blocks',
    names: true,
    headers: [t('Height'), t('Age'), t('Hash'), t('Proposer'), t('Txs'), t('Failed'), t('Reward'), t('Fees')],
    row: (b) => [
      link.block(b.height),
      age(b.time),
      h('span', { class: 'mono', title: b.hash }, short(b.hash, 10, 6)),
      proposerName(b.proposer),
      String(b.num_txs),
      b.num_failed_txs ? badge(String(b.num_failed_txs), 'failed') : '0',
      gos(b.reward, 2),
      gos(b.fees),
    ],
    caption: t('blocks, newest first'),
    numeric: [4, 5, 6, 7],
    empty: t('No block indexed yet.'),
  });
}

function txMsgTypes(tx) {
  return msgTypes(tx.body && Array.isArray(tx.body.msgs) ? tx.body.msgs.map((m) => m.type) : []);
}

export async function renderBlock(ctx, heightText) {
  const height = Number(heightText);
  ctx.title(t('Block {n}', { n: group(height) }));
  let block;
  try {
    [block] = await Promise.all([getJSON(`/blocks/${height}`), loadNodeNames()]);
  } catch (err) {
    fill(ctx.main, h('h1', {}, t('Block {n}', { n: group(height) })), errorBox(err));
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
    { class: 'pager', 'aria-label': t('neighbouring blocks') },
    height > 1 ? h('a', { class: 'button', href: `#/block/${height - 1}` }, `← ${group(height - 1)}`) : null,
    h('a', { class: 'button', href: `#/block/${height + 1}` }, `${group(height + 1)} →`),
  );
  const txRows = block.txs.map((tx) => [
    String(tx.index),
    link.tx(tx.hash),
    link.account(tx.sender),
    txMsgTypes(tx),
    gos(tx.fee),
    resultBadge(tx, { withLog: true }),
  ]);
  fill(
    ctx.main,
    h('h1', {}, t('Block {n}', { n: group(height) })),
    nav,
    section(
      t('Header'),
      facts([
        [t('Height'), group(block.height)],
        [t('Time'), moment(block.time)],
        [t('Hash'), h('span', { class: 'mono break' }, block.hash)],
        [
          t('Previous'),
          block.height > 1
            ? h('a', { href: `#/block/${block.height - 1}`, class: 'mono break' }, block.previous_hash)
            : h('span', { class: 'mono break' }, block.previous_hash),
        ],
        [t('Proposer'), proposerName(block.proposer)],
        [
          t('Signers of the previous block'),
          block.signers.length
            ? block.signers.map((s) =>
                h('span', { class: moniker(s) ? 'chip' : 'mono chip', title: s }, moniker(s) ?? short(s, 8, 4)),
              )
            : t('none'),
        ],
        [t('Transactions'), t('{n} ({failed} failed)', { n: block.num_txs, failed: block.num_failed_txs })],
        [t('App hash'), h('span', { class: 'mono break' }, block.app_hash)],
        [t('Txs hash'), h('span', { class: 'mono break' }, block.txs_hash)],
        [t('Results hash'), h('span', { class: 'mono break' }, block.results_hash)],
        block.validator_updates.length
          ? [
              t('Validator updates'),
              block.validator_updates.map((u) =>
                h('div', {}, h('span', { class: 'mono' }, short(u.consensus_pubkey, 12, 6)), ' → ', t('power {n}', { n: u.power })),
              ),
            ]
          : null,
      ]),
    ),
    section(
      t('Transactions ({n})', { n: block.txs.length }),
      table(['#', t('Hash'), t('Sender'), t('Messages'), t('Fee'), t('Result')], txRows, {
        caption: t('transactions of this block'),
        empty: t('This block has no transactions.'),
        numeric: [4],
        rowClasses: block.txs.map(txRowClass),
      }),
    ),
    section(
      t('Block events ({n})', { n: block.events.length }),
      eventsTable(block.events, { caption: t('block-level events'), empty: t('No block events.') }),
    ),
  );
}
