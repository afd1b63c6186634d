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
