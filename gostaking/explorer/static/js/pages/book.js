// The order book (docs/book.md): its markets, and per market the depth chart of the resting orders, OHLCV candles of
// the auctions' clearing prices, the last auctions and the best prices, all from /book/*. Every amount shown is the
// API's exact decimal string; numbers only place things in the charts (pixels).

import { age, card, facts, fill, getJSON, gos, group, h, link, loadAll, section, table, trimDecimals } from '../api.js';
import { svg } from '../charts.js';
import { language, t } from '../i18n.js';

const INTERVAL_NAMES = { '1m': () => t('1 minute'), '1h': () => t('1 hour'), '1d': () => t('1 day') };
const INTERVALS = Object.keys(INTERVAL_NAMES);
const DEFAULT_INTERVAL = '1h';
const DEPTH_LEVELS = 50;
const CANDLES = 60;
const TRADES = 20;
const BID_COLOR = '#059669';
const ASK_COLOR = '#dc2626';

/** How a base's whole unit is written: sGOS keeps its small s (docs/liquid.md), a listed asset is upper case. */
function symbolOf(unit) {
  return unit === 'sgos' ? 'sGOS' : unit.toUpperCase();
}

function symbolOfMarket(market) {
  return symbolOf(market.lot.display_denom);
}

/** An amount of the base: '0.05 BTC'. */
function base(amount, symbol) {
  return `${group(amount.display)} ${symbol}`;
}

function priceOrNone(price) {
  return price ? gos(price) : t('none');
}

function chartFrame(width, height, label) {
  return svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'chart', preserveAspectRatio: 'xMinYMid meet' },
    svg('title', {}, label),
  );
}

