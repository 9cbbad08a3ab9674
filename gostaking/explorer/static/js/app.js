// Explorer shell: hash routing, the live block stream, the search box, the language switch.

import { errorBox, fill, getJSON, group, h, loading } from './api.js';
import { LANGUAGES, language, setLanguage, t } from './i18n.js';
import * as account from './pages/account.js';
import * as blocks from './pages/blocks.js';
import * as book from './pages/book.js';
import * as dashboard from './pages/dashboard.js';
import * as governance from './pages/governance.js';
import * as graph from './pages/graph.js';
import * as liquid from './pages/liquid.js';
import * as nodes from './pages/nodes.js';
import * as search from './pages/search.js';
import * as txs from './pages/txs.js';

const ROUTES = [
  [/^\/?$/, dashboard.render, 'dashboard'],
  [/^\/blocks$/, blocks.renderList, 'blocks'],
  [/^\/block\/(\d+)$/, blocks.renderBlock, 'blocks'],
  [/^\/txs$/, txs.renderList, 'txs'],
  [/^\/tx\/(?:0x)?([0-9a-fA-F]{64})$/, txs.renderTx, 'txs'],
  [/^\/account\/(gos1[0-9a-z]+)$/, account.render, ''],
  [/^\/nodes$/, nodes.renderList, 'nodes'],
  [/^\/node\/(gos1[0-9a-z]+)$/, nodes.renderNode, 'nodes'],
  [/^\/graph$/, graph.render, 'graph'],
  [/^\/governance$/, governance.render, 'governance'],
  [/^\/proposal\/(\d+)$/, governance.renderProposal, 'governance'],
  [/^\/liquid$/, liquid.render, 'liquid'],
  [/^\/book$/, book.renderMarkets, 'book'],
  [/^\/book\/([a-z][a-z0-9]{0,63})$/, book.renderMarket, 'book'],
  [/^\/search\/(.*)$/, search.render, ''],
];

const LIVE_MIN_INTERVAL_MS = 1000;
const main = document.getElementById('main');
let generation = 0;
let liveHandlers = [];
let lastLiveRun = 0;
let liveTimer = null;
let liveRunning = false;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path: decodeURIComponent(path), query: new URLSearchParams(query) };
}

async function navigate() {
  const { path, query } = parseHash();
  generation += 1;
  const mine = generation;
  liveHandlers = [];
  const ctx = {
    main,
    query,
    alive: () => mine === generation,
    onBlock: (handler) => {
      if (mine === generation) liveHandlers.push(handler);
    },
    title: (text) => {
      document.title = text ? `${text} · ${t('GoStaking explorer')}` : t('GoStaking explorer');
    },
  };
  let matched = null;
  for (const [pattern, render, nav] of ROUTES) {
    const m = path.match(pattern);
    if (m) {
      matched = [render, m.slice(1), nav];
      break;
    }
  }
  for (const a of document.querySelectorAll('nav.main-nav a')) {
    if (matched && a.dataset.nav === matched[2]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.setAttribute('aria-busy', 'true');
  try {
    if (!matched) {
      ctx.title(t('Page not found'));
      fill(
        main,
        h('h1', {}, t('Page not found')),
        h(
          'p',
          {},
          t('No explorer page at '),
          h('code', {}, location.hash),
          '. ',
          h('a', { href: '#/' }, t('Back to the dashboard')),
          '.',
        ),
      );
      return;
    }
    fill(main, loading());
    await matched[0](ctx, ...matched[1]);
  } catch (err) {
    if (ctx.alive()) fill(main, h('h1', {}, t('Something went wrong')), errorBox(err));
  } finally {
    if (ctx.alive()) main.removeAttribute('aria-busy');
  }
}

// Live updates: one EventSource for the whole app; the current page registers what to refresh.
function runLive() {
  if (liveRunning) return;
  const wait = lastLiveRun + LIVE_MIN_INTERVAL_MS - Date.now();
  if (wait > 0) {
    if (!liveTimer)
      liveTimer = setTimeout(() => {
        liveTimer = null;
        runLive();
      }, wait);
    return;
  }
  lastLiveRun = Date.now();
  liveRunning = true;
  const handlers = liveHandlers.slice();
  Promise.allSettled(handlers.map((fn) => fn())).finally(() => {
    liveRunning = false;
  });
}

function connectLive() {
  const indicator = document.getElementById('live');
  const heightText = document.getElementById('live-height');
  if (!('EventSource' in window)) {
    indicator.dataset.state = 'off';
    return;
  }
  const source = new EventSource('/explorer/stream');
  source.addEventListener('open', () => {
    indicator.dataset.state = 'live';
    indicator.dataset.i18nTitle = 'live: new blocks update this page';
    indicator.title = t(indicator.dataset.i18nTitle);
  });
  source.addEventListener('error', () => {
    indicator.dataset.state = 'reconnecting';
    indicator.dataset.i18nTitle = 'reconnecting to the node…';
    indicator.title = t(indicator.dataset.i18nTitle);
  });
  source.addEventListener('block', (event) => {
    const data = JSON.parse(event.data);
    indicator.dataset.state = 'live';
    heightText.textContent = group(data.height);
    heightText.dataset.height = data.height;
    runLive();
  });
}

function setupSearch() {
  const form = document.getElementById('search');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('search-input');
    const text = input.value.trim();
    if (!text) return;
    location.hash = `#/search/${encodeURIComponent(text)}`;
    input.blur();
  });
}

async function showChain() {
  try {
    const status = await getJSON('/status');
    document.getElementById('chain-id').textContent = status.chain_id;
    const heightText = document.getElementById('live-height');
    if (!heightText.dataset.height) heightText.textContent = group(status.height);
  } catch {
    // The stream and the pages report an unreachable node themselves.
  }
}

/** The fixed words of the page (navigation, search, footer) in the chosen language. */
function translateShell() {
  document.documentElement.lang = language();
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) el.ariaLabel = t(el.dataset.i18nAriaLabel);
  for (const el of document.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  const heightText = document.getElementById('live-height');
  if (heightText.dataset.height) heightText.textContent = group(heightText.dataset.height);
}

/** The language switch: remembered (the app's key), and the current page drawn again in the new language. */
function setupLanguage() {
  const select = document.getElementById('language');
  fill(
    select,
    Object.entries(LANGUAGES).map(([code, name]) => h('option', { value: code, lang: code }, name)),
  );
  select.value = language();
  select.addEventListener('change', () => {
    setLanguage(select.value);
    translateShell();
    navigate();
  });
  translateShell();
}

window.addEventListener('hashchange', navigate);
setupLanguage();
setupSearch();
showChain();
connectLive();
navigate();
