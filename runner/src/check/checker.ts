/**
 * Deciding whether a history of store operations is linearizable, and explaining why not.
 *
 * 1. Shape checks that need no search: a SCAN's pairs must lie in its range, sorted, without
 *    duplicates; a read of a value that no operation ever wrote to that key is impossible.
 * 2. Per key (P-compositionality), the sub-history is cut where no operation is in flight
 *    (every operation before the cut returned before any after it was called) and, in long
 *    stretches, where only a few are: those are carried into the next segment as operations
 *    that may or may not have taken effect yet. Segments are searched in turn, carrying the
 *    set of states a legal order of the earlier ones can end in (a state records which carried
 *    operations took effect); this is exact and keeps every search small.
 * 3. The first failing segment of a key is shrunk by removing reads while it still fails
 *    (removing a read never turns a legal history illegal, so what is left is a genuine
 *    witness), then explained from the longest legal order the search found.
 */
import type { HistoryOp } from './history';
import { ABSENT, type KeyHistory, type KeyOp, MAX_CARRIED, UNKNOWN, clearBit, explainIllegal, kvModel, splitByKey, valueOfState } from './kv-model';
import { type DeepestPoint, StepBudget, type TimedOp, searchLinearization } from './search';

export type Verdict = 'PASSED' | 'FAILED' | 'UNKNOWN';

export interface Violation {
  key: string;
  /** One line saying what went wrong. */
  summary: string;
  /** History indices of the smallest set of operations found that cannot be ordered. */
  ops: number[];
  /** Earlier operations shown for context: the writes of the values the key may have held before. */
  context: number[];
  /** The values the key may have held just before these operations (null = absent). */
  priorValues: Array<string | null>;
  /** Further lines: the longest legal order and why nothing can follow it. */
  explanation: string[];
}

export interface CheckResult {
  verdict: Verdict;
  opsChecked: number;
  keysChecked: number;
  violations: Violation[];
  /** Keys whose search ran out of budget (verdict UNKNOWN unless some key failed). */
  undecidedKeys: string[];
}

export interface CheckOptions {
  /** Give up (UNKNOWN) after this many model steps in total. */
  maxSteps?: number;
  /** Give up (UNKNOWN) after this long, in milliseconds. */
  maxMillis?: number;
  /**
   * Where to cut a key's history besides quiescent points: once a segment has `longSegment`
   * operations, wherever at most `maxOpenAtCut` are in flight. (Tests set small values to
   * exercise carrying; the result is the same, only the work differs.)
   */
  cutPolicy?: { longSegment: number; maxOpenAtCut: number };
}

export function checkHistory(history: readonly HistoryOp[], options: CheckOptions = {}): CheckResult {
  const budget = new StepBudget(options.maxSteps ?? 2_000_000_000, options.maxMillis ?? Infinity);
  const violations: Violation[] = [...checkScanShapes(history)];
  const undecidedKeys: string[] = [];
  const keys = splitByKey(history);
  const policy = options.cutPolicy ?? { longSegment: LONG_SEGMENT, maxOpenAtCut: MAX_OPEN_AT_CUT };
  for (const kh of keys) {
    const outcome = checkKey(kh, budget, policy);
    if (outcome.kind === 'violation') violations.push(outcome.violation);
    else if (outcome.kind === 'unknown') undecidedKeys.push(kh.key);
  }
  const verdict: Verdict = violations.length > 0 ? 'FAILED' : undecidedKeys.length > 0 ? 'UNKNOWN' : 'PASSED';
  return { verdict, opsChecked: history.length, keysChecked: keys.length, violations, undecidedKeys };
}

/** A SCAN's pairs must be inside its inclusive range, in ascending key order, each key once. */
export function checkScanShapes(history: readonly HistoryOp[]): Violation[] {
  const out: Violation[] = [];
  history.forEach((op, i) => {
    if (op.op !== 'SCAN' || op.ret === null || op.result === null) return;
    let previous: string | undefined;
    for (const [key] of op.result) {
      let summary: string | undefined;
      if (key < op.start || key > op.end) summary = `SCAN ${op.start} ${op.end} returned key ${key}, outside its range`;
      else if (previous !== undefined && key === previous) summary = `SCAN ${op.start} ${op.end} returned key ${key} twice`;
      else if (previous !== undefined && key < previous) summary = `SCAN ${op.start} ${op.end} returned key ${key} after ${previous} (pairs must be sorted by key)`;
      if (summary !== undefined) {
        out.push({ key, summary, ops: [i], context: [], priorValues: [], explanation: [] });
        return;
      }
      previous = key;
    }
  });
  return out;
}

type KeyOutcome = { kind: 'ok' } | { kind: 'unknown' } | { kind: 'violation'; violation: Violation };

/**
 * Cuts: always where nothing is in flight; once a segment is this long, also where at most
 * MAX_OPEN_AT_CUT operations are in flight (they are carried into the next segment).
 */
