// Liquid staking (docs/liquid.md): stake GOS for sGOS at the module's rate, leave by a ticket (after the stake
// unbonding period) or at once through the instant pool (the node's quote, its fee and a slippage bound), and
// provide the pool's GOS. Rates and amounts are the API's exact decimal strings, turned into BigInt.
import { api } from '../api.js';
import { formatDaysHours, formatDecimal, formatDuration, formatPercent, parseUnits } from '../amounts.js';
import { t, language } from '../i18n.js';
import { amountInput, describeError, guard, ownProblem, feeLine, field, fmt, freeBalance, GOS, h, outcome, overBalance, readAmount, report, submit, units } from '../ui.js';

const SGOS_DENOM = 'usgos';
const LP_DENOM = 'usgoslp';
const RATE_DECIMALS = 18; // GET /liquid/rate's gos_per_sgos: GOS per sGOS to 18 places
const BASIS = 10_000n; // slippage in hundredths of a percent

/** The minimum GOS an instant unstake accepts: the quote less the typed tolerance (percent, 2 places). */
export function minimumAfterSlippage(out, tolerancePercent) {
  const tolerance = parseUnits(tolerancePercent || '0', 2);
  if (tolerance > BASIS) throw new RangeError('slippage above 100%', { cause: { code: 'slippage' } });
  return (out * (BASIS - tolerance)) / BASIS;
}

/** GOS base units `sgos` base units redeem for at `gosPerSgos` (an exact decimal), rounded down as the chain does. */
export function sgosValue(sgos, sgosDecimals, gosPerSgos) {
  const scaled = parseUnits(gosPerSgos, RATE_DECIMALS);
  return (sgos * scaled * 10n ** BigInt(GOS.decimals)) / 10n ** BigInt(RATE_DECIMALS + sgosDecimals);
}

/** The API's time left ('21d 3h', rounded up to the hour) in the reader's language. */
export function ticketTimeLeft(text, locale) {
  const match = /^(\d+)d (\d+)h$/.exec(text);
  if (!match) return text;
  return formatDaysHours(Number(match[1]), Number(match[2]), locale);
}

