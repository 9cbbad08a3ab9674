// The app's JavaScript against the Python wallet's vectors (vectors.json, written by app_vectors.py): derivation,
// canonical encoding, sign bytes, signatures, wire bytes and hashes must be byte for byte the same.
// Run by test_vectors.py with `node --test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import { keyFromMnemonic, keyFromSecret, checkMnemonic, MnemonicError } from '../../gostaking/app/src/keys.js';
import { encodeBody, signBytes, signTx } from '../../gostaking/app/src/codec.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'));

test('keys derive as the CLI wallet derives them', () => {
  for (const v of vectors.keys) {
    const key = keyFromMnemonic(v.mnemonic, v.bip39_passphrase);
    assert.equal(hex.encode(key.secret), v.secret, v.mnemonic);
    assert.equal(hex.encode(key.publicKey), v.public_key);
    assert.equal(key.address, v.address);
  }
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
