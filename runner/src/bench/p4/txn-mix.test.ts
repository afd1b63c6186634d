/** The p4 benchmark's transaction mixes: the shapes the benchmark promises, over many draws. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionOf } from '../../../../kvstore/src/cluster/partition-map';
import { SeededRandom } from '../../random';
import { BankSource, MICRO_OPS, MicroSource, bankAccounts, bankProblems, crossSharePercent, keysByShard, parseWorkload } from './txn-mix';

const SHARDS = 3;
const shardsOf = (keys: string[]): Set<number> => new Set(keys.map((k) => partitionOf(k, SHARDS)));

test('micro: half 4-GET, half 4-INCR transactions of 4 distinct keys; the cross-shard share as asked, the rest on one shard', () => {
  const keys = keysByShard('t.', SHARDS, 50);
  for (const [k, list] of keys.entries()) assert.ok(list.every((key) => partitionOf(key, SHARDS) === k), `keys of shard ${k} are on it`);
  for (const share of [0, 0.05, 0.2, 0.5]) {
    const src = new MicroSource(keys, share, new SeededRandom(7));
    const n = 20_000;
    let cross = 0;
    let readOnly = 0;
    const perShard = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const t = src.next();
      assert.equal(t.ops.length, MICRO_OPS);
      const names = t.ops.map((o) => o.key);
      assert.equal(new Set(names).size, MICRO_OPS, 'distinct keys');
      const kinds = new Set(t.ops.map((o) => o.op));
      assert.deepEqual([...kinds], [t.readOnly ? 'get' : 'incr']);
      if (!t.readOnly) assert.ok(t.ops.every((o) => o.op === 'incr' && o.delta === 1));
      const spans = shardsOf(names);
      assert.equal(t.cross, spans.size > 1, 'cross says whether the keys span shards');
      if (t.cross) cross++;
      else perShard[[...spans][0]!]!++;
      if (t.readOnly) readOnly++;
    }
    assert.ok(Math.abs(cross / n - share) < 0.015, `cross share ${cross / n} for ${share}`);
    assert.ok(Math.abs(readOnly / n - 0.5) < 0.02, `read-only share ${readOnly / n}`);
    // Single-shard transactions are spread evenly over the shards.
    for (const c of perShard) assert.ok(Math.abs(c / (n - cross) - 1 / SHARDS) < 0.03, `per-shard ${perShard.join(',')}`);
  }
});

test('micro: keys are drawn uniformly over a shard', () => {
  const keys = keysByShard('u.', SHARDS, 10);
  const src = new MicroSource(keys, 0, new SeededRandom(3));
  const hits = new Map<string, number>();
  for (let i = 0; i < 30_000; i++) for (const o of src.next().ops) hits.set(o.key, (hits.get(o.key) ?? 0) + 1);
  assert.equal(hits.size, 30, 'every key drawn');
  const counts = [...hits.values()];
  const mean = counts.reduce((s, c) => s + c, 0) / counts.length;
  for (const c of counts) assert.ok(Math.abs(c - mean) / mean < 0.1, `${c} vs mean ${mean}`);
});

test('bank: transfers of 1..9 between distinct accounts, each with its branch on the same shard; the sums are kept', () => {
  const { accounts, branches } = bankAccounts('b.', SHARDS, 40, 4);
  assert.equal(accounts.length, 120);
  assert.equal(branches.length, 12);
  for (const a of accounts) assert.equal(partitionOf(a.key, SHARDS), a.shard);
  for (const a of accounts) assert.equal(partitionOf(a.branch, SHARDS), a.shard, 'an account and its branch share a shard');
  const src = new BankSource(accounts, new SeededRandom(11));
  const balances = new Map<string, number>();
  let cross = 0;
  const n = 9000;
  for (let i = 0; i < n; i++) {
    const t = src.next();
    assert.deepEqual(t.ops.map((o) => o.op), ['incr', 'incr', 'incr', 'incr']);
    assert.notEqual(t.ops[0]!.key, t.ops[2]!.key, 'two distinct accounts');
    const [a, b, c, d] = t.ops.map((o) => (o.op === 'incr' ? o.delta : Number.NaN));
    assert.ok(a! < 0 && a! >= -9 && b === a && c === -a! && d === c);
    if (t.cross) cross++;
    assert.equal(t.cross, shardsOf(t.ops.map((o) => o.key)).size > 1);
    for (const o of t.ops) if (o.op === 'incr') balances.set(o.key, (balances.get(o.key) ?? 0) + o.delta);
  }
  assert.ok(Math.abs(cross / n - 2 / 3) < 0.03, `cross share ${cross / n}`);
  assert.deepEqual(bankProblems(accounts, branches, balances), [], 'applying every transfer keeps the invariants');
  // A half-applied transfer is caught.
  const broken = new Map(balances);
  broken.set(accounts[0]!.key, (broken.get(accounts[0]!.key) ?? 0) + 5);
  const problems = bankProblems(accounts, branches, broken);
  assert.equal(problems.length, 2, problems.join('; '));
  assert.match(problems[0]!, /the accounts sum to 5, not 0/);
  assert.match(problems[1]!, new RegExp(`branch ${accounts[0]!.branch.replace('.', '\\.')} holds`));
});

test('workload names: micro-<0..100> and bank; anything else is refused with the choices', () => {
  assert.deepEqual(parseWorkload('micro-5'), { value: 'micro-5' });
  assert.deepEqual(parseWorkload('micro-050'), { value: 'micro-50' });
  assert.deepEqual(parseWorkload('bank'), { value: 'bank' });
  for (const bad of ['micro-101', 'micro', 'micro-x', 'tpcc', '']) assert.match((parseWorkload(bad) as { why: string }).why, /expected micro-<cross-shard %, 0..100> \(e\.g\. micro-5\) or bank/);
  assert.equal(crossSharePercent('micro-20'), 20);
  assert.equal(crossSharePercent('bank'), undefined);
  assert.throws(() => new MicroSource([['a', 'b', 'c']], 0, new SeededRandom(1)), /at least 4 keys/);
});
