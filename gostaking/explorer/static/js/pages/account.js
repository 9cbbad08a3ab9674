// Account: current state from /accounts (balances, locks, votes, stakes, unbondings, hash power, rewards)
// and history from the index, with a CSV download of the whole history.

import {
  age,
  badge,
  card,
  fill,
  getJSON,
  gos,
  group,
  h,
  hs,
  kindLabel,
  link,
  loadAll,
  loading,
  loadNodeNames,
  moniker,
  offsetPager,
  pager,
  poolName,
  resultBadge,
  section,
  table,
  trimDecimals,
  txRowClass,
  when,
} from '../api.js';
import { barChart, PALETTE } from '../charts.js';
import { t, tNodes } from '../i18n.js';

export async function render(ctx, address) {
  ctx.title(t('Account {address}…', { address: address.slice(0, 12) }));
  const head = h('div', {}, loading());
  const state = h('div');
  const history = h('div');
  fill(ctx.main, h('h1', {}, t('Account')), head, state, history);
  const before = ctx.query.get('before');
  // Votes/stakes and unbondings are pages of their own (an account may back many nodes): each has its offset.
  const offsets = { bonds: pageOffset(ctx.query, 'bonds'), unbondings: pageOffset(ctx.query, 'unbondings') };
  const accountPage = (offset) => getJSON(`/accounts/${address}?limit=${POSITIONS_PER_PAGE}&offset=${offset}`);
  const load = async () => {
    const replies = await loadAll(
      ctx,
      [
        accountPage(offsets.bonds),
        offsets.unbondings === offsets.bonds ? null : accountPage(offsets.unbondings),
        getJSON(`/accounts/${address}/rewards`),
        getJSON(
          `/explorer/accounts/${address}/history?limit=20${before ? `&before=${encodeURIComponent(before)}` : ''}`,
        ),
        loadNodeNames(),
      ],
      { errorIn: head },
    );
    if (!replies) return;
    const [account, unbondingPage, rewards, page] = replies;
    fill(head, header(account, page));
    const unbondings = unbondingPage ?? account;
    fill(state, ...holdings(account, unbondings, rewards, pagers(address, ctx.query, account, unbondings)));
    fill(history, historySection(address, page, ctx.query));
  };
  await load();
  ctx.onBlock(load);
}

const POSITIONS_PER_PAGE = 50;

function pageOffset(query, param) {
  return Math.max(0, Math.floor(Number(query.get(param))) || 0);
}

/** The pagers of the votes-and-stakes table and of the unbonding table (each keeps the other's page). */
function pagers(address, query, bondsPage, unbondingPage) {
  const route = `/account/${address}`;
  return {
    bonds: offsetPager(route, query, 'bonds', {
      offset: bondsPage.offset,
      limit: bondsPage.limit,
      shown: bondsPage.votes.length + bondsPage.stakes.length,
      total: bondsPage.bonds_total,
      noun: t('votes and stakes'),
    }),
    unbondings: offsetPager(route, query, 'unbondings', {
      offset: unbondingPage.offset,
      limit: unbondingPage.limit,
      shown: unbondingPage.unbondings.length,
      total: unbondingPage.unbondings_total,
      noun: t('unbondings'),
    }),
  };
}

