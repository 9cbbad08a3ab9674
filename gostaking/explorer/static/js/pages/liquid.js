// Liquid staking: the sGOS rate and its history, APR, what backs sGOS, the per-node stakes, the instant pool's
// depth and fee, and the redemption tickets of an address (all from /liquid/*; the chain computes every number).

import {
  card,
  facts,
  fill,
  getJSON,
  gos,
  group,
  h,
  link,
  loadAll,
  loading,
  offsetPager,
  section,
  table,
} from '../api.js';
import { language, t, tNodes } from '../i18n.js';
import { lineChart } from '../charts.js';

/** Points of the history chart: the API keeps at most `rate_history_points` (400 by default), read in pages. */
const HISTORY_PAGE = 100;
const TICKETS_PAGE = 25;
const ADDRESS = /^gos1[0-9a-z]+$/;

function sgos(amount) {
  return `${group(amount.display)} sGOS`;
}

function apr(view) {
  return view.apr === null ? t('n/a') : view.apr;
}

/** The API's time left of a ticket ('21d 3h', as English readers see it) in another language's units. */
function timeLeft(text) {
  const match = /^(\d+)d (\d+)h$/.exec(text);
  if (!match || language() === 'en') return text;
  const unit = (value, name) =>
    new Intl.NumberFormat(language(), { style: 'unit', unit: name, unitDisplay: 'short' }).format(Number(value));
  return `${unit(match[1], 'day')} ${unit(match[2], 'hour')}`;
}

async function rateHistory() {
  const first = await getJSON(`/liquid/rate/history?limit=${HISTORY_PAGE}`);
  const pages = [first];
  for (let offset = HISTORY_PAGE; offset < first.total; offset += HISTORY_PAGE)
    pages.push(await getJSON(`/liquid/rate/history?limit=${HISTORY_PAGE}&offset=${offset}`));
  return pages.flatMap((page) => page.points);
}

function cards(rate, holdings, pool) {
  return h(
    'div',
    { class: 'cards' },
    card(t('1 sGOS'), `${rate.gos_per_sgos} GOS`, t('exact, rounded down as a redemption is'), { 'data-stat': 'rate' }),
    card(t('APR (day)'), apr(rate.apr_day), t('over the last {n} blocks', { n: group(rate.apr_day.window_blocks) }), {
      'data-stat': 'apr-day',
    }),
    card(t('APR (week)'), apr(rate.apr_week), t('over the last {n} blocks', { n: group(rate.apr_week.window_blocks) }), {
      'data-stat': 'apr-week',
    }),
    card(t('sGOS supply'), sgos(rate.sgos_supply), t('backed by {amount}', { amount: gos(rate.controlled) }), { 'data-stat': 'supply' }),
    card(t('Instant pool'), gos(pool.gos), t('target {amount}', { amount: gos(pool.target_liquidity, 0) }), { 'data-stat': 'pool-depth' }),
    card(t('Instant fee now'), pool.fee_now, t('rises as the pool empties'), { 'data-stat': 'fee' }),
    card(t('Open tickets'), group(holdings.open_tickets), t('{amount} waiting', { amount: sgos(holdings.ticket_sgos) }), {
      'data-stat': 'tickets',
    }),
  );
}

function historyChart(points, rate) {
  const series = points.map((p) => [p.height, Number(p.gos_per_sgos)]);
  series.push([rate.height, Number(rate.gos_per_sgos)]);
  return section(
    t('Rate history'),
    h('p', { class: 'note' }, t('GOS per sGOS at each rebalance, and now. A slash shows as a fall; burns do not.')),
    lineChart([{ name: t('GOS per sGOS'), points: series }], {
      label: t('GOS per sGOS over {n} points, now {rate}', { n: group(series.length), rate: rate.gos_per_sgos }),
      area: true,
      yMin: Math.min(1, ...series.map((p) => p[1])),
      yFormat: (y) => y.toFixed(3),
    }),
  );
}

function backing(holdings) {
  const stakes = holdings.node_stakes.map((row) => [
    link.node(row.node, row.moniker || row.node),
    gos(row.stake),
    gos(row.target),
    row.eligible ? t('yes') : t('no (draining)'),
  ]);
  return h(
    'div',
    { class: 'grid-2' },
    section(
      t('What backs sGOS'),
      facts([
        [t('Staked'), gos(holdings.staked)],
        [t('Unbonding'), gos(holdings.unbonding)],
        [t('Unstaked (waiting, arrived, claimed)'), gos(holdings.liquid)],
        [t('Pending rewards (after the protocol fee)'), gos(holdings.pending_rewards)],
        [t('Total'), h('b', { 'data-field': 'controlled' }, gos(holdings.controlled))],
        [t('Next rebalance'), link.block(holdings.next_rebalance_height)],
      ]),
    ),
    section(
      t('Stake per node'),
      table(['Node', 'Stake', 'Target', 'Eligible'].map((text) => t(text)), stakes, {
        caption: t('the module’s stake per node'),
        empty: t('The module stakes on no node yet.'),
        numeric: [1, 2],
      }),
    ),
  );
}

