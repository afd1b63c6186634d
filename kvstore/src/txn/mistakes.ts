/**
 * Test-only switches that put back, one at a time, the classic mistakes of speculative 2PC
 * listed in docs (mako-spec-2pc.md, "Checks that catch the classic mistakes"). Every core
 * takes this object; production code passes NO_MISTAKES. Each switch has a named test that
 * fails when it is on (see the list in txn/mistakes.test.ts).
 */
export interface MistakeSwitches {
  /** Acknowledge a transaction once it is certified, without waiting for the vector watermark to cover it. */
  ackBeforeWatermark: boolean;
  /** GetClock increments the shard clock before handing it out (`++clock`) instead of after (`clock++`). */
  preIncrementClock: boolean;
  /** Validate reads only at shards the transaction writes. */
  validateOnlyWrittenShards: boolean;
  /** Shard watermark = the highest clock appended to the log, instead of the barrier rule. */
  watermarkMaxSeen: boolean;
  /** Combine shard watermarks with max instead of min (every component becomes the highest shard's). */
  combineWatermarksWithMax: boolean;
  /** Let a new-epoch transaction read an old-epoch version whose fate the finalized watermark has not decided. */
  readUndecidedOldEpoch: boolean;
}

export type MistakeName = keyof MistakeSwitches;

export const NO_MISTAKES: Readonly<MistakeSwitches> = Object.freeze({
  ackBeforeWatermark: false,
  preIncrementClock: false,
  validateOnlyWrittenShards: false,
  watermarkMaxSeen: false,
  combineWatermarksWithMax: false,
  readUndecidedOldEpoch: false,
});

export const MISTAKE_NAMES: readonly MistakeName[] = Object.keys(NO_MISTAKES) as MistakeName[];

export function withMistake(name: MistakeName): MistakeSwitches {
  return { ...NO_MISTAKES, [name]: true };
}
