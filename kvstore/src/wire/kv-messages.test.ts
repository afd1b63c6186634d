import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKvRequest, parseScanPage } from './kv-messages';

test('keys and values may hold any printable non-space ASCII and DEL (0x7f)', () => {
  const value = '_!"#$%&\'()*+,-./:;<=>?@[\\]^`{|}~\x7f';
  assert.deepEqual(parseKvRequest({ type: 'kv', cmd: { op: 'put', key: 'k\x7f', value } }), { type: 'kv', cmd: { op: 'put', key: 'k\x7f', value } });
});

test('spaces, tabs, other control characters, non-ASCII and empty tokens are refused', () => {
  for (const bad of ['a b', 'a\tb', 'a\x00', 'a\x1b', 'é', '']) {
    assert.equal(typeof parseKvRequest({ type: 'kv', cmd: { op: 'get', key: bad } }), 'string', JSON.stringify(bad));
  }
});

test('a scan may ask for one page with positive integer limits; other commands may not', () => {
  const scan = { op: 'scan', start: 'a', end: 'z' };
  assert.deepEqual(parseKvRequest({ type: 'kv', cmd: scan, page: { maxPairs: 10, maxBytes: 4096 } }), { type: 'kv', cmd: scan, page: { maxPairs: 10, maxBytes: 4096 } });
  assert.deepEqual(parseKvRequest({ type: 'kv', cmd: scan }), { type: 'kv', cmd: scan }, 'a scan without page is still valid');
  assert.equal(parseKvRequest({ type: 'kv', cmd: { op: 'get', key: 'a' }, page: { maxPairs: 10, maxBytes: 10 } }), 'page applies to scan only');
  for (const page of [{ maxPairs: 0, maxBytes: 10 }, { maxPairs: 10 }, { maxPairs: 1.5, maxBytes: 10 }, { maxPairs: -1, maxBytes: 10 }, { maxPairs: '10', maxBytes: 10 }, 'all']) {
    assert.equal(typeof parseKvRequest({ type: 'kv', cmd: scan, page }), 'string', JSON.stringify(page));
  }
});

test('a scan page is accepted only if it is sorted, inside the range asked for, and its next key moves forward', () => {
  const pairs = [['b', '1'], ['c', '2']];
  assert.deepEqual(parseScanPage({ op: 'scan', pairs }, 'a', 'z'), { pairs });
  assert.deepEqual(parseScanPage({ op: 'scan', pairs, next: 'd' }, 'a', 'z'), { pairs, next: 'd' });
  assert.deepEqual(parseScanPage({ op: 'scan', pairs: [], next: 'm' }, 'a', 'z'), { pairs: [], next: 'm' });
  assert.deepEqual(parseScanPage({ op: 'scan', pairs, next: 'z' }, 'a', 'z'), { pairs, next: 'z' }, 'the end key may start the next page');
  const bad: Array<[unknown, string]> = [
    [{ op: 'scan', pairs: [['c', '2'], ['b', '1']] }, 'not in increasing key order'],
    [{ op: 'scan', pairs: [['b', '1'], ['b', '1']] }, 'not in increasing key order'],
    [{ op: 'scan', pairs: [['0', '1']] }, 'outside the range'],
    [{ op: 'scan', pairs: [['zz', '1']] }, 'outside the range'],
    [{ op: 'scan', pairs, next: 'c' }, 'does not move forward'],
    [{ op: 'scan', pairs: [], next: 'a' }, 'does not move forward'],
    [{ op: 'scan', pairs, next: 'zz' }, 'does not move forward'],
    [{ op: 'scan', pairs, next: 'd e' }, 'bad next key'],
    [{ op: 'scan', pairs: [['b', 1]] }, 'bad scan pair'],
    [{ op: 'get', value: null }, 'not a scan page'],
  ];
  for (const [v, why] of bad) assert.match(String(parseScanPage(v, 'a', 'z')), new RegExp(why), JSON.stringify(v));
});
