// Small DOM helpers and the one way every page submits a transaction: sign here, POST /txs, wait for the block,
// show the result or the API's error.
import { api, ApiError, NodeDownError } from './api.js';
import { signTx } from './codec.js';
import { formatPercent, formatUnits, parseUnits, AmountError } from './amounts.js';
import { t, language } from './i18n.js';

export const GOS = { denom: 'ugos', decimals: 6, symbol: 'GOS' };

/** An element: h('button', {type: 'button', onclick}, 'text', child…). */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

let ids = 0;

/** A labelled form field: the label names the control for screen readers and role selectors. */
export function field(label, control, hint) {
  control.id ||= `field-${++ids}`;
  const hintEl = hint ? h('small', { id: `${control.id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export function amountInput(label) {
  return h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', 'aria-label': label, placeholder: '0' });
}

export function fmt(units, decimals, maxFraction) {
  return formatUnits(units, decimals, language(), maxFraction);
}

/** Base units of an amount the API gives as an exact decimal string. */
export const units = (decimal, decimals) => parseUnits(decimal, decimals);

/** The amount typed into `input` in base units, or an error message (never a float). */
export function readAmount(input, decimals) {
  try {
    const value = parseUnits(input.value, decimals);
    if (value <= 0n) return { error: t('badAmount', { reason: t('amountPositive') }) };
    return { value };
  } catch (error) {
    if (error instanceof AmountError) return { error: ownProblem(error) };
    throw error;
  }
}

// Errors the app's own modules raise carry a `cause.code`; the reader gets these words for them (the English
// message stays for the console and the node tests).
const PROBLEMS = {
  number: () => t('badAmount', { reason: t('amountNumber') }),
  decimals: (c) => t('badAmount', { reason: t('amountDecimals', { n: c.decimals }) }),
  slippage: () => t('slippageTooHigh'),
  word: (c) => t('mnemonicWord', { word: c.word }),
  count: (c) => t('mnemonicCount', { n: c.count }),
  checksum: () => t('mnemonicChecksum'),
  newerWallet: (c) => t('walletNewer', { version: c.version }),
  walletAddress: () => t('walletMismatch'),
};

/** `error` in the reader's language when it is one of the app's own (PROBLEMS), else null. */
export function ownProblem(error) {
  const make = PROBLEMS[error?.cause?.code];
  return make ? make(error.cause) : null;
}

/** A live region where an action reports progress and its outcome; fixed height so nothing below jumps. */
export function outcome() {
  return h('p', { class: 'outcome', role: 'status', 'aria-live': 'polite', dataset: { state: 'idle' } });
}

export function report(el, state, text) {
  el.dataset.state = state;
  el.setAttribute('role', state === 'error' ? 'alert' : 'status');
  el.textContent = text;
}

export function describeError(error) {
  if (error instanceof NodeDownError) return t('nodeDown', { message: t('noAnswer', { origin: location.origin }) });
  const own = ownProblem(error);
  if (own) return own;
  if (error instanceof NotIncludedError) return t('notIncluded', { hash: error.hash });
  if (error instanceof ApiError) return t('sendFailed', { message: error.message });
  return t('sendFailed', { message: error.message ?? String(error) });
}

/** A transaction that was accepted but not seen in a block before the deadline. */
export class NotIncludedError extends Error {
  constructor(hash) {
    super(`transaction ${hash} was not included in time`);
    this.hash = hash;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForInclusion(hash, blockTimeS) {
  const deadline = Date.now() + Math.max(30_000, blockTimeS * 20_000);
  while (Date.now() < deadline) {
    try {
      const tx = await api.get(`/txs/${hash}`);
      if (tx.status === 'included') return tx;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404) || /left this node's mempool/.test(error.message)) throw error;
    }
    await sleep(Math.min(1000, Math.max(100, blockTimeS * 500)));
  }
  throw new NotIncludedError(hash);
}

/** Sign `msgs` with the session key, submit them, wait for the block; reports into `el`; true on success. */
export async function submit(session, el, msgs, memo = '') {
  report(el, 'waiting', t('waiting'));
  try {
    const [status, account] = await Promise.all([api.get('/status'), api.get(`/accounts/${session.key.address}`)]);
    const body = {
      chain_id: status.chain_id,
      sender: session.key.address,
      sequence: account.next_sequence,
      fee: session.feeUgos,
      msgs,
      memo,
    };
    return await broadcast(session, el, signTx(session.key, body).hex, status.block_time_seconds);
  } catch (error) {
    report(el, 'error', describeError(error));
    return false;
  }
}

/** POST a signed transaction (hex wire bytes), wait for its block and report into `el`; true on success. */
export async function broadcast(session, el, signedHex, blockTimeS) {
  const { tx_hash: hash } = await api.post('/txs', { tx: signedHex });
  const tx = await waitForInclusion(hash, blockTimeS);
  if (tx.code !== 0) {
    report(el, 'error', t('failed', { log: tx.log }));
    return false;
  }
  el.dataset.tx = hash;
  report(el, 'ok', t('included', { height: new Intl.NumberFormat(language()).format(tx.height) }));
  session.changed();
  return true;
}

/** The fee line every action shows beside its button. */
export function feeLine(session, extra) {
  return h('p', { class: 'fee' }, t('fee', { fee: fmt(session.feeUgos, GOS.decimals) }), extra ? ` (${extra})` : '');
}

export function select(label, options, value) {
  const control = h('select', { 'aria-label': label });
  for (const [optionValue, text] of options) {
    control.append(h('option', { value: optionValue, selected: optionValue === value }, text));
  }
  return control;
}

/** The message for an amount above what the account has (checked before signing: nothing is sent). */
export function overBalance(value, available, decimals, what) {
  return value > available ? t('overBalance', { what, available: fmt(available, decimals) }) : null;
}

/** Free balance (base units) of `denom` in an /accounts answer. */
export function freeBalance(account, asset) {
  const entry = account.balances.find((b) => b.denom === asset.denom);
  return entry ? units(entry.display, asset.decimals) : 0n;
}

/** A click handler that reports any failure (the node unreachable, an API error) into `el` instead of losing it. */
export function guard(el, handler) {
  return async (...args) => {
    try {
      await handler(...args);
    } catch (error) {
      report(el, 'error', describeError(error));
    }
  };
}

const ESTIMATE_DELAY_MS = 300;

/** A line under a form showing, as an amount is typed into `input`, what it would earn: the chain's estimate
 * (GET /accounts/{address}/estimate with the prospective move) of the move alone and of the account with it. `moves()`
 * gives [label, (base units) → query] for each move the form offers (vote and stake; or a lock of the chosen asset),
 * `decimals()` the typed amount's decimals. Nothing is computed here; a newer amount replaces an older answer. */
export function estimateLine(session, input, decimals, moves) {
  const line = h('p', { class: 'estimate muted', 'aria-live': 'polite', dataset: { estimate: '' } });
  let timer;
  let asked = 0;
  const gos = (amount) => `${fmt(units(amount.gos, 6), 6)} GOS`;
  async function show() {
    const ask = ++asked;
    let value = 0n;
    try {
      value = parseUnits(input.value, decimals());
    } catch (error) {
      if (!(error instanceof AmountError)) throw error;
    }
    const chosen = moves();
    if (value <= 0n || chosen.length === 0) {
      line.textContent = '';
      return;
    }
    try {
      const answers = await Promise.all(
        chosen.map(([, query]) => api.get(`/accounts/${session.key.address}/estimate?${query(value)}`)));
      if (ask !== asked) return;
      line.textContent = answers.map((answer, i) => t('estimateWith', {
        move: chosen[i][0],
        perDay: gos(answer.additions_alone.gos_per_day),
        apr: formatPercent(answer.additions_alone.apr, language()),
        total: gos(answer.with_additions.gos_per_day),
      })).join(' · ');
    } catch (error) {
      if (ask === asked) line.textContent = describeError(error);
    }
  }
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(show, ESTIMATE_DELAY_MS);
  });
  line.refresh = show;
  return line;
}
