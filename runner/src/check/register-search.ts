/**
 * Is one key's history linearizable? Wing & Gong's search with Lowe's memo, as Porcupine runs
 * it (one depth-first search over the key's whole history, a memo of configurations known to
 * fail), made for a register, which allows three exact reductions:
 *
 * - Reads first. A read that is legal now (the key holds the value it returned) is placed at
 *   once, as a forced step: it changes nothing and only lifts a constraint, so if any order
 *   completes from here, one with that read placed now completes too. When the configuration
 *   after a forced step fails, the one before it fails as well, with no other branch to try.
 * - Writes that never returned are placed lazily. They are kept out of the candidates, in a
 *   pool. In a legal order such a write is either followed, before anything observes the key,
 *   by another write of the pool (or by nothing), and can be dropped; or it comes right
 *   before the returned operation that observes its value, and if that one is legal without
 *   it, it can be dropped too (the value after a write does not depend on the one before, and
 *   a read leaves the value it saw). So the search places one only right before a returned
 *   operation that is illegal without it and legal with it.
 * - Pool writes with the same effect are interchangeable: one may be placed once every
 *   operation that returned before its call is placed, and along a path that stays true, so
 *   any one available will do. The search always takes the latest-called available one, so
 *   configurations that differ only in which of them was used never both arise.
 *
 * Values no operation reads may be merged beforehand (kv-model's mergeUnreadValues).
 *
 * The candidates to come next are the operations not placed yet that were called by the
 * earliest return among the required operations not placed yet (the frontier; an operation
 * returning at the instant another is called counts as concurrent with it): a scan over the
 * operations by call time, from the first one not placed, up to the frontier.
 *
 * A configuration is (returned operations placed, pool writes used, value). Operations are
 * numbered by call time; the placed set is stored as "all required ones below `low`, plus
 * these" (the extras are few: they were all called before the frontier), with the placed
 * optional operations as a bit mask. Memo record, int32 words:
 *
 *   [low, value, optionalMask, extrasCount, usedCount, extras…, used…]
 *
 * hashed by Zobrist keys (two 32-bit ones per operation, updated in O(1) per step) mixed with
 * the value. The search is resumable: `run(steps)` returns 'paused' when its steps run out,
 * so a caller can watch the clock, report progress, or work on other keys in between.
 */
import { ABSENT, CODE_DELETE, CODE_GET, CODE_PUT, CODE_READ, CODE_SWAP, type KeyOps, UNKNOWN } from './kv-model';
import { ConfigMemo, type MemoBudget } from './memo';
import { sortIndicesBy } from './sort-indices';

export type SearchStatus = 'linearizable' | 'not-linearizable' | 'paused' | 'memo-full';

export interface SearchOptions {
  budget: MemoBudget;
  /** Representative of each value id (see mergeUnreadValues); identity if absent. */
  valueMap?: Int32Array;
  /** Remember the longest legal order found (copies it at each new record; for small witnesses). */
  trackDeepest?: boolean;
}

/** The longest legal order found: operations in order, writes that never returned included. */
export interface DeepestOrder {
  /** Indices into the operations the search was given. */
  order: number[];
  /** The value after the order. */
  value: number;
  startValue: number;
}

const K_PUT = 0;
const K_SWAP = 1;
const K_READ = 2;
const K_DELETE = 3;

/** Operations (not in the pool) that need not be placed: at most this many, one mask bit each. */
export const MAX_OPTIONAL = 30;

const HEADER = 5;
const MODE_START = 0;
const MODE_FORCED = 1;
const MODE_SCAN = 2;
const MODE_BACKTRACK = 3;

