// The app's JavaScript against the Python wallet's vectors (vectors.json, written by app_vectors.py): derivation,
// canonical encoding, sign bytes, signatures, wire bytes and hashes must be byte for byte the same.
// Run by test_vectors.py with `node --test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import { keyFromMnemonic, keyFromMnemonicAsync, keyFromSecret, checkMnemonic, MnemonicError } from '../../gostaking/app/src/keys.js';
import { encodeBody, signBytes, signTx } from '../../gostaking/app/src/codec.js';
import { encodeMultisigTx, multisigAddress, MultisigError } from '../../gostaking/app/src/multisig.js';
import { encodePolicy, requestDigest, signRequest } from '../../gostaking/app/src/cosigner.js';
import { notional, orderEscrow, orderProblem, planMarketOrder } from '../../gostaking/app/src/book.js';
import { twoFactorKey } from '../../gostaking/app/src/pages/twofactor.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'));

test('keys derive as the CLI wallet derives them', async () => {
  for (const v of vectors.keys) {
    const key = keyFromMnemonic(v.mnemonic, v.bip39_passphrase);
    assert.equal(hex.encode(key.secret), v.secret, v.mnemonic);
    assert.equal(hex.encode(key.publicKey), v.public_key);
    assert.equal(key.address, v.address);
    assert.equal(hex.encode(key.backupPublicKey), v.backup_public_key); // the 2FA backup key, m/44'/118'/1'/0/0
    // The unlock path's seed (WebCrypto's PBKDF2-SHA512) gives the same key.
    assert.deepEqual(await keyFromMnemonicAsync(v.mnemonic, v.bip39_passphrase), key);
  }
  const [phrase, passphrase] = [vectors.keys[0].mnemonic, 'Ünïcödé パスフレーズ']; // both sides normalize to NFKD
  assert.deepEqual(await keyFromMnemonicAsync(phrase, passphrase), keyFromMnemonic(phrase, passphrase));
  await assert.rejects(keyFromMnemonicAsync('abandon abandon'), MnemonicError);
});

test('transactions encode, hash and sign as the Python wallet', () => {
  for (const v of vectors.txs) {
    const key = keyFromSecret(hex.decode(v.secret));
    assert.equal(key.address, v.body.sender);
    assert.equal(encodeBody(v.body), v.canonical_body);
    assert.equal(hex.encode(signBytes(v.body)), v.sign_bytes);
    const signed = signTx(key, v.body);
    assert.equal(signed.hex, v.wire);
    assert.equal(signed.hash, v.tx_hash);
  }
});

test('an order left good-till-cancelled without expiry encodes as the chain spells the defaults', () => {
  const v = vectors.txs.find((tx) => tx.body.msgs.some((m) => m.type === 'place_order' && m.time_in_force === 'gtc'));
  const withoutDefaults = ({ time_in_force: _tif, expiry_height: _expiry, ...rest }) => rest;
  const msgs = v.body.msgs.map((m) => (m.type === 'place_order' ? withoutDefaults(m) : m));
  assert.ok(!('time_in_force' in msgs[0]) && !('expiry_height' in msgs[0]));
  assert.equal(encodeBody({ ...v.body, msgs }), v.canonical_body);
  assert.throws(() => encodeBody({ ...v.body, msgs: [{ type: 'cancel_order' }] }), /order_id is missing/);
});

test("an order's escrow, value and shape checks are the chain's", () => {
  for (const v of vectors.book.orders) {
    const m = vectors.book.markets[v.market];
    const market = {
      decimals: m.decimals, tick: BigInt(m.tick), lot: BigInt(m.lot), minNotional: BigInt(m.min_notional),
      takerFeePpm: BigInt(m.taker_fee_ppm), roundingReservePerLot: BigInt(m.rounding_reserve_ugos_per_lot),
    };
    const [price, quantity] = [BigInt(v.price), BigInt(v.quantity)];
    const what = `${v.side} ${v.quantity} ${v.market} at ${v.price}`;
    assert.equal(notional(quantity, price, market.decimals).toString(), v.notional, what);
    assert.equal(orderEscrow(market, v.side, quantity, price).toString(), v.escrow, what);
    assert.equal(orderEscrow(market, 'buy', quantity, price).toString(), v.buy_escrow, what);
    const afterBurn = { ...market, roundingReservePerLot: BigInt(vectors.book.rounding_reserve_after_burn_ugos_per_lot) };
    assert.equal(orderEscrow(afterBurn, 'buy', quantity, price).toString(), v.buy_escrow_after_burn, what);
    assert.equal(orderProblem(market, price, quantity) !== null, v.refused !== null, what);
  }
});

