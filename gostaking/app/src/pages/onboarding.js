// Create (phrase shown once, two words asked back), restore, and unlock: the only pages before a key is open.
import { checkMnemonic, MnemonicError, newMnemonic } from '../keys.js';
import { MIN_PASSPHRASE, openWallet, saveWallet, WrongPassphraseError, forgetWallet } from '../vault.js';
import { t } from '../i18n.js';
import { describeError, field, h, outcome, ownProblem, report } from '../ui.js';

function passphraseFields() {
  const first = h('input', { type: 'password', autocomplete: 'new-password', minlength: MIN_PASSPHRASE });
  const second = h('input', { type: 'password', autocomplete: 'new-password' });
  const check = () => {
    if (first.value.length < MIN_PASSPHRASE) return t('passphraseShort', { n: MIN_PASSPHRASE });
    if (first.value !== second.value) return t('passphraseMismatch');
    return null;
  };
  return {
    nodes: [field(t('passphrase'), first, t('passphraseHint', { n: MIN_PASSPHRASE })), field(t('passphraseRepeat'), second)],
    check,
    value: () => first.value,
  };
}

export function welcomePage(app) {
  return h(
    'section',
    { class: 'card onboarding', 'aria-labelledby': 'welcome-title' },
    h('h1', { id: 'welcome-title' }, t('appName')),
    h('p', {}, t('welcome')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: () => app.show(createPage(app)) }, t('createWallet')),
      h('button', { type: 'button', onclick: () => app.show(restorePage(app)) }, t('restoreWallet')),
    ),
  );
}

function randomPositions(count, words) {
  const chosen = new Set();
  const random = new Uint32Array(1);
  while (chosen.size < count) {
    crypto.getRandomValues(random);
    chosen.add(random[0] % words);
  }
  return [...chosen].sort((a, b) => a - b);
}

async function finish(app, el, mnemonic, bip39Passphrase, passphrase) {
  report(el, 'waiting', t('loading'));
  const { key } = await saveWallet(mnemonic, bip39Passphrase, passphrase);
  await app.open(key);
}

export function createPage(app) {
  const mnemonic = newMnemonic(24);
  const words = mnemonic.split(' ');
  const written = h('input', { type: 'checkbox', id: 'phrase-written' });
  const next = h('button', { type: 'button', class: 'primary', disabled: true }, t('next'));
  written.addEventListener('change', () => { next.disabled = !written.checked; });
  next.addEventListener('click', () => app.show(confirmPage(app, mnemonic)));
  return h(
    'section',
    { class: 'card onboarding', 'aria-labelledby': 'phrase-title' },
    h('h1', { id: 'phrase-title' }, t('phraseTitle')),
    h('p', { class: 'warning' }, t('phraseWarning')),
    h('ol', { class: 'phrase', 'aria-label': t('phraseTitle'), dataset: { verbatim: '' } }, words.map((word) => h('li', {}, word))),
    h('div', { class: 'check' }, written, h('label', { for: 'phrase-written' }, t('phraseWritten'))),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => app.show(welcomePage(app)) }, t('back')), next),
  );
}

function confirmPage(app, mnemonic) {
  // The phrase is no longer on screen: two words at random positions prove it was written down.
  const words = mnemonic.split(' ');
  const positions = randomPositions(2, words.length);
  const inputs = positions.map(() => h('input', { type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' }));
  const secret = passphraseFields();
  const result = outcome();
  const form = h(
    'form',
    { class: 'card onboarding', 'aria-labelledby': 'confirm-title' },
    h('h1', { id: 'confirm-title' }, t('confirmTitle')),
    positions.map((position, i) => field(t('wordNumber', { n: position + 1 }), inputs[i])),
    h('h2', {}, t('passphraseTitle')),
    secret.nodes,
    result,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('saveWallet'))),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const [i, position] of positions.entries()) {
      if (inputs[i].value.trim().toLowerCase() !== words[position]) return report(result, 'error', t('wordWrong', { n: position + 1 }));
    }
    const problem = secret.check();
    if (problem) return report(result, 'error', problem);
    await finish(app, result, mnemonic, '', secret.value());
  });
  return form;
}

export function restorePage(app) {
  const phrase = h('textarea', { rows: 3, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
  const bip39 = h('input', { type: 'password', autocomplete: 'off' });
  const secret = passphraseFields();
  const result = outcome();
  const form = h(
    'form',
    { class: 'card onboarding', 'aria-labelledby': 'restore-title' },
    h('h1', { id: 'restore-title' }, t('restoreWallet')),
    field(t('phrase'), phrase),
    h('details', {}, h('summary', {}, t('bip39Passphrase')), field(t('bip39Passphrase'), bip39)),
    secret.nodes,
    result,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => app.show(welcomePage(app)) }, t('back')),
      h('button', { type: 'submit', class: 'primary' }, t('restore')),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let mnemonic;
    try {
      mnemonic = checkMnemonic(phrase.value);
    } catch (error) {
      if (error instanceof MnemonicError) return report(result, 'error', ownProblem(error));
      throw error;
    }
    const problem = secret.check();
    if (problem) return report(result, 'error', problem);
    await finish(app, result, mnemonic, bip39.value, secret.value());
  });
  return form;
}

export function unlockPage(app, record) {
  const passphrase = h('input', { type: 'password', autocomplete: 'current-password' });
  const result = outcome();
  const form = h(
    'form',
    { class: 'card onboarding', 'aria-labelledby': 'unlock-title' },
    h('h1', { id: 'unlock-title' }, t('unlockTitle')),
    h('p', { class: 'mono' }, record.address),
    field(t('passphrase'), passphrase),
    result,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('unlock'))),
    h('button', {
      type: 'button',
      class: 'link danger',
      onclick: () => {
        if (confirm(t('forgetConfirm'))) {
          forgetWallet();
          app.show(welcomePage(app));
        }
      },
    }, t('forget')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    report(result, 'waiting', t('loading'));
    try {
      await app.open(await openWallet(record, passphrase.value));
    } catch (error) {
      if (error instanceof WrongPassphraseError) return report(result, 'error', t('wrongPassphrase'));
      report(result, 'error', describeError(error));
    }
  });
  return form;
}
