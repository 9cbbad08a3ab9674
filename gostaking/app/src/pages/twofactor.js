// The 2FA wallet (docs/cosigner.md; the whitepaper's "fingerprint"): a 2-of-3 account of this wallet's key, its
// backup key (same phrase) and a cosigner's key. Enrol with a cosigner, scan the QR code, activate with a first code;
// then every transaction is built and signed here with the user key, co-signed by the cosigner after a code from the
// authenticator app or a passkey (WebAuthn in this page), and broadcast as the multisig transaction. The policy
// (daily limit, delay above an amount, allow-list) is the cosigner's; a held transaction is released or cancelled here.
//
// Remembered in this browser (public data only): the cosigner's URL, the 2FA address and the cosigner's key, and
// the held transactions' bodies (a release signs the body kept here, never one the cosigner sends back). The TOTP
// secret is shown once and never stored: it belongs on the phone.
import { base64, hex } from '@scure/base';
import { api } from '../api.js';
import { encodeBody } from '../codec.js';
import { CosignerDownError, CosignerError, cosignerApi } from '../cosigner.js';
import { formatDateTime, formatDuration, parseUnits, toDecimal } from '../amounts.js';
import { sha256, signDigest } from '../keys.js';
import { encodeMultisigTx, indexOf, multisigAddress, multisigKey } from '../multisig.js';
import { t, language } from '../i18n.js';
import { broadcast, describeError, feeLine, ownProblem, field, fmt, freeBalance, GOS, h, outcome, overBalance, readAmount, report, select } from '../ui.js';
import { isAddress } from './send.js';

const STORAGE_KEY = 'gostaking.app.twofactor';
const FORMAT_VERSION = 1;
const THRESHOLD = 2;
const utf8 = new TextEncoder();

/** What this browser remembers of 2FA: {version, cosignerUrl, wallets: {user address: {cosignerUrl, address,
 * cosignerPubkey, held: [{token, releaseAt, body, summary}]}}}. */
function loadState() {
  try {
    const state = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    if (state?.version === FORMAT_VERSION) return state;
  } catch {
    // A damaged record is replaced: it holds public data only, and enrolment can be repeated.
  }
  return { version: FORMAT_VERSION, cosignerUrl: '', wallets: {} };
}

const saveState = (state) => localStorage.setItem(STORAGE_KEY, JSON.stringify(state));

/** The 2-of-3 key of the user's two keys and the cosigner's. */
export function twoFactorKey(userPubkey, backupPubkey, cosignerPubkey) {
  return multisigKey(THRESHOLD, [userPubkey, backupPubkey, cosignerPubkey]);
}

/** An error as the page shows it: the cosigner's own line, its absence, a cancelled passkey, or the node's. */
function describe(error) {
  if (error instanceof CosignerDownError) return t('twoFactorCosignerDown', { message: error.message });
  if (error instanceof CosignerError) return t('twoFactorRefused', { message: error.message });
  if (error?.name === 'NotAllowedError') return t('twoFactorPasskeyCancelled');
  return describeError(error);
}

function guarded(el, handler) {
  return async () => {
    report(el, 'waiting', t('waiting')); // at once: the click is acknowledged before any request
    try {
      await handler();
    } catch (error) {
      report(el, 'error', describe(error));
    }
  };
}

const gos = (units) => `${fmt(units, GOS.decimals)} GOS`;
const textInput = (attrs = {}) => h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs });
const codeInput = (label) => textInput({ inputmode: 'numeric', maxlength: 6, class: 'code', 'aria-label': label });
const part = (title, ...children) => h('section', { class: 'twofactor-part' }, h('h2', {}, title), ...children);
const button = (text, onclick, primary) => h('button', { type: 'button', class: primary ? 'primary' : null, onclick }, text);

