/**
 * Deciding whether a history of store operations is linearizable, and explaining why not.
 *
 * 1. Shape checks that need no search: a SCAN's pairs must lie in its range, sorted, without
 *    duplicates; a read of a value that no operation ever wrote to that key is impossible.
 * 2. Per key (P-compositionality), one search over the key's whole history
 *    (register-search.ts: reads placed first, writes that never returned placed only where
 *    they make something legal, a compact memo under a byte budget).
 * 3. A failing key gets a small witness and an explanation (witness.ts).
 *
 * `CheckRun` is a deterministic state machine: `advance(steps)` does at most about that much
 * work and says whether the check is over, so the caller (timed-check.ts) owns the clock,
 * the progress line and the time limit. Keys take turns: a key that needs more than its share
 * of steps goes to the back of the queue with its share doubled, so one hopeless key cannot
 * keep the others from being decided. A key whose memo would pass the shared byte budget ends
 * undecided (UNKNOWN), never a crash.
 */
import type { HistoryOp } from './history';
import { HistoryColumns, columnsOf, splitByKey } from './history-columns';
import { ABSENT, CODE_GET, CODE_READ, CODE_SWAP, type KeyHistory, UNKNOWN, type ValueUse } from './kv-model';
import { MemoBudget } from './memo';
import { type EncodedOps, RegisterSearch, type SearchStatus, encodeKeys } from './register-search';
import { type SearchRunner, type Violation, explainFailure, showValue } from './witness';

export type { Violation } from './witness';
export { showValue } from './witness';

export type Verdict = 'PASSED' | 'FAILED' | 'UNKNOWN';

export interface UndecidedKey {
  key: string;
  /** 'time': stopped before it was decided; 'memory': its memo would have passed the budget. */
  reason: 'time' | 'memory';
}

export interface CheckResult {
  verdict: Verdict;
  opsChecked: number;
  keysChecked: number;
  violations: Violation[];
  /** Keys left undecided (verdict UNKNOWN unless some key failed). */
  undecidedKeys: string[];
  undecided: UndecidedKey[];
  /** Most bytes, and records, the memos held at once. */
  memoPeakBytes: number;
  memoPeakEntries: number;
  /** Search steps taken (one per operation considered). */
  steps: number;
}

export interface CheckOptions {
  /** Stop (undecided keys UNKNOWN) after this many search steps in total. */
  maxSteps?: number;
  /** Bytes all memos may hold together (default DEFAULT_MEMO_BYTES). */
  memoBytes?: number;
}

export const DEFAULT_MEMO_BYTES = 512 * 2 ** 20;

export interface CheckProgress {
  keysDone: number;
  keysTotal: number;
  /** The key being searched, its returned operations placed so far and in all. */
  currentKey: string | undefined;
  placed: number;
  required: number;
  memoEntries: number;
  memoBytes: number;
  steps: number;
}

type KeyOutcome = { kind: 'ok' } | { kind: 'memory' } | { kind: 'violation'; violation: Violation };

/**
 * A slice of work between pauses: small enough to watch a clock, big enough to cost nothing.
 * Short calls also let V8 compile the search once, on entry, rather than first on the stack
 * inside a long call and then again on entry.
 */
const SLICE = 2_000;
/** Steps a key may take before it first yields its turn to the others. */
const FIRST_SHARE = 2_000_000;

interface KeyTask {
  kh: KeyHistory;
  work: Generator<void, KeyOutcome>;
  share: number;
  spent: number;
  /** Once the key is known to fail: the best violation found so far (while its witness is built). */
  coarse: { violation?: () => Violation };
}

export class CheckRun {
  private readonly budget: MemoBudget;
  private readonly opsCount: number;
  private readonly keys: KeyHistory[];
  private readonly queue: KeyTask[] = [];
  private readonly violations: Violation[];
  private readonly undecided: UndecidedKey[] = [];
  private readonly maxSteps: number;
  private stepsLeft = 0;
  private totalSteps = 0;
  private keysDone = 0;
  private current: RegisterSearch | undefined;
  private currentKey: string | undefined;

  /** A history as operations, or as columns (read from a file by readHistoryColumns). */
  constructor(history: readonly HistoryOp[] | HistoryColumns, options: CheckOptions = {}) {
    const columns = history instanceof HistoryColumns ? history : columnsOf(history);
    this.opsCount = columns.length;
    this.budget = new MemoBudget(options.memoBytes ?? DEFAULT_MEMO_BYTES);
    this.maxSteps = options.maxSteps ?? Infinity;
    const split = splitByKey(columns);
    this.violations = split.scanShapes;
    this.keys = split.keys;
    // Every key is prepared before any is searched: its values (a read of a value never
    // written fails at once; values nobody reads are merged; which are written and read was
    // marked while the history was read), and its operations encoded for the search, all
    // keys in one call (see encodeKeys).
    const prepared = this.keys.map((kh) => {
      const map = kh.values.representatives();
      return { kh, never: map === undefined ? checkNeverWritten(kh, kh.values.use()) : undefined, map: map ?? new Int32Array(0) };
    });
    const searched = prepared.filter((p) => p.never === undefined);
    const encoded = encodeKeys(searched.map((p) => ({ ops: p.kh.ops, map: p.map })));
    let next = 0;
    for (const p of prepared) {
      const coarse = {};
      const enc = p.never === undefined ? encoded[next++]! : undefined;
      this.queue.push({ kh: p.kh, work: this.checkKey(p.kh, coarse, p.never, p.map, enc), share: FIRST_SHARE, spent: 0, coarse });
    }
  }

