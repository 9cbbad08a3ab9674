// Transactions list (from the index) and one transaction with its messages and events (from the node).

import {
  age,
  badge,
  eventsTable,
  facts,
  fill,
  getJSON,
  gos,
  group,
  h,
  link,
  loadAll,
  loadNodeNames,
  msgTypes,
  maybeAddress,
  moment,
  renderIndexList,
  resultBadge,
  section,
  txRowClass,
} from '../api.js';
import { t, tNodes } from '../i18n.js';

export function renderList(ctx) {
  const sender = ctx.query.get('sender');
  return renderIndexList(ctx, {
    title: t('Transactions'),
    intro: sender
      ? h('p', {}, tNodes('Sent by {sender}', { sender: link.account(sender, sender) }), ' · ', h('a', { href: '#/txs' }, t('show all')))
      : null,
    route: '/txs',
    filters: { sender },
    headers: [t('Hash'), t('Block'), t('Age'), t('Sender'), t('Messages'), t('Fee'), t('Result')],
    rowClass: txRowClass,
    row: (tx) => [
      link.tx(tx.hash),
      link.block(tx.height),
      age(tx.time),
      link.account(tx.sender),
      msgTypes(tx.msg_types),
      gos(tx.fee),
      resultBadge(tx, { withLog: true }),
    ],
    caption: t('transactions, newest first'),
    numeric: [5],
    empty: t('No transaction yet.'),
  });
}

const AMOUNT_UNITS = { ugos: ['GOS', 6] };

function amountText(msg, decimals) {
  const denom = msg.denom || (['vote', 'stake', 'unvote', 'unstake'].includes(msg.type) ? 'ugos' : null);
  if (!denom || msg.amount === undefined) return null;
  const [unit, places] = AMOUNT_UNITS[denom] || [denom, decimals[denom]];
  if (places === undefined) return `${group(msg.amount)} ${denom}`;
  const raw = BigInt(msg.amount);
  const scale = 10n ** BigInt(places);
  const frac = (raw % scale).toString().padStart(places, '0').replace(/0+$/, '');
  return `${group((raw / scale).toString())}${frac ? `.${frac}` : ''} ${unit} (${group(msg.amount)} ${denom})`;
}

function message(msg, index, decimals) {
  const rows = Object.entries(msg)
    .filter(([key]) => key !== 'type')
    .map(([key, value]) => [
      h('code', {}, key), // the message's field as the wire format names it
      key === 'amount'
        ? amountText(msg, decimals) || String(value)
        : key === 'node'
          ? link.node(value)
          : maybeAddress(typeof value === 'object' ? JSON.stringify(value) : String(value)),
    ]);
  return h(
    'div',
    { class: 'msg' },
    h('h3', {}, `#${index} `, h('code', {}, msg.type)),
    rows.length ? facts(rows) : h('p', { class: 'muted' }, t('no fields')),
  );
}

/** A single key's signature, or a multisig sender's k-of-n key and the members who signed. */
function signatureFacts(tx) {
  if (!tx.multisig) return [[t('Signature'), h('span', { class: 'mono break small' }, tx.signature)]];
  const { threshold, pubkeys } = tx.multisig.pubkey;
  return [
    [
      t('Signed by'),
      h('span', { 'data-field': 'multisig' }, t('{k} of {n} keys (multisig account)', { k: threshold, n: pubkeys.length })),
    ],
    ...tx.multisig.signatures.map((member) => [
      t('Key {n}', { n: member.index + 1 }),
      h(
        'span',
        { class: 'mono break small', title: t('signature {signature}', { signature: member.signature }) },
        pubkeys[member.index],
      ),
    ]),
  ];
}

export async function renderTx(ctx, hash) {
  const txHash = hash.toLowerCase();
  ctx.title(t('Transaction {hash}…', { hash: txHash.slice(0, 10) }));
  const replies = await loadAll(ctx, [getJSON(`/txs/${txHash}`), getJSON('/assets'), loadNodeNames()], {
    errorIn: ctx.main,
    heading: [h('h1', {}, t('Transaction')), h('p', { class: 'mono break' }, txHash)],
  });
  if (!replies) return;
  const [tx, assets] = replies;
  const decimals = Object.fromEntries(assets.map((a) => [a.denom, a.decimals]));
  const msgs = tx.body && Array.isArray(tx.body.msgs) ? tx.body.msgs : [];
  const result =
    tx.status === 'pending'
      ? badge(t('pending'), 'pending')
      : tx.code === 0
        ? badge(t('success'), 'ok')
        : badge(t('failed (code {code})', { code: tx.code }), 'failed');
  fill(
    ctx.main,
    h('h1', { class: tx.code ? 'title-failed' : null }, t('Transaction')),
    section(
      t('Overview'),
      facts([
        [t('Hash'), h('span', { class: 'mono break', 'data-field': 'hash' }, tx.tx_hash)],
        [t('Result'), result],
        tx.log ? [t('Log'), h('span', { class: 'log', 'data-verbatim': '' }, tx.log)] : null, // the chain's words
        tx.height ? [t('Block'), link.block(tx.height)] : null,
        tx.height ? [t('Position'), t('transaction {n} of the block', { n: tx.index })] : null,
        tx.block_time ? [t('Time'), moment(tx.block_time)] : null,
        [t('Sender'), link.account(tx.sender, tx.sender)],
        [t('Fee'), gos(tx.fee)],
        tx.body ? [t('Sequence'), String(tx.body.sequence)] : null,
        tx.body && tx.body.memo ? [t('Memo'), h('span', { 'data-verbatim': '' }, tx.body.memo)] : null,
        ...signatureFacts(tx),
      ]),
    ),
    section(
      t('Messages ({n})', { n: msgs.length }),
      msgs.length
        ? msgs.map((m, i) => message(m, i, decimals))
        : h('p', { class: 'empty' }, t('The transaction could not be decoded.')),
    ),
    section(
      t('Events ({n})', { n: tx.events.length }),
      eventsTable(tx.events, {
        caption: t('events of this transaction'),
        empty:
          tx.status === 'pending'
            ? t('Not executed yet.')
            : t('No events (a failed transaction changes nothing but its fee and sequence).'),
      }),
    ),
    h('details', { class: 'raw' }, h('summary', {}, t('Raw JSON')), h('pre', {}, JSON.stringify(tx, null, 2))),
  );
  if (tx.status === 'pending') ctx.onBlock(() => (ctx.alive() ? renderTx(ctx, hash) : null));
}