export class RegisterSearch {
  // The operations that are not in the pool, by call time.
  private readonly n: number;
  /** Index (into the input) of each operation of the list, and of the pool. */
  private readonly listIndex: Int32Array;
  private readonly poolIndex: Int32Array;
  private readonly kind: Int8Array;
  private readonly arg: Int32Array;
  private readonly out: Int32Array;
  private readonly required: Uint8Array;
  private readonly optBit: Int32Array;
  private readonly callTime: Float64Array;
  private readonly retTime: Float64Array;
  private readonly reqBelow: Int32Array;
  private readonly totalRequired: number;
  /** Optional operations (by index), for where a scan starts. */
  private readonly optionals: Int32Array;
  // Required operations by return time, each one's position there, and the first position
  // not known to be placed (everything before it is placed): the frontier, found in O(1)
  // amortised.
  private readonly byRet: Int32Array;
  private readonly retPos: Int32Array;
  private rp = 0;
  /** Return time of byRet[rp] (Infinity when every required operation is placed). */
  private frontier = Infinity;
  // The pool of writes that never returned, grouped by value (class), each class by call time.
  private readonly poolCall: Float64Array;
  private readonly classValue: Int32Array;
  private readonly classStart: Int32Array;
  private readonly classMembers: Int32Array;
  private readonly classOfValue: Int32Array;
  private readonly nonAbsentClasses: Int32Array;
  private readonly absentClass: number;
  // The configuration.
  private readonly placed: Uint8Array;
  private readonly used: Uint8Array;
  private readonly usedList: Int32Array;
  private readonly usedAt: Int32Array;
  private usedCount = 0;
  private low = 0;
  private placedRequired = 0;
  private optMask = 0;
  private hA = 0;
  private hB = 0;
  private value = ABSENT;
  // The stack of choices: operation, pool write used (or -1), alternative, value before, forced.
  private readonly frameOp: Int32Array;
  private readonly frameJoker: Int32Array;
  private readonly frameAlt: Int32Array;
  private readonly frameValue: Int32Array;
  private readonly frameForced: Uint8Array;
  private sp = 0;
  // Where the search stands (so it can pause and resume).
  private mode = MODE_START;
  /** The operation the scan is at. */
  private entry = 0;
  private alt = -1;
  private chosenJoker = -1;
  private chosenAlt = -1;
  private readonly starts: number[];
  private startIndex = 0;
  private startValue = ABSENT;
  private status: SearchStatus = 'paused';
  private readonly memo: ConfigMemo;
  private readonly sameRecord: (arena: Int32Array, at: number) => boolean;
  private readonly writeRecord: (arena: Int32Array, at: number) => void;
  private readonly trackDeepest: boolean;
  private deepestLength = -1;
  private deepestOps: Int32Array = new Int32Array(0);
  private deepestJokers: Int32Array = new Int32Array(0);
  private deepestValue = ABSENT;
  private deepestStart = ABSENT;
  /** Steps taken so far (one per operation considered). */
  steps = 0;
  /** Most returned operations placed at once so far, and the frontier then (where the search got stuck). */
  maxPlaced = 0;
  frontierAtMax = Infinity;

  constructor(ops: KeyOps, startValues: readonly number[], options: SearchOptions) {
    const map = options.valueMap;
    // Preparation is split in small functions: each is compiled (optimised) on its own, soon.
    const enc = encodeOps(ops, map);
    const n = enc.n;
    const pool = enc.poolIndex;
    this.n = n;
    this.listIndex = enc.listIndex;
    this.poolIndex = pool;
    this.kind = enc.kind;
    this.arg = enc.arg;
    this.out = enc.out;
    this.required = enc.required;
    this.optBit = enc.optBit;
    this.callTime = enc.callTime;
    this.retTime = enc.retTime;
    this.reqBelow = enc.reqBelow;
    this.totalRequired = enc.reqBelow[n]!;
    while (this.low < n && this.required[this.low] === 0) this.low++;
    this.optionals = enc.optionals;
    const r = byReturn(n, enc.returning, enc.returnTimes);
    this.byRet = r.byRet;
    this.retPos = r.retPos;
    this.frontier = r.byRet.length > 0 ? this.retTime[r.byRet[0]!]! : Infinity;

    const k = pool.length;
    let maxValue = enc.maxValue;
    for (let i = 0; i < startValues.length; i++) maxValue = Math.max(maxValue, representative(map, startValues[i]!));
    const g = groupPool(ops, pool, map, maxValue);
    this.poolCall = g.poolCall;
    this.classOfValue = g.classOfValue;
    this.classValue = g.classValue;
    this.classStart = g.classStart;
    this.classMembers = g.classMembers;
    this.nonAbsentClasses = g.nonAbsentClasses;
    this.absentClass = g.classOfValue[ABSENT]!;


    this.placed = new Uint8Array(n);
    this.used = new Uint8Array(k);
    this.usedList = new Int32Array(k);
    this.usedAt = new Int32Array(k);
    this.frameOp = new Int32Array(n + 1);
    this.frameJoker = new Int32Array(n + 1);
    this.frameAlt = new Int32Array(n + 1);
    this.frameValue = new Int32Array(n + 1);
    this.frameForced = new Uint8Array(n + 1);
    this.starts = [...new Set(startValues.map((v) => representative(map, v)))];
    this.memo = new ConfigMemo(options.budget);
    this.trackDeepest = options.trackDeepest === true;
    this.sameRecord = (arena, at) => this.matches(arena, at);
    this.writeRecord = (arena, at) => this.write(arena, at);
  }

