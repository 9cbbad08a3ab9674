// Talking to the node API, building DOM safely, and formatting numbers without losing exactness.

import { EVENTS } from './events.js';
import { language, t } from './i18n.js';

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** GET a JSON endpoint of this node; throws ApiError with the API's message on failure. */
export async function getJSON(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new ApiError(t('the node is unreachable ({message})', { message: err.message }), 0);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = body && body.message ? body.message : `HTTP ${response.status}`;
    throw new ApiError(message, response.status);
  }
  return body;
}

/**
 * Create an element: h('a', {href: '#/'}, 'text', child). Strings become text nodes (never HTML), so
 * nothing the chain returns can inject markup. Attributes starting with "on" attach listeners.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

/**
 * An exact decimal string grouped with the chosen locale's separators: "30240000.5" -> "30,240,000.5" in English.
 * Intl formats the whole part as a BigInt, so no digit passes through a float (as the app's formatDecimal).
 */
export function group(text) {
  const value = String(text);
  const negative = value.startsWith('-');
  const [whole, frac] = (negative ? value.slice(1) : value).split('.');
  if (!/^\d+$/.test(whole)) return value;
  const format = new Intl.NumberFormat(language());
  const mark = format.formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
  return (negative ? '-' : '') + format.format(BigInt(whole)) + (frac ? mark + frac : '');
}

/** A decimal string cut to `digits` decimals (display only; amounts stay exact in the API). */
export function trimDecimals(text, digits) {
  const [whole, frac] = String(text).split('.');
  if (!frac || digits < 0) return String(text);
  const kept = frac.slice(0, digits).replace(/0+$/, '');
  return kept ? `${whole}.${kept}` : whole;
}

/** An integer of base units as an exact decimal string: (1500000, 6) -> "1.5". */
export function fromBaseUnits(units, decimals) {
  const raw = BigInt(units);
  const negative = raw < 0n;
  const digits = (negative ? -raw : raw).toString().padStart(decimals + 1, '0');
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return (negative ? '-' : '') + digits.slice(0, digits.length - decimals) + (fraction ? `.${fraction}` : '');
}

/** "1,234.56 GOS" from a GosAmount or a decimal string. */
export function gos(amount, digits = 6) {
  const text = typeof amount === 'object' && amount !== null ? amount.gos : amount;
  return `${group(trimDecimals(text, digits))} GOS`;
}

/** Hash power in H/s from a HashPower object. */
export function hs(power, digits = 2) {
  return `${group(trimDecimals(power.hs, digits))} H/s`;
}

export function short(text, head = 10, tail = 6) {
  const value = String(text || '');
  return value.length > head + tail + 1 ? `${value.slice(0, head)}…${value.slice(-tail)}` : value;
}

/** Seconds as two units in the chosen locale: "2 days 3 hr", "4 hr 5 min", "12 sec" (zh-CN "2天 3小时"). */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return t('unknown');
  const s = Math.max(0, Math.round(seconds));
  const unit = (value, name) =>
    new Intl.NumberFormat(language(), { style: 'unit', unit: name, unitDisplay: 'short' }).format(value);
  const d = Math.floor(s / 86400);
  const hr = Math.floor((s % 86400) / 3600);
  const min = Math.floor((s % 3600) / 60);
  if (d > 0) return `${unit(d, 'day')} ${unit(hr, 'hour')}`;
  if (hr > 0) return `${unit(hr, 'hour')} ${unit(min, 'minute')}`;
  if (min > 0) return `${unit(min, 'minute')} ${unit(s % 60, 'second')}`;
  return unit(s, 'second');
}

/** Seconds with up to `digits` decimals and the locale's unit ("0.3 s"; zh-CN "0.3秒"). */
export function seconds(value, digits = 2) {
  const unit = { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: digits };
  return new Intl.NumberFormat(language(), unit).format(value);
}

