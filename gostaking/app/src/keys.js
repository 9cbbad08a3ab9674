// Keys: BIP-39 phrases, the GOS key at m/44'/118'/0'/0/0 (the CLI wallet's path, docs/wallet.md), gos1 addresses
// and 65-byte recoverable low-s signatures (r ‖ s ‖ recovery id), as gostaking/wallet/keys.py makes them.
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english';
import { HDKey } from '@scure/bip32';
import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha256';
import { hmac } from '@noble/hashes/hmac';
import { bech32 } from '@scure/base';

// RFC 6979 nonces need HMAC-SHA256; with it set, signing is synchronous and deterministic (as coincurve's).
secp.etc.hmacSha256Sync = (key, ...messages) => hmac(sha256, key, secp.etc.concatBytes(...messages));

export const GOS_PATH = "m/44'/118'/0'/0/0";
// The 2FA wallet's backup key (the CLI's BACKUP_ACCOUNT): only its public key is kept, for enrolment.
export const BACKUP_PATH = "m/44'/118'/1'/0/0";
export const ADDRESS_PREFIX = 'gos';

export class MnemonicError extends Error {}

/** Lower case, single spaces: the spelling the seed is computed from (case and spacing do not matter). */
export function normalizeMnemonic(text) {
  return text.trim().toLowerCase().split(/\s+/).filter(Boolean).join(' ');
}

/** A new phrase of `words` words (128 or 256 bits from the browser's CSPRNG). */
export function newMnemonic(words = 24) {
  return generateMnemonic(wordlist, words === 12 ? 128 : 256);
}

/** The normalized phrase, or a MnemonicError naming what is wrong (the CLI's three cases). */
export function checkMnemonic(text) {
  const phrase = normalizeMnemonic(text);
  const words = phrase ? phrase.split(' ') : [];
  for (const word of words) {
    if (!wordlist.includes(word)) throw new MnemonicError(`'${word}' is not a word of the BIP-39 English list`, { cause: { code: 'word', word } });
  }
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw new MnemonicError(`a phrase has 12, 15, 18, 21 or 24 words, not ${words.length}`, { cause: { code: 'count', count: words.length } });
  }
  if (!validateMnemonic(phrase, wordlist)) throw new MnemonicError('a word is wrong or out of order', { cause: { code: 'checksum' } });
  return phrase;
}

export function addressOf(publicKey) {
  return bech32.encode(ADDRESS_PREFIX, bech32.toWords(sha256(publicKey).slice(0, 20)));
}

/** The everyday GOS key of a phrase (and optional BIP-39 passphrase), with the public key of its 2FA backup key. */
export function keyFromMnemonic(mnemonic, bip39Passphrase = '') {
  return keyFromSeed(mnemonicToSeedSync(checkMnemonic(mnemonic), bip39Passphrase));
}

/** As keyFromMnemonic, the BIP-39 seed (PBKDF2-HMAC-SHA512, 2,048 rounds over the NFKD phrase, salt "mnemonic" and
 * the passphrase) computed by WebCrypto: the same 64 bytes, natively, in a fraction of the JavaScript one's time,
 * which a user waits for at every unlock (benchmarks/bench_app_load.py). */
export async function keyFromMnemonicAsync(mnemonic, bip39Passphrase = '') {
  const utf8 = new TextEncoder();
  const phrase = utf8.encode(checkMnemonic(mnemonic).normalize('NFKD'));
  const material = await crypto.subtle.importKey('raw', phrase, 'PBKDF2', false, ['deriveBits']);
  const salt = utf8.encode(`mnemonic${bip39Passphrase}`.normalize('NFKD'));
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt, iterations: 2048 }, material, 512);
  return keyFromSeed(new Uint8Array(bits));
}

function keyFromSeed(seed) {
  const master = HDKey.fromMasterSeed(seed);
  return { ...keyFromSecret(master.derive(GOS_PATH).privateKey), backupPublicKey: master.derive(BACKUP_PATH).publicKey };
}

export function keyFromSecret(secret) {
  const publicKey = secp.getPublicKey(secret, true);
  return { secret, publicKey, address: addressOf(publicKey) };
}

/** 65-byte recoverable signature of a 32-byte digest: r ‖ s ‖ v, s in the lower half (noble's default). */
export function signDigest(secret, digest) {
  const signature = secp.sign(digest, secret, { lowS: true });
  const out = new Uint8Array(65);
  out.set(signature.toCompactRawBytes(), 0);
  out[64] = signature.recovery;
  return out;
}

export { sha256 };
