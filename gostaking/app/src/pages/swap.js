// Swap GOS for a listed asset or a module's token (sGOS) or back on its /GOS pool: the node's quote (GET /dex/quote),
// a slippage tolerance that sets the message's min_out, exact integers throughout. The pools are GET /dex/pools
// (every listed asset, and the sGOS pool once it exists), named by GET /dex/denoms.
import { api } from '../api.js';
import { parseUnits } from '../amounts.js';
import { t } from '../i18n.js';
import { amountInput, guard, ownProblem, feeLine, field, fmt, freeBalance, GOS, h, outcome, overBalance, readAmount, report, select, submit, units } from '../ui.js';

const BASIS = 10_000n; // slippage in hundredths of a percent

/** How a whole unit is written: sGOS keeps its small s (docs/liquid.md), a listed asset is upper case (BTC). */
const symbolOf = (wholeUnit) => (wholeUnit === 'sgos' ? 'sGOS' : wholeUnit.toUpperCase());

export function swapPage(session) {
  let external = session.assets.filter((a) => a.denom !== GOS.denom);
  const pair = select(t('pair'), [], null);
  const fillPairs = () => {
    const chosen = pair.value || external[0]?.denom;
    pair.replaceChildren(...external.map((a) => h('option', { value: a.denom, selected: a.denom === chosen }, `${a.symbol}/GOS`)));
  };
  const direction = h('select', { 'aria-label': t('direction') });
  const amount = amountInput(t('pay'));
  const slippage = h('input', { type: 'text', inputmode: 'decimal', value: '1', 'aria-label': t('slippage') });
  const quoteLine = h('p', { class: 'quote', 'aria-live': 'polite' }, '—');
  const minOutLine = h('p', { class: 'min-out' }, '—');
  const result = outcome();
  let latest = null;

  const asset = () => external.find((a) => a.denom === pair.value);
  const inAsset = () => (direction.value === GOS.denom ? GOS : asset());
  const outAsset = () => (direction.value === GOS.denom ? asset() : GOS);
  const fillDirections = () => {
    const symbol = asset()?.symbol ?? '';
    direction.replaceChildren(
      h('option', { value: GOS.denom }, t('gosToAsset', { asset: symbol })),
      h('option', { value: pair.value }, t('assetToGos', { asset: symbol })),
    );
  };

  function minOut(out) {
    const tolerance = parseUnits(slippage.value || '0', 2);
    if (tolerance > BASIS) throw new RangeError('slippage above 100%', { cause: { code: 'slippage' } });
    return (out * (BASIS - tolerance)) / BASIS;
  }

  async function quote() {
    latest = null;
    const typed = readAmount(amount, inAsset().decimals);
    if (typed.error) { quoteLine.textContent = '—'; minOutLine.textContent = '—'; return; }
    try {
      const q = await api.get(`/dex/quote?pair=${pair.value}&denom_in=${direction.value}&amount_in=${typed.value}`);
      const out = units(q.amount_out.display, outAsset().decimals);
      latest = { amountIn: typed.value, out };
      quoteLine.textContent = t('quote', {
        out: fmt(out, outAsset().decimals), denom: outAsset().symbol,
        fee: fmt(units(q.fee.display, inAsset().decimals), inAsset().decimals), feeDenom: inAsset().symbol,
      });
      minOutLine.textContent = `${t('receive')}: ${fmt(minOut(out), outAsset().decimals)} ${outAsset().symbol}`;
    } catch (error) {
      quoteLine.textContent = ownProblem(error) ?? t('noLiquidity', { message: error.message });
      minOutLine.textContent = '—';
    }
  }

  async function act() {
    report(result, 'waiting', t('waiting')); // at once: the click is acknowledged before any request
    await quote();
    if (!latest) return report(result, 'error', quoteLine.textContent);
    const account = await api.get(`/accounts/${session.key.address}`);
    const problem = overBalance(latest.amountIn, freeBalance(account, inAsset()), inAsset().decimals, t('free'));
    if (problem) return report(result, 'error', problem);
    await submit(session, result, [
      { type: 'swap', pair: pair.value, denom_in: direction.value, amount_in: latest.amountIn, min_out: minOut(latest.out) },
    ]);
  }

  fillPairs();
  fillDirections();
  pair.addEventListener('change', () => { fillDirections(); quote(); });
  for (const control of [direction, amount, slippage]) control.addEventListener('input', quote);
  direction.addEventListener('change', quote);

  const root = h(
    'section',
    { class: 'page card', 'aria-labelledby': 'swap-title' },
    h('h1', { id: 'swap-title' }, t('swapTitle')),
    field(t('pair'), pair),
    field(t('direction'), direction),
    field(t('pay'), amount),
    quoteLine,
    field(t('slippage'), slippage),
    minOutLine,
    feeLine(session),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: guard(result, act) }, t('swap'))),
    result,
  );
  root.refresh = async () => {
    const [pools, denoms] = await Promise.all([api.get('/dex/pools'), api.get('/dex/denoms')]);
    const wholeUnit = (denom) => denoms.find((d) => d.denom === denom)?.whole_unit ?? denom;
    const listed = pools.pools.map((p) => ({ denom: p.denom, decimals: p.decimals, symbol: symbolOf(wholeUnit(p.denom)) }));
    if (listed.map((a) => a.denom).join() !== external.map((a) => a.denom).join()) {
      external = listed;
      fillPairs();
      fillDirections();
    }
    root.dataset.loaded = 'true';
  };
  return root;
}