  /** Operations that must be placed (they returned and are not optional). */
  get requiredCount(): number {
    return this.totalRequired;
  }

  get placedCount(): number {
    return this.placedRequired;
  }

  get memoEntries(): number {
    return this.memo.entries;
  }

  get memoBytes(): number {
    return this.memo.bytes;
  }

  get result(): SearchStatus {
    return this.status;
  }

  /** The memo's bytes go back to the budget; call once the search is finished with. */
  dispose(): void {
    this.memo.dispose();
  }

  /** The longest legal order found (with trackDeepest). */
  deepest(): DeepestOrder | undefined {
    if (this.deepestLength < 0) return undefined;
    const order: number[] = [];
    for (let f = 0; f < this.deepestLength; f++) {
      const j = this.deepestJokers[f]!;
      if (j >= 0) order.push(this.poolIndex[j]!);
      order.push(this.listIndex[this.deepestOps[f]!]!);
    }
    return { order, value: this.deepestValue, startValue: this.deepestStart };
  }

  /** Search for at most `maxSteps` steps; 'paused' if undecided by then. */
  run(maxSteps: number): SearchStatus {
    let steps = 0;
    while (this.status === 'paused' && steps < maxSteps) {
      steps++;
      switch (this.mode) {
        case MODE_FORCED:
          this.forcedStep();
          break;
        case MODE_SCAN:
          this.scanStep();
          break;
        case MODE_BACKTRACK:
          this.backtrackStep();
          break;
        default:
          this.startStep();
      }
    }
    this.steps += steps;
    return this.status;
  }

  /** Look at the next candidate for a read that is legal now; placed at once if so. */
  private forcedStep(): void {
    const placed = this.placed;
    const n = this.n;
    let e = this.entry;
    while (e < n && placed[e] === 1) e++;
    if (e >= n || this.callTime[e]! > this.frontier) {
      this.mode = MODE_SCAN;
      this.entry = this.scanStart();
      this.alt = -1;
      return;
    }
    if (this.kind[e] === K_READ && this.out[e] === this.value) {
      this.entry = e;
      this.place(e, -1, -1, this.value, 1);
    } else {
      this.entry = e + 1;
    }
  }

  /** Try the next candidate, or its next alternative: directly, or after a pool write. */
  private scanStep(): void {
    let e = this.entry;
    if (this.alt === -1) {
      const placed = this.placed;
      while (e < this.n && placed[e] === 1) e++;
      this.entry = e;
    }
    if (e >= this.n || this.callTime[e]! > this.frontier) {
      this.mode = MODE_BACKTRACK;
      return;
    }
    if (this.alt === -1) {
      const after = step(this.kind[e]!, this.arg[e]!, this.out[e]!, this.value);
      if (after >= 0) {
        this.place(e, -1, -1, after, 0);
        return;
      }
      this.alt = 0;
    }
    // Illegal as things stand: a pool write just before it may make it legal.
    const c = this.jokerFor(e, this.value, this.alt, this.frontier);
    if (c < 0) {
      this.entry = e + 1;
      this.alt = -1;
      return;
    }
    this.alt = this.chosenAlt;
    this.place(e, this.chosenJoker, this.alt, step(this.kind[e]!, this.arg[e]!, this.out[e]!, this.classValue[c]!), 0);
  }

