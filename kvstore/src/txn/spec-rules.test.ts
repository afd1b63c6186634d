/**
 * The rules of docs/mako-spec-2pc.md, each checked on a hand-driven cluster of Mako cores
 * (sim/spec-checks.ts holds the checks; mistakes.test.ts shows each one catches its mistake).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_MISTAKES } from './mistakes';
import { InstantCluster } from './sim/instant-cluster';
import {
  checkAckWaitsForVectorWatermark,
  checkBarrierWithOutOfOrderLog,
  checkIdleShardWatermarkCoversLastClock,
  checkNewEpochReadWaitsForFvw,
  checkValidationAtEveryReadShard,
  checkVectorWatermarkCombination,
} from './sim/spec-checks';

/** The cores' default request timeout, in ticks. */
const TIMEOUT = 200;

test('M5: a transaction is acknowledged only when its vector clock ≤ the vector watermark', () => checkAckWaitsForVectorWatermark(NO_MISTAKES));
test('M2/M4: clocks are post-increment, so an idle shard’s heartbeat barrier covers the last clock it handed out', () => checkIdleShardWatermarkCoversLastClock(NO_MISTAKES));
test('M2: Validate runs at every shard read, also where nothing is written', () => checkValidationAtEveryReadShard(NO_MISTAKES));
test('M4: barrier watermark with out-of-order log positions', () => checkBarrierWithOutOfOrderLog(NO_MISTAKES));
test('M5: vector watermark combination holds back on the lagging shard', () => checkVectorWatermarkCombination(NO_MISTAKES));
test('M7: a new-epoch read of an undecided old-epoch version waits for the FVW', () => checkNewEpochReadWaitsForFvw(NO_MISTAKES));

test('M2: locks whose abort was lost or overtaken by the Lock are released once the participant asks the coordinator', () => {
  const c = new InstantCluster(3);
  c.tick(3);
  // The Lock for shard 1 is held back until the coordinator has given up and sent its abort.
  c.hold = (e) => e.msg.type === 'lock' && e.to === 1;
  const t = c.submit([{ op: 'put', key: 'k0', value: 'a' }, { op: 'put', key: 'k1', value: 'b' }], 0);
  c.settle();
  c.tick(TIMEOUT);
  assert.deepEqual(c.outcomes.get(t), { outcome: 'aborted', reason: 'shard_unavailable' });
  c.release((e) => e.msg.type === 'lock');
  c.hold = () => false;
  const blocked = c.submit([{ op: 'put', key: 'k1', value: 'x' }, { op: 'put', key: 'k2', value: 'x' }], 2);
  c.tick(3);
  assert.deepEqual(c.outcomes.get(blocked), { outcome: 'aborted', reason: 'lock_conflict' }, 'the late Lock took k1 for a transaction that is over');
  c.tick(TIMEOUT);
  assert.ok(c.sent.some((e) => e.msg.type === 'inquire' && e.from === 1 && e.to === 0), 'shard 1 asked the coordinator');
  const after = c.submit([{ op: 'put', key: 'k1', value: 'y' }, { op: 'put', key: 'k2', value: 'y' }], 2);
  c.tick(5);
  assert.equal(c.outcomes.get(after)?.outcome, 'committed', 'the coordinator answered abort and the lock was released');
});

test('M2: a participant asking about a transaction still running, or committed, changes nothing', () => {
  const c = new InstantCluster(3);
  c.tick(3);
  c.manualCommit.add(1);
  const t = c.submit([{ op: 'put', key: 'k0', value: 'a' }, { op: 'put', key: 'k1', value: 'b' }], 0);
  c.settle();
  // Shard 1 installed but has not replicated: the coordinator waits for its watermark past many timeouts.
  c.tick(2 * TIMEOUT);
  assert.equal(c.outcomes.get(t), undefined);
  c.manualCommit.delete(1);
  c.tick(5);
  assert.equal(c.outcomes.get(t)?.outcome, 'committed');
  assert.equal(c.sms[1]!.get('k1'), 'b');
});
