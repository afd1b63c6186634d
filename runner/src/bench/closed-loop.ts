/**
 * A closed-loop load: `workers` loops, each calling `op` and waiting for it before the next
 * call, for a warm-up and then a measured period. Only calls that start after the warm-up
 * and finish before the end are counted and timed (latency in a HDR histogram, µs precision).
 * Loops stop starting calls at the end; the calls still in flight are awaited but not counted.
 */
import * as hdr from 'hdr-histogram-js';

export interface ClosedLoopResult {
  ops: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ClosedLoopOptions {
  workers: number;
  warmupMs: number;
  measureMs: number;
}

export async function closedLoop(o: ClosedLoopOptions, op: (worker: number, i: number) => Promise<unknown>): Promise<ClosedLoopResult> {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  const measureFrom = performance.now() + o.warmupMs;
  const stopAt = measureFrom + o.measureMs;
  let ops = 0;
  try {
    await Promise.all(
      Array.from({ length: o.workers }, async (_, w) => {
        for (let i = 0; performance.now() < stopAt; i++) {
          const t0 = performance.now();
          await op(w, i);
          const t1 = performance.now();
          if (t0 >= measureFrom && t1 <= stopAt) {
            ops++;
            hist.recordValue(Math.max(1, Math.round((t1 - t0) * 1000)));
          }
        }
      }),
    );
    const seconds = o.measureMs / 1000;
    return { ops, seconds, opsPerSec: ops / seconds, p50Ms: hist.getValueAtPercentile(50) / 1000, p99Ms: hist.getValueAtPercentile(99) / 1000 };
  } finally {
    hist.destroy();
  }
}

/** The p-th percentile (0..100) of `samples` by the nearest-rank method; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}