  /**
   * Place operation i (after pool write `joker` if >= 0), leaving value `after`; unless that
   * configuration is known to fail: then the scan moves on (after a forced step, it backtracks).
   */
  private place(i: number, joker: number, alt: number, after: number, forced: number): void {
    const f = this.sp++;
    this.frameOp[f] = i;
    this.frameJoker[f] = joker;
    this.frameAlt[f] = alt;
    this.frameValue[f] = this.value;
    this.frameForced[f] = forced;
    this.mark(i, joker);
    this.value = after;
    if (this.failedBefore()) {
      this.sp--;
      this.unmark(i, joker);
      this.value = this.frameValue[f]!;
      if (forced === 1) this.mode = MODE_BACKTRACK;
      else if (alt === -1) this.entry = i + 1;
      else this.alt++;
      return;
    }
    if (this.placedRequired > this.maxPlaced) {
      this.maxPlaced = this.placedRequired;
      this.frontierAtMax = this.frontier;
    }
    if (this.trackDeepest) this.noteDeepest();
    if (this.placedRequired === this.totalRequired) {
      this.status = 'linearizable';
      return;
    }
    this.entry = this.scanStart();
    this.mode = MODE_FORCED;
  }

  /** The current configuration fails: remember it, then undo the last step. */
  private backtrackStep(): void {
    if (!this.rememberFailed()) {
      this.status = 'memo-full';
      return;
    }
    if (this.sp === 0) {
      this.mode = MODE_START;
      return;
    }
    const f = --this.sp;
    const i = this.frameOp[f]!;
    this.unmark(i, this.frameJoker[f]!);
    this.value = this.frameValue[f]!;
    // After a forced step fails, so does the configuration before it: keep undoing.
    if (this.frameForced[f] === 1) return;
    this.mode = MODE_SCAN;
    const alt = this.frameAlt[f]!;
    if (alt === -1) {
      // It was legal directly, so no pool write could do better: next candidate.
      this.entry = i + 1;
      this.alt = -1;
    } else {
      this.entry = i;
      this.alt = alt + 1;
    }
  }

  /** Begin from the next start value, if any. */
  private startStep(): void {
    if (this.startIndex >= this.starts.length) {
      this.status = 'not-linearizable';
      return;
    }
    this.value = this.starts[this.startIndex++]!;
    this.startValue = this.value;
    if (this.failedBefore()) return;
    if (this.trackDeepest) this.noteDeepest();
    if (this.placedRequired === this.totalRequired) {
      this.status = 'linearizable';
      return;
    }
    this.entry = this.scanStart();
    this.mode = MODE_FORCED;
  }

  private mark(i: number, joker: number): void {
    this.placed[i] = 1;
    this.hA ^= zobristA(i);
    this.hB ^= zobristB(i);
    if (this.required[i] === 1) {
      this.placedRequired++;
      if (i === this.low) {
        const placed = this.placed;
        const required = this.required;
        let l = i + 1;
        while (l < this.n && (placed[l] === 1 || required[l] === 0)) l++;
        this.low = l;
      }
      const byRet = this.byRet;
      let rp = this.rp;
      while (rp < byRet.length && this.placed[byRet[rp]!] === 1) rp++;
      this.rp = rp;
      this.frontier = rp < byRet.length ? this.retTime[byRet[rp]!]! : Infinity;
    } else {
      this.optMask |= this.optBit[i]!;
    }
    if (joker >= 0) {
      this.used[joker] = 1;
      this.usedAt[joker] = this.usedCount;
      this.usedList[this.usedCount++] = joker;
      this.hA ^= zobristA(~joker);
      this.hB ^= zobristB(~joker);
    }
  }

  private unmark(i: number, joker: number): void {
    this.placed[i] = 0;
    this.hA ^= zobristA(i);
    this.hB ^= zobristB(i);
    if (this.required[i] === 1) {
      this.placedRequired--;
      if (i < this.low) this.low = i;
      const p = this.retPos[i]!;
      if (p < this.rp) {
        this.rp = p;
        this.frontier = this.retTime[i]!;
      }
    } else {
      this.optMask &= ~this.optBit[i]!;
    }
    if (joker >= 0) {
      this.used[joker] = 0;
      const at = this.usedAt[joker]!;
      const last = this.usedList[--this.usedCount]!;
      this.usedList[at] = last;
      this.usedAt[last] = at;
      this.hA ^= zobristA(~joker);
      this.hB ^= zobristB(~joker);
    }
  }

