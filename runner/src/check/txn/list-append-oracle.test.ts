/**
 * The checker against a brute-force oracle on small random histories. The oracle knows
 * nothing of graphs: it tries every serial order of the committed transactions plus any
 * subset of the unknown ones that respects real time (a committed transaction answered
 * before another was called comes first), runs it, and accepts if every committed read
 * returns exactly what it returned in the history.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkListAppend } from './list-append';
import { type TxnRecord, txnHistory } from './txn-history';
import { generateListAppendHistory } from '../../testing/txn-history-gen';

/** Whether some allowed serial order explains every committed read. */
function oracle(txns: readonly TxnRecord[]): boolean {
  const committed = txns.filter((t) => t.outcome === 'committed');
  const unknown = txns.filter((t) => t.outcome === 'unknown');
  for (let subset = 0; subset < 1 << unknown.length; subset++) {
    const chosen = [...committed, ...unknown.filter((_, i) => (subset >> i) & 1)];
    const mustFollow = chosen.map((y) => chosen.filter((x) => x !== y && x.outcome === 'committed' && x.ret !== null && x.ret < y.call));
    if (placeRest(chosen, mustFollow, new Set(), new Map())) return true;
  }
  return false;
}

function placeRest(chosen: TxnRecord[], mustFollow: TxnRecord[][], placed: Set<TxnRecord>, state: Map<string, string[]>): boolean {
  if (placed.size === chosen.length) return true;
  for (let i = 0; i < chosen.length; i++) {
    const t = chosen[i]!;
    if (placed.has(t) || !mustFollow[i]!.every((x) => placed.has(x))) continue;
    const next = run(t, state);
    if (next === undefined) continue;
    placed.add(t);
    if (placeRest(chosen, mustFollow, placed, next)) return true;
    placed.delete(t);
  }
  return false;
}

/** The state after running t, or undefined if one of its (committed) reads disagrees. */
function run(t: TxnRecord, state: Map<string, string[]>): Map<string, string[]> | undefined {
  const next = new Map(state);
  for (const op of t.ops) {
    if (op.op === 'APPEND') next.set(op.key, [...(next.get(op.key) ?? []), op.elem]);
    else if (op.op === 'GET' && t.outcome === 'committed') {
      const l = next.get(op.key) ?? [];
      if ((l.length === 0 ? null : l.join(',')) !== op.result) return undefined;
    }
  }
  return next;
}

test('the checker and a brute-force oracle agree on 1,500 small random histories, both verdicts well represented', () => {
  const tally = { PASSED: 0, FAILED: 0 };
  const kinds = new Set<string>();
  for (let seed = 1; seed <= 1500; seed++) {
    const txns = generateListAppendHistory({
      txns: 2 + (seed % 5),
      clients: 3,
      keys: 2,
      maxOps: 3,
      seed,
      abortRate: 0.15,
      unknownRate: 0.2,
      staleReadRate: 0.15,
      lostAppendRate: 0.1,
      leakAbortedRate: 0.2,
      outsideIntervalRate: 0.15,
    });
    const expected = oracle(txns) ? 'PASSED' : 'FAILED';
    const got = checkListAppend(txnHistory(txns));
    assert.equal(got.verdict, expected, `seed ${seed}: ${JSON.stringify(got.anomalies)}\n${txns.map((t) => JSON.stringify(t)).join('\n')}`);
    tally[expected]++;
    for (const a of got.anomalies) kinds.add(a.kind);
  }
  assert.ok(tally.PASSED >= 300 && tally.FAILED >= 300, JSON.stringify(tally));
  // The failures are of many kinds, not one fault found over and over.
  for (const k of ['G1a', 'G1c', 'G-single', 'G2', 'realtime']) assert.ok(kinds.has(k), `no ${k} among ${[...kinds].join(', ')}`);
});