const LONG_SEGMENT = 48;
const MAX_OPEN_AT_CUT = 3;

function checkKey(kh: KeyHistory, budget: StepBudget, policy: { longSegment: number; maxOpenAtCut: number }): KeyOutcome {
  const never = checkNeverWritten(kh);
  if (never !== undefined) return { kind: 'violation', violation: never };

  const sorted = [...kh.ops].sort((a, b) => a.call - b.call);
  // Operations in flight at a cut are carried into the next segment, where they are optional
  // until the segment their return falls in; a bit of the state records once they took
  // effect, so they do so exactly once. Writes that never returned are carried to the end.
  const freeBits = Array.from({ length: MAX_CARRIED }, (_, i) => 2 ** (MAX_CARRIED - 1 - i));
  let carried: Array<TimedOp<KeyOp>> = [];
  let active: Array<TimedOp<KeyOp>> = [];
  let states: number[] = [ABSENT];
  let segStart = 0;
  for (let i = 0; i <= sorted.length; i++) {
    const isEnd = i === sorted.length;
    const boundary = isEnd ? Infinity : sorted[i]!.call;
    // In flight at `boundary`: called before it, not returned before it.
    active = active.filter((t) => t.ret >= boundary);
    if (i > segStart) {
      const need = active.filter((t) => t.op.bit === 0).length;
      const canCut = need === 0 || (i - segStart >= policy.longSegment && need <= policy.maxOpenAtCut);
      if (isEnd || (canCut && need <= freeBits.length)) {
        for (const t of active) if (t.op.bit === 0) t.op.bit = freeBits.pop()!;
        const segment = [...carried, ...sorted.slice(segStart, i)].map((t) => ({ call: t.call, ret: t.ret, op: t.op, optional: t.ret >= boundary }));
        const next = endStatesOf(segment, states, !isEnd, budget);
        if (next === 'budget') return { kind: 'unknown' };
        if (next.length === 0) return { kind: 'violation', violation: explainSegment(kh, sorted.slice(0, segStart), segment, states) };
        // Carried operations whose return fell in this segment took effect in it, in every end state.
        let ended = next;
        for (const t of carried) {
          if (t.ret < boundary) {
            ended = ended.map((st) => clearBit(st, t.op.bit));
            freeBits.push(t.op.bit);
          }
        }
        states = [...new Set(ended)];
        carried = [...active];
        segStart = i;
      }
    }
    if (!isEnd) active.push(sorted[i]!);
  }
  return { kind: 'ok' };
}

/** The states a legal order of `segment` can end in, from any of `states` ([] if none). */
function endStatesOf(segment: Array<TimedOp<KeyOp>>, states: number[], all: boolean, budget: StepBudget): number[] | 'budget' {
  if (segment.length === 1 && segment[0]!.op.bit === 0 && segment[0]!.optional !== true) {
    const op = segment[0]!.op;
    const out = new Set<number>();
    for (const s of states) {
      if (!budget.spend()) return 'budget';
      const after = kvModel.step(s, op);
      if (after !== undefined) out.add(after);
    }
    return [...out];
  }
  const r = searchLinearization(kvModel, segment, states, { allEndStates: all, budget });
  if (r.kind === 'budget-exhausted') return 'budget';
  return r.kind === 'linearizable' ? r.endStates : [];
}

/** A read (or SWAP) of a value that no operation ever wrote to the key can never be ordered. */
function checkNeverWritten(kh: KeyHistory): Violation | undefined {
  const written = new Set<number>();
  for (const t of kh.ops) if (t.op.kind === 'PUT' || t.op.kind === 'SWAP') written.add(t.op.arg);
  for (const t of kh.ops) {
    const op = t.op;
    if ((op.kind === 'GET' || op.kind === 'READ' || op.kind === 'SWAP') && op.out !== UNKNOWN && op.out !== ABSENT && !written.has(op.out)) {
      const what = op.kind === 'SWAP' ? 'returned old value' : 'read';
      return {
        key: kh.key,
        summary: `an operation ${what} ${showValue(kh.values.value(op.out))} on key ${kh.key}, but no operation ever wrote that value to it`,
        ops: [op.source],
        context: [],
        priorValues: [],
        explanation: [],
      };
    }
  }
  return undefined;
}

const WITNESS_STEPS = 200_000;
const WITNESS_TRIALS = 400;
/** Shrinking stops after this long; the witness is then just less small. */
const WITNESS_MILLIS = 10_000;
/** Above this many operations the longest-order explanation is skipped (it copies the order at each record). */
const EXPLAIN_MAX_OPS = 2_000;