  /** Where a scan of the candidates starts: the first operation not placed, optional ones included. */
  private scanStart(): number {
    let start = this.low;
    for (let x = 0; x < this.optionals.length; x++) {
      const i = this.optionals[x]!;
      if (i < start && this.placed[i] === 0) start = i;
    }
    return start;
  }

  /**
   * A pool write that makes operation i legal when the key holds `value`, trying its
   * alternatives (classes) from `alt` on: the class, or -1 if none is left; the write and the
   * alternative chosen are left in chosenJoker and chosenAlt.
   */
  private jokerFor(i: number, value: number, alt: number, frontier: number): number {
    const k = this.kind[i]!;
    const o = this.out[i]!;
    let classes: Int32Array | undefined;
    let only = -1;
    if (k === K_READ || k === K_SWAP) only = o < this.classOfValue.length ? this.classOfValue[o]! : -1;
    else if (o === 1 && value === ABSENT) classes = this.nonAbsentClasses;
    else if (o === 0 && value !== ABSENT) only = this.absentClass;
    const count = classes === undefined ? (only >= 0 ? 1 : 0) : classes.length;
    for (; alt < count; alt++) {
      const c = classes === undefined ? only : classes[alt]!;
      const joker = this.pickJoker(c, frontier);
      if (joker >= 0) {
        this.chosenJoker = joker;
        this.chosenAlt = alt;
        return c;
      }
    }
    return -1;
  }

  /** The latest-called unused pool write of class `c` called by `frontier`, or -1. */
  private pickJoker(c: number, frontier: number): number {
    const start = this.classStart[c]!;
    let m = this.classStart[c + 1]! - 1;
    const members = this.classMembers;
    while (m >= start && this.poolCall[members[m]!]! > frontier) m--;
    while (m >= start && this.used[members[m]!] === 1) m--;
    return m >= start ? members[m]! : -1;
  }

  private extrasCount(): number {
    return this.placedRequired - this.reqBelow[this.low]!;
  }

  private hashA(): number {
    return this.hA ^ Math.imul(this.value + 0x632be5ab, 0x85ebca6b);
  }

  private hashB(): number {
    const v = this.value;
    return this.hB ^ Math.imul(v ^ 0x5bd1e995, 0xc2b2ae35) ^ (v >>> 7);
  }

  /** Is the current configuration known to fail? (Cheap while the memo is empty.) */
  private failedBefore(): boolean {
    return this.memo.entries > 0 && this.memo.has(this.hashA(), this.hashB(), this.sameRecord);
  }

  /**
   * Remember that the current configuration fails. Only failures are kept: a configuration
   * on the current path cannot come back (placed sets only grow along it), and one that
   * succeeds ends the search; so a history that needs no backtracking costs no memo at all.
   */
  private rememberFailed(): boolean {
    return this.memo.add(this.hashA(), this.hashB(), HEADER + this.extrasCount() + this.usedCount, this.writeRecord);
  }

  private matches(arena: Int32Array, at: number): boolean {
    if (arena[at] !== this.low || arena[at + 1] !== this.value || arena[at + 2] !== this.optMask) return false;
    const extras = arena[at + 3]!;
    const usedCount = arena[at + 4]!;
    if (extras !== this.extrasCount() || usedCount !== this.usedCount) return false;
    let p = at + HEADER;
    for (let x = 0; x < extras; x++) if (this.placed[arena[p++]!] !== 1) return false;
    for (let x = 0; x < usedCount; x++) if (this.used[arena[p++]!] !== 1) return false;
    return true;
  }

  private write(arena: Int32Array, at: number): void {
    const extras = this.extrasCount();
    arena[at] = this.low;
    arena[at + 1] = this.value;
    arena[at + 2] = this.optMask;
    arena[at + 3] = extras;
    arena[at + 4] = this.usedCount;
    let p = at + HEADER;
    for (let j = this.low + 1, found = 0; found < extras; j++) {
      if (this.placed[j] === 1 && this.required[j] === 1) {
        arena[p++] = j;
        found++;
      }
    }
    for (let x = 0; x < this.usedCount; x++) arena[p++] = this.usedList[x]!;
  }

