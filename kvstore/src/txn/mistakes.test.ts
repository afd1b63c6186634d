/**
 * Each classic mistake of docs/mako-spec-2pc.md, switched on alone, is caught by the named
 * check (and the same check passes with every switch off: spec-rules.test.ts):
 *
 *   ackBeforeWatermark         checkAckWaitsForVectorWatermark
 *   preIncrementClock          checkIdleShardWatermarkCoversLastClock
 *   validateOnlyWrittenShards  checkValidationAtEveryReadShard
 *   watermarkMaxSeen           checkBarrierWithOutOfOrderLog
 *   combineWatermarksWithMax   checkVectorWatermarkCombination
 *   readUndecidedOldEpoch      checkNewEpochReadWaitsForFvw
 *
 * The simulator catches them too (npm run test:txn runs a seed search per mistake).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MISTAKE_NAMES, withMistake, type MistakeName, type MistakeSwitches } from './mistakes';
import {
  checkAckWaitsForVectorWatermark,
  checkBarrierWithOutOfOrderLog,
  checkIdleShardWatermarkCoversLastClock,
  checkNewEpochReadWaitsForFvw,
  checkValidationAtEveryReadShard,
  checkVectorWatermarkCombination,
} from './sim/spec-checks';

export const CAUGHT_BY: Record<MistakeName, (m: MistakeSwitches) => void> = {
  ackBeforeWatermark: checkAckWaitsForVectorWatermark,
  preIncrementClock: checkIdleShardWatermarkCoversLastClock,
  validateOnlyWrittenShards: checkValidationAtEveryReadShard,
  watermarkMaxSeen: checkBarrierWithOutOfOrderLog,
  combineWatermarksWithMax: checkVectorWatermarkCombination,
  readUndecidedOldEpoch: checkNewEpochReadWaitsForFvw,
};

for (const name of MISTAKE_NAMES) {
  test(`mistake ${name} is caught by ${CAUGHT_BY[name].name}`, () => {
    assert.throws(() => CAUGHT_BY[name](withMistake(name)), assert.AssertionError);
  });
}
