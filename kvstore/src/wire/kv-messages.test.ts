import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKvRequest } from './kv-messages';

test('keys and values may hold any printable non-space ASCII and DEL (0x7f)', () => {
  const value = '_!"#$%&\'()*+,-./:;<=>?@[\\]^`{|}~\x7f';
  assert.deepEqual(parseKvRequest({ type: 'kv', cmd: { op: 'put', key: 'k\x7f', value } }), { type: 'kv', cmd: { op: 'put', key: 'k\x7f', value } });
});

test('spaces, tabs, other control characters, non-ASCII and empty tokens are refused', () => {
  for (const bad of ['a b', 'a\tb', 'a\x00', 'a\x1b', 'é', '']) {
    assert.equal(typeof parseKvRequest({ type: 'kv', cmd: { op: 'get', key: bad } }), 'string', JSON.stringify(bad));
  }
});
