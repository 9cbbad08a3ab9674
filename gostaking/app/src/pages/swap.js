// Swap GOS for a listed asset or a module's token (sGOS) or back, on its /GOS pool or its order book, whichever gives
// more: the chain's route (GET /book/route) and the node's quote (GET /dex/quote for the pool), a slippage tolerance
// that sets the message's min_out, exact integers throughout. When the book gives more the page sends MsgRoutedSwap,
// an immediate-or-cancel order the block's auction fills; otherwise MsgSwap (docs/book.md, "Routing"). The pools are
// GET /dex/pools (every listed asset, and the sGOS pool once it exists), named by GET /dex/denoms.
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
  const routeLine = h('p', { class: 'route', 'aria-live': 'polite' }, '—');
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
    const clear = () => { quoteLine.textContent = '—'; minOutLine.textContent = '—'; routeLine.textContent = '—'; delete routeLine.dataset.route; };
    if (typed.error) return clear();
    const query = `pair=${pair.value}&denom_in=${direction.value}&amount_in=${typed.value}`;
    try {
      // The chain's rule decides the route: the book only when it gives strictly more than the pool now.
      const route = await api.get(`/book/route?${query}`);
      if (route.route === 'book') {
        const out = units(route.book.amount_out.display, outAsset().decimals);
        latest = { amountIn: typed.value, out, route: 'book' };
        quoteLine.textContent = t('quoteBook', {
          out: fmt(out, outAsset().decimals), denom: outAsset().symbol, fee: fmt(units(route.book.fee.gos, GOS.decimals), GOS.decimals),
        });
        routeLine.textContent = t('routeBook', { price: fmt(units(route.order.price.gos, GOS.decimals), GOS.decimals), asset: asset().symbol });
      } else {
        const q = await api.get(`/dex/quote?${query}`);
        const out = units(q.amount_out.display, outAsset().decimals);
        latest = { amountIn: typed.value, out, route: 'pool' };
        quoteLine.textContent = t('quote', {
          out: fmt(out, outAsset().decimals), denom: outAsset().symbol,
          fee: fmt(units(q.fee.display, inAsset().decimals), inAsset().decimals), feeDenom: inAsset().symbol,
        });
        routeLine.textContent = t('routePool');
      }
      routeLine.dataset.route = latest.route;
      minOutLine.textContent = `${t('receive')}: ${fmt(minOut(latest.out), outAsset().decimals)} ${outAsset().symbol}`;
    } catch (error) {
      clear();
      quoteLine.textContent = ownProblem(error) ?? t('noLiquidity', { message: error.message });
    }
  }

  async function act() {
    report(result, 'waiting', t('waiting')); // at once: the click is acknowledged before any request
    await quote();
    if (!latest) return report(result, 'error', quoteLine.textContent);
    const account = await api.get(`/accounts/${session.key.address}`);
    const problem = overBalance(latest.amountIn, freeBalance(account, inAsset()), inAsset().decimals, t('free'));
    if (problem) return report(result, 'error', problem);
    const swap = { pair: pair.value, denom_in: direction.value, amount_in: latest.amountIn, min_out: minOut(latest.out) };
    await submit(session, result, [{ type: latest.route === 'book' ? 'routed_swap' : 'swap', ...swap }]);
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
    routeLine,
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