/** A date and time in the chosen locale ("6 Dec 2026, 01:31:59"; zh-CN "2026年12月6日 01:31:59"). */
export function when(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

export function ago(iso) {
  if (!iso) return '';
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  return seconds < 1 ? t('just now') : t('{time} ago', { time: duration(seconds) });
}

/** A time shown as its age ("5 min ago"), with the date as a tooltip: a cell of a list. */
export function age(iso) {
  return h('time', { datetime: iso, title: when(iso) }, ago(iso));
}

/** A time shown in full with its age, "12 Mar 2025, 10:00:00 (5 min ago)": a fact of a detail page. */
export function moment(iso) {
  return h('time', { datetime: iso }, `${when(iso)} (${ago(iso)})`);
}

/** Monikers by operator address and by consensus address (upper-case hex), filled by loadNodeNames(). */
const MONIKERS = new Map();
/** Operator addresses by consensus address (upper-case hex): a proposer links to its node page. */
const OPERATORS = new Map();
const NODE_NAMES_MAX_AGE_MS = 30_000;
let nodeNamesLoaded = null;

/**
 * Learn the nodes' monikers (once per 30 s; a page that names nodes awaits it with its own requests), so that
 * proposers, signers and node links read "devnet-node", not hex. A failure leaves the hex: names are a nicety.
 */
export function loadNodeNames() {
  if (!nodeNamesLoaded || Date.now() - nodeNamesLoaded.at > NODE_NAMES_MAX_AGE_MS) {
    const request = getJSON('/explorer/nodes?limit=100')
      .then((list) => {
        for (const n of list.nodes) {
          MONIKERS.set(n.operator, n.moniker);
          MONIKERS.set(n.consensus_address.toUpperCase(), n.moniker);
          OPERATORS.set(n.consensus_address.toUpperCase(), n.operator);
        }
      })
      .catch(() => null);
    nodeNamesLoaded = { at: Date.now(), request };
  }
  return nodeNamesLoaded.request;
}

/** A node's moniker from its operator or consensus address, or null when unknown. */
export function moniker(id) {
  return MONIKERS.get(id) ?? MONIKERS.get(String(id).toUpperCase()) ?? null;
}

/** A block's proposer (a consensus address) by its moniker, the hex in the tooltip; linked to its node page. */
export function proposerName(consensusAddress) {
  const name = moniker(consensusAddress);
  const operator = OPERATORS.get(String(consensusAddress).toUpperCase());
  const text = name ?? short(consensusAddress, 8, 4);
  const attrs = { title: consensusAddress, 'data-field': 'proposer', class: name ? null : 'mono' };
  return operator ? h('a', { href: `#/node/${operator}`, ...attrs }, text) : h('span', attrs, text);
}

export const link = {
  block: (height, text) => h('a', { href: `#/block/${height}` }, text ?? group(height)),
  tx: (hash, text) => h('a', { href: `#/tx/${hash}`, class: 'mono', title: hash }, text ?? short(hash, 12, 6)),
  account: (address, text) =>
    h('a', { href: `#/account/${address}`, class: 'mono', title: address }, text ?? short(address, 12, 6)),
  node: (operator, text) =>
    h('a', { href: `#/node/${operator}`, title: operator }, text ?? moniker(operator) ?? short(operator, 12, 6)),
};

/** What a panel shows until its data arrives (not a blank space). */
export function loading() {
  return h('p', { class: 'loading', role: 'status' }, t('Loading…'));
}

/** A link for any value that looks like an address, else plain text. */
export function maybeAddress(value) {
  return typeof value === 'string' && /^gos1[0-9a-z]{20,}$/.test(value) ? link.account(value) : value;
}

/** A hash-power pool by what it holds: 'vote', 'stake' or 'lock:<denom>' (the chain's pool ids). */
export function poolName(pool) {
  if (pool === 'vote') return t('votes');
  if (pool === 'stake') return t('stakes');
  if (pool.startsWith('lock:')) return t('locked {asset}', { asset: pool.slice(5).toUpperCase() });
  return pool;
}

/** Message types as the chain tags them on the wire (send, vote…): identifiers, shown as written. */
export function msgTypes(types) {
  return h('span', { 'data-verbatim': '' }, types.join(', ') || '—');
}

/** A status badge for node states and result codes. */
export function badge(text, kind = text) {
  return h('span', { class: `badge badge-${kind}` }, text);
}

/** The result of a transaction (or of a history row's one) by its code; `withLog` shows a failure's log on hover. */
export function resultBadge(item, { withLog = false } = {}) {
  if (item.code === 0) return badge(t('ok'), 'ok');
  const failed = badge(t('failed ({code})', { code: item.code }), 'failed');
  return withLog ? h('span', { title: item.log, 'data-verbatim': '' }, failed) : failed; // the chain's log
}

/** The class of a list row of a transaction (or of a history row): failed ones look failed in every list. */
export function txRowClass(item) {
  return item.code !== undefined && item.code !== null && item.code !== 0 ? 'row-failed' : null;
}

/**
 * A table from headers and rows of cells (strings or nodes); `caption` is read by screen readers, `rowClasses`
 * (one per row, or null) marks rows such as failed transactions. Each cell carries its column's header as
 * data-label: on a narrow screen the rows stack as cards, labelled, instead of overflowing.
 */
export function table(headers, rows, { caption = '', empty = t('Nothing yet.'), numeric = [], rowClasses = [] } = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  const numericSet = new Set(numeric);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      caption ? h('caption', { class: 'sr-only' }, caption) : null,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((text, i) => h('th', { scope: 'col', class: numericSet.has(i) ? 'num' : null }, text)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((cells, row) =>
          h(
            'tr',
            { class: rowClasses[row] ?? null },
            cells.map((cell, i) => h('td', { class: numericSet.has(i) ? 'num' : null, 'data-label': headers[i] }, cell)),
          ),
        ),
      ),
    ),
  );
}