/** Shrink a failing segment to a small set of operations that still cannot be ordered, and explain it. */
function explainSegment(kh: KeyHistory, before: Array<TimedOp<KeyOp>>, segment: Array<TimedOp<KeyOp>>, states: number[]): Violation {
  let current = segment;
  let trials = 0;
  const deadline = Date.now() + WITNESS_MILLIS;
  const stillFails = (ops: Array<TimedOp<KeyOp>>): boolean => {
    trials++;
    if (Date.now() > deadline) trials = WITNESS_TRIALS;
    const r = searchLinearization(kvModel, ops, states, { allEndStates: false, budget: new StepBudget(WITNESS_STEPS, 5000) });
    return r.kind === 'not-linearizable';
  };
  // Remove reads in chunks of halving size (a light ddmin): only reads, since dropping a
  // write could make a legal history illegal and the witness would then prove nothing.
  let candidates = current.filter((t) => t.op.kind === 'GET' || t.op.kind === 'READ');
  for (let size = Math.max(1, Math.ceil(candidates.length / 2)); size >= 1 && trials < WITNESS_TRIALS; size = Math.floor(size / 2)) {
    for (let i = 0; i < candidates.length && trials < WITNESS_TRIALS; ) {
      const chunk = new Set(candidates.slice(i, i + size));
      const trial = current.filter((t) => !chunk.has(t));
      if (stillFails(trial)) {
        current = trial;
        candidates = candidates.filter((t) => !chunk.has(t));
      } else {
        i += size;
      }
    }
    if (size === 1) break;
  }

  const show = showValue;
  const explanation: string[] = [];
  if (current.length <= EXPLAIN_MAX_OPS) {
    const r = searchLinearization(kvModel, current, states, { allEndStates: false, budget: new StepBudget(WITNESS_STEPS, 5000), trackDeepest: true });
    if (r.kind === 'not-linearizable' && r.deepest !== undefined) explanation.push(...describeDeepest(kh, current, r.deepest, show));
  } else {
    explanation.push(`(${current.length} operations overlap here; too many to explain the search step by step)`);
  }

  const priorValues = [...new Set(states.map(valueOfState))].map((s) => kh.values.value(s));
  const priorWriters = states.map((s) => lastWriterOf(before, valueOfState(s))).filter((x): x is number => x !== undefined);
  return {
    key: kh.key,
    summary:
      current.length === 1
        ? `an operation on key ${kh.key} cannot take effect at any point of its interval`
        : `no order of these ${current.length} operations on key ${kh.key} is legal`,
    ops: [...new Set(current.map((t) => t.op.source))].sort((a, b) => a - b),
    context: [...new Set(priorWriters)].sort((a, b) => a - b),
    priorValues,
    explanation,
  };
}

function lastWriterOf(before: Array<TimedOp<KeyOp>>, state: number): number | undefined {
  for (let i = before.length - 1; i >= 0; i--) {
    const op = before[i]!.op;
    if (((op.kind === 'PUT' || op.kind === 'SWAP') && op.arg === state) || (op.kind === 'DELETE' && state === ABSENT)) return op.source;
  }
  return undefined;
}

function describeDeepest(kh: KeyHistory, ops: Array<TimedOp<KeyOp>>, deepest: DeepestPoint, show: (v: string | null) => string): string[] {
  const lines: string[] = [];
  const placed = new Set(deepest.order);
  const start = show(kh.values.value(valueOfState(deepest.startState)));
  if (deepest.order.length === 0) {
    lines.push(ops.length === 1 ? `Starting from ${start}:` : `Starting from ${start}, not one of them can take effect first:`);
  } else {
    const shown = 8;
    const steps = deepest.order.slice(-shown).map((i) => `#${ops[i]!.op.source + 1}`);
    const skipped = deepest.order.length > shown ? `(${deepest.order.length - shown} more), ` : '';
    lines.push(`Longest legal order found, from ${start}: ${skipped}${steps.join(', ')} (value then ${show(kh.values.value(valueOfState(deepest.state)))});`);
    lines.push('after it none of the remaining operations can take effect next:');
  }
  const rest = ops.map((t, i) => ({ t, i })).filter(({ i }) => !placed.has(i));
  const minRet = Math.min(...rest.map(({ t }) => t.ret));
  const blocker = rest.find(({ t }) => t.ret === minRet);
  if (blocker !== undefined && Number.isFinite(minRet) && rest.length > 1) {
    lines.push(`(the candidates are the operations called before #${blocker.t.op.source + 1} returned)`);
  }
  for (const { t } of rest) {
    if (t.call > minRet) continue;
    const after = kvModel.step(deepest.state, t.op);
    const why =
      after === undefined
        ? explainIllegal(t.op, deepest.state, kh.values, show)
        : 'could take effect here, but every order continuing with it fails later';
    lines.push(`  #${t.op.source + 1}: ${why}`);
  }
  return lines;
}

export function showValue(v: string | null): string {
  if (v === null) return 'absent';
  return v.length > 24 ? `'${v.slice(0, 24)}…'` : `'${v}'`;
}