  /** Work for about `steps` steps; true once every key is decided (or the step cap is reached). */
  advance(steps: number): boolean {
    while (this.queue.length > 0 && this.totalSteps < this.maxSteps) {
      const task = this.queue[0]!;
      this.currentKey = task.kh.key;
      this.stepsLeft = Math.min(steps, this.maxSteps - this.totalSteps);
      const before = this.totalSteps;
      const r = task.work.next();
      task.spent += this.totalSteps - before;
      if (r.done === true) {
        this.queue.shift();
        this.keysDone++;
        this.current = undefined;
        if (r.value.kind === 'violation') this.violations.push(r.value.violation);
        else if (r.value.kind === 'memory') this.undecided.push({ key: task.kh.key, reason: 'memory' });
      } else if (task.spent >= task.share && this.queue.length > 1) {
        this.queue.push(this.queue.shift()!);
        task.spent = 0;
        task.share *= 2;
      }
      steps -= this.totalSteps - before;
      if (steps <= 0) break;
    }
    return this.queue.length === 0 || this.totalSteps >= this.maxSteps;
  }

  progress(): CheckProgress {
    const s = this.current;
    return {
      keysDone: this.keysDone,
      keysTotal: this.keys.length,
      currentKey: this.currentKey,
      placed: s?.placedCount ?? 0,
      required: s?.requiredCount ?? 0,
      memoEntries: this.budget.entries,
      memoBytes: this.budget.usedBytes,
      steps: this.totalSteps,
    };
  }

  /** The verdict on what is decided so far; keys not decided yet are named as undecided. */
  result(): CheckResult {
    const violations = [...this.violations];
    const undecided = [...this.undecided];
    for (const task of this.queue) {
      if (task.coarse.violation !== undefined) violations.push(task.coarse.violation());
      else undecided.push({ key: task.kh.key, reason: 'time' });
    }
    undecided.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const verdict: Verdict = violations.length > 0 ? 'FAILED' : undecided.length > 0 ? 'UNKNOWN' : 'PASSED';
    return {
      verdict,
      opsChecked: this.opsCount,
      keysChecked: this.keys.length,
      violations,
      undecidedKeys: undecided.map((u) => u.key),
      undecided,
      memoPeakBytes: this.budget.peakBytes,
      memoPeakEntries: this.budget.peakEntries,
      steps: this.totalSteps,
    };
  }

  /** Run a search in slices, pausing between them while the caller's allowance is spent. */
  private readonly runSearch: SearchRunner = function* (this: CheckRun, search: RegisterSearch, stepLimit = Infinity): Generator<void, SearchStatus> {
    this.current = search;
    let spent = 0;
    for (;;) {
      if (this.stepsLeft <= 0) yield;
      const before = search.steps;
      const slice = Math.max(1, Math.min(SLICE, this.stepsLeft, stepLimit - spent));
      const r = search.run(slice);
      const used = search.steps - before;
      spent += used;
      this.stepsLeft -= used;
      this.totalSteps += used;
      if (r !== 'paused') return r;
      if (spent >= stepLimit) return 'paused';
      if (this.totalSteps >= this.maxSteps) yield;
    }
  }.bind(this);

  private *checkKey(
    kh: KeyHistory,
    coarse: { violation?: () => Violation },
    never: Violation | undefined,
    valueMap: Int32Array,
    encoded: EncodedOps | undefined,
  ): Generator<void, KeyOutcome> {
    if (never !== undefined) return { kind: 'violation', violation: never };
    const search = new RegisterSearch(kh.ops, [ABSENT], { budget: this.budget, valueMap }, encoded);
    let r: SearchStatus;
    try {
      r = yield* this.runSearch(search);
    } finally {
      search.dispose();
    }
    if (r === 'linearizable') return { kind: 'ok' };
    if (r === 'memo-full') return { kind: 'memory' };
    const violation = yield* explainFailure(kh, this.budget, this.runSearch, search.frontierAtMax, (v) => (coarse.violation = v));
    return { kind: 'violation', violation };
  }
}

/** Check a whole history at once (tests, and callers without a clock). */
export function checkHistory(history: readonly HistoryOp[] | HistoryColumns, options: CheckOptions = {}): CheckResult {
  const run = new CheckRun(history, options);
  while (!run.advance(10 * SLICE));
  return run.result();
}

/** A read (or SWAP) of a value that no operation ever wrote to the key can never be ordered. */
function checkNeverWritten(kh: KeyHistory, use: ValueUse): Violation | undefined {
  const { written, read } = use;
  let any = false;
  for (let v = ABSENT + 1; v < read.length && !any; v++) any = read[v] === 1 && written[v] !== 1;
  if (!any) return undefined;
  // Some value is read but never written: name the first operation that reads one.
  const ops = kh.ops;
  for (let i = 0; i < ops.length; i++) {
    const c = ops.code[i]!;
    const out = ops.out[i]!;
    if ((c === CODE_GET || c === CODE_READ || c === CODE_SWAP) && out !== UNKNOWN && out !== ABSENT && written[out] !== 1) {
      const what = c === CODE_SWAP ? 'returned old value' : 'read';
      return {
        key: kh.key,
        summary: `an operation ${what} ${showValue(kh.values.value(out))} on key ${kh.key}, but no operation ever wrote that value to it`,
        ops: [ops.source[i]!],
        context: [],
        priorValues: [],
        explanation: [],
      };
    }
  }
  return undefined;
}