  private noteDeepest(): void {
    if (!this.trackDeepest || this.sp <= this.deepestLength) return;
    this.deepestLength = this.sp;
    this.deepestOps = this.frameOp.slice(0, this.sp);
    this.deepestJokers = this.frameJoker.slice(0, this.sp);
    this.deepestValue = this.value;
    this.deepestStart = this.startValue;
  }
}

function representative(map: Int32Array | undefined, v: number): number {
  return map === undefined || v >= map.length ? v : map[v]!;
}

interface EncodedOps {
  /** Operations that are not in the pool, by call time: their index in the input, and their fields. */
  n: number;
  listIndex: Int32Array;
  kind: Int8Array;
  arg: Int32Array;
  out: Int32Array;
  required: Uint8Array;
  optBit: Int32Array;
  callTime: Float64Array;
  retTime: Float64Array;
  /** reqBelow[i]: required operations among the first i. */
  reqBelow: Int32Array;
  maxValue: number;
  /** Writes that never returned (the pool), by call time: their index in the input. */
  poolIndex: Int32Array;
  /** The optional operations of the list (list positions). */
  optionals: Int32Array;
  /** The required operations (list positions) and their return times, in call order. */
  returning: Int32Array;
  returnTimes: Float64Array;
}

/**
 * Sort the operations by call and sort them out in one pass: writes that never returned go
 * to the pool, optional reads are dropped (they constrain nothing), the rest make the list.
 */
function encodeOps(ops: KeyOps, map: Int32Array | undefined): EncodedOps {
  const total = ops.length;
  const order = sortIndicesBy(ops.call.subarray(0, total));
  // Columns as locals, the value map applied inline: this runs once per key, mostly before
  // the code is optimised, so every property load and call per operation counts.
  const listIndex = new Int32Array(total);
  const kind = new Int8Array(total);
  const argOf = new Int32Array(total);
  const outOf = new Int32Array(total);
  const required = new Uint8Array(total);
  const optBit = new Int32Array(total);
  const callTime = new Float64Array(total);
  const retTime = new Float64Array(total);
  const reqBelow = new Int32Array(total + 1);
  const returningAt = new Int32Array(total);
  const returnTimes = new Float64Array(total);
  const pool = new Int32Array(total);
  const mapped = map === undefined ? 0 : map.length;
  const codes = ops.code;
  const outs = ops.out;
  const args = ops.arg;
  const rets = ops.ret;
  const calls = ops.call;
  const optional = ops.optional;
  const optionalAt: number[] = [];
  let returning = 0;
  let k = 0;
  let n = 0;
  let below = 0;
  let maxValue = ABSENT;
  for (let o = 0; o < total; o++) {
    const x = order[o]!;
    const c = codes[x]!;
    const read = c === CODE_GET || c === CODE_READ;
    const ret = rets[x]!;
    let out = outs[x]!;
    if (out === UNKNOWN) {
      if (!read) pool[k++] = x;
      continue;
    }
    const req = optional[x] !== 1 && ret !== Infinity;
    if (!req && read) continue;
    const i = n++;
    const kd = c === CODE_PUT ? K_PUT : c === CODE_SWAP ? K_SWAP : c === CODE_DELETE ? K_DELETE : K_READ;
    let arg = ABSENT;
    if (kd === K_PUT || kd === K_SWAP) {
      arg = args[x]!;
      if (arg < mapped) arg = map![arg]!;
      if (arg > maxValue) maxValue = arg;
    }
    if (kd === K_SWAP || kd === K_READ) {
      if (out < mapped) out = map![out]!;
      if (out > maxValue) maxValue = out;
    }
    listIndex[i] = x;
    kind[i] = kd;
    argOf[i] = arg;
    outOf[i] = out;
    callTime[i] = calls[x]!;
    retTime[i] = ret;
    if (req) {
      required[i] = 1;
      below++;
      returningAt[returning] = i;
      returnTimes[returning++] = ret;
    } else {
      if (optionalAt.length === MAX_OPTIONAL) throw new Error(`at most ${MAX_OPTIONAL} optional operations that returned`);
      optBit[i] = 1 << optionalAt.length;
      optionalAt.push(i);
    }
    reqBelow[i + 1] = below;
  }
  return {
    n,
    listIndex,
    kind,
    arg: argOf,
    out: outOf,
    required,
    optBit,
    callTime,
    retTime,
    reqBelow,
    maxValue,
    poolIndex: pool.slice(0, k),
    optionals: Int32Array.from(optionalAt),
    returning: returningAt.subarray(0, returning),
    returnTimes: returnTimes.subarray(0, returning),
  };
}

