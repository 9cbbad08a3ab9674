// The app's shell: header (height, language), navigation, hash routes (#/portfolio, #/stake…), the session (the
// open key lives only in this page's memory; a reload asks for the passphrase again) and a refresh every block or
// two, which updates values in place.
import { api } from './api.js';
import { storedWallet } from './vault.js';
import { LANGUAGES, language, setLanguage, t } from './i18n.js';
import { describeError, GOS, h, select } from './ui.js';
import { createPage, restorePage, unlockPage, welcomePage } from './pages/onboarding.js';
import { portfolioPage } from './pages/portfolio.js';
import { lockPage } from './pages/lock.js';
import { stakePage } from './pages/stake.js';
import { sendPage } from './pages/send.js';
import { swapPage } from './pages/swap.js';
import { governancePage } from './pages/governance.js';
import { liquidPage } from './pages/liquid.js';
import { twoFactorPage } from './pages/twofactor.js';
import { ordersPage } from './pages/orders.js';
import { settingsPage } from './pages/settings.js';

const REFRESH_MS = 2000;

/** Route → [navigation label key, page factory]. A new page is one line here and one file in pages/. */
const ROUTES = {
  portfolio: ['navPortfolio', (s) => portfolioPage(s)],
  lock: ['navLock', (s) => lockPage(s)],
  stake: ['navStake', (s) => stakePage(s)],
  send: ['navSend', (s) => sendPage(s)],
  swap: ['navSwap', (s) => swapPage(s)],
  governance: ['navGovernance', (s) => governancePage(s)],
  liquid: ['navLiquid', (s) => liquidPage(s)],
  twofactor: ['navTwoFactor', (s) => twoFactorPage(s)],
  orders: ['navOrders', (s) => ordersPage(s)],
  settings: ['navSettings', () => settingsPage(app)],
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const banner = document.getElementById('banner');
const heightEl = document.getElementById('height');
const langSlot = document.getElementById('lang');

let session = null;
let current = null;
let timer = null;

function routeName() {
  const name = location.hash.replace(/^#\/?/, '').split('/')[0];
  return name in ROUTES ? name : 'portfolio';
}

function showBanner(text) {
  banner.textContent = text || '';
  banner.hidden = !text;
}

async function refresh() {
  if (!current?.refresh) return;
  try {
    const [status] = await Promise.all([api.get('/status'), current.refresh()]);
    heightEl.textContent = t('height', { n: new Intl.NumberFormat(language()).format(status.height) });
    heightEl.dataset.height = String(status.height);
    showBanner('');
  } catch (error) {
    showBanner(describeError(error));
  }
}

function renderNav() {
  const active = routeName();
  nav.replaceChildren(
    ...(session
      ? Object.entries(ROUTES).map(([name, [label]]) =>
          h('a', { href: `#/${name}`, 'aria-current': name === active ? 'page' : null }, t(label)))
      : []),
  );
  nav.hidden = !session;
}

function renderRoute() {
  if (!session) return;
  renderNav();
  const [, make] = ROUTES[routeName()];
  current = make(session);
  main.replaceChildren(current);
  refresh();
}

function renderChrome() {
  document.documentElement.lang = language();
  document.title = t('appName');
  document.getElementById('brand').textContent = t('appName');
  nav.setAttribute('aria-label', t('nav'));
  const choice = select(t('language'), Object.entries(LANGUAGES), language());
  choice.addEventListener('change', () => app.setLanguage(choice.value));
  langSlot.replaceChildren(choice);
}

export const app = {
  show(node) {
    current = node;
    main.replaceChildren(node);
    node.querySelector('input, textarea')?.focus();
  },
  async open(key) {
    const [params, assets, status] = await Promise.all([api.get('/params'), api.get('/assets'), api.get('/status')]);
    session = {
      key,
      params,
      feeUgos: BigInt(params.tx.min_fee_ugos),
      faucet: status.faucet_enabled,
      assets: [GOS, ...assets.map((a) => ({ denom: a.denom, decimals: a.decimals, symbol: a.denom.toUpperCase() }))],
      changed: () => refresh(),
    };
    document.body.dataset.session = 'open';
    if (!location.hash) history.replaceState(null, '', '#/portfolio'); // no hashchange: rendered just below
    renderRoute();
  },
  lock() {
    session = null;
    document.body.dataset.session = 'locked';
    start();
  },
  setLanguage(lang) {
    setLanguage(lang);
    renderChrome();
    if (session) renderRoute();
    else start();
  },
  createPage: () => app.show(createPage(app)),
  restorePage: () => app.show(restorePage(app)),
};

function start() {
  renderNav();
  let record = null;
  try {
    record = storedWallet();
  } catch (error) {
    showBanner(describeError(error));
  }
  app.show(record ? unlockPage(app, record) : welcomePage(app));
}

window.addEventListener('hashchange', renderRoute);
renderChrome();
start();
timer = setInterval(() => session && refresh(), REFRESH_MS);
window.addEventListener('pagehide', () => clearInterval(timer));
