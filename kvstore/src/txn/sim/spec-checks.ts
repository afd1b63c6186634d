/**
 * Checks of single rules of the spec doc, each a function of the mistake switches that
 * throws when the rule is broken. The unit tests run them with no mistake (they must pass);
 * mistakes.test.ts runs each with its mistake switched on (it must throw): that is how we
 * know the checks catch the classic mistakes.
 */
import assert from 'node:assert/strict';
import type { MistakeSwitches } from '../mistakes';
import { VectorWatermark } from '../vector-watermark';
import { InstantCluster } from './instant-cluster';

/** M5: a cross-shard transaction is acknowledged only once the vector watermark covers it, i.e. after its writes are committed in every shard's log. */
export function checkAckWaitsForVectorWatermark(m: MistakeSwitches): void {
  const c = new InstantCluster(3, m);
  c.manualCommit.add(1);
  const id = c.submit([{ op: 'put', key: 'k0', value: 'a' }, { op: 'put', key: 'k1', value: 'b' }]);
  c.tick(10);
  assert.equal(c.outcomes.get(id), undefined, 'acknowledged while shard 1 had not committed its writes');
  c.commit(1);
  c.tick(10);
  c.commit(1);
  c.tick(10);
  assert.equal(c.outcomes.get(id)?.outcome, 'committed');
}

/** M2 + M4: with post-increment clocks, an idle shard's heartbeat barrier covers the clock it last handed out, so a transaction that only read there is acknowledged. */
export function checkIdleShardWatermarkCoversLastClock(m: MistakeSwitches): void {
  const c = new InstantCluster(3, m);
  c.tick(5);
  // Reads k1 (shard 1) and writes k0 (shard 0): shard 1 only hands out a clock.
  const id = c.submit([{ op: 'get', key: 'k1' }, { op: 'put', key: 'k0', value: 'x' }], 0);
  c.tick(20);
  assert.equal(c.outcomes.get(id)?.outcome, 'committed', 'a transaction that only read at an idle shard was never acknowledged (its watermark never covered the clock handed out)');
}

/** M2: reads are validated at every shard read, also where nothing is written (otherwise write skew commits). */
export function checkValidationAtEveryReadShard(m: MistakeSwitches): void {
  const c = new InstantCluster(3, m);
  c.tick(5);
  // T1 reads k1 (shard 1), writes k0 (shard 0). Its Validate to shard 1 is held while T2 overwrites k1.
  c.hold = (e) => e.msg.type === 'validate' || e.msg.type === 'install';
  const t1 = c.submit([{ op: 'get', key: 'k1' }, { op: 'put', key: 'k0', value: 't1' }], 0);
  c.settle();
  c.hold = () => false;
  const t2 = c.submit([{ op: 'put', key: 'k1', value: 't2' }]);
  c.tick(10);
  assert.equal(c.outcomes.get(t2)?.outcome, 'committed');
  c.release();
  c.tick(10);
  assert.equal(c.outcomes.get(t1)?.outcome, 'aborted', 'a transaction whose read was overwritten before it validated committed');
}

/** M4: the watermark follows the barrier rule, not the highest clock in the log: a lower clock installed later holds it back. */
export function checkBarrierWithOutOfOrderLog(m: MistakeSwitches): void {
  const c = new InstantCluster(3, m);
  c.tick(5);
  // T1 gets its clock at shard 1 first, but its Install there is held; T2 gets a higher clock and its writes commit first.
  c.hold = (e) => e.msg.type === 'install' && e.to === 1;
  const t1 = c.submit([{ op: 'put', key: 'k0', value: 't1' }, { op: 'put', key: 'k1', value: 't1' }], 0);
  c.settle();
  const t1Clock = c.cores[0]!.vclockOf(t1)![1]!;
  c.hold = () => false;
  const t2 = c.submit([{ op: 'put', key: 'k2', value: 't2' }, { op: 'put', key: 'k4', value: 't2' }], 2);
  c.tick(10);
  // T2's writes are committed at shard 1, after T1's clock was handed out there.
  assert.ok(c.sms[1]!.pending.some((p) => p.txn.writes.some((w) => w.key === 'k4')));
  const epoch = c.cores[1]!.epoch!;
  const w = c.cores[1]!.vw.reported(epoch)[1]!;
  assert.ok(w < t1Clock, `shard 1's watermark ${w} covers clock ${t1Clock} of a transaction whose writes are not in its log`);
  assert.equal(c.outcomes.get(t1), undefined);
  assert.equal(c.outcomes.get(t2), undefined, 'T2 is held back behind T1’s open obligation');
  c.release();
  c.tick(10);
  assert.equal(c.outcomes.get(t1)?.outcome, 'committed');
  assert.equal(c.outcomes.get(t2)?.outcome, 'committed');
}

/** M5: shard watermarks combine component by component: a lagging shard holds back every transaction with a higher component there. */
export function checkVectorWatermarkCombination(m: MistakeSwitches): void {
  const vw = new VectorWatermark(3, m.combineWatermarksWithMax);
  vw.report(0, 0, 10);
  vw.report(1, 0, 3);
  vw.report(2, 0, 7);
  assert.deepEqual(vw.combined(0), [10, 3, 7]);
  assert.equal(vw.covers(0, [5, 3, 7]), true);
  assert.equal(vw.covers(0, [5, 5, 0]), false, 'a lagging shard watermark did not hold the transaction back');
  vw.report(1, 0, 2); // late, older report
  assert.equal(vw.combined(0)[1], 3);
}

/** M7: a new-epoch transaction does not read an old-epoch version whose fate is open; it waits for the FVW, which here rolls the version back. */
export function checkNewEpochReadWaitsForFvw(m: MistakeSwitches): void {
  const c = new InstantCluster(3, m);
  c.tick(5);
  const t0 = c.submit([{ op: 'put', key: 'k1', value: 'old' }]);
  c.tick(10);
  assert.equal(c.outcomes.get(t0)?.outcome, 'committed');
  // An epoch-0 transaction installs k0 (shard 0) and k1 (shard 1); shard 0 never commits its part.
  c.manualCommit.add(0);
  c.submit([{ op: 'put', key: 'k0', value: 'spec' }, { op: 'put', key: 'k1', value: 'spec' }], 0);
  c.tick(3);
  // Shard 0's leader fails, losing its uncommitted log: epoch 1 begins. Shard 1 still holds k1=spec, fate open.
  c.failover(0);
  const reader = c.submit([{ op: 'get', key: 'k1' }, { op: 'put', key: 'k2', value: 'r' }], 1);
  c.tick(3);
  const early = c.outcomes.get(reader);
  assert.ok(early === undefined || early.outcome === 'aborted' || early.results[0]?.op !== 'get' || early.results[0].value !== 'spec', 'a new-epoch transaction read an old-epoch version whose fate was open');
  c.manualCommit.delete(0);
  c.tick(30);
  const out = c.outcomes.get(reader);
  assert.equal(out?.outcome, 'committed');
  if (out?.outcome === 'committed') assert.deepEqual(out.results[0], { op: 'get', key: 'k1', value: 'old' }, 'the reader saw a value the FVW rolled back');
}