function poolSection(pool) {
  return section(
    t('Instant-redemption pool'),
    facts([
      [t('GOS available (depth)'), h('span', { 'data-field': 'pool-gos' }, gos(pool.gos))],
      [t('sGOS taken in'), sgos(pool.sgos)],
      [t('Being redeemed (tickets)'), t('{sgos} worth {gos}', { sgos: sgos(pool.ticket_sgos), gos: gos(pool.ticket_value) })],
      [t('Value'), gos(pool.value)],
      [t('LP units'), group(pool.lp_supply.amount)],
      [t('Fee of a small swap now'), h('span', { 'data-field': 'pool-fee' }, pool.fee_now)],
    ]),
  );
}

function ticketsForm(address) {
  const input = h('input', {
    type: 'text',
    name: 'address',
    value: address || '',
    placeholder: 'gos1…',
    spellcheck: 'false',
    'aria-label': t('Address whose tickets to show'),
  });
  return h(
    'form',
    {
      class: 'inline-form',
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = `#/liquid?address=${encodeURIComponent(input.value.trim())}`;
      },
    },
    input,
    h('button', { type: 'submit' }, t('Show tickets')),
  );
}

function ticketsTable(page, query) {
  const rows = page.tickets.map((ticket) => [
    String(ticket.id),
    sgos(ticket.sgos),
    gos(ticket.payout_now),
    gos(ticket.cap),
    link.block(ticket.due_height),
    ticket.due
      ? t('due')
      : h('span', { title: t('{n} blocks', { n: group(ticket.blocks_left) }) }, timeLeft(ticket.time_left)),
  ]);
  return [
    table(['Ticket', 'sGOS', 'Pays now', 'Cap', 'Due at block', 'Time left'].map((text) => t(text)), rows, {
      caption: t('redemption tickets of {address}', { address: page.address }),
      empty: t('No open ticket.'),
      numeric: [1, 2, 3],
    }),
    offsetPager('/liquid', query, 'offset', {
      offset: page.offset,
      limit: page.limit,
      shown: page.tickets.length,
      total: page.total,
      noun: t('tickets'),
    }),
  ];
}

export async function render(ctx) {
  ctx.title(t('Liquid staking'));
  const address = (ctx.query.get('address') || '').trim();
  const offset = Math.max(0, Number(ctx.query.get('offset')) || 0);
  const root = h('div', { class: 'liquid' }, loading());
  const ticketsBody = h('div', { 'data-section': 'tickets' });
  fill(
    ctx.main,
    h('h1', {}, t('Liquid staking')),
    h(
      'p',
      { class: 'intro' },
      t(
        'Stake GOS through the liquid module for sGOS, a token worth a rising amount of GOS. Leave by a ticket (no fee, after the stake unbonding period) or at once through the instant pool (a fee).',
      ),
    ),
    root,
    section(t('Redemption tickets'), ticketsForm(address), ticketsBody),
  );
  const load = async () => {
    const replies = await loadAll(ctx, [
      getJSON('/liquid/rate'),
      getJSON('/liquid/holdings'),
      getJSON('/liquid/pool'),
      rateHistory(),
    ]);
    if (!replies) return;
    const [rate, holdings, pool, points] = replies;
    root.dataset.height = rate.height;
    fill(root, cards(rate, holdings, pool), historyChart(points, rate), poolSection(pool), backing(holdings));
  };
  const loadTickets = async () => {
    if (!address) {
      fill(ticketsBody, h('p', { class: 'empty' }, t('Enter an address to see its tickets.')));
      return;
    }
    if (!ADDRESS.test(address)) {
      fill(ticketsBody, h('p', { class: 'error', role: 'alert' }, t('{address} is not a gos1… address.', { address })));
      return;
    }
    const replies = await loadAll(ctx, [getJSON(`/liquid/tickets/${address}?limit=${TICKETS_PAGE}&offset=${offset}`)], {
      errorIn: ticketsBody,
    });
    if (!replies) return;
    fill(
      ticketsBody,
      h('p', {}, tNodes('Tickets of {address}', { address: link.account(address, address) })),
      ticketsTable(replies[0], ctx.query),
    );
  };
  await Promise.all([load(), loadTickets()]);
  ctx.onBlock(load);
  ctx.onBlock(loadTickets);
}
