// The order book (docs/book.md): pick a market, see its depth (ladder and chart), place a limit order or a market
// order (immediate-or-cancel with a limit from the book and a slippage bound), see what it escrows and the most fee it
// can pay before signing, cancel an open order, and read your fills. Every order clears in its block's batch auction
// at one price per market. Amounts are BigInt from the API's exact decimal strings; the SVG's pixels alone are floats.
import { api } from '../api.js';
import { AmountError, formatPercent, parseUnits } from '../amounts.js';
import { notional, orderEscrow, orderProblem, planMarketOrder, roundingReserve, worstFee } from '../book.js';
import { t, language } from '../i18n.js';
import { amountInput, describeError, feeLine, field, fmt, freeBalance, GOS, guard, h, outcome, overBalance, report, select, submit, units } from '../ui.js';

const LADDER_LEVELS = 10;
const PLAN_LEVELS = 100; // the most GET /book/markets/{denom}/depth gives: what a market order's plan reads
const FILLS = 20;
const SVG = 'http://www.w3.org/2000/svg';
const BID_COLOR = '#137a3a';
const ASK_COLOR = '#b3261e';

/** How a base's whole unit is written: sGOS keeps its small s (docs/liquid.md), a listed asset is upper case. */
const symbolOf = (unit) => (unit === 'sgos' ? 'sGOS' : unit.toUpperCase());

/** A market of GET /book/markets with its figures as BigInt base units and ugos. */
export function marketOf(view) {
  return {
    denom: view.denom,
    decimals: view.decimals,
    symbol: symbolOf(view.lot.display_denom),
    tick: units(view.tick.gos, GOS.decimals),
    lot: units(view.lot.display, view.decimals),
    minNotional: units(view.min_notional.gos, GOS.decimals),
    takerFeePpm: BigInt(view.taker_fee_ppm),
    roundingReservePerLot: BigInt(view.rounding_reserve_ugos_per_lot),
    takerFee: view.taker_fee,
    view,
  };
}

const gosText = (ugos) => `${fmt(ugos, GOS.decimals)} GOS`;
const priceText = (amount) => (amount ? gosText(units(amount.gos, GOS.decimals)) : '—');
const baseText = (market, amount) => `${fmt(units(amount.display, market.decimals), market.decimals)} ${market.symbol}`;

/** A typed decimal in base units, or null while it is empty or not a number (the preview waits for one). */
function typed(input, decimals) {
  try {
    return input.value.trim() ? parseUnits(input.value, decimals) : null;
  } catch (error) {
    if (error instanceof AmountError) return null;
    throw error;
  }
}

/** Why the chain would refuse the order, in the reader's words (checked before signing). */
function problemText(market, problem) {
  const words = {
    price: () => t('bookPricePositive'),
    quantity: () => t('badAmount', { reason: t('amountPositive') }),
    tick: () => t('bookOffTick', { tick: fmt(market.tick, GOS.decimals) }),
    lot: () => t('bookOffLot', { lot: fmt(market.lot, market.decimals), unit: market.symbol }),
    minimum: () => t('bookBelowMinimum', { minimum: fmt(market.minNotional, GOS.decimals) }),
  };
  return words[problem.code]();
}

/** What an order takes now and the most fee it can pay, as one line. */
function escrowText(market, side, price, quantity) {
  const fee = fmt(worstFee(quantity, price, market.decimals, market.takerFeePpm), GOS.decimals);
  const rate = formatPercent(market.takerFee, language());
  if (side === 'buy') {
    // The rounding reserve is 0 until the first GOS burn: then the line does not mention it.
    const reserve = roundingReserve(market, quantity);
    return t(reserve ? 'bookEscrowBuyReserve' : 'bookEscrowBuy', {
      escrow: fmt(orderEscrow(market, side, quantity, price), GOS.decimals), value: fmt(notional(quantity, price, market.decimals), GOS.decimals),
      fee, rate, reserve: fmt(reserve, GOS.decimals),
    });
  }
  return t('bookEscrowSell', { escrow: fmt(quantity, market.decimals), unit: market.symbol, fee, rate });
}