test('a market order plans its limit and fill as the CLI does', () => {
  for (const v of vectors.book.market_orders) {
    const levels = v.levels.map(([price, size]) => [BigInt(price), BigInt(size)]);
    const plan = planMarketOrder(v.side, BigInt(v.quantity), levels, BigInt(v.slippage_ppm), BigInt(v.tick));
    const shown = plan && Object.fromEntries(Object.entries(plan).map(([key, value]) => [key, value.toString()]));
    assert.deepEqual(shown, v.plan && { best: v.plan.best, worst: v.plan.worst, quantity: v.plan.quantity, clearing: v.plan.clearing });
  }
});

test('a wrong phrase is refused with the reason', () => {
  const words = vectors.keys[0].mnemonic.split(' ');
  assert.throws(() => checkMnemonic([...words.slice(0, 11), 'abuot'].join(' ')), /'abuot' is not a word/);
  assert.throws(() => checkMnemonic(words.slice(0, 11).join(' ')), /not 11/);
  assert.throws(() => checkMnemonic([...words.slice(0, 11), 'abandon'].join(' ')), MnemonicError);
});

test('amounts must be exact integers', () => {
  const body = { ...vectors.txs[0].body, msgs: [{ type: 'send', to: 'x', denom: 'ugos', amount: 1.5 }] };
  assert.throws(() => encodeBody(body), /exact integer/);
  assert.throws(() => encodeBody({ ...body, msgs: [{ type: 'mint' }] }), /unknown message type/);
});

test('a 2FA (2-of-3 multisig) transaction is byte for byte the Python wallet\'s', () => {
  const v = vectors.two_factor;
  const user = keyFromMnemonic(vectors.keys[0].mnemonic);
  const cosigner = keyFromSecret(hex.decode(v.cosigner_secret));
  const key = twoFactorKey(user.publicKey, user.backupPublicKey, cosigner.publicKey);
  assert.deepEqual(key.pubkeys.map((k) => hex.encode(k)), v.sorted_pubkeys);
  assert.equal(multisigAddress(key), v.address);
  const bodyText = encodeBody(v.tx.body);
  assert.equal(bodyText, v.tx.canonical_body);
  const signatures = Object.fromEntries(Object.entries(v.tx.signatures).map(([index, signature]) => [index, hex.decode(signature)]));
  const signed = encodeMultisigTx(bodyText, key, signatures);
  assert.equal(signed.hex, v.tx.wire);
  assert.equal(signed.hash, v.tx.tx_hash);
  // Each signature is checked against its key before anything is broadcast.
  const [first, second] = Object.keys(signatures);
  assert.throws(() => encodeMultisigTx(bodyText, key, { [first]: signatures[first] }), MultisigError);
  assert.throws(() => encodeMultisigTx(bodyText, key, { [first]: signatures[second], [second]: signatures[first] }), /is not by key/);
  assert.throws(() => encodeMultisigTx(bodyText.replace('2500000', '2500001'), key, signatures), /is not by key/);
});

test('cosigner requests are signed as the Python wallet signs them', () => {
  const v = vectors.two_factor;
  const user = keyFromMnemonic(vectors.keys[0].mnemonic);
  const utf8 = new TextEncoder();
  assert.equal(encodePolicy(v.policy), v.policy.canonical);
  for (const r of v.requests) {
    assert.equal(hex.encode(requestDigest(r.action, r.subject, utf8.encode(r.payload))), r.digest, r.action);
    assert.equal(signRequest(user, r.action, r.subject, utf8.encode(r.payload)), r.signature, r.action);
  }
});
