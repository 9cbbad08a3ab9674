// Canonical transaction encoding: msgspec's compact JSON of gostaking/chain/types/tx.py (fields in declared order,
// no whitespace, bytes as padded base64, integers as JSON integers of any size). Integers are BigInt here, so
// amounts of 18-decimal assets stay exact; strings are escaped by JSON.stringify, which escapes exactly what
// msgspec does (", \, control characters; \b \f \n \r \t short). The chain accepts only this spelling.
import { base64, hex } from '@scure/base';
import { sha256, signDigest } from './keys.js';

const STR = 'str';
const INT = 'int';
const BOND = [['node', STR], ['amount', INT]];
const ASSET = [['denom', STR], ['amount', INT]];

/** Each message the app sends: its wire tag and fields in the order tx.py declares them (defaults included). */
export const MESSAGE_FIELDS = {
  send: [['to', STR], ['denom', STR], ['amount', INT]],
  lock: ASSET,
  unlock: ASSET,
  vote: BOND,
  unvote: BOND,
  stake: BOND,
  unstake: BOND,
  claim: [],
  swap: [['pair', STR], ['denom_in', STR], ['amount_in', INT], ['min_out', INT]],
  vote_proposal: [['proposal_id', INT], ['option', STR], ['escrow', INT]],
  // gostaking/chain/types/liquid.py: amounts in ugos, usgos and LP units; `ticket` is a ticket id.
  liquid_stake: [['amount', INT]],
  liquid_unstake: [['sgos', INT]],
  liquid_claim_ticket: [['ticket', INT]],
  liquid_instant_unstake: [['sgos', INT], ['min_gos', INT]],
  liquid_add_liquidity: [['ugos', INT]],
  liquid_remove_liquidity: [['lp', INT]],
  // gostaking/chain/types/book.py: price in ugos per whole unit of the base, quantity in base units.
  place_order: [['market', STR], ['side', STR], ['price', INT], ['quantity', INT], ['time_in_force', STR], ['expiry_height', INT]],
  cancel_order: [['order_id', INT]],
  routed_swap: [['pair', STR], ['denom_in', STR], ['amount_in', INT], ['min_out', INT]],
};
const DEFAULTS = { vote_proposal: { escrow: 0n }, place_order: { time_in_force: 'gtc', expiry_height: 0n } };

function encodeInt(value, name) {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError(`${name} must be an exact integer`);
  if (typeof value !== 'bigint' && typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+$/.test(value))) {
    throw new TypeError(`${name} must be an integer`);
  }
  return BigInt(value).toString();
}

function encodeStr(value, name) {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return JSON.stringify(value);
}

export function encodeMsg(msg) {
  const fields = MESSAGE_FIELDS[msg.type];
  if (!fields) throw new TypeError(`unknown message type ${JSON.stringify(msg.type)}`);
  const parts = [`"type":${JSON.stringify(msg.type)}`];
  for (const [name, kind] of fields) {
    const value = msg[name] ?? DEFAULTS[msg.type]?.[name];
    if (value === undefined) throw new TypeError(`${msg.type}: ${name} is missing`);
    parts.push(`${JSON.stringify(name)}:${kind === INT ? encodeInt(value, name) : encodeStr(value, name)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Canonical JSON of a TxBody {chain_id, sender, sequence, fee, msgs, memo}. */
export function encodeBody(body) {
  return (
    `{"chain_id":${encodeStr(body.chain_id, 'chain_id')},"sender":${encodeStr(body.sender, 'sender')}` +
    `,"sequence":${encodeInt(body.sequence, 'sequence')},"fee":${encodeInt(body.fee, 'fee')}` +
    `,"msgs":[${body.msgs.map(encodeMsg).join(',')}],"memo":${encodeStr(body.memo ?? '', 'memo')}}`
  );
}

const utf8 = new TextEncoder();

/** The 32-byte digest a sender signs: sha256 of the canonical body (codec.sign_bytes). */
export function signBytes(body) {
  return sha256(utf8.encode(encodeBody(body)));
}

/** Wire bytes of a single-key transaction (the `multisig` field is omitted, as msgspec omits its default). */
export function encodeTx(body, signature) {
  return utf8.encode(`{"body":${encodeBody(body)},"signature":${JSON.stringify(base64.encode(signature))}}`);
}

/** Sign `body` with `key` ({secret}); returns the wire bytes, their hex (POST /txs) and the tx hash. */
export function signTx(key, body) {
  const wire = encodeTx(body, signDigest(key.secret, signBytes(body)));
  return { wire, hex: hex.encode(wire), hash: hex.encode(sha256(wire)) };
}
