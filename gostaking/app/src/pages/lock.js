// Lock an external asset for hash power, or unlock it (at once).
import { api } from '../api.js';
import { t } from '../i18n.js';
import { amountInput, estimateLine, guard, feeLine, field, fmt, freeBalance, h, outcome, overBalance, readAmount, report, select, submit, units } from '../ui.js';

export function lockPage(session) {
  const external = session.assets.filter((a) => a.denom !== 'ugos');
  const asset = select(t('asset'), external.map((a) => [a.denom, a.symbol]), external[0]?.denom);
  const amount = amountInput(t('amount'));
  const result = outcome();
  const holdings = h('p', { class: 'muted holdings' }, '—');
  const chosen = () => external.find((a) => a.denom === asset.value);
  const estimate = estimateLine(session, amount, () => chosen()?.decimals ?? 0, () => (chosen() ? [
    [t('lock'), (base) => `lock=${encodeURIComponent(`${chosen().denom}:${base}`)}`],
  ] : []));

  async function act(kind) {
    report(result, 'waiting', t('waiting')); // at once: the click is acknowledged before any request
    const a = chosen();
    const typed = readAmount(amount, a.decimals);
    if (typed.error) return report(result, 'error', typed.error);
    const account = await api.get(`/accounts/${session.key.address}`);
    const lockedEntry = account.locked.find((l) => l.asset.denom === a.denom);
    const available = kind === 'lock' ? freeBalance(account, a) : lockedEntry ? units(lockedEntry.asset.display, a.decimals) : 0n;
    const problem = overBalance(typed.value, available, a.decimals, t(kind === 'lock' ? 'free' : 'locked'));
    if (problem) return report(result, 'error', problem);
    await submit(session, result, [{ type: kind, denom: a.denom, amount: typed.value }]);
  }

  const root = h(
    'section',
    { class: 'page card', 'aria-labelledby': 'lock-title' },
    h('h1', { id: 'lock-title' }, t('lockTitle')),
    h('p', {}, t('lockHelp')),
    field(t('asset'), asset),
    holdings,
    field(t('amount'), amount),
    estimate,
    feeLine(session),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: guard(result, () => act('lock')) }, t('lock')),
      h('button', { type: 'button', onclick: guard(result, () => act('unlock')) }, t('unlockAsset'))),
    result,
  );
  root.refresh = async () => {
    const a = chosen();
    if (!a) return;
    const account = await api.get(`/accounts/${session.key.address}`);
    const lockedEntry = account.locked.find((l) => l.asset.denom === a.denom);
    holdings.textContent = `${t('free')}: ${fmt(freeBalance(account, a), a.decimals)} ${a.symbol} · ${t('locked')}: ${
      lockedEntry ? fmt(units(lockedEntry.asset.display, a.decimals), a.decimals) : '0'} ${a.symbol}`;
    root.dataset.loaded = 'true';
  };
  asset.addEventListener('change', () => { root.refresh(); estimate.refresh(); });
  return root;
}
