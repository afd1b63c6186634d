import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaultEvent } from '../faults/fault-journal';
import { type TimedTxn, checkProgress, excusedWhiles, progressLines } from './stall-check';

const S = 1_000_000;
const START_MS = 1_700_000_000_000;
const committed = (call: number, ret: number): TimedTxn => ({ call: call * S, ret: ret * S, outcome: 'committed' });
const timedOut = (call: number, ret: number): TimedTxn => ({ call: call * S, ret: ret * S, outcome: 'unknown' });
const ev = (secs: number, event: FaultEvent['event'], node = 's0.0', peer?: string): FaultEvent => ({ t: START_MS + secs * 1000, node, event, ...(peer === undefined ? {} : { peer }) });

/** A client answered every half second from 0 to `until`. */
function steady(from: number, until: number): TimedTxn[] {
  const out: TimedTxn[] = [];
  for (let t = from; t + 0.5 <= until; t += 0.5) out.push(committed(t, t + 0.5));
  return out;
}

test('a store that keeps answering has no stall; the longest gap is reported', () => {
  const r = checkProgress([...steady(0, 20), committed(20, 22)], 22 * S, [], 5 * S);
  assert.deepEqual(r.stalls, []);
  assert.deepEqual(r.longestGap, { from: 20 * S, to: 22 * S });
  assert.match(progressLines(r, 5 * S)[0]!, /longest wait for an answer 2\.0 s/);
});

test('transactions that time out with no fault about is a stall, also at the end of the run', () => {
  const txns = [...steady(0, 3), timedOut(3, 13), ...steady(13, 20), timedOut(19.6, 30)];
  const r = checkProgress(txns, 20 * S, [], 5 * S);
  assert.deepEqual(r.stalls, [
    // Until the first answer after the timeout: the transaction called at 13 s.
    { from: 3 * S, to: 13.5 * S },
    { from: 20 * S, to: 30 * S },
  ]);
  assert.match(progressLines(r, 5 * S)[0]!, /STALLED: no transaction answered from \+3\.0 s to \+13\.5 s \(10\.5 s\)/);
});

test('a kill excuses the time until the restart and the grace after it, no more', () => {
  const excused = excusedWhiles([ev(10, 'killed'), ev(20, 'restarted')], START_MS, 40 * S, 5 * S);
  assert.deepEqual(excused, [{ from: 10 * S, to: 25 * S }]);
  // With one replica the shard is down until the restart: excused.
  const down = [...steady(0, 10), timedOut(10, 20), timedOut(20, 22), ...steady(22, 40)];
  assert.deepEqual(checkProgress(down, 40 * S, excused, 5 * S).stalls, []);
  // Still stuck long after the restart: a stall from the end of the grace.
  const stuck = [...steady(0, 10), timedOut(10, 20), timedOut(20, 30), timedOut(30, 34), ...steady(34, 40)];
  assert.deepEqual(checkProgress(stuck, 40 * S, excused, 5 * S).stalls, [{ from: 25 * S, to: 34.5 * S }]);
});

test('a pause or a cut link excuses its whole length and the grace after it is undone', () => {
  const excused = excusedWhiles(
    [ev(5, 'paused', 's1.0'), ev(6, 'link-cut', 's0.0', 's0.1'), ev(12, 'resumed', 's1.0'), ev(14, 'link-healed', 's0.0', 's0.1')],
    START_MS,
    40 * S,
    5 * S,
  );
  assert.deepEqual(excused, [{ from: 5 * S, to: 19 * S }]);
  const txns = [...steady(0, 5), timedOut(5, 18), ...steady(18, 30)];
  assert.deepEqual(checkProgress(txns, 30 * S, excused, 5 * S).stalls, []);
});

test('a fault never undone excuses the rest of the run', () => {
  assert.deepEqual(excusedWhiles([ev(8, 'link-delayed', 'm.0', 'm.1')], START_MS, 20 * S, 5 * S), [{ from: 8 * S, to: 25 * S }]);
  assert.deepEqual(excusedWhiles([ev(8, 'killed', 's1.0')], START_MS, 20 * S, 5 * S), [{ from: 8 * S, to: 25 * S }]);
});

test('gaps shorter than the threshold are no stall, however many', () => {
  const txns = [committed(0, 4), committed(4, 8.9), committed(8.9, 13)];
  assert.deepEqual(checkProgress(txns, 13 * S, [], 5 * S).stalls, []);
});
