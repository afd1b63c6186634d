/**
 * The checker against a brute-force oracle on many small random histories: every order of
 * the operations that respects real time is tried, so the oracle is obviously right, and the
 * checker (segments, carried operations, memo, shape checks) must agree with it exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random';
import { checkHistory } from './checker';
import type { HistoryOp } from './history';

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

function randomHistory(rnd: SeededRandom, n: number, honest: boolean): HistoryOp[] {
  const values = ['a', 'b', 'c', 'd'];
  const pick = <T>(xs: readonly T[]): T => xs[rnd.nextInt(xs.length)]!;
  const ops: HistoryOp[] = [];
  // Honest histories come from a simulated register (so many are linearizable); others get random results.
  const planned = Array.from({ length: n }, () => {
    const call = rnd.nextInt(30);
    const ret = rnd.nextDouble() < 0.1 ? null : call + rnd.nextInt(12);
    return { call, ret, at: ret === null ? call + rnd.nextInt(40) : call + rnd.nextDouble() * (ret - call), kind: pick(['PUT', 'SWAP', 'GET', 'DELETE'] as const), value: pick(values) };
  });
  let state: Reg = null;
  for (const p of [...planned].sort((x, y) => x.at - y.at)) {
    const lie = !honest && rnd.nextDouble() < 0.3;
    const found = lie ? rnd.nextDouble() < 0.5 : state !== null;
    const seen: Reg = lie ? pick([...values, null]) : state;
    const base = { client: 0, call: p.call, ret: p.ret };
    switch (p.kind) {
      case 'PUT':
        ops.push({ ...base, op: 'PUT', key: 'k', value: p.value, result: found ? 'found' : 'not_found' });
        state = p.value;
        break;
      case 'SWAP':
        ops.push({ ...base, op: 'SWAP', key: 'k', value: p.value, result: seen });
        state = p.value;
        break;
      case 'DELETE':
        ops.push({ ...base, op: 'DELETE', key: 'k', result: found ? 'found' : 'not_found' });
        state = null;
        break;
      case 'GET':
        ops.push({ ...base, op: 'GET', key: 'k', result: seen });
        break;
    }
  }
  return ops;
}

test('the checker agrees with brute force on random small histories', () => {
  const rnd = new SeededRandom(2024);
  const policies = [undefined, { longSegment: 1, maxOpenAtCut: 3 }, { longSegment: 2, maxOpenAtCut: 1 }];
  let legal = 0;
  let illegal = 0;
  for (let iter = 0; iter < 2500; iter++) {
    const h = randomHistory(rnd, 2 + rnd.nextInt(7), rnd.nextDouble() < 0.6);
    const expected = bruteForce(h);
    if (expected) legal++;
    else illegal++;
    for (const cutPolicy of policies) {
      const r = checkHistory(h, cutPolicy === undefined ? {} : { cutPolicy });
      assert.equal(r.verdict, expected ? 'PASSED' : 'FAILED', `iteration ${iter}, policy ${JSON.stringify(cutPolicy)}:\n${h.map((o) => JSON.stringify(o)).join('\n')}`);
    }
  }
  assert.ok(legal > 400 && illegal > 400, `legal ${legal}, illegal ${illegal}`);
});