function header(account, page) {
  return h(
    'div',
    {},
    h(
      'p',
      { class: 'address-line' },
      h('span', { class: 'mono break', 'data-field': 'address' }, account.address),
      ' ',
      copyButton(account.address),
    ),
    account.node
      ? h(
          'p',
          {},
          tNodes('This address operates a node ({status}): {link}.', {
            status: badge(t(account.node), account.node),
            link: link.node(account.address, t('open the node page')),
          }),
        )
      : null,
    h(
      'div',
      { class: 'cards' },
      card(t('Liquid GOS'), gos(account.gos), t('spendable'), { 'data-stat': 'liquid' }),
      card(
        t('Voted + staked'),
        gos(account.bonded),
        t('{voted} voted · {staked} staked · {n} positions', {
          voted: gos(account.voted),
          staked: gos(account.staked),
          n: group(account.bonds_total),
        }),
        { 'data-stat': 'bonded' },
      ),
      card(t('Hash power'), hs(account.hash_power.total), t('{share} of the network', { share: account.hash_power.share_of_network }), {
        'data-stat': 'hash-power',
      }),
      card(t('Pending rewards'), gos(account.pending_rewards), t('claim with a claim transaction'), {
        'data-stat': 'rewards',
      }),
      card(
        t('Transactions'),
        group(page.tx_count),
        page.first_height ? t('since block {height}', { height: group(page.first_height) }) : t('none yet'),
        { 'data-stat': 'txs' },
      ),
    ),
  );
}

function copyButton(text) {
  const button = h('button', { type: 'button', class: 'small-button', title: t('copy the address') }, t('Copy'));
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = t('Copied');
    } catch {
      button.textContent = t('Select and copy');
    }
  });
  return button;
}

function holdings(account, unbondingPage, rewards, pagers) {
  const balances = account.balances.map((b) => [
    b.display_denom.toUpperCase(),
    h('span', { 'data-denom': b.denom }, `${group(b.display)} ${b.display_denom}`),
  ]);
  const locks = account.locked.map((l) => [
    l.asset.denom.toUpperCase(),
    `${group(l.asset.display)} ${l.asset.denom}`,
    hs(l.hash_power),
  ]);
  const bonds = [...account.votes, ...account.stakes].map((b) => [
    link.node(b.node, b.moniker || b.node),
    t(b.kind),
    gos(b.amount),
    b.kind === 'stake' ? '×3' : '×1',
  ]);
  const unbondings = unbondingPage.unbondings.map((u) => [
    link.node(u.node),
    t(u.kind),
    gos(u.amount),
    link.block(u.created_height),
    link.block(u.completion_height),
    h(
      'time',
      { datetime: u.estimated_completion_time, title: t('estimate from the node’s block interval') },
      when(u.estimated_completion_time),
    ),
  ]);
  const pools = Object.entries(account.hash_power.pools).map(([pool, power], i) => ({
    label: poolName(pool),
    value: Number(power.hs),
    text: `${group(trimDecimals(power.hs, 2))} H/s`,
    color: PALETTE[i % PALETTE.length],
  }));
  const rewardRows = rewards.pools.map((p) => [poolName(p.pool), gos(p.pending)]);
  if (rewards.node_rewards) rewardRows.push([t('candidate-node rewards'), gos(rewards.node_rewards)]);
  const rewardsSection = section(
    t('Rewards'),
    h('p', {}, tNodes('Claimable now: {amount}', { amount: h('b', { 'data-field': 'pending-rewards' }, gos(rewards.total)) })),
    table([t('Pool'), t('Pending')], rewardRows, {
      caption: t('pending rewards by pool'),
      empty: t('No position earns rewards.'),
      numeric: [1],
    }),
  );
  const lockedSection = section(
    t('Locked assets'),
    table([t('Asset'), t('Locked'), t('Hash power')], locks, {
      caption: t('locked assets'),
      empty: t('Nothing locked.'),
      numeric: [1, 2],
    }),
  );
  return [
    h(
      'div',
      { class: 'grid-2' },
      section(
        t('Balances'),
        table([t('Asset'), t('Amount')], balances, { caption: t('liquid balances'), empty: t('No balance.'), numeric: [1] }),
      ),
      h('div', {}, lockedSection, rewardsSection),
    ),
    h(
      'div',
      { class: 'grid-2' },
      section(
        t('Votes and stakes'),
        table([t('Node'), t('Kind'), t('Amount'), t('Multiplier')], bonds, {
          caption: t('votes and stakes'),
          empty: t('No votes or stakes.'),
          numeric: [2],
        }),
        pagers.bonds,
      ),
      section(t('Hash power by source'), barChart(pools, { label: t('Hash power of this account by pool') })),
    ),
    section(
      t('Unbonding'),
      h(
        'p',
        { class: 'muted' },
        t('Redeemed votes and stakes come back at their completion height; they earn nothing meanwhile.'),
      ),
      table(['Node', 'Kind', 'Amount', 'Redeemed at', 'Completes at', 'Estimated date'].map((text) => t(text)), unbondings, {
        caption: t('unbondings'),
        empty: t('Nothing unbonding.'),
        numeric: [2],
      }),
      pagers.unbondings,
    ),
  ];
}