/** Cumulative bids (left of the best bid) and asks (right of the best ask) against price: a small SVG. */
function depthChart(depth, market) {
  const width = 600;
  const height = 160;
  const pad = 6;
  const chart = document.createElementNS(SVG, 'svg');
  const set = (node, attrs) => { for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v)); return node; };
  set(chart, { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'depth-chart', 'data-chart': 'depth',
    'aria-label': t('bookDepthChart', { market: `${market.symbol}/GOS`, bids: depth.bids.length, asks: depth.asks.length }) });
  const levels = [...depth.bids, ...depth.asks];
  if (!levels.length) {
    const empty = set(document.createElementNS(SVG, 'text'), { x: width / 2, y: height / 2, 'text-anchor': 'middle', fill: 'currentColor', 'font-size': 18 });
    empty.textContent = t('bookEmptyBook');
    chart.append(empty);
    return chart;
  }
  const prices = levels.map((level) => Number(level.price.gos));
  const totals = levels.map((level) => Number(level.cumulative.display));
  // A margin on both sides (a tenth of the prices' spread, or 5% of a lone price) so one level still has a shape.
  const margin = (Math.max(...prices) - Math.min(...prices)) / 10 || Math.max(...prices) / 20 || 1;
  const x0 = Math.min(...prices) - margin;
  const x1 = Math.max(...prices) + margin;
  const top = Math.max(...totals) || 1;
  const sx = (price) => pad + ((Number(price) - x0) / (x1 - x0)) * (width - 2 * pad);
  const sy = (total) => height - pad - (Number(total) / top) * (height - 2 * pad);
  for (const [rows, color, name, edge] of [[depth.bids, BID_COLOR, 'bids', pad], [depth.asks, ASK_COLOR, 'asks', width - pad]]) {
    if (!rows.length) continue;
    // From the best price outwards, a step up at each level, then level to the chart's edge (all of it is on offer).
    let d = `M${sx(rows[0].price.gos).toFixed(1)},${sy(0).toFixed(1)}`;
    let previous = 0;
    for (const level of rows) {
      const x = sx(level.price.gos).toFixed(1);
      d += `L${x},${sy(previous).toFixed(1)}L${x},${sy(level.cumulative.display).toFixed(1)}`;
      previous = level.cumulative.display;
    }
    d += `L${edge},${sy(previous).toFixed(1)}L${edge},${sy(0).toFixed(1)}Z`;
    chart.append(set(document.createElementNS(SVG, 'path'), { d, fill: color, 'fill-opacity': 0.2, stroke: color, 'stroke-width': 1.5, 'data-series': name }));
  }
  return chart;
}

function ladderRows(depth, market) {
  const row = (level, side) => h('tr', { class: side, dataset: { side, price: level.price.gos } },
    h('td', {}, priceText(level.price)), h('td', {}, baseText(market, level.quantity)),
    h('td', {}, baseText(market, level.cumulative)), h('td', {}, String(level.orders)));
  const asks = depth.asks.slice(0, LADDER_LEVELS).reverse().map((level) => row(level, 'ask'));
  return [...asks, ...depth.bids.slice(0, LADDER_LEVELS).map((level) => row(level, 'bid'))];
}

const table = (captionKey, headerKeys, body) => h('div', { class: 'table-wrap' }, h('table', { class: 'book' },
  h('caption', { class: 'sr-only' }, t(captionKey)),
  h('thead', {}, h('tr', {}, ...headerKeys.map((key) => h('th', { scope: 'col' }, key ? t(key) : '')))), body));