export function twoFactorPage(session) {
  const key = session.key;
  const state = loadState();
  const mine = () => state.wallets[key.address] ?? null;
  const cosigner = () => cosignerApi(mine()?.cosignerUrl ?? url.value.trim());
  const walletKey = () => twoFactorKey(key.publicKey, key.backupPublicKey, hex.decode(mine().cosignerPubkey));

  const url = textInput({ inputmode: 'url', value: state.cosignerUrl });
  const enrolResult = outcome();
  const enrolment = h('div', { class: 'enrolment', hidden: true });
  const activateCode = codeInput(t('twoFactorCode'));
  const activateResult = outcome();
  const statusLine = h('p', { class: 'twofactor-status', 'aria-live': 'polite' }, '—');
  const addressLine = h('p', { class: 'mono', dataset: { twofactorAddress: '' } }, '—');
  const balanceLine = h('p', { class: 'balance', dataset: { balance: '' } }, '—');

  const to = textInput({ class: 'mono' });
  const asset = select(t('asset'), session.assets.map((a) => [a.denom, a.symbol]), GOS.denom);
  const amount = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '0' });
  const sendCode = codeInput(t('twoFactorCode'));
  const sendResult = outcome();
  const heldBody = h('tbody');
  const heldEmpty = h('p', { class: 'muted' }, t('twoFactorNoHeld'));
  const heldResult = outcome();
  const passkeyCode = codeInput(t('twoFactorCode'));
  const passkeyResult = outcome();
  const policyLines = h('div', { class: 'policy', 'aria-live': 'polite' }, '—');
  const dailyLimit = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off' });
  const delayAbove = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off' });
  const allowlist = h('textarea', { rows: 3, autocomplete: 'off', spellcheck: 'false', class: 'mono' });
  const policyCode = codeInput(t('twoFactorCode'));
  const policyResult = outcome();
  let currentPolicy = null;

  function remember(record) {
    state.cosignerUrl = record.cosignerUrl;
    state.wallets[key.address] = record;
    saveState(state);
  }

  async function enrol() {
    const cosignerUrl = url.value.trim();
    if (!/^https?:\/\/[^/\s]+/.test(cosignerUrl)) return report(enrolResult, 'error', t('twoFactorBadUrl'));
    state.cosignerUrl = cosignerUrl;
    saveState(state);
    const answer = await cosignerApi(cosignerUrl).enrol(key);
    // The address is recomputed from the three keys: a cosigner naming another account is refused.
    const cosignerPubkey = hex.decode(answer.cosigner_pubkey);
    const address = multisigAddress(twoFactorKey(key.publicKey, key.backupPublicKey, cosignerPubkey));
    if (address !== answer.address) return report(enrolResult, 'error', t('twoFactorWrongAddress', { address: answer.address }));
    remember({ cosignerUrl: cosignerApi(cosignerUrl).url, address, cosignerPubkey: answer.cosigner_pubkey, held: [] });
    // The QR code is another service's markup: shown as an image (a data URL runs no script), never inserted.
    const qr = h('img', { class: 'qr', alt: t('twoFactorQr'), src: `data:image/svg+xml;base64,${base64.encode(utf8.encode(answer.qr_svg))}` });
    enrolment.replaceChildren(
      h('p', {}, t('twoFactorScan')), qr,
      field(t('twoFactorUri'), h('input', { type: 'text', readonly: true, class: 'mono otpauth', value: answer.otpauth_uri })),
    );
    enrolment.hidden = false;
    report(enrolResult, 'ok', t('twoFactorEnrolled', { address }));
    await root.refresh();
  }

  async function activate() {
    await cosigner().activate(mine().address, activateCode.value.trim());
    activateCode.value = '';
    enrolment.hidden = true; // the secret is on the phone now; it is not shown again
    report(activateResult, 'ok', t('twoFactorActivated'));
    await root.refresh();
  }

  /** Build and sign `msgs` from the 2FA account, have `approve(request)` co-sign it, then broadcast or hold. */
  async function spend(el, msgs, summary, approve) {
    const record = mine();
    const [status, account] = await Promise.all([api.get('/status'), api.get(`/accounts/${record.address}`)]);
    const body = { chain_id: status.chain_id, sender: record.address, sequence: account.next_sequence, fee: session.feeUgos, msgs, memo: '' };
    const bodyText = encodeBody(body);
    const userSignature = signDigest(key.secret, sha256(utf8.encode(bodyText)));
    const request = { body: hex.encode(utf8.encode(bodyText)), user_signature: hex.encode(userSignature) };
    report(el, 'waiting', t('twoFactorAsking'));
    const approval = await approve(request);
    if (approval.body !== request.body) return report(el, 'error', t('twoFactorOtherBody'));
    if (approval.status === 'held') {
      record.held = [...record.held.filter((held) => held.token !== approval.token),
        { token: approval.token, releaseAt: approval.release_at, body: request.body, summary }];
      remember(record);
      el.dataset.token = approval.token;
      report(el, 'held', t('twoFactorHeld', { time: formatDateTime(approval.release_at * 1000, language()) }));
      return root.refresh();
    }
    return complete(el, bodyText, approval, status.block_time_seconds);
  }

  /** The user's signature and the cosigner's (each checked over this body) as the 2-of-3 transaction, broadcast. */
  async function complete(el, bodyText, approval, blockTimeS) {
    if (approval.status !== 'signed') return report(el, 'error', t('twoFactorNotSigned', { status: approval.status }));
    const wallet = walletKey();
    const digest = sha256(utf8.encode(bodyText));
    if (approval.cosigner_index !== indexOf(wallet, hex.decode(mine().cosignerPubkey))) return report(el, 'error', t('twoFactorOtherBody'));
    const signatures = {
      [indexOf(wallet, key.publicKey)]: signDigest(key.secret, digest),
      [approval.cosigner_index]: hex.decode(approval.cosigner_signature),
    };
    const signed = encodeMultisigTx(bodyText, wallet, signatures);
    return broadcast(session, el, signed.hex, blockTimeS ?? (await api.get('/status')).block_time_seconds);
  }

  /** The send form's message and its summary, or an error shown in the outcome (nothing is signed). */
  async function sendMessage() {
    const recipient = to.value.trim();
    if (!isAddress(recipient)) return report(sendResult, 'error', t('badAddress'));
    const chosen = session.assets.find((a) => a.denom === asset.value);
    const typed = readAmount(amount, chosen.decimals);
    if (typed.error) return report(sendResult, 'error', typed.error);
    const account = await api.get(`/accounts/${mine().address}`);
    const problem = overBalance(typed.value, freeBalance(account, chosen), chosen.decimals, t('twoFactorBalanceWhat'));
    if (problem) return report(sendResult, 'error', problem);
    const summary = `${fmt(typed.value, chosen.decimals)} ${chosen.symbol} → ${recipient}`;
    return { msg: { type: 'send', to: recipient, denom: chosen.denom, amount: typed.value }, summary };
  }

  async function sendWithCode() {
    const code = sendCode.value.trim();
    if (!/^\d{6}$/.test(code)) return report(sendResult, 'error', t('twoFactorBadCode'));
    const send = await sendMessage();
    if (!send) return;
    await spend(sendResult, [send.msg], send.summary, (request) => cosigner().cosign(mine().address, request, code));
    sendCode.value = '';
  }

  async function sendWithPasskey() {
    const send = await sendMessage();
    if (!send) return;
    await spend(sendResult, [send.msg], send.summary, async (request) => {
      const waiting = await cosigner().requestApproval(mine().address, request);
      report(sendResult, 'waiting', t('twoFactorTouch'));
      return cosigner().approveWithPasskey(waiting.token);
    });
  }

  function forget(token) {
    const record = mine();
    record.held = record.held.filter((held) => held.token !== token);
    remember(record);
  }

  const release = (held) => guarded(heldResult, async () => {
    const approval = await cosigner().approval(held.token);
    if (approval.body !== held.body) return report(heldResult, 'error', t('twoFactorOtherBody'));
    if (approval.status === 'held') {
      return report(heldResult, 'error', t('twoFactorStillHeld', { time: formatDateTime(approval.release_at * 1000, language()) }));
    }
    const bodyText = new TextDecoder().decode(hex.decode(held.body));
    if (await complete(heldResult, bodyText, approval)) forget(held.token);
    await root.refresh();
  });

  const cancel = (held) => guarded(heldResult, async () => {
    await cosigner().cancel(key, mine().address, held.token);
    forget(held.token);
    report(heldResult, 'ok', t('twoFactorCancelled'));
    await root.refresh();
  });

  async function registerPasskey() {
    const answer = await cosigner().registerPasskey(key, mine().address, passkeyCode.value.trim());
    passkeyCode.value = '';
    report(passkeyResult, 'ok', t('twoFactorPasskeyAdded', { n: answer.passkeys }));
    await root.refresh();
  }

  /** GOS typed into a policy field in ugos, null when empty (no limit), or an error shown (nothing is sent). */
  function optionalGos(input) {
    if (!input.value.trim()) return { value: null };
    try {
      return { value: parseUnits(input.value, GOS.decimals) };
    } catch (error) {
      return { error: ownProblem(error) ?? t('badAmount', { reason: error.message }) };
    }
  }

  async function savePolicy() {
    const limit = optionalGos(dailyLimit);
    const above = optionalGos(delayAbove);
    const problem = limit.error ?? above.error;
    if (problem) return report(policyResult, 'error', problem);
    const entries = allowlist.value.split(/[\s,]+/).filter(Boolean);
    // gos1… entries must be addresses (a typo would block sends); others are external withdrawal addresses.
    const bad = entries.find((entry) => (entry.startsWith('gos1') ? !isAddress(entry) : entry.length > 128));
    if (bad) return report(policyResult, 'error', t('twoFactorBadAllow', { entry: bad }));
    const base = currentPolicy ?? (await cosigner().policy(mine().address)).policy;
    const withGos = (table, value) => {
      const { [GOS.denom]: _, ...others } = table; // other denoms' entries are kept as they are
      return value === null ? others : { ...others, [GOS.denom]: value };
    };
    const policy = {
      daily_limits: withGos(base.daily_limits, limit.value),
      allowlist: [...new Set(entries)],
      delay_thresholds: withGos(base.delay_thresholds, above.value),
      delay_seconds: base.delay_seconds,
    };
    const answer = await cosigner().setPolicy(key, mine().address, policy, policyCode.value.trim());
    policyCode.value = '';
    report(policyResult, 'ok', answer.pending ? t('twoFactorPolicyPending', { time: formatDateTime(answer.pending_effective_at * 1000, language()) }) : t('twoFactorPolicySaved'));
    await root.refresh();
  }

  function showPolicy(view) {
    const locale = language();
    const limitText = (table) => (GOS.denom in table ? gos(BigInt(table[GOS.denom])) : t('twoFactorNone'));
    const lines = (policy) => [
      t('twoFactorDailyLimitIs', { amount: limitText(policy.daily_limits) }),
      t('twoFactorDelayIs', { amount: limitText(policy.delay_thresholds), wait: formatDuration(policy.delay_seconds, locale) }),
      t('twoFactorAllowIs', { list: policy.allowlist.length ? policy.allowlist.join(', ') : t('twoFactorAnyone') }),
    ];
    const pending = view.pending
      ? [h('p', { class: 'muted' }, t('twoFactorPendingIs', { time: formatDateTime(view.pending_effective_at * 1000, locale), policy: lines(view.pending).join(' · ') }))]
      : [];
    policyLines.replaceChildren(...lines(view.policy).map((line) => h('p', {}, line)), ...pending);
  }

  function showHeld(record) {
    const locale = language();
    heldEmpty.hidden = record.held.length > 0;
    heldBody.replaceChildren(...record.held.map((held) => h('tr', { dataset: { token: held.token } },
      h('td', {}, held.summary),
      h('td', {}, formatDateTime(held.releaseAt * 1000, locale)),
      h('td', {}, button(t('twoFactorRelease'), release(held)), ' ', button(t('twoFactorCancel'), cancel(held))))));
  }

  const activatePart = part(t('twoFactorActivateTitle'), field(t('twoFactorCode'), activateCode),
    h('div', { class: 'actions' }, button(t('twoFactorActivate'), guarded(activateResult, activate), true)), activateResult);
  const enrolledParts = h('div', { class: 'enrolled', hidden: true },
    part(t('twoFactorAccountTitle'), addressLine, balanceLine, statusLine,
      h('p', { class: 'muted' }, t('twoFactorFundHint'))),
    activatePart,
    part(t('twoFactorSendTitle'), field(t('recipient'), to), field(t('asset'), asset), field(t('amount'), amount),
      field(t('twoFactorCode'), sendCode, t('twoFactorCodeHint')),
      feeLine(session, t('newBalanceFee', { fee: fmt(BigInt(session.params.tx.new_balance_fee_ugos), 6) })),
      h('div', { class: 'actions' },
        button(t('twoFactorSendCode'), guarded(sendResult, sendWithCode), true),
        button(t('twoFactorSendPasskey'), guarded(sendResult, sendWithPasskey))),
      sendResult),
    part(t('twoFactorHeldTitle'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'held' },
        h('caption', { class: 'sr-only' }, t('twoFactorHeldTitle')),
        h('thead', {}, h('tr', {}, ...['twoFactorWhat', 'twoFactorReleaseAt', 'twoFactorActions'].map((k) => h('th', { scope: 'col' }, t(k))))),
        heldBody)),
      heldEmpty, feeLine(session), heldResult),
    part(t('twoFactorPasskeyTitle'), h('p', { class: 'muted' }, t('twoFactorPasskeyHelp')), field(t('twoFactorCode'), passkeyCode),
      h('div', { class: 'actions' }, button(t('twoFactorAddPasskey'), guarded(passkeyResult, registerPasskey))), passkeyResult),
    part(t('twoFactorPolicyTitle'), policyLines,
      field(t('twoFactorDailyLimit'), dailyLimit, t('twoFactorEmptyNoLimit')),
      field(t('twoFactorDelayAbove'), delayAbove, t('twoFactorEmptyNoLimit')),
      field(t('twoFactorAllowlist'), allowlist, t('twoFactorAllowHint')),
      field(t('twoFactorCode'), policyCode),
      h('div', { class: 'actions' }, button(t('twoFactorSavePolicy'), guarded(policyResult, savePolicy))), policyResult),
  );

  const root = h('section', { class: 'page card', 'aria-labelledby': 'twofactor-title' },
    h('h1', { id: 'twofactor-title' }, t('twoFactorTitle')),
    h('p', { class: 'help' }, t('twoFactorHelp')),
    part(t('twoFactorSetupTitle'), field(t('twoFactorCosignerUrl'), url),
      h('div', { class: 'actions' }, button(t('twoFactorEnrol'), guarded(enrolResult, enrol), !mine())),
      enrolResult, enrolment),
    enrolledParts,
  );

  let policyShown = false;
  root.refresh = async () => {
    const record = mine();
    enrolledParts.hidden = !record;
    if (record) {
      addressLine.textContent = record.address;
      addressLine.dataset.twofactorAddress = record.address;
      const account = await api.get(`/accounts/${record.address}`);
      const balance = freeBalance(account, GOS);
      balanceLine.dataset.balance = String(balance);
      balanceLine.textContent = t('twoFactorBalance', { amount: gos(balance) });
      showHeld(record);
      try {
        // The cosigner is another service: its absence is this page's news, not the node's banner.
        const [wallet, policy] = await Promise.all([cosigner().wallet(record.address), cosigner().policy(record.address)]);
        const locked = wallet.locked_until * 1000 > Date.now();
        statusLine.dataset.active = String(wallet.active);
        activatePart.hidden = wallet.active && activateResult.dataset.state !== 'ok';
        statusLine.textContent = [
          wallet.active ? t('twoFactorIsActive') : t('twoFactorNotActive'),
          t('twoFactorPasskeys', { n: wallet.passkeys }),
          locked ? t('twoFactorLocked', { time: formatDateTime(wallet.locked_until * 1000, language()) }) : null,
        ].filter(Boolean).join(' · ');
        currentPolicy = policy.policy;
        showPolicy(policy);
        if (!policyShown) {
          // The form starts from the policy in force (once: later refreshes must not overwrite what is typed).
          policyShown = true;
          const asGos = (table) => (GOS.denom in table ? toDecimal(BigInt(table[GOS.denom]), GOS.decimals) : '');
          dailyLimit.value = asGos(policy.policy.daily_limits);
          delayAbove.value = asGos(policy.policy.delay_thresholds);
          allowlist.value = policy.policy.allowlist.join('\n');
        }
      } catch (error) {
        statusLine.textContent = describe(error);
      }
    }
    root.dataset.loaded = 'true';
  };
  return root;
}
