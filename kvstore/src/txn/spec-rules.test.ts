/**
 * The rules of docs/mako-spec-2pc.md, each checked on a hand-driven cluster of Mako cores
 * (sim/spec-checks.ts holds the checks; mistakes.test.ts shows each one catches its mistake).
 */
import { test } from 'node:test';
import { NO_MISTAKES } from './mistakes';
import {
  checkAckWaitsForVectorWatermark,
  checkBarrierWithOutOfOrderLog,
  checkIdleShardWatermarkCoversLastClock,
  checkNewEpochReadWaitsForFvw,
  checkValidationAtEveryReadShard,
  checkVectorWatermarkCombination,
} from './sim/spec-checks';

test('M5: a transaction is acknowledged only when its vector clock ≤ the vector watermark', () => checkAckWaitsForVectorWatermark(NO_MISTAKES));
test('M2/M4: clocks are post-increment, so an idle shard’s heartbeat barrier covers the last clock it handed out', () => checkIdleShardWatermarkCoversLastClock(NO_MISTAKES));
test('M2: Validate runs at every shard read, also where nothing is written', () => checkValidationAtEveryReadShard(NO_MISTAKES));
test('M4: barrier watermark with out-of-order log positions', () => checkBarrierWithOutOfOrderLog(NO_MISTAKES));
test('M5: vector watermark combination holds back on the lagging shard', () => checkVectorWatermarkCombination(NO_MISTAKES));
test('M7: a new-epoch read of an undecided old-epoch version waits for the FVW', () => checkNewEpochReadWaitsForFvw(NO_MISTAKES));