/** A definition list from [label, value] pairs. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]),
  );
}

export function card(label, value, note = '', attrs = {}) {
  return h(
    'div',
    { class: 'card', ...attrs },
    h('span', { class: 'card-label' }, label),
    h('b', { class: 'card-value' }, value),
    note ? h('span', { class: 'card-note' }, note) : null,
  );
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

/** An error in a page: the node's (or the browser's) own words, shown as written. */
export function errorBox(err) {
  return h('div', { class: 'error', role: 'alert', 'data-verbatim': '' }, err instanceof Error ? err.message : String(err));
}

/**
 * Wait for the requests of a page's load (promises of API replies); their replies in order, or null when the page
 * was left meanwhile. With `errorIn`, a failure fills that element with `heading` (if any) and the error (when the
 * page is still shown) and gives null too; without, it propagates: the shell reports it on the first load, and a
 * live refresh leaves the page as it was.
 */
export async function loadAll(ctx, requests, { errorIn = null, heading = null } = {}) {
  let replies;
  try {
    replies = await Promise.all(requests);
  } catch (err) {
    if (!errorIn) throw err;
    if (ctx.alive()) fill(errorIn, heading, errorBox(err));
    return null;
  }
  return ctx.alive() ? replies : null;
}

/**
 * A list page of the index: GET /explorer`route` 25 rows at a time (with the non-empty `filters` as query
 * parameters), one table row per item by `row`, and the pager. The newest page follows new blocks; an older one
 * stays as it is, so rows do not shift under the reader.
 */
export async function renderIndexList(
  ctx,
  { title, intro = null, route, filters = {}, headers, row, rowClass = () => null, names = false, ...options },
) {
  ctx.title(title);
  const before = ctx.query.get('before');
  const body = h('div', {}, loading());
  fill(ctx.main, h('h1', {}, title), intro, body);
  const load = async () => {
    const params = new URLSearchParams({ limit: '25' });
    if (before) params.set('before', before);
    for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
    const [page] = await Promise.all([getJSON(`/explorer${route}?${params}`), names ? loadNodeNames() : null]);
    if (!ctx.alive()) return;
    const rowClasses = page.items.map(rowClass);
    fill(body, table(headers, page.items.map(row), { ...options, rowClasses }), pager(route, page, ctx.query));
  };
  await load();
  if (!before) ctx.onBlock(load);
}

