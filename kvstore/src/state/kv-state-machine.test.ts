import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvStateMachine } from './kv-state-machine';
import { SessionTable } from './session-table';

test('PUT reports whether the key existed; GET reads it back', () => {
  const sm = new KvStateMachine();
  assert.deepEqual(sm.apply({ op: 'put', key: 'a', value: '1' }), { kind: 'applied', result: { op: 'put', found: false } });
  assert.deepEqual(sm.apply({ op: 'put', key: 'a', value: '2' }), { kind: 'applied', result: { op: 'put', found: true } });
  assert.deepEqual(sm.query({ op: 'get', key: 'a' }), { op: 'get', value: '2' });
  assert.deepEqual(sm.query({ op: 'get', key: 'b' }), { op: 'get', value: null });
});

test('SWAP returns the old value or null; DELETE reports whether the key existed', () => {
  const sm = new KvStateMachine();
  assert.deepEqual(sm.apply({ op: 'swap', key: 'a', value: '1' }).kind === 'applied' && sm.get('a'), '1');
  const r = sm.apply({ op: 'swap', key: 'a', value: '2' });
  assert.deepEqual(r, { kind: 'applied', result: { op: 'swap', old: '1' } });
  assert.deepEqual(sm.apply({ op: 'delete', key: 'a' }), { kind: 'applied', result: { op: 'delete', found: true } });
  assert.deepEqual(sm.apply({ op: 'delete', key: 'a' }), { kind: 'applied', result: { op: 'delete', found: false } });
});

test('SCAN is inclusive at both ends and sorted by byte order', () => {
  const sm = new KvStateMachine();
  for (const k of ['b', 'a', 'B', '_', 'a0', 'c', '~']) sm.apply({ op: 'put', key: k, value: `v${k}` });
  assert.deepEqual(sm.scan('B', 'b').map(([k]) => k), ['B', '_', 'a', 'a0', 'b']);
  assert.deepEqual(sm.scan('a', 'a').map(([k]) => k), ['a']);
  assert.deepEqual(sm.scan('c', 'b'), []);
  assert.deepEqual(sm.scan('!', '~').length, 7);
});

test('a SCAN page stops at its pair limit and names the first key left out as next', () => {
  const sm = new KvStateMachine();
  for (const k of ['a', 'b', 'c', 'd', 'e']) sm.apply({ op: 'put', key: k, value: 'v' });
  const limits = { maxPairs: 2, maxBytes: 1000 };
  assert.deepEqual(sm.scanPage('a', 'e', limits), { pairs: [['a', 'v'], ['b', 'v']], next: 'c' });
  assert.deepEqual(sm.scanPage('c', 'e', limits), { pairs: [['c', 'v'], ['d', 'v']], next: 'e' });
  // The end key itself is in the range (inclusive) and completes it: no next.
  assert.deepEqual(sm.scanPage('e', 'e', limits), { pairs: [['e', 'v']] });
  // A page that ends exactly at the last key of the range has no next either.
  assert.deepEqual(sm.scanPage('a', 'b', limits), { pairs: [['a', 'v'], ['b', 'v']] });
  assert.deepEqual(sm.scanPage('b', 'c\x7f', limits), { pairs: [['b', 'v'], ['c', 'v']] });
  assert.deepEqual(sm.scanPage('d', 'zzz', limits), { pairs: [['d', 'v'], ['e', 'v']] });
});

test('a SCAN page stops before passing its byte limit of keys plus values, but always holds one pair', () => {
  const sm = new KvStateMachine();
  sm.apply({ op: 'put', key: 'k1', value: 'x'.repeat(8) });
  sm.apply({ op: 'put', key: 'k2', value: 'x'.repeat(8) });
  sm.apply({ op: 'put', key: 'k3', value: 'x'.repeat(100) });
  sm.apply({ op: 'put', key: 'k4', value: 'x' });
  const limits = { maxPairs: 100, maxBytes: 20 };
  // Each of k1, k2 is 10 bytes: both fit in 20 exactly, not in 19.
  assert.deepEqual(sm.scanPage('k1', 'k9', limits), { pairs: [['k1', 'x'.repeat(8)], ['k2', 'x'.repeat(8)]], next: 'k3' });
  assert.deepEqual(sm.scanPage('k1', 'k9', { maxPairs: 100, maxBytes: 19 }), { pairs: [['k1', 'x'.repeat(8)]], next: 'k2' });
  assert.deepEqual(sm.scanPage('k3', 'k9', limits), { pairs: [['k3', 'x'.repeat(100)]], next: 'k4' }, 'a pair larger than the limit is a page of its own');
  assert.deepEqual(sm.scanPage('k4', 'k9', limits), { pairs: [['k4', 'x']] });
});

