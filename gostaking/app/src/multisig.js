// k-of-n multisig accounts (docs/multisig.md) as gostaking/chain/crypto.py and gostaking/wallet/multisig.py make
// them: the address of sorted keys and a threshold, and the wire bytes of a transaction they signed. The body and
// its sign bytes are codec.js's; only the `multisig` field is added, with an empty single-key `signature`.
import { base64, bech32, hex } from '@scure/base';
import * as secp from '@noble/secp256k1';
import { ADDRESS_PREFIX, sha256 } from './keys.js';

const utf8 = new TextEncoder();
const MULTISIG_PREFIX = utf8.encode('multisig/');
const MAX_KEYS = 16;

export class MultisigError extends Error {}

/** Byte-wise (memcmp) order of two keys: the chain's order of a multisig's keys. */
function compareBytes(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** The multisig key {threshold, pubkeys}: the 33-byte keys distinct and in ascending byte order. */
export function multisigKey(threshold, pubkeys) {
  const sorted = [...pubkeys].sort(compareBytes);
  if (sorted.length < 1 || sorted.length > MAX_KEYS) throw new MultisigError(`a multisig has 1 to ${MAX_KEYS} keys`);
  if (!(threshold >= 1 && threshold <= sorted.length)) throw new MultisigError(`threshold ${threshold} of ${sorted.length} keys`);
  if (sorted.some((key) => key.length !== 33)) throw new MultisigError('a multisig key is not a 33-byte compressed key');
  if (sorted.some((key, i) => i > 0 && compareBytes(sorted[i - 1], key) === 0)) throw new MultisigError('a key appears twice');
  return { threshold, pubkeys: sorted };
}

/** bech32("gos", sha256("multisig/" ‖ k ‖ n ‖ keys…)[:20]). */
export function multisigAddress(key) {
  const preimage = secp.etc.concatBytes(MULTISIG_PREFIX, Uint8Array.of(key.threshold, key.pubkeys.length), ...key.pubkeys);
  return bech32.encode(ADDRESS_PREFIX, bech32.toWords(sha256(preimage).slice(0, 20)));
}

/** The position of `pubkey` in the multisig key, or -1. */
export function indexOf(key, pubkey) {
  return key.pubkeys.findIndex((candidate) => compareBytes(candidate, pubkey) === 0);
}

/** Whether the 65-byte signature r ‖ s ‖ v over `digest` is by `pubkey` (low-s, recovery id 0 or 1). */
export function signedBy(digest, signature, pubkey) {
  try {
    if (signature.length !== 65 || signature[64] > 1) return false;
    const parsed = secp.Signature.fromCompact(signature.slice(0, 64));
    if (parsed.hasHighS()) return false;
    const recovered = parsed.addRecoveryBit(signature[64]).recoverPublicKey(digest);
    return compareBytes(recovered.toRawBytes(true), pubkey) === 0;
  } catch {
    return false;
  }
}

/** Wire bytes of the transaction whose canonical body is `bodyText` (codec.encodeBody's), sent by the multisig
 * `key` with `signatures` ({index: 65 bytes}): exactly k of them, each checked to be its key's over this body (the
 * chain's rules, so a bad signature is caught before broadcasting). */
export function encodeMultisigTx(bodyText, key, signatures) {
  const indices = Object.keys(signatures).map(Number).sort((a, b) => a - b);
  if (indices.length !== key.threshold) throw new MultisigError(`${indices.length} signatures for a ${key.threshold}-of-${key.pubkeys.length} multisig`);
  const digest = sha256(utf8.encode(bodyText));
  for (const index of indices) {
    if (!signedBy(digest, signatures[index], key.pubkeys[index])) throw new MultisigError(`signature ${index} is not by key ${index}`);
  }
  const pubkeys = key.pubkeys.map((pubkey) => JSON.stringify(base64.encode(pubkey))).join(',');
  const signed = indices.map((index) => `{"index":${index},"signature":${JSON.stringify(base64.encode(signatures[index]))}}`).join(',');
  const wire = utf8.encode(
    `{"body":${bodyText},"signature":"","multisig":{"pubkey":{"threshold":${key.threshold},"pubkeys":[${pubkeys}]},"signatures":[${signed}]}}`,
  );
  return { wire, hex: hex.encode(wire), hash: hex.encode(sha256(wire)) };
}
