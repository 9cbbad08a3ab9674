// The app's exact amounts and its languages, under node: no float ever touches an amount, and every language has
// every text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmountError, formatDecimal, formatDuration, formatUnits, parseUnits, toDecimal } from '../../gostaking/app/src/amounts.js';
import { DICTIONARIES, LANGUAGES } from '../../gostaking/app/src/i18n.js';
import { minimumAfterSlippage, sgosValue, ticketTimeLeft } from '../../gostaking/app/src/pages/liquid.js';

test('decimal strings and base units convert exactly, beyond 2^53', () => {
  assert.equal(parseUnits('1.5', 6), 1_500_000n);
  assert.equal(parseUnits('123456789.123456789123456789', 18), 123456789123456789123456789n);
  assert.equal(toDecimal(123456789123456789123456789n, 18), '123456789.123456789123456789');
  assert.equal(toDecimal(1n, 8), '0.00000001');
  assert.equal(parseUnits('0.1', 8) + parseUnits('0.2', 8), parseUnits('0.3', 8)); // no 0.30000000000000004
  for (const bad of ['', '.', '1.2.3', '-1', '1e5', 'abc']) assert.throws(() => parseUnits(bad, 6), AmountError, bad);
  assert.throws(() => parseUnits('0.0000001', 6), /at most 6 decimals/);
});

test('numbers and durations follow the locale', () => {
  assert.equal(formatUnits(123456789123456789123456789n, 18, 'en'), '123,456,789.123456789123456789');
  assert.equal(formatDecimal('1234567.5', 'de-DE'), '1.234.567,5');
  assert.equal(formatDecimal('1234567.5', 'zh-CN'), '1,234,567.5');
  assert.equal(formatDuration(3 * 86400 + 5 * 3600, 'en'), '3 days 5 hours');
  assert.equal(formatDuration(3 * 86400 + 5 * 3600, 'zh-CN'), '3天 5小时');
  assert.equal(formatDuration(90, 'en'), '1 minute');
});

test('every language has every text, with the same placeholders', () => {
  assert.deepEqual(Object.keys(DICTIONARIES).sort(), Object.keys(LANGUAGES).sort());
  const placeholders = (text) => (text.match(/\{\w+\}/g) ?? []).sort().join();
  for (const [lang, dictionary] of Object.entries(DICTIONARIES)) {
    assert.deepEqual(Object.keys(dictionary).sort(), Object.keys(DICTIONARIES.en).sort(), lang);
    for (const [key, text] of Object.entries(dictionary)) assert.equal(placeholders(text), placeholders(DICTIONARIES.en[key]), `${lang} ${key}`);
  }
});

test('liquid staking amounts are exact: the sGOS value at the rate, the slippage bound, the time left', () => {
  // 2^64 usgos at 1.000000000000000001 GOS per sGOS: the 18th place still counts, and the result rounds down.
  assert.equal(sgosValue(2n ** 64n, 6, '1.000000000000000001'), 2n ** 64n + 18n);
  assert.equal(sgosValue(3n, 6, '1.5'), 4n);
  assert.equal(minimumAfterSlippage(1_000_000n, '0.5'), 995_000n);
  assert.equal(minimumAfterSlippage(999n, ''), 999n);
  assert.throws(() => minimumAfterSlippage(1n, '100.01'), /above 100%/);
  assert.equal(ticketTimeLeft('21d 3h', 'en'), '21 days 3 hours');
  assert.equal(ticketTimeLeft('0d 1h', 'en'), '1 hour');
  assert.equal(ticketTimeLeft('2d 0h', 'zh-CN'), '2天 0小时');
});