test('SCAN pages of empty ranges are empty and complete; pages follow byte order', () => {
  const sm = new KvStateMachine();
  assert.deepEqual(sm.scanPage('a', 'z', { maxPairs: 1, maxBytes: 1 }), { pairs: [] });
  for (const k of ['b', 'a', 'B', '_', 'a0', '~', '\x7f']) sm.apply({ op: 'put', key: k, value: '1' });
  assert.deepEqual(sm.scanPage('c', 'b', { maxPairs: 10, maxBytes: 100 }), { pairs: [] }, 'start after end');
  assert.deepEqual(sm.scanPage('b0', 'b9', { maxPairs: 10, maxBytes: 100 }), { pairs: [] }, 'no key in between');
  const keys: string[] = [];
  let from: string | undefined = '!';
  while (from !== undefined) {
    const page = sm.scanPage(from, '\x7f', { maxPairs: 2, maxBytes: 100 });
    keys.push(...page.pairs.map(([k]) => k));
    from = page.next;
  }
  assert.deepEqual(keys, ['B', '_', 'a', 'a0', 'b', '~', '\x7f']);
});

test('a retried mutation with the same session tag is answered, not applied again', () => {
  const sm = new KvStateMachine();
  const tag = { client: 'c1', seq: 1, ack: 1 };
  assert.deepEqual(sm.apply({ op: 'put', key: 'k', value: 'v' }, tag), { kind: 'applied', result: { op: 'put', found: false } });
  // The retry would say found=true if applied twice.
  assert.deepEqual(sm.apply({ op: 'put', key: 'k', value: 'v' }, tag), { kind: 'duplicate', result: { op: 'put', found: false } });
  assert.deepEqual(sm.apply({ op: 'put', key: 'k', value: 'v' }, { client: 'c2', seq: 1, ack: 1 }).kind, 'applied');
});

test('results below the client ack are forgotten and such a sequence is refused as stale', () => {
  const t = new SessionTable();
  t.record({ client: 'c', seq: 1, ack: 1 }, { op: 'delete', found: true });
  t.record({ client: 'c', seq: 2, ack: 1 }, { op: 'delete', found: false });
  t.record({ client: 'c', seq: 3, ack: 3 }, { op: 'delete', found: true });
  assert.deepEqual(t.lookup({ client: 'c', seq: 1, ack: 3 }), { kind: 'stale' });
  assert.deepEqual(t.lookup({ client: 'c', seq: 3, ack: 3 }), { kind: 'duplicate', result: { op: 'delete', found: true } });
  assert.deepEqual(t.lookup({ client: 'c', seq: 4, ack: 3 }), { kind: 'new' });
});

test('the session table evicts the least recently used client past its cap', () => {
  const t = new SessionTable(2);
  t.record({ client: 'a', seq: 1, ack: 1 }, { op: 'delete', found: true });
  t.record({ client: 'b', seq: 1, ack: 1 }, { op: 'delete', found: true });
  t.record({ client: 'a', seq: 2, ack: 1 }, { op: 'delete', found: true });
  t.record({ client: 'c', seq: 1, ack: 1 }, { op: 'delete', found: true });
  assert.equal(t.size, 2);
  assert.equal(t.lookup({ client: 'b', seq: 1, ack: 1 }).kind, 'new');
  assert.equal(t.lookup({ client: 'a', seq: 2, ack: 1 }).kind, 'duplicate');
});

test('a snapshot restores the map and the session table', () => {
  const sm = new KvStateMachine();
  sm.apply({ op: 'put', key: 'x', value: '1' }, { client: 'c', seq: 5, ack: 5 });
  sm.apply({ op: 'put', key: 'a', value: '2' });
  const copy = new KvStateMachine();
  copy.restore(sm.snapshot());
  assert.deepEqual(copy.scan('!', '~'), [['a', '2'], ['x', '1']]);
  assert.equal(copy.apply({ op: 'put', key: 'x', value: '1' }, { client: 'c', seq: 5, ack: 5 }).kind, 'duplicate');
});

test('a frozen view does not see later writes', () => {
  const sm = new KvStateMachine();
  sm.apply({ op: 'put', key: 'k', value: 'old' });
  const view = sm.frozen();
  sm.apply({ op: 'put', key: 'k', value: 'new' });
  assert.equal(view.get('k'), 'old');
  assert.equal(sm.get('k'), 'new');
});
