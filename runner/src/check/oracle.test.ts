/**
 * The checker against a brute-force oracle on many small random histories: every order of
 * the operations that respects real time is tried, so the oracle is obviously right, and the
 * checker (reads placed first, writes that never returned placed lazily and interchangeably,
 * merged values, the memo, the shape checks) must agree with it exactly: on histories with
 * operations that never returned and with long, overlapping intervals too. The window a
 * failure is explained with must itself fail under the oracle.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random';
import { checkHistory } from './checker';
import type { HistoryOp } from './history';
import { type TimedOp, UNKNOWN, stepValue } from './kv-model';

type Reg = string | null;

/** Can these single-key operations be ordered legally (never-returned ones optional)? */
function bruteForce(ops: HistoryOp[]): boolean {
  const placed = new Array<boolean>(ops.length).fill(false);
  const returned = ops.map((o) => o.ret !== null);
  const step = (state: Reg, o: HistoryOp): Reg | undefined => {
    const pending = o.ret === null;
    switch (o.op) {
      case 'PUT':
        if (!pending && (o.result === 'found') !== (state !== null)) return undefined;
        return o.value;
      case 'SWAP':
        if (!pending && o.result !== state) return undefined;
        return o.value;
      case 'DELETE':
        if (!pending && (o.result === 'found') !== (state !== null)) return undefined;
        return null;
      case 'GET':
        return pending || o.result === state ? state : undefined;
      case 'SCAN':
        throw new Error('single key only');
    }
  };
  const go = (state: Reg, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      // i may go next only if no unplaced operation returned before i was called.
      let ok = true;
      for (let j = 0; j < ops.length && ok; j++) if (!placed[j] && j !== i && ops[j]!.ret !== null && ops[j]!.ret! < ops[i]!.call) ok = false;
      if (!ok) continue;
      const next = step(state, ops[i]!);
      if (next === undefined) continue;
      placed[i] = true;
      if (go(next, left - (returned[i] ? 1 : 0))) {
        placed[i] = false;
        return true;
      }
      placed[i] = false;
    }
    return false;
  };
  return go(null, returned.filter(Boolean).length);
}

/**
 * The same for a checker window (per-key operations, value ids): operations that never
 * returned or are optional need not be placed and their return binds nothing.
 */
function bruteForceWindow(ops: TimedOp[], start: number): boolean {
  const binding = ops.map((t) => t.op.out !== UNKNOWN && t.optional !== true);
  const placed = new Array<boolean>(ops.length).fill(false);
  const go = (value: number, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      let ok = true;
      for (let j = 0; j < ops.length && ok; j++) if (!placed[j] && binding[j] && ops[j]!.ret < ops[i]!.call) ok = false;
      if (!ok) continue;
      const next = stepValue(value, ops[i]!.op);
      if (next === undefined) continue;
      placed[i] = true;
      const done = go(next, left - (binding[i] ? 1 : 0));
      placed[i] = false;
      if (done) return true;
    }
    return false;
  };
  return go(start, binding.filter(Boolean).length);
}

interface Shape {
  ops: number;
  /** Chance that an operation never returns. */
  pending: number;
  /** Longest interval. */
  span: number;
  /** Chance that the history comes from a simulated register (else results are partly random). */
  honest: number;
}

function randomHistory(rnd: SeededRandom, shape: Shape, honest: boolean): HistoryOp[] {
  const values = ['a', 'b', 'c', 'd'];
  const pick = <T>(xs: readonly T[]): T => xs[rnd.nextInt(xs.length)]!;
  const ops: HistoryOp[] = [];
  // Honest histories come from a simulated register (so many are linearizable); others get
  // random results. An operation that never returns took effect at a random later instant,
  // or never.
  const planned = Array.from({ length: shape.ops }, () => {
    const call = rnd.nextInt(30);
    const pending = rnd.nextDouble() < shape.pending;
    const ret = pending ? null : call + rnd.nextInt(shape.span);
    const at = pending ? (rnd.nextDouble() < 0.5 ? call + rnd.nextInt(40) : Infinity) : call + rnd.nextDouble() * (ret! - call);
    return { call, ret, at, kind: pick(['PUT', 'SWAP', 'GET', 'DELETE'] as const), value: pick(values) };
  });
  let state: Reg = null;
  for (const p of [...planned].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0))) {
    const lie = !honest && rnd.nextDouble() < 0.3;
    const found = lie ? rnd.nextDouble() < 0.5 : state !== null;
    const seen: Reg = lie ? pick([...values, null]) : state;
    const base = { client: 0, call: p.call, ret: p.ret };
    const applies = p.at !== Infinity;
    switch (p.kind) {
      case 'PUT':
        ops.push({ ...base, op: 'PUT', key: 'k', value: p.value, result: p.ret === null ? null : found ? 'found' : 'not_found' });
        if (applies) state = p.value;
        break;
      case 'SWAP':
        ops.push({ ...base, op: 'SWAP', key: 'k', value: p.value, result: p.ret === null ? null : seen });
        if (applies) state = p.value;
        break;
      case 'DELETE':
        ops.push({ ...base, op: 'DELETE', key: 'k', result: p.ret === null ? null : found ? 'found' : 'not_found' });
        if (applies) state = null;
        break;
      case 'GET':
        ops.push({ ...base, op: 'GET', key: 'k', result: seen });
        break;
    }
  }
  return ops;
}

function agreeOn(seed: number, iterations: number, shapeOf: (rnd: SeededRandom) => Shape): void {
  const rnd = new SeededRandom(seed);
  let legal = 0;
  let illegal = 0;
  for (let iter = 0; iter < iterations; iter++) {
    const shape = shapeOf(rnd);
    const h = randomHistory(rnd, shape, rnd.nextDouble() < shape.honest);
    const expected = bruteForce(h);
    if (expected) legal++;
    else illegal++;
    const r = checkHistory(h);
    const show = (): string => h.map((o) => JSON.stringify(o)).join('\n');
    assert.equal(r.verdict, expected ? 'PASSED' : 'FAILED', `iteration ${iter}:\n${show()}`);
    for (const v of r.violations) {
      if (v.witness === undefined) continue;
      for (const start of v.witness.startValues) {
        assert.equal(bruteForceWindow(v.witness.ops, start), false, `iteration ${iter}: the witness window can be ordered from value ${start}:\n${show()}`);
      }
    }
  }
  assert.ok(legal > iterations / 6 && illegal > iterations / 6, `legal ${legal}, illegal ${illegal}`);
}

test('the checker agrees with brute force on random small histories', () => {
  agreeOn(2024, 1500, (rnd) => ({ ops: 2 + rnd.nextInt(7), pending: 0.1, span: 12, honest: 0.6 }));
});

test('... with many operations that never returned', () => {
  agreeOn(7, 1000, (rnd) => ({ ops: 3 + rnd.nextInt(6), pending: 0.45, span: 12, honest: 0.3 }));
});

test('... with long intervals, all overlapping', () => {
  agreeOn(99, 800, (rnd) => ({ ops: 3 + rnd.nextInt(5), pending: 0.15, span: 45, honest: 0.6 }));
});
