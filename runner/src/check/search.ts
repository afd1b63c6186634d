/**
 * The generic linearizability search (Wing & Gong, with Lowe's memo, as Porcupine does it).
 *
 * A model is a step function over integer states; operations carry their call and return
 * times. The search walks the call/return events in time order, tries to linearize each
 * operation whose call comes before the earliest pending return, and backtracks when the
 * earliest-returning operation cannot be placed. A memo of (set of linearized operations,
 * state) prunes every configuration already explored, which keeps histories with a handful
 * of concurrent clients close to linear time.
 *
 * Nothing here knows about keys or values: see kv-model.ts for the store's model.
 */

export interface Model<Op> {
  /** The state after `op` (with its recorded result) in `state`, or undefined if illegal. */
  step(state: number, op: Op): number | undefined;
  /**
   * Whether `state` records that `op` already took effect (an operation carried over from an
   * earlier part of the history); such an operation is not required to be placed again.
   */
  isApplied?(state: number, op: Op): boolean;
}

export interface TimedOp<Op> {
  call: number;
  /**
   * Infinity for an operation that never returned: it may take effect any time after its
   * call, or never, so a legal order need not include it.
   */
  ret: number;
  op: Op;
  /** A legal order need not place this operation (default: only if it never returned). */
  optional?: boolean;
}

/** A shared allowance of model steps; the search gives up (UNKNOWN) when it runs out. */
export class StepBudget {
  private stepsLeft: number;
  private readonly deadline: number;
  private sinceClock = 0;
  exhausted = false;

  constructor(maxSteps: number, maxMillis: number) {
    this.stepsLeft = maxSteps;
    this.deadline = Number.isFinite(maxMillis) ? Date.now() + maxMillis : Infinity;
  }

  static unlimited(): StepBudget {
    return new StepBudget(Infinity, Infinity);
  }

  /** Spend one step; false once the budget is gone. */
  spend(): boolean {
    if (this.exhausted) return false;
    if (--this.stepsLeft < 0) {
      this.exhausted = true;
      return false;
    }
    if (++this.sinceClock >= 4096) {
      this.sinceClock = 0;
      if (Date.now() > this.deadline) {
        this.exhausted = true;
        return false;
      }
    }
    return true;
  }
}

export interface DeepestPoint {
  /** Operation indices (into the input array) of the longest legal order found. */
  order: number[];
  /** The state after that order. */
  state: number;
  /** The start state the order began from. */
  startState: number;
}

export type SearchOutcome =
  | { kind: 'linearizable'; endStates: number[] }
  | { kind: 'not-linearizable'; deepest: DeepestPoint | undefined }
  | { kind: 'budget-exhausted' };

export interface SearchOptions {
  /** Explore every legal order to collect all possible end states (else stop at the first). */
  allEndStates: boolean;
  budget: StepBudget;
  /** Remember the longest legal order (costs a copy per new record; for small histories). */
  trackDeepest?: boolean;
}

interface MemoEntry {
  low: number;
  state: number;
  extras: Int32Array;
}

/**
 * Decide whether `ops` can be ordered legally starting from any of `startStates`.
 * Returns the set of states a legal order can end in (all of them if `allEndStates`).
 */