/** The required operations by return time, and each one's position in that order. */
function byReturn(n: number, returning: Int32Array, returnTimes: Float64Array): { byRet: Int32Array; retPos: Int32Array } {
  const count = returning.length;
  const order = sortIndicesBy(returnTimes);
  const byRet = new Int32Array(count);
  const retPos = new Int32Array(n);
  for (let r = 0; r < count; r++) {
    const i = returning[order[r]!]!;
    byRet[r] = i;
    retPos[i] = r;
  }
  return { byRet, retPos };
}

interface PoolClasses {
  poolCall: Float64Array;
  classOfValue: Int32Array;
  classValue: Int32Array;
  classStart: Int32Array;
  classMembers: Int32Array;
  nonAbsentClasses: Int32Array;
}

/** Group the pool by the value each write leaves; members of a class stay in call order. */
function groupPool(ops: KeyOps, pool: Int32Array, map: Int32Array | undefined, maxValue: number): PoolClasses {
  const k = pool.length;
  const poolCall = new Float64Array(k);
  const poolValue = new Int32Array(k);
  for (let j = 0; j < k; j++) {
    const x = pool[j]!;
    poolCall[j] = ops.call[x]!;
    poolValue[j] = ops.code[x] === CODE_DELETE ? ABSENT : representative(map, ops.arg[x]!);
    if (poolValue[j]! > maxValue) maxValue = poolValue[j]!;
  }
  const classOfValue = new Int32Array(maxValue + 1).fill(-1);
  const values: number[] = [];
  for (let j = 0; j < k; j++) {
    const v = poolValue[j]!;
    if (classOfValue[v] === -1) {
      classOfValue[v] = values.length;
      values.push(v);
    }
  }
  const classes = values.length;
  const classStart = new Int32Array(classes + 1);
  for (let j = 0; j < k; j++) classStart[classOfValue[poolValue[j]!]! + 1]!++;
  for (let c = 0; c < classes; c++) classStart[c + 1]! += classStart[c]!;
  const fill = classStart.slice(0, classes);
  const classMembers = new Int32Array(k);
  for (let j = 0; j < k; j++) classMembers[fill[classOfValue[poolValue[j]!]!]!++] = j;
  const nonAbsent: number[] = [];
  for (let c = 0; c < classes; c++) if (values[c] !== ABSENT) nonAbsent.push(c);
  return { poolCall, classOfValue, classValue: Int32Array.from(values), classStart, classMembers, nonAbsentClasses: Int32Array.from(nonAbsent) };
}

/**
 * Zobrist keys of operation i (pool write j: ~j), two independent 32-bit ones: the
 * configuration's hashes are the XOR of those of what is placed, updated in O(1) per step.
 * Computed (a multiply-xorshift finaliser) rather than stored, so a search needs no table.
 */
function zobristA(i: number): number {
  let z = Math.imul(i ^ 0x2545f491, 0x9e3779b1);
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}

function zobristB(i: number): number {
  let z = Math.imul(i ^ 0x68e31da4, 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  z = Math.imul(z ^ (z >>> 16), 0x1b873593);
  return z ^ (z >>> 15);
}

/** The value after an operation of kind `k` in value `s`, or -1 if illegal (results are known). */
function step(k: number, arg: number, out: number, s: number): number {
  switch (k) {
    case K_PUT:
      return (out === 1) === (s !== ABSENT) ? arg : -1;
    case K_SWAP:
      return out === s ? arg : -1;
    case K_READ:
      return out === s ? s : -1;
    default:
      return (out === 1) === (s !== ABSENT) ? ABSENT : -1;
  }
}