function emptyChart(chart, width, height, text) {
  chart.appendChild(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' }, text));
  return chart;
}

/**
 * The depth chart: cumulative open quantity (y) against price (x), bids stepping down to the left of the best bid
 * and asks up to the right of the best ask. Axis labels are the API's exact prices and totals.
 */
export function depthChart(depth, symbol, { width = 720, height = 260 } = {}) {
  const label = t('Depth of the {market} book: {bids} bid levels, {asks} ask levels', {
    market: `${symbol}/GOS`,
    bids: depth.bids.length,
    asks: depth.asks.length,
  });
  const chart = chartFrame(width, height, label);
  chart.dataset.chart = 'depth';
  const levels = [...depth.bids, ...depth.asks];
  if (!levels.length) return emptyChart(chart, width, height, t('No open orders.'));
  const pad = { left: 64, right: 16, top: 14, bottom: 30 };
  const prices = levels.map((level) => Number(level.price.gos));
  const deepest = [depth.bids.at(-1), depth.asks.at(-1)].filter(Boolean);
  const top = deepest.reduce((most, level) => (Number(level.cumulative.display) > Number(most.cumulative.display) ? level : most));
  // A margin on both sides (a tenth of the prices' spread, or 5% of a lone price) so one level still has a shape.
  const margin = (Math.max(...prices) - Math.min(...prices)) / 10 || Math.max(...prices) / 20 || 1;
  const x0 = Math.min(...prices) - margin;
  const x1 = Math.max(...prices) + margin;
  const y1 = Number(top.cumulative.display) || 1;
  const sx = (price) => pad.left + ((Number(price) - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const sy = (quantity) => height - pad.bottom - (Number(quantity) / y1) * (height - pad.top - pad.bottom);
  for (const [y, text] of [[0, '0'], [y1, trimDecimals(top.cumulative.display, 8)]]) {
    chart.appendChild(svg('line', { x1: pad.left, x2: width - pad.right, y1: sy(y), y2: sy(y), class: 'grid' }));
    chart.appendChild(svg('text', { x: pad.left - 6, y: sy(y) + 4, 'text-anchor': 'end', class: 'axis' }, group(text)));
  }
  const side = (rows, color, name, edge) => {
    if (!rows.length) return;
    // A step line from the best price outwards: at each level the total rises by that level's quantity; then level
    // to the chart's edge (all of it is on offer beyond the last level).
    let d = `M${sx(rows[0].price.gos).toFixed(1)},${sy(0).toFixed(1)}`;
    let previous = '0';
    for (const level of rows) {
      const x = sx(level.price.gos).toFixed(1);
      d += `L${x},${sy(previous).toFixed(1)}L${x},${sy(level.cumulative.display).toFixed(1)}`;
      previous = level.cumulative.display;
    }
    d += `L${edge},${sy(previous).toFixed(1)}`;
    chart.appendChild(svg('path', { d: `${d}L${edge},${sy(0).toFixed(1)}Z`, fill: color, 'fill-opacity': 0.15, stroke: 'none' }));
    chart.appendChild(svg('path', { d, fill: 'none', stroke: color, 'stroke-width': 2, class: 'series', 'data-series': name }));
    for (const level of rows) {
      chart.appendChild(
        svg(
          'circle',
          { cx: sx(level.price.gos), cy: sy(level.cumulative.display), r: 3, fill: color, 'data-price': level.price.gos },
          svg('title', {}, `${gos(level.price)}: ${base(level.quantity, symbol)} (${t('{n} orders', { n: level.orders })})`),
        ),
      );
    }
  };
  side(depth.bids, BID_COLOR, 'bids', pad.left);
  side(depth.asks, ASK_COLOR, 'asks', width - pad.right);
  // The x axis: the lowest and highest prices shown, and the spread between the best bid and the best ask.
  const lowest = depth.bids.at(-1) ?? depth.asks[0];
  const highest = depth.asks.at(-1) ?? depth.bids[0];
  const axisText = (x, anchor, text) =>
    chart.appendChild(svg('text', { x, y: height - 8, 'text-anchor': anchor, class: 'axis' }, text));
  axisText(sx(lowest.price.gos), 'start', group(lowest.price.gos));
  if (highest.price.gos !== lowest.price.gos) axisText(sx(highest.price.gos), 'end', group(highest.price.gos));
  if (depth.bids.length && depth.asks.length) {
    const middle = (sx(depth.bids[0].price.gos) + sx(depth.asks[0].price.gos)) / 2;
    axisText(middle, 'middle', `${group(depth.bids[0].price.gos)} – ${group(depth.asks[0].price.gos)}`);
  }
  return chart;
}

/**
 * Candles: one per period that had an auction, placed by its start time (periods without a trade leave a gap),
 * open-close body (green when the close is not below the open) with its high-low wick, and the volume below.
 */
export function candleChart(reply, symbol, { width = 720, height = 280 } = {}) {
  const candles = reply.candles;
  const label = t('{n} candles of {interval} of the {market} clearing price', {
    n: candles.length,
    interval: reply.interval,
    market: `${symbol}/GOS`,
  });
  const chart = chartFrame(width, height, label);
  chart.dataset.chart = 'candles';
  if (!candles.length) return emptyChart(chart, width, height, t('No auction has traded yet.'));
  const pad = { left: 64, right: 16, top: 14, bottom: 30 };
  const volumeHeight = 50;
  const priceBottom = height - pad.bottom - volumeHeight - 8;
  const highest = candles.reduce((most, c) => (Number(c.high.gos) > Number(most.high.gos) ? c : most));
  const lowest = candles.reduce((least, c) => (Number(c.low.gos) < Number(least.low.gos) ? c : least));
  const loudest = candles.reduce((most, c) => (Number(c.volume.display) > Number(most.volume.display) ? c : most));
  // A margin above and below (a tenth of the range, or a hundredth of the price when all prices are equal).
  const margin = (Number(highest.high.gos) - Number(lowest.low.gos)) / 10 || Number(highest.high.gos) / 100 || 1;
  const y0 = Number(lowest.low.gos) - margin;
  const y1 = Number(highest.high.gos) + margin;
  const first = candles[0].start_ms;
  const slots = Math.max(1, Math.round((candles.at(-1).start_ms - first) / reply.interval_ms) + 1);
  const slot = (width - pad.left - pad.right) / slots;
  const sx = (start) => pad.left + ((start - first) / reply.interval_ms + 0.5) * slot;
  const sy = (price) => priceBottom - ((Number(price) - y0) / (y1 - y0)) * (priceBottom - pad.top);
  const sv = (volume) => (Number(volume) / (Number(loudest.volume.display) || 1)) * volumeHeight;
  for (const text of new Set([highest.high.gos, lowest.low.gos])) {
    const y = sy(text);
    chart.appendChild(svg('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: 'grid' }));
    chart.appendChild(svg('text', { x: pad.left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, group(text)));
  }
  const body = Math.max(1, Math.min(slot * 0.7, 18));
  const time = new Intl.DateTimeFormat(language(), { dateStyle: 'short', timeStyle: 'short' });
  for (const candle of candles) {
    const rising = Number(candle.close.gos) >= Number(candle.open.gos);
    const color = rising ? BID_COLOR : ASK_COLOR;
    const x = sx(candle.start_ms);
    const top = sy(rising ? candle.close.gos : candle.open.gos);
    const bottom = sy(rising ? candle.open.gos : candle.close.gos);
    const volume = sv(candle.volume.display);
    const text = t('{time}: open {open}, high {high}, low {low}, close {close}, volume {volume}', {
      time: time.format(new Date(candle.start_ms)),
      open: gos(candle.open),
      high: gos(candle.high),
      low: gos(candle.low),
      close: gos(candle.close),
      volume: base(candle.volume, symbol),
    });
    chart.appendChild(
      svg(
        'g',
        { class: 'candle', 'data-start': candle.start_ms, 'data-close': candle.close.gos },
        svg('title', {}, text),
        svg('line', { x1: x, x2: x, y1: sy(candle.high.gos), y2: sy(candle.low.gos), stroke: color, 'stroke-width': 1.5 }),
        svg('rect', { x: x - body / 2, y: top, width: body, height: Math.max(1.5, bottom - top), fill: color }),
        svg('rect', {
          x: x - body / 2,
          y: height - pad.bottom - volume,
          width: body,
          height: volume,
          fill: color,
          'fill-opacity': 0.35,
        }),
      ),
    );
  }
  chart.appendChild(
    svg('text', { x: pad.left, y: height - 8, 'text-anchor': 'start', class: 'axis' }, time.format(new Date(first))),
  );
  if (candles.length > 1)
    chart.appendChild(
      svg(
        'text',
        { x: width - pad.right, y: height - 8, 'text-anchor': 'end', class: 'axis' },
        time.format(new Date(candles.at(-1).start_ms)),
      ),
    );
  return chart;
}

function marketsTable(markets) {
  const rows = markets.map((market) => {
    const symbol = symbolOfMarket(market);
    return [
      h('a', { href: `#/book/${market.denom}`, 'data-market': market.denom }, `${symbol}/GOS`),
      market.last_auction ? gos(market.last_auction.price) : t('none'),
      priceOrNone(market.best_bid),
      priceOrNone(market.best_ask),
      market.last_auction ? link.block(market.last_auction.height) : t('none'),
      gos(market.tick),
      base(market.lot, symbol),
      `${market.maker_fee} / ${market.taker_fee}`,
      market.halted ? t('halted') : t('open'),
    ];
  });
  return table(
    ['Market', 'Last price', 'Best bid', 'Best ask', 'Last auction', 'Tick', 'Lot', 'Maker / taker fee', 'Status'].map((text) => t(text)),
    rows,
    { caption: t('order-book markets'), empty: t('No market is listed.'), numeric: [1, 2, 3, 5, 6] },
  );
}

export async function renderMarkets(ctx) {
  ctx.title(t('Order book'));
  const body = h('div', { class: 'book-markets' });
  fill(
    ctx.main,
    h('h1', {}, t('Order book')),
    h(
      'p',
      { class: 'intro' },
      t(
        'Limit orders on base/GOS markets. Each block ends with one batch auction per market: every order that trades in it trades at the one clearing price, so the order of transactions inside a block gives no advantage.',
      ),
    ),
    body,
  );
  const load = async () => {
    const replies = await loadAll(ctx, [getJSON('/book/markets')]);
    if (!replies) return;
    const [reply] = replies;
    body.dataset.height = reply.height;
    fill(body, section(t('Markets'), marketsTable(reply.markets)));
  };
  await load();
  ctx.onBlock(load);
}

/** The oracle's time-weighted average of the market's clearing prices (GET /oracle/prices: listed assets only). */
function bookTwap(prices, denom) {
  return { height: prices.height, price: prices.assets.find((asset) => asset.denom === denom)?.exchange_twap.book ?? null };
}

function marketCards(market, symbol, twap) {
  const last = market.last_auction;
  return h(
    'div',
    { class: 'cards' },
    card(t('Last clearing price'), last ? gos(last.price) : t('none'), last ? t('at block {height}', { height: group(last.height) }) : t('no auction has traded yet'), {
      'data-stat': 'last-price',
    }),
    card(t('Best bid'), priceOrNone(market.best_bid), t('the highest open buy'), { 'data-stat': 'best-bid' }),
    card(t('Best ask'), priceOrNone(market.best_ask), t('the lowest open sell'), { 'data-stat': 'best-ask' }),
    card(t('Last auction volume'), last ? base(last.volume, symbol) : t('none'), last ? gos(last.notional) : '', {
      'data-stat': 'last-volume',
    }),
    card(t('Average clearing price'), twap.price ? gos(twap.price) : t('none'), t("the oracle's time-weighted average"), {
      'data-stat': 'book-twap',
      'data-height': twap.height,
    }),
  );
}

function listing(market, symbol) {
  return section(
    t('Listing'),
    facts([
      [t('Tick (prices are multiples of)'), gos(market.tick)],
      [t('Lot (quantities are multiples of)'), base(market.lot, symbol)],
      [t('Minimum order value'), gos(market.min_notional)],
      [t('Maker fee'), market.maker_fee],
      [t('Taker fee'), market.taker_fee],
      [t('Listed at block'), link.block(market.listed_height)],
      [t('Status'), market.halted ? t('halted') : t('open')],
    ]),
  );
}

function depthTable(rows, symbol, sideName) {
  const cells = rows.map((level) => [
    gos(level.price),
    base(level.quantity, symbol),
    base(level.cumulative, symbol),
    group(level.orders),
  ]);
  return table(['Price', 'Quantity', 'Total', 'Orders'].map((text) => t(text)), cells, {
    caption: sideName,
    empty: t('No open orders.'),
    numeric: [0, 1, 2, 3],
  });
}

function depthSection(depth, symbol) {
  return section(
    t('Depth'),
    h('p', { class: 'note' }, t('Open orders per price, best first, with the running total: bids green, asks red.')),
    depthChart(depth, symbol),
    h(
      'div',
      { class: 'grid-2' },
      h('div', { 'data-side': 'bids' }, h('h3', {}, t('Bids (buy)')), depthTable(depth.bids, symbol, t('bids'))),
      h('div', { 'data-side': 'asks' }, h('h3', {}, t('Asks (sell)')), depthTable(depth.asks, symbol, t('asks'))),
    ),
  );
}

function intervalSwitch(denom, chosen) {
  return h(
    'nav',
    { class: 'pager', 'aria-label': t('Candle interval') },
    INTERVALS.map((interval) =>
      h(
        'a',
        {
          href: `#/book/${denom}?interval=${interval}`,
          class: interval === chosen ? 'button' : 'small-button',
          'aria-current': interval === chosen ? 'true' : null,
          'data-interval': interval,
        },
        INTERVAL_NAMES[interval](),
      ),
    ),
  );
}

function tradesTable(page, symbol) {
  const rows = page.items.map((trade) => [
    link.block(trade.height),
    age(trade.time),
    gos(trade.price),
    base(trade.volume, symbol),
    gos(trade.notional),
    group(trade.fills),
  ]);
  return table(['Block', 'Age', 'Clearing price', 'Volume', 'Value', 'Orders filled'].map((text) => t(text)), rows, {
    caption: t('the last auctions of the market'),
    empty: t('No auction has traded yet.'),
    numeric: [2, 3, 4, 5],
  });
}

export async function renderMarket(ctx, denom) {
  const interval = INTERVALS.includes(ctx.query.get('interval')) ? ctx.query.get('interval') : DEFAULT_INTERVAL;
  const root = h('div', { class: 'book-market' });
  const candles = h('div', { 'data-section': 'candles' });
  const trades = h('div', { 'data-section': 'trades' });
  ctx.title(t('Order book'));
  fill(ctx.main, h('h1', {}, t('Order book')), root);
  const load = async () => {
    const replies = await loadAll(ctx, [
      getJSON(`/book/markets/${encodeURIComponent(denom)}`),
      getJSON(`/book/markets/${encodeURIComponent(denom)}/depth?levels=${DEPTH_LEVELS}`),
      getJSON(`/book/markets/${encodeURIComponent(denom)}/candles?interval=${interval}&limit=${CANDLES}`),
      getJSON(`/book/markets/${encodeURIComponent(denom)}/trades?limit=${TRADES}`),
      getJSON('/oracle/prices'),
    ]);
    if (!replies) return;
    const [market, depth, candleReply, tradesPage, prices] = replies;
    const symbol = symbolOfMarket(market);
    ctx.title(t('{market} order book', { market: `${symbol}/GOS` }));
    root.dataset.height = depth.height;
    fill(candles, intervalSwitch(denom, interval), candleChart(candleReply, symbol));
    fill(trades, tradesTable(tradesPage, symbol));
    fill(
      root,
      h('p', { class: 'title-line' }, h('a', { href: '#/book' }, t('Markets')), ' / ', h('b', {}, `${symbol}/GOS`)),
      marketCards(market, symbol, bookTwap(prices, denom)),
      depthSection(depth, symbol),
      section(t('Candles'), h('p', { class: 'note' }, t('Clearing prices per period of block time (UTC); a period without an auction has no candle.')), candles),
      section(t('Recent auctions'), trades),
      listing(market, symbol),
    );
  };
  await load();
  ctx.onBlock(load);
}