function amount(item) {
  if (!item.amount) return '—';
  return `${group(trimDecimals(item.display, 6))} ${item.display_denom}`;
}

/** A history row's other side: a node by its moniker, an account by its address, else the index's words. */
function counterparty(text) {
  if (!text) return '—';
  if (moniker(text)) return link.node(text);
  return text.startsWith('gos1') ? link.account(text) : h('span', { 'data-verbatim': '' }, text);
}

function historySection(address, page, query) {
  const rows = page.items.map((item) => [
    link.block(item.height),
    age(item.time),
    kindLabel(item.kind),
    t(item.role),
    counterparty(item.counterparty),
    amount(item),
    item.fee.ugos ? gos(item.fee) : '—',
    item.tx_hash ? link.tx(item.tx_hash) : h('span', { class: 'muted' }, t('block event')),
    resultBadge(item),
  ]);
  return section(
    t('History'),
    h(
      'p',
      { class: 'toolbar' },
      h(
        'a',
        {
          class: 'button',
          href: `/explorer/accounts/${address}/history.csv`,
          download: `gostaking-history-${address}.csv`,
          'data-action': 'csv',
          onclick: (event) => downloadWholeHistory(event, address),
        },
        t('Download CSV'),
      ),
      h('a', { href: `#/txs?sender=${address}` }, t('transactions sent by this address')),
    ),
    table(
      [t('Block'), 'Age', 'Kind', 'Role', 'Counterparty', 'Amount', 'Fee', 'Transaction', 'Result'].map((text) => t(text)),
      rows,
      {
        caption: t('history, newest first'),
        empty: t('No history yet.'),
        numeric: [5, 6],
        rowClasses: page.items.map(txRowClass),
      },
    ),
    pager(`/account/${address}`, page, query),
  );
}

/** Rows the API gives per CSV part (its maximum); a page may lower it with data-csv-rows on the link. */
const CSV_PART_ROWS = 250;

/**
 * The whole history as one CSV: the API answers the newest part and names the older one in X-Next-Before, so
 * the parts are fetched newest first and joined oldest first under one header. Without JavaScript the link
 * downloads the newest part alone.
 */
async function downloadWholeHistory(event, address) {
  event.preventDefault();
  const link = event.currentTarget;
  const rows = Number(link.dataset.csvRows || CSV_PART_ROWS);
  const parts = [];
  let header = '';
  let before = null;
  link.setAttribute('aria-busy', 'true');
  try {
    do {
      const query = new URLSearchParams({ limit: String(rows) });
      if (before !== null) query.set('before', before);
      const response = await fetch(`/explorer/accounts/${address}/history.csv?${query}`);
      if (!response.ok) throw new Error(t('the history could not be read (HTTP {status})', { status: response.status }));
      const text = await response.text();
      const newline = text.indexOf('\n');
      header = text.slice(0, newline + 1);
      parts.unshift(text.slice(newline + 1));
      before = response.headers.get('X-Next-Before');
    } while (before !== null);
    const url = URL.createObjectURL(new Blob([header, ...parts], { type: 'text/csv' }));
    const save = h('a', { href: url, download: link.getAttribute('download') });
    document.body.appendChild(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    link.after(h('span', { class: 'error', role: 'alert' }, ` ${error.message}`));
  } finally {
    link.removeAttribute('aria-busy');
  }
}
