// The wallet at rest: the phrase sealed with AES-256-GCM under a key PBKDF2-SHA256 derives from the user's
// passphrase (WebCrypto), in this browser's localStorage. Nothing here ever leaves the browser.
import { base64 } from '@scure/base';
import { keyFromMnemonicAsync } from './keys.js';

export const STORAGE_KEY = 'gostaking.app.wallet';
export const FORMAT_VERSION = 1;
export const PBKDF2_ITERATIONS = 600_000; // OWASP's figure for PBKDF2-HMAC-SHA256
export const MIN_PASSPHRASE = 10; // as the CLI keyring

export class WrongPassphraseError extends Error {}

const utf8 = new TextEncoder();

async function aesKey(passphrase, salt, iterations) {
  const material = await crypto.subtle.importKey('raw', utf8.encode(passphrase), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

// The associated data binds the ciphertext to its address: a file edited to show another address does not open.
const aad = (address) => utf8.encode(`gostaking-app-wallet:${address}`);

export function storedWallet(storage = localStorage) {
  const text = storage.getItem(STORAGE_KEY);
  if (!text) return null;
  const record = JSON.parse(text);
  if (record.version !== FORMAT_VERSION) throw new Error(`this wallet was saved by a newer app (format ${record.version})`, { cause: { code: 'newerWallet', version: record.version } });
  return record;
}

/** Seal `mnemonic` (already checked) under `passphrase` and store it; returns the stored record. */
export async function saveWallet(mnemonic, bip39Passphrase, passphrase, storage = localStorage) {
  if (passphrase.length < MIN_PASSPHRASE) throw new Error(`passphrase too short`);
  const key = await keyFromMnemonicAsync(mnemonic, bip39Passphrase);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const secret = utf8.encode(JSON.stringify({ mnemonic, bip39_passphrase: bip39Passphrase }));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: aad(key.address) },
    await aesKey(passphrase, salt, PBKDF2_ITERATIONS),
    secret,
  );
  const record = {
    version: FORMAT_VERSION,
    address: key.address,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: PBKDF2_ITERATIONS, salt: base64.encode(salt) },
    cipher: 'AES-256-GCM',
    nonce: base64.encode(nonce),
    ciphertext: base64.encode(new Uint8Array(sealed)),
  };
  storage.setItem(STORAGE_KEY, JSON.stringify(record));
  return { record, key };
}

/** The key of the stored wallet, or WrongPassphraseError. */
export async function openWallet(record, passphrase) {
  let plain;
  try {
    const aes = await aesKey(passphrase, base64.decode(record.kdf.salt), record.kdf.iterations);
    plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: base64.decode(record.nonce), additionalData: aad(record.address) },
      aes,
      base64.decode(record.ciphertext),
    );
  } catch {
    throw new WrongPassphraseError('wrong passphrase');
  }
  const { mnemonic, bip39_passphrase: bip39Passphrase } = JSON.parse(new TextDecoder().decode(plain));
  const key = await keyFromMnemonicAsync(mnemonic, bip39Passphrase);
  if (key.address !== record.address) throw new Error('the stored wallet does not derive its own address', { cause: { code: 'walletAddress' } });
  return key;
}

export function forgetWallet(storage = localStorage) {
  storage.removeItem(STORAGE_KEY);
}
