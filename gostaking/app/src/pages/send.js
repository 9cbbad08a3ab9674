// Send GOS or an asset to a gos1 address.
import { bech32 } from '@scure/base';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { amountInput, guard, feeLine, field, fmt, freeBalance, GOS, h, outcome, overBalance, readAmount, report, select, submit } from '../ui.js';

export function isAddress(text) {
  try {
    const decoded = bech32.decode(text);
    return decoded.prefix === 'gos' && bech32.fromWords(decoded.words).length === 20;
  } catch {
    return false;
  }
}

export function sendPage(session) {
  const to = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', class: 'mono' });
  const asset = select(t('asset'), session.assets.map((a) => [a.denom, a.symbol]), GOS.denom);
  const amount = amountInput(t('amount'));
  const result = outcome();
  const chosen = () => session.assets.find((a) => a.denom === asset.value);

  async function act() {
    report(result, 'waiting', t('waiting')); // at once: the click is acknowledged before any request
    const recipient = to.value.trim();
    if (!isAddress(recipient)) return report(result, 'error', t('badAddress'));
    const a = chosen();
    const typed = readAmount(amount, a.decimals);
    if (typed.error) return report(result, 'error', typed.error);
    const account = await api.get(`/accounts/${session.key.address}`);
    const problem = overBalance(typed.value, freeBalance(account, a), a.decimals, t('free'));
    if (problem) return report(result, 'error', problem);
    await submit(session, result, [{ type: 'send', to: recipient, denom: a.denom, amount: typed.value }]);
  }

  const root = h(
    'section',
    { class: 'page card', 'aria-labelledby': 'send-title' },
    h('h1', { id: 'send-title' }, t('sendTitle')),
    field(t('recipient'), to),
    field(t('asset'), asset),
    field(t('amount'), amount),
    feeLine(session, t('newBalanceFee', { fee: fmt(BigInt(session.params.tx.new_balance_fee_ugos), 6) })),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: guard(result, act) }, t('send'))),
    result,
  );
  root.refresh = async () => { root.dataset.loaded = 'true'; };
  return root;
}