export function ordersPage(session) {
  let markets = [];
  let chosenMarket = null;
  const marketSelect = select(t('bookMarket'), [], null);
  const summary = h('p', { class: 'market-line', 'aria-live': 'polite' }, '—');
  const chartSlot = h('div', { class: 'depth' });
  const ladderBody = h('tbody');
  const sideNames = () => [['buy', t('bookBuy')], ['sell', t('bookSell')]];

  const side = select(t('bookSide'), sideNames(), 'buy');
  const price = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '0' });
  const amount = amountInput(t('bookAmount'));
  const timeInForce = select(t('bookTimeInForce'), [['gtc', t('bookGtc')], ['ioc', t('bookIoc')], ['post_only', t('bookPostOnly')]], 'gtc');
  const expiry = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: t('bookNever') });
  const limitPreview = h('p', { class: 'quote order-preview', 'aria-live': 'polite' }, '—');
  const limitResult = outcome();

  const marketSide = select(t('bookMarketSide'), sideNames(), 'buy');
  const marketAmount = amountInput(t('bookMarketAmount'));
  const slippage = h('input', { type: 'text', inputmode: 'decimal', value: '1', 'aria-label': t('slippage') });
  const marketPreview = h('p', { class: 'quote market-preview', 'aria-live': 'polite' }, '—');
  const marketResult = outcome();

  const ordersBody = h('tbody');
  const ordersEmpty = h('p', { class: 'muted' }, t('bookNoOrders'));
  const cancelResult = outcome();
  const fillsBody = h('tbody');
  const fillsEmpty = h('p', { class: 'muted' }, t('bookNoFills'));

  const priceField = field(t('bookPrice'), price, ' ');
  const amountField = field(t('bookAmount'), amount, ' ');
  const marketAmountField = field(t('bookMarketAmount'), marketAmount, ' ');
  const market = () => chosenMarket;

  function showUnits() {
    const m = market();
    if (!m) return;
    priceField.querySelector('.hint').textContent = t('bookPriceHint', { unit: m.symbol, tick: fmt(m.tick, GOS.decimals) });
    const lotHint = t('bookAmountHint', { unit: m.symbol, lot: fmt(m.lot, m.decimals), minimum: fmt(m.minNotional, GOS.decimals) });
    amountField.querySelector('.hint').textContent = lotHint;
    marketAmountField.querySelector('.hint').textContent = lotHint;
  }

  function previewLimit() {
    const m = market();
    const p = m && typed(price, GOS.decimals);
    const q = m && typed(amount, m.decimals);
    if (!m || p === null || q === null) {
      limitPreview.textContent = '—';
      return;
    }
    const problem = orderProblem(m, p, q);
    limitPreview.textContent = problem ? problemText(m, problem) : escrowText(m, side.value, p, q);
  }

  /** The market order the form describes against the book now ({market, side, quantity, plan}), shown in the
   * preview; null, with the reason shown there (a dash while nothing is typed), when there is none. */
  async function planMarket() {
    const none = (text) => {
      marketPreview.textContent = text;
      return null;
    };
    const m = market();
    const q = m && typed(marketAmount, m.decimals);
    if (!m || q === null) return none('—');
    const lotProblem = q <= 0n ? { code: 'quantity' } : q % m.lot !== 0n ? { code: 'lot' } : null;
    if (lotProblem) return none(problemText(m, lotProblem));
    const tolerance = parseUnits(slippage.value || '0', 4); // percent to 4 places = parts per million
    if (tolerance > 1_000_000n) throw new RangeError('slippage above 100%', { cause: { code: 'slippage' } });
    const orderSide = marketSide.value;
    const depth = await api.get(`/book/markets/${m.denom}/depth?levels=${PLAN_LEVELS}`);
    const opposite = (orderSide === 'buy' ? depth.asks : depth.bids)
      .map((level) => [units(level.price.gos, GOS.decimals), units(level.quantity.display, m.decimals)]);
    const plan = planMarketOrder(orderSide, q, opposite, tolerance, m.tick);
    if (!plan) return none(t(orderSide === 'buy' ? 'bookNoAsks' : 'bookNoBids'));
    const shapeProblem = orderProblem(m, plan.worst, q);
    if (shapeProblem) return none(problemText(m, shapeProblem));
    marketPreview.textContent = t('bookMarketPlan', {
      filled: fmt(plan.quantity, m.decimals), unit: m.symbol, clearing: fmt(plan.clearing, GOS.decimals),
      best: fmt(plan.best, GOS.decimals), worst: fmt(plan.worst, GOS.decimals),
    }) + ' ' + escrowText(m, orderSide, plan.worst, q);
    return { market: m, side: orderSide, quantity: q, plan };
  }

  /** The escrow of an order checked against the free balance it comes from; a message, or null. */
  async function balanceProblem(m, orderSide, p, q) {
    const account = await api.get(`/accounts/${session.key.address}`);
    if (orderSide === 'buy') {
      return overBalance(orderEscrow(m, 'buy', q, p), freeBalance(account, GOS), GOS.decimals, t('free'));
    }
    return overBalance(q, freeBalance(account, { denom: m.denom, decimals: m.decimals }), m.decimals, t('bookFreeBase', { unit: m.symbol }));
  }

  async function placeLimit() {
    report(limitResult, 'waiting', t('waiting')); // at once: the click is acknowledged before any request
    const m = market();
    const p = typed(price, GOS.decimals);
    const q = typed(amount, m.decimals);
    if (p === null) return report(limitResult, 'error', t('bookPricePositive'));
    if (q === null) return report(limitResult, 'error', t('badAmount', { reason: t('amountNumber') }));
    const problem = orderProblem(m, p, q);
    if (problem) return report(limitResult, 'error', problemText(m, problem));
    let expiryHeight = 0n;
    if (expiry.value.trim()) {
      if (!/^\d+$/.test(expiry.value.trim()) || BigInt(expiry.value.trim()) === 0n) return report(limitResult, 'error', t('bookBadExpiry'));
      expiryHeight = BigInt((await api.get('/status')).height) + BigInt(expiry.value.trim());
    }
    const short = await balanceProblem(m, side.value, p, q);
    if (short) return report(limitResult, 'error', short);
    await submit(session, limitResult, [{
      type: 'place_order', market: m.denom, side: side.value, price: p, quantity: q, time_in_force: timeInForce.value, expiry_height: expiryHeight,
    }]);
  }

  async function placeMarket() {
    report(marketResult, 'waiting', t('waiting'));
    const planned = await planMarket(); // again on the click: the book may have moved since the last preview
    if (!planned) return report(marketResult, 'error', marketPreview.textContent === '—' ? t('badAmount', { reason: t('amountNumber') }) : marketPreview.textContent);
    const { market: m, side: orderSide, quantity, plan } = planned;
    const short = await balanceProblem(m, orderSide, plan.worst, quantity);
    if (short) return report(marketResult, 'error', short);
    await submit(session, marketResult, [{
      type: 'place_order', market: m.denom, side: orderSide, price: plan.worst, quantity, time_in_force: 'ioc', expiry_height: 0n,
    }]);
  }

  const cancel = (id) => guard(cancelResult, () => submit(session, cancelResult, [{ type: 'cancel_order', order_id: BigInt(id) }]));

  for (const control of [side, price, amount]) control.addEventListener('input', previewLimit);
  side.addEventListener('change', previewLimit);
  const replan = guard(marketResult, planMarket);
  for (const control of [marketSide, marketAmount, slippage]) control.addEventListener('input', replan);
  marketSide.addEventListener('change', replan);
  marketSelect.addEventListener('change', () => {
    chosenMarket = markets.find((m) => m.denom === marketSelect.value) ?? null;
    showUnits();
    previewLimit();
    root.refresh().catch((error) => report(limitResult, 'error', describeError(error)));
  });

  const part = (titleKey, ...children) => h('section', { class: 'book-part' }, h('h2', {}, t(titleKey)), ...children);
  const root = h(
    'section',
    { class: 'page card orders', 'aria-labelledby': 'orders-title' },
    h('h1', { id: 'orders-title' }, t('bookTitle')),
    h('p', { class: 'help' }, t('bookHelp')),
    field(t('bookMarket'), marketSelect),
    summary,
    part('bookDepthTitle', chartSlot,
      table('bookLadderCaption', ['bookPriceColumn', 'bookAmountColumn', 'bookTotalColumn', 'bookOrdersColumn'], ladderBody)),
    h('div', { class: 'grid' },
      part('bookLimitTitle', field(t('bookSide'), side), priceField, amountField, field(t('bookTimeInForce'), timeInForce),
        field(t('bookExpiry'), expiry, t('bookExpiryHint')), limitPreview, feeLine(session),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: guard(limitResult, placeLimit) }, t('bookPlace'))),
        limitResult),
      part('bookMarketTitle', h('p', { class: 'help' }, t('bookMarketHelp')), field(t('bookMarketSide'), marketSide), marketAmountField,
        field(t('slippage'), slippage), marketPreview, feeLine(session),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: guard(marketResult, placeMarket) }, t('bookPlaceMarket'))),
        marketResult)),
    part('bookOrdersTitle',
      table('bookOrdersTitle', ['bookOrderColumn', 'bookSideColumn', 'bookPriceColumn', 'bookFilledColumn', 'bookTifColumn', 'bookExpiresColumn', 'bookEscrowColumn', null], ordersBody),
      ordersEmpty, feeLine(session), cancelResult),
    part('bookFillsTitle',
      table('bookFillsTitle', ['bookBlockColumn', 'bookOrderColumn', 'bookSideColumn', 'bookPriceColumn', 'bookAmountColumn', 'bookFeeColumn', 'bookRoleColumn'], fillsBody),
      fillsEmpty),
  );

  const sideText = (value) => (value === 'buy' ? t('bookBuy') : t('bookSell'));
  const tifText = (value) => ({ gtc: t('bookGtc'), ioc: t('bookIoc'), post_only: t('bookPostOnly') })[value] ?? value;
  const marketNamed = (denom) => markets.find((m) => m.denom === denom) ?? { denom, decimals: 0, symbol: denom };

  function showOrders(page) {
    ordersEmpty.hidden = page.orders.length > 0;
    ordersBody.replaceChildren(...page.orders.map((order) => {
      const m = marketNamed(order.market);
      const escrow = order.side === 'buy' ? gosText(units(order.escrow.display, GOS.decimals)) : baseText(m, order.escrow);
      return h('tr', { dataset: { order: String(order.id), market: order.market } },
        h('td', {}, `#${order.id}`), h('td', {}, `${sideText(order.side)} ${m.symbol}`), h('td', {}, priceText(order.price)),
        h('td', {}, `${baseText(m, order.filled)} / ${baseText(m, order.quantity)}`), h('td', {}, tifText(order.time_in_force)),
        h('td', {}, order.expiry_height ? t('bookAtBlock', { height: new Intl.NumberFormat(language()).format(order.expiry_height) }) : t('bookNever')),
        h('td', { dataset: { col: 'escrow' } }, escrow),
        h('td', {}, h('button', { type: 'button', 'aria-label': t('bookCancelOrder', { id: order.id }), onclick: cancel(order.id) }, t('bookCancel'))));
    }));
  }

  function showFills(page) {
    fillsEmpty.hidden = page.items.length > 0;
    fillsBody.replaceChildren(...page.items.map((item) => {
      const m = marketNamed(item.market);
      return h('tr', { dataset: { fill: String(item.id), order: String(item.order_id) } },
        h('td', {}, new Intl.NumberFormat(language()).format(item.height)), h('td', {}, `#${item.order_id}`),
        h('td', {}, `${sideText(item.side)} ${m.symbol}`), h('td', {}, priceText(item.price)), h('td', {}, baseText(m, item.quantity)),
        h('td', {}, priceText(item.fee)), h('td', {}, item.maker ? t('bookMaker') : t('bookTaker')));
    }));
  }

  root.refresh = async () => {
    const address = session.key.address;
    const [list, orders, fills] = await Promise.all([
      api.get('/book/markets'), api.get(`/accounts/${address}/orders`), api.get(`/accounts/${address}/fills?limit=${FILLS}`),
    ]);
    const listed = list.markets.map(marketOf);
    if (listed.map((m) => m.denom).join() !== markets.map((m) => m.denom).join()) {
      const keep = marketSelect.value || listed[0]?.denom;
      marketSelect.replaceChildren(...listed.map((m) => h('option', { value: m.denom, selected: m.denom === keep }, `${m.symbol}/GOS`)));
    }
    markets = listed;
    chosenMarket = markets.find((m) => m.denom === marketSelect.value) ?? markets[0] ?? null;
    showUnits();
    showOrders(orders);
    showFills(fills);
    const m = market();
    if (m) {
      const depth = await api.get(`/book/markets/${m.denom}/depth?levels=${LADDER_LEVELS}`);
      const last = m.view.last_auction;
      summary.dataset.market = m.denom;
      summary.textContent = t('bookSummary', {
        last: last ? priceText(last.price) : '—', bid: priceText(m.view.best_bid), ask: priceText(m.view.best_ask),
      });
      chartSlot.replaceChildren(depthChart(depth, m));
      ladderBody.replaceChildren(...ladderRows(depth, m));
      previewLimit();
      if (marketAmount.value) await replan(); // the book moves every block: so does the plan
    }
    root.dataset.loaded = 'true';
  };
  return root;
}
