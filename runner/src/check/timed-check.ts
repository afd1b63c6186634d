/**
 * The shell around CheckRun for `runner check` and the check at the end of `runner fuzz`:
 * it owns the clock. The check stops at the time limit (undecided keys: UNKNOWN), and a
 * check that takes more than a few seconds reports its progress every few seconds.
 */
import { type CheckProgress, type CheckResult, CheckRun } from './checker';
import type { HistoryOp } from './history';
import type { HistoryColumns } from './history-columns';
import { formatCount } from './report';

export interface TimedCheckOptions {
  timeoutMs: number;
  /** Bytes the memos may hold together (default: the checker's). */
  memoBytes?: number;
  /** Receives a progress line now and then (once the check has run for `progressEveryMs`). */
  onProgress?: (line: string) => void;
  progressEveryMs?: number;
}

export interface TimedCheck {
  result: CheckResult;
  elapsedMs: number;
  /** The time limit stopped the check. */
  timedOut: boolean;
}

/** Steps between two looks at the clock (a few milliseconds of work). */
const STEPS_PER_LOOK = 100_000;

export function runTimedCheck(history: readonly HistoryOp[] | HistoryColumns, options: TimedCheckOptions): TimedCheck {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const every = options.progressEveryMs ?? 5000;
  let nextReport = started + every;
  const run = new CheckRun(history, options.memoBytes === undefined ? {} : { memoBytes: options.memoBytes });
  let timedOut = false;
  for (;;) {
    const now = Date.now();
    if (now >= deadline) {
      timedOut = true;
      break;
    }
    if (run.advance(STEPS_PER_LOOK)) break;
    if (options.onProgress !== undefined && now >= nextReport) {
      options.onProgress(progressLine(run.progress(), now - started));
      nextReport = now + every;
    }
  }
  return { result: run.result(), elapsedMs: Date.now() - started, timedOut };
}

export function progressLine(p: CheckProgress, elapsedMs: number): string {
  const n = formatCount;
  const key = p.currentKey === undefined ? '' : `; key ${p.currentKey}: ${n(p.placed)} / ${n(p.required)} operations placed`;
  return `  checking: ${p.keysDone} / ${p.keysTotal} keys decided${key}; memo ${n(p.memoEntries)} entries, ${(p.memoBytes / 2 ** 20).toFixed(0)} MB; ${(elapsedMs / 1000).toFixed(0)} s`;
}
