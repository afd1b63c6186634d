import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionOf } from '../../../kvstore/src/cluster/partition-map';
import { SeededRandom } from '../random';
import { MAX_TXN_OPS, TxnSource, txnFuzzKeys } from './txn-workload';

test('keys: the asked number on each shard, by the store partitioning, all distinct', () => {
  const keys = txnFuzzKeys('p1.', 3, 4);
  assert.equal(keys.length, 3);
  keys.forEach((onShard, shard) => {
    assert.equal(onShard.length, 4);
    for (const k of onShard) assert.equal(partitionOf(k, 3), shard);
  });
  assert.equal(new Set(keys.flat()).size, 12);
});

test('transactions: 1 to 6 operations, unique elements, the cross-shard share as asked', () => {
  const keys = txnFuzzKeys('p2.', 3, 3);
  for (const share of [0, 0.3, 1]) {
    const src = new TxnSource(7, keys, share, new SeededRandom(11));
    const elems = new Set<string>();
    let cross = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const t = src.next();
      assert.ok(t.ops.length >= 1 && t.ops.length <= MAX_TXN_OPS);
      const shards = new Set(t.ops.map((o) => partitionOf(o.key, 3)));
      assert.equal(t.cross, shards.size > 1);
      if (t.cross) cross++;
      for (const o of t.ops) {
        if (o.op !== 'APPEND') continue;
        assert.match(o.elem, /^7-\d+$/);
        assert.ok(!elems.has(o.elem));
        elems.add(o.elem);
      }
    }
    assert.ok(Math.abs(cross / n - share) < 0.05, `share ${share}: ${cross / n}`);
  }
});

test('one shard: never across shards', () => {
  const src = new TxnSource(0, txnFuzzKeys('p3.', 1, 2), 1, new SeededRandom(1));
  for (let i = 0; i < 100; i++) assert.equal(src.next().cross, false);
});
