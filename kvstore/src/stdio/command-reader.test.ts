import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TXN_OPS } from '../kv/txn-op';
import { type ClientItem, CommandReader } from './command-reader';

/** Feeds every line, then end of input; returns all items in order. */
function read(lines: string[], withEnd = true): ClientItem[] {
  const r = new CommandReader();
  const out = lines.flatMap((l) => r.push(l));
  return withEnd ? [...out, ...r.end()] : out;
}

function errors(items: ClientItem[]): string[] {
  return items.filter((i): i is Extract<ClientItem, { kind: 'error' }> => i.kind === 'error').map((i) => i.reason);
}

test('a TXN block of n lines is one transaction of n operations, in order', () => {
  assert.deepEqual(read(['TXN 6', 'GET a', 'PUT b 1', 'SWAP c 2', 'DELETE d', 'INCR e -4', 'APPEND f x']), [
    {
      kind: 'txn',
      ops: [
        { op: 'get', key: 'a' },
        { op: 'put', key: 'b', value: '1' },
        { op: 'swap', key: 'c', value: '2' },
        { op: 'delete', key: 'd' },
        { op: 'incr', key: 'e', delta: -4 },
        { op: 'append', key: 'f', elem: 'x' },
      ],
    },
  ]);
});

test('nothing is produced until the block is complete; blank lines inside are skipped and not counted', () => {
  const r = new CommandReader();
  assert.deepEqual(r.push('TXN 2'), []);
  assert.ok(r.inBlock);
  assert.deepEqual(r.push('GET a'), []);
  assert.deepEqual(r.push('   '), []);
  assert.deepEqual(r.push('GET b'), [{ kind: 'txn', ops: [{ op: 'get', key: 'a' }, { op: 'get', key: 'b' }] }]);
  assert.ok(!r.inBlock);
  assert.deepEqual(r.push('GET c'), [{ kind: 'command', command: { op: 'get', key: 'c' } }]);
});

test('INCR and APPEND outside a block are transactions of one', () => {
  assert.deepEqual(read(['INCR n 5', 'APPEND l e']), [
    { kind: 'single', op: { op: 'incr', key: 'n', delta: 5 } },
    { kind: 'single', op: { op: 'append', key: 'l', elem: 'e' } },
  ]);
});

test('a malformed line anywhere in a block gives one ERROR for the whole block, at its end, and no operation', () => {
  for (const bad of ['GET', 'SCAN a z', 'TXN 1', 'FROB a', 'INCR a x', 'APPEND a b,c', 'PUT a two words', 'get a', 'STOP now']) {
    const items = read(['TXN 3', 'PUT a 1', bad, 'PUT b 2', 'GET z']);
    assert.equal(items.length, 2, bad);
    assert.equal(items[0]!.kind, 'error', bad);
    assert.match((items[0] as { reason: string }).reason, /TXN line 2 of 3: .*nothing of the block was sent/, bad);
    assert.deepEqual(items[1], { kind: 'command', command: { op: 'get', key: 'z' } }, 'the line after the block is read normally');
  }
});

test('a count of 0 or above the limit is an error; the lines it announced are consumed, never run one by one', () => {
  assert.deepEqual(errors(read(['TXN 0'])).length, 1);
  const over = MAX_TXN_OPS + 1;
  const lines = ['TXN ' + over, ...Array.from({ length: over }, (_, i) => `PUT k${i} v`), 'GET after'];
  const items = read(lines);
  assert.equal(items.length, 2);
  assert.match((items[0] as { reason: string }).reason, /1 to 64 operations; its 65 lines were skipped/);
  assert.deepEqual(items[1], { kind: 'command', command: { op: 'get', key: 'after' } });
});

test('a header without a count is one malformed line, not a block', () => {
  for (const header of ['TXN', 'TXN x', 'TXN -1', 'TXN 1 2', 'TXN 1234567890']) {
    const items = read([header, 'GET a']);
    assert.equal(items[0]!.kind, 'error', header);
    assert.deepEqual(items[1], { kind: 'command', command: { op: 'get', key: 'a' } }, header);
  }
});

test('STOP inside a block ends it with an ERROR, then stops', () => {
  const items = read(['TXN 3', 'PUT a 1', 'STOP'], false);
  assert.equal(items.length, 2);
  assert.match((items[0] as { reason: string }).reason, /STOP after 1 of the TXN block's 3 lines/);
  assert.deepEqual(items[1], { kind: 'stop' });
});

test('end of input inside a block is an ERROR; nothing of it runs', () => {
  const items = read(['TXN 3', 'PUT a 1']);
  assert.equal(items.length, 1);
  assert.match((items[0] as { reason: string }).reason, /input ended after 1 of the TXN block's 3 lines/);
});

test('a block of the maximum size is accepted', () => {
  const items = read(['TXN ' + MAX_TXN_OPS, ...Array.from({ length: MAX_TXN_OPS }, (_, i) => `INCR c${i} 1`)]);
  assert.equal(items.length, 1);
  assert.equal(items[0]!.kind, 'txn');
  assert.equal((items[0] as { ops: unknown[] }).ops.length, MAX_TXN_OPS);
});
