// Every asset of the account (free, locked, voted, staked, unbonding, pending rewards), its hash power and share,
// and the chain's own estimate of GOS a day and APR (GET /accounts/{address}/estimate): nothing recomputed here.
import { api } from '../api.js';
import { formatDateTime, formatDuration, formatPercent } from '../amounts.js';
import { language, t } from '../i18n.js';
import { GOS, fmt, h, outcome, report, submit, units, feeLine, describeError } from '../ui.js';

const stat = (name, label) =>
  h('div', { class: 'stat', dataset: { stat: name } }, h('dt', {}, label), h('dd', { class: 'value' }, '—'));

export function portfolioPage(session) {
  const claimResult = outcome();
  const faucetResult = outcome();
  const unbondingBody = h('tbody');
  const assetBody = h('tbody');
  const root = h(
    'section',
    { class: 'page portfolio', 'aria-labelledby': 'portfolio-title' },
    h('h1', { id: 'portfolio-title' }, t('navPortfolio')),
    h('p', { class: 'address' }, h('span', {}, `${t('address')}: `), h('code', { dataset: { address: '' } }, session.key.address),
      h('button', { type: 'button', class: 'small', onclick: () => navigator.clipboard?.writeText(session.key.address) }, t('copy'))),
    h('div', { class: 'grid' },
      h('article', { class: 'card', 'aria-labelledby': 'gos-title' },
        h('h2', { id: 'gos-title' }, 'GOS'),
        h('dl', { class: 'stats' },
          stat('free', t('free')), stat('voted', t('voted')), stat('staked', t('staked')),
          stat('unbonding', t('unbonding')), stat('rewards', t('pendingRewards')))),
      h('article', { class: 'card', 'aria-labelledby': 'earn-title' },
        h('h2', { id: 'earn-title' }, t('earnings')),
        h('dl', { class: 'stats' },
          stat('hash-power', t('hashPower')), stat('share', t('shareOfNetwork')), stat('per-day', t('perDay')),
          stat('apr', t('apr')), stat('value', t('positionValue'))))),
    h('article', { class: 'card', 'aria-labelledby': 'assets-title' },
      h('h2', { id: 'assets-title' }, t('assets')),
      h('table', { class: 'assets' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('asset')), h('th', { scope: 'col' }, t('free')),
          h('th', { scope: 'col' }, t('locked')), h('th', { scope: 'col' }, t('hashPower')))),
        assetBody)),
    h('article', { class: 'card', 'aria-labelledby': 'unbonding-title' },
      h('h2', { id: 'unbonding-title' }, t('unbondings')),
      h('table', { class: 'unbondings' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('kind')), h('th', { scope: 'col' }, t('node')),
          h('th', { scope: 'col' }, t('amount')), h('th', { scope: 'col' }, t('returnsIn')))),
        unbondingBody)),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: () => submit(session, claimResult, [{ type: 'claim' }]) }, t('claim')),
      session.faucet
        ? h('button', { type: 'button', onclick: () => askFaucet(session, faucetResult) }, t('faucet'))
        : null,
      h('button', { type: 'button', onclick: () => session.changed() }, t('refresh'))),
    feeLine(session),
    claimResult,
    faucetResult,
  );

  const set = (name, text) => { root.querySelector(`[data-stat="${name}"] .value`).textContent = text; };
  const gos = (amount) => `${fmt(units(amount.gos, 6), 6)} GOS`;

  async function fill() {
    const address = session.key.address;
    const [account, estimate, status] = await Promise.all([
      api.get(`/accounts/${address}`), api.get(`/accounts/${address}/estimate`), api.get('/status'),
    ]);
    const lang = language();
    const unbondingTotal = account.unbondings.reduce((sum, u) => sum + units(u.amount.gos, 6), 0n);
    set('free', gos(account.gos));
    set('voted', gos(account.voted));
    set('staked', gos(account.staked));
    set('unbonding', `${fmt(unbondingTotal, 6)} GOS`);
    set('rewards', gos(account.pending_rewards));
    set('hash-power', `${fmt(units(estimate.hash_power.hs, 6), 6, 2)} H/s`);
    set('share', formatPercent(estimate.share_of_network, lang));
    set('per-day', gos(estimate.gos_per_day));
    set('apr', formatPercent(estimate.apr, lang));
    set('value', gos(estimate.position_value));
    const free = new Map(account.balances.map((b) => [b.denom, b]));
    const locked = new Map(account.locked.map((l) => [l.asset.denom, l]));
    assetBody.replaceChildren(
      ...session.assets.map((asset) => {
        const shown = (amount) => (amount ? fmt(units(amount.display, asset.decimals), asset.decimals) : '0');
        const lock = locked.get(asset.denom);
        return h('tr', { dataset: { denom: asset.denom } },
          h('th', { scope: 'row' }, asset.symbol),
          h('td', { dataset: { col: 'free' } }, shown(free.get(asset.denom))),
          h('td', { dataset: { col: 'locked' } }, shown(lock?.asset)),
          h('td', { dataset: { col: 'hash-power' } }, lock ? `${fmt(units(lock.hash_power.hs, 6), 6, 2)} H/s` : '—'));
      }),
    );
    const blockMs = status.block_time_seconds * 1000;
    unbondingBody.replaceChildren(
      ...(account.unbondings.length
        ? account.unbondings.map((u) => {
            const seconds = ((u.completion_height - status.height) * blockMs) / 1000;
            return h('tr', { dataset: { completion: u.completion_height } },
              h('td', {}, t(u.kind === 'vote' ? 'voted' : 'staked')),
              h('td', { class: 'mono' }, `${u.node.slice(0, 12)}…`),
              h('td', {}, gos(u.amount)),
              h('td', { title: formatDateTime(u.estimated_completion_time, lang) },
                h('span', { class: 'countdown' }, formatDuration(seconds, lang)), ' · ',
                h('span', { class: 'muted' }, t('atBlock', { n: new Intl.NumberFormat(lang).format(u.completion_height) }))));
          })
        : [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, t('noUnbondings')))]),
    );
    root.dataset.height = String(status.height);
    root.dataset.loaded = 'true';
  }
  root.refresh = fill;
  return root;
}

async function askFaucet(session, el) {
  report(el, 'waiting', t('waiting'));
  try {
    const grant = await api.post('/faucet', { address: session.key.address });
    for (const hash of grant.tx_hashes) {
      for (let tries = 0; tries < 200; tries++) {
        const tx = await api.get(`/txs/${hash}`).catch(() => null);
        if (tx?.status === 'included') break;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
    report(el, 'ok', t('faucetDone'));
    session.changed();
  } catch (error) {
    report(el, 'error', describeError(error));
  }
}