export function searchLinearization<Op>(model: Model<Op>, ops: ReadonlyArray<TimedOp<Op>>, startStates: readonly number[], options: SearchOptions): SearchOutcome {
  const n = ops.length;
  if (n === 0) return { kind: 'linearizable', endStates: [...new Set(startStates)] };

  // Index operations by call time; the linearized set is then [0, low) plus a few extras.
  const byCall = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareNumbers(ops[a]!.call, ops[b]!.call) || a - b);
  const opAt = byCall.map((i) => ops[i]!.op);

  // Events: call of op i is 2i, return is 2i+1; time order, calls before returns on ties
  // (an operation returning at the instant another is called counts as concurrent with it).
  const events = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) events[i] = i;
  const timeOf = (e: number): number => (e & 1 ? ops[byCall[e >> 1]!]!.ret : ops[byCall[e >> 1]!]!.call);
  const sorted = Array.from(events).sort((a, b) => compareNumbers(timeOf(a), timeOf(b)) || (a & 1) - (b & 1) || a - b);
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);
  let last = head;
  for (const e of sorted) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = -1;

  const lift = (i: number): void => {
    for (const e of [2 * i, 2 * i + 1]) {
      next[prev[e]!] = next[e]!;
      if (next[e]! !== -1) prev[next[e]!] = prev[e]!;
    }
  };
  const unlift = (i: number): void => {
    for (const e of [2 * i + 1, 2 * i]) {
      next[prev[e]!] = e;
      if (next[e]! !== -1) prev[next[e]!] = e;
    }
  };

  // Zobrist hashing of the linearized set, updated in O(1) per step.
  const z1 = new Uint32Array(n);
  const z2 = new Uint32Array(n);
  let seed = 0x2545f491;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    z1[i] = seed ^ (seed >>> 15);
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    z2[i] = Math.imul(seed ^ (seed >>> 13), 0x5bd1e995) >>> 0;
  }
  const linearized = new Uint8Array(n);
  let low = 0;
  let count = 0;
  let h1 = 0;
  let h2 = 0;

  const setLin = (i: number): void => {
    linearized[i] = 1;
    count++;
    h1 ^= z1[i]!;
    h2 ^= z2[i]!;
    if (i === low) while (low < n && linearized[low] === 1) low++;
  };
  const clearLin = (i: number): void => {
    linearized[i] = 0;
    count--;
    h1 ^= z1[i]!;
    h2 ^= z2[i]!;
    if (i < low) low = i;
  };

  const memo = new Map<number, MemoEntry | MemoEntry[]>();
  const memoKey = (state: number): number => {
    const s = Math.imul(state + 0x9e3779b9, 0x85ebca6b) >>> 0;
    return ((h1 ^ s) >>> 0) * 2097152 + ((h2 ^ (s >>> 11)) & 0x1fffff);
  };
  const sameAsCurrent = (e: MemoEntry, state: number): boolean => {
    if (e.low !== low || e.state !== state || e.extras.length !== count - low) return false;
    for (let j = 0; j < e.extras.length; j++) if (linearized[e.extras[j]!] !== 1) return false;
    return true;
  };
  /** Record the current configuration; false if it was seen before. */
  const remember = (state: number): boolean => {
    const key = memoKey(state);
    const found = memo.get(key);
    if (found !== undefined) {
      if (Array.isArray(found)) {
        for (const e of found) if (sameAsCurrent(e, state)) return false;
      } else if (sameAsCurrent(found, state)) {
        return false;
      }
    }
    const extras = new Int32Array(count - low);
    for (let j = low + 1, k = 0; k < extras.length; j++) if (linearized[j] === 1) extras[k++] = j;
    const entry: MemoEntry = { low, state, extras };
    if (found === undefined) memo.set(key, entry);
    else if (Array.isArray(found)) found.push(entry);
    else memo.set(key, [found, entry]);
    return true;
  };

  const endStates = new Set<number>();
  let deepest: DeepestPoint | undefined;
  const stackOp: number[] = [];
  const stackState: number[] = [];

  // Operations that never returned are optional, and so are those the caller marks; a legal
  // order must place every other one, except those the start state says already took effect.
  const isRequired = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const t = ops[byCall[i]!]!;
    isRequired[i] = t.optional === true || t.ret === Infinity ? 0 : 1;
  }
  let placedRequired = 0;

  for (const start of new Set(startStates)) {
    // Operations this start state says already took effect are out of the game: take their
    // events out of the list (their return must not force a backtrack), and put them back after.
    const applied: number[] = [];
    if (model.isApplied !== undefined) {
      for (let i = 0; i < n; i++) {
        if (model.isApplied(start, opAt[i]!)) {
          applied.push(i);
          lift(i);
        }
      }
    }
    let required = 0;
    for (let i = 0; i < n; i++) required += isRequired[i]!;
    for (const i of applied) required -= isRequired[i]!;
    const restore = (): void => {
      for (let j = applied.length - 1; j >= 0; j--) unlift(applied[j]!);
    };
    let state = start;
    if (!remember(state)) {
      restore();
      continue;
    }
    if (placedRequired === required) {
      endStates.add(state);
      if (!options.allEndStates) return { kind: 'linearizable', endStates: [...endStates] };
    }
    let entry = next[head]!;
    for (;;) {
      if (entry !== -1 && (entry & 1) === 0) {
        const i = entry >> 1;
        if (!options.budget.spend()) return { kind: 'budget-exhausted' };
        const after = model.step(state, opAt[i]!);
        if (after !== undefined) {
          setLin(i);
          if (remember(after)) {
            stackOp.push(i);
            stackState.push(state);
            state = after;
            lift(i);
            placedRequired += isRequired[i]!;
            if (options.trackDeepest === true && (deepest === undefined || stackOp.length > deepest.order.length)) {
              deepest = { order: stackOp.map((j) => byCall[j]!), state, startState: start };
            }
            if (placedRequired === required) {
              // Every operation that returned is placed: a legal order ending in `state`.
              endStates.add(state);
              if (!options.allEndStates) return { kind: 'linearizable', endStates: [...endStates] };
            }
            entry = next[head]!;
            continue;
          }
          clearLin(i);
        }
        entry = next[entry]!;
        continue;
      }
      // The end of the list, or the earliest pending return: that operation cannot be
      // postponed past here, so undo the last choice and try the next candidate.
      if (stackOp.length === 0) break;
      const i = stackOp.pop()!;
      state = stackState.pop()!;
      placedRequired -= isRequired[i]!;
      clearLin(i);
      unlift(i);
      entry = next[2 * i]!;
    }
    restore();
    if (options.trackDeepest === true && deepest === undefined) deepest = { order: [], state: start, startState: start };
  }
  if (endStates.size > 0) return { kind: 'linearizable', endStates: [...endStates] };
  return { kind: 'not-linearizable', deepest };
}

/** Ordering of times that also works for Infinity (never returned). */
function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