/** "← Newest" / "Older →" links for a keyset-paginated list shown at hash route `route`. */
export function pager(route, page, query) {
  const links = [];
  const current = new URLSearchParams(query);
  if (current.get('before')) {
    current.delete('before');
    const rest = current.toString();
    links.push(h('a', { href: `#${route}${rest ? `?${rest}` : ''}`, class: 'button' }, t('← Newest')));
  }
  if (page.next_before) {
    const next = new URLSearchParams(query);
    next.set('before', page.next_before);
    links.push(h('a', { href: `#${route}?${next}`, class: 'button', rel: 'next' }, t('Older →')));
  }
  return h(
    'nav',
    { class: 'pager', 'aria-label': t('pages') },
    h('span', { class: 'muted' }, t('{n} in total', { n: group(page.total) })),
    ...links,
  );
}

/**
 * Previous/next links of an offset-paged list (`shown` rows of `total` from `offset`, `limit` a page) that keep
 * the page's other query parameters, and where this page is in the list.
 */
export function offsetPager(route, query, param, { offset, limit, shown, total, noun }) {
  const at = (value) => {
    const next = new URLSearchParams(query);
    if (value > 0) next.set(param, String(value));
    else next.delete(param);
    const rest = next.toString();
    return `#${route}${rest ? `?${rest}` : ''}`;
  };
  const links = [];
  if (offset > 0) links.push(h('a', { href: at(Math.max(0, offset - limit)), class: 'button' }, t('← Previous')));
  if (offset + shown < total) links.push(h('a', { href: at(offset + limit), class: 'button', rel: 'next' }, t('Next →')));
  const where = h(
    'span',
    { class: 'muted' },
    shown
      ? t('{noun} {first}–{last} of {total}', {
          noun,
          first: group(offset + 1),
          last: group(offset + shown),
          total: group(total),
        })
      : `${noun} ${group(total)}`,
  );
  return h('nav', { class: 'pager', 'aria-label': t('pages of {noun}', { noun }) }, where, ...links);
}

/**
 * An event kind (or an account history kind) with its meaning from the chain's published event list as a
 * tooltip; kinds that are not events (message types such as send, the index's receive) have none.
 */
export function kindLabel(kind) {
  const known = Object.hasOwn(EVENTS, kind) ? EVENTS[kind] : null;
  // The kind is the chain's identifier and the tooltip the chain's own (English) description: shown as written.
  return h(
    'span',
    {
      class: 'kind',
      title: known ? known.doc.replaceAll('`', '') : null,
      'data-module': known ? known.module : null,
      'data-verbatim': '',
    },
    kind,
  );
}

/** Event attributes as key: value chips, addresses linked. */
export function attributes(attrs) {
  return h(
    'span',
    { class: 'attrs' },
    Object.entries(attrs).map(([key, value]) =>
      h('span', { class: 'attr' }, h('span', { class: 'attr-key', 'data-verbatim': '' }, key), ' ', maybeAddress(value)),
    ),
  );
}

/** Events (of a block or a transaction) as a table of their kinds and attributes. */
export function eventsTable(events, { caption, empty }) {
  const rows = events.map((e) => [kindLabel(e.kind), attributes(e.attributes)]);
  return table([t('Kind'), t('Attributes')], rows, { caption, empty });
}

/** Replace the children of `target`, skipping null/false (DOM's replaceChildren would print "null"). */
export function fill(target, ...children) {
  target.replaceChildren(
    ...children.flat().filter((child) => child !== null && child !== undefined && child !== false),
  );
}