export function liquidPage(session) {
  const denoms = api.get('/dex/denoms').then((list) => {
    const decimals = (denom) => list.find((d) => d.denom === denom)?.decimals;
    return { sgos: { denom: SGOS_DENOM, decimals: decimals(SGOS_DENOM), symbol: 'sGOS' }, lp: { denom: LP_DENOM, decimals: decimals(LP_DENOM), symbol: 'LP' } };
  });
  denoms.catch(() => {}); // reported by refresh and by each action that awaits it
  const rateLine = h('p', { class: 'rate', dataset: { rate: '' } }, '—');
  const aprLine = h('p', { class: 'apr' }, '—');
  const holdingLine = h('p', { class: 'holding', dataset: { sgos: '' } }, '—');
  const poolLine = h('p', { class: 'pool muted' }, '—');
  const help = h('p', { class: 'help' }, '');

  const stakeAmount = amountInput(t('liquidStakeAmount'));
  const stakeResult = outcome();
  const instantAmount = amountInput(t('liquidSgosAmount'));
  const slippage = h('input', { type: 'text', inputmode: 'decimal', value: '1', 'aria-label': t('slippage') });
  const quoteLine = h('p', { class: 'quote', 'aria-live': 'polite' }, '—');
  const minLine = h('p', { class: 'min-out' }, '—');
  const instantResult = outcome();
  const delayedAmount = amountInput(t('liquidTicketAmount'));
  const delayedResult = outcome();
  const ticketBody = h('tbody');
  const ticketsEmpty = h('p', { class: 'muted' }, t('liquidNoTickets'));
  const ticketResult = outcome();
  const addAmount = amountInput(t('liquidAddAmount'));
  const removeAmount = amountInput(t('liquidRemoveAmount'));
  const lpLine = h('p', { class: 'muted lp' }, '—');
  const poolResult = outcome();
  let latestQuote = null;

  const account = () => api.get(`/accounts/${session.key.address}`);

  async function quote() {
    latestQuote = null;
    const { sgos } = await denoms;
    const typed = readAmount(instantAmount, sgos.decimals);
    if (typed.error) { quoteLine.textContent = '—'; minLine.textContent = '—'; return; }
    try {
      const q = await api.get(`/liquid/quote?amount_in=${typed.value}`);
      const out = units(q.amount_out.gos, GOS.decimals);
      latestQuote = { sgosIn: typed.value, out };
      quoteLine.textContent = t('liquidQuote', {
        out: fmt(out, GOS.decimals), fee: formatPercent(q.fee, language()), feeSgos: fmt(units(q.fee_sgos.display, sgos.decimals), sgos.decimals),
      });
      minLine.textContent = `${t('receive')}: ${fmt(minimumAfterSlippage(out, slippage.value), GOS.decimals)} GOS`;
    } catch (error) {
      quoteLine.textContent = ownProblem(error) ?? t('noLiquidity', { message: error.message });
      minLine.textContent = '—';
    }
  }

  /** Check the typed amount of `asset` (or a promise of it) against the free balance, then submit `msg(amount)`. */
  async function spend(result, input, asset, what, msg) {
    report(result, 'waiting', t('waiting')); // at once: the click is acknowledged before any request
    const { decimals } = await asset;
    const typed = readAmount(input, decimals);
    if (typed.error) return report(result, 'error', typed.error);
    const problem = overBalance(typed.value, freeBalance(await account(), await asset), decimals, what);
    if (problem) return report(result, 'error', problem);
    await submit(session, result, [msg(typed.value)]);
  }
  const sgosAsset = () => denoms.then((d) => d.sgos);

  async function instant() {
    report(instantResult, 'waiting', t('waiting'));
    await quote();
    if (!latestQuote) return report(instantResult, 'error', quoteLine.textContent);
    let minGos;
    try {
      minGos = minimumAfterSlippage(latestQuote.out, slippage.value);
    } catch (error) {
      return report(instantResult, 'error', describeError(error));
    }
    const { sgosIn } = latestQuote;
    await spend(instantResult, instantAmount, sgosAsset(), t('liquidYourSgos'), () => ({ type: 'liquid_instant_unstake', sgos: sgosIn, min_gos: minGos }));
  }

  const stake = () => spend(stakeResult, stakeAmount, GOS, t('free'), (amount) => ({ type: 'liquid_stake', amount }));
  const requestTicket = () => spend(delayedResult, delayedAmount, sgosAsset(), t('liquidYourSgos'), (sgos) => ({ type: 'liquid_unstake', sgos }));
  const addLiquidity = () => spend(poolResult, addAmount, GOS, t('free'), (ugos) => ({ type: 'liquid_add_liquidity', ugos }));
  const removeLiquidity = () => spend(poolResult, removeAmount, denoms.then((d) => d.lp), t('liquidYourLp'), (lp) => ({ type: 'liquid_remove_liquidity', lp }));

  const claim = (ticket) => guard(ticketResult, () => submit(session, ticketResult, [{ type: 'liquid_claim_ticket', ticket }]));

  for (const control of [instantAmount, slippage]) control.addEventListener('input', guard(instantResult, quote));

  const section = (titleKey, ...children) => h('section', { class: 'liquid-part' }, h('h2', {}, t(titleKey)), ...children);
  const root = h(
    'section',
    { class: 'page card', 'aria-labelledby': 'liquid-title' },
    h('h1', { id: 'liquid-title' }, t('liquidTitle')),
    help, rateLine, aprLine, holdingLine, poolLine,
    section('liquidStakeTitle', field(t('liquidStakeAmount'), stakeAmount), feeLine(session),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: guard(stakeResult, stake) }, t('liquidStake'))),
      stakeResult),
    section('liquidInstantTitle', field(t('liquidSgosAmount'), instantAmount), quoteLine, field(t('slippage'), slippage), minLine,
      feeLine(session),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: guard(instantResult, instant) }, t('liquidInstant'))),
      instantResult),
    section('liquidDelayedTitle', field(t('liquidTicketAmount'), delayedAmount), feeLine(session),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: guard(delayedResult, requestTicket) }, t('liquidRequestTicket'))),
      delayedResult,
      h('div', { class: 'table-wrap' }, h('table', { class: 'tickets' },
        h('caption', {}, t('liquidTickets')),
        h('thead', {}, h('tr', {}, ...['liquidTicketId', 'liquidTicketSgos', 'liquidTicketPays', 'liquidTimeLeft', 'liquidClaim']
          .map((key) => h('th', { scope: 'col' }, t(key))))),
        ticketBody)),
      ticketsEmpty, feeLine(session), ticketResult),
    section('liquidPoolTitle', lpLine, field(t('liquidAddAmount'), addAmount),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: guard(poolResult, addLiquidity) }, t('liquidAdd'))),
      field(t('liquidRemoveAmount'), removeAmount), feeLine(session),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: guard(poolResult, removeLiquidity) }, t('liquidRemove'))),
      poolResult),
  );

  root.refresh = async () => {
    const [{ sgos, lp }, rate, pool, tickets, params, mine, status] = await Promise.all([
      denoms, api.get('/liquid/rate'), api.get('/liquid/pool'), api.get(`/liquid/tickets/${session.key.address}`),
      api.get('/liquid/params'), account(), api.get('/status'),
    ]);
    const locale = language();
    help.textContent = t('liquidHelp', {
      wait: formatDuration(params.stake_unbonding_blocks * status.block_time_seconds, locale),
      fee: formatPercent(params.protocol_fee, locale),
    });
    rateLine.dataset.rate = rate.gos_per_sgos;
    rateLine.textContent = t('liquidRate', { rate: formatDecimal(rate.gos_per_sgos, locale) });
    const apr = (view) => (view.apr === null ? '—' : formatPercent(view.apr, locale));
    aprLine.textContent = t('liquidApr', { day: apr(rate.apr_day), week: apr(rate.apr_week) });
    const held = freeBalance(mine, sgos);
    holdingLine.dataset.sgos = String(held);
    holdingLine.textContent = t('liquidHolding', {
      sgos: fmt(held, sgos.decimals), gos: fmt(sgosValue(held, sgos.decimals, rate.gos_per_sgos), GOS.decimals),
    });
    poolLine.textContent = t('liquidPool', { gos: fmt(units(pool.gos.gos, GOS.decimals), GOS.decimals), fee: formatPercent(pool.fee_now, locale) });
    lpLine.textContent = t('liquidYourLpLine', { lp: fmt(freeBalance(mine, lp), lp.decimals) });
    ticketsEmpty.hidden = tickets.tickets.length > 0;
    ticketBody.replaceChildren(...tickets.tickets.map((ticket) => h('tr', { dataset: { ticket: String(ticket.id) } },
      h('td', {}, `#${ticket.id}`),
      h('td', {}, `${fmt(units(ticket.sgos.display, sgos.decimals), sgos.decimals)} sGOS`),
      h('td', {}, `${fmt(units(ticket.payout_now.gos, GOS.decimals), GOS.decimals)} GOS`),
      h('td', { dataset: { col: 'left' } }, ticket.due ? t('liquidDue') : ticketTimeLeft(ticket.time_left, locale)),
      h('td', {}, ticket.due ? h('button', { type: 'button', onclick: claim(ticket.id) }, t('liquidClaim')) : '—'))));
    if (instantAmount.value) await quote(); // the rate and the pool move every block: so does the quote
    root.dataset.loaded = 'true';
  };
  return root;
}
