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
import { ConfigMemo, type MemoBudget, type MemoRecords } from './memo';
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

export class RegisterSearch implements MemoRecords {
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

  /** `encoded`: the operations already encoded with the same value map (encodeKeys), else they are encoded here. */
  constructor(ops: KeyOps, startValues: readonly number[], options: SearchOptions, encoded?: EncodedOps) {
    const map = options.valueMap;
    const enc = encoded ?? encodeKeys([{ ops, map }])[0]!;
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
    this.byRet = enc.byRet;
    this.retPos = enc.retPos;
    this.frontier = enc.byRet.length > 0 ? this.retTime[enc.byRet[0]!]! : Infinity;

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

  /**
   * Search for at most `maxSteps` steps; 'paused' if undecided by then.
   *
   * One function, the configuration in locals while it runs: V8 then compiles the search once.
   * As small methods, each was optimised on its own and again inlined into its callers, and
   * that compiling was most of the CPU time of a check of a few thousand operations. A step
   * is one candidate looked at (forced or scan), one backtrack, or one start value.
   */
  run(maxSteps: number): SearchStatus {
    if (this.status !== 'paused') return this.status;
    const n = this.n;
    const placed = this.placed;
    const required = this.required;
    const kind = this.kind;
    const argOf = this.arg;
    const outOf = this.out;
    const callTime = this.callTime;
    const retTime = this.retTime;
    const optBit = this.optBit;
    const byRet = this.byRet;
    const retPos = this.retPos;
    const nRet = byRet.length;
    const used = this.used;
    const usedAt = this.usedAt;
    const usedList = this.usedList;
    const classValue = this.classValue;
    const frameOp = this.frameOp;
    const frameJoker = this.frameJoker;
    const frameAlt = this.frameAlt;
    const frameValue = this.frameValue;
    const frameForced = this.frameForced;
    const memo = this.memo;
    const totalRequired = this.totalRequired;
    let mode = this.mode;
    let entry = this.entry;
    let alt = this.alt;
    let value = this.value;
    let sp = this.sp;
    let low = this.low;
    let rp = this.rp;
    let frontier = this.frontier;
    let placedRequired = this.placedRequired;
    let optMask = this.optMask;
    let usedCount = this.usedCount;
    let hA = this.hA;
    let hB = this.hB;
    let status: SearchStatus = 'paused';
    let steps = 0;
    // Along a forced pass seen from its start: candidates looked at, and the first one legal
    // directly with its place among them (see the end of a forced pass below).
    let passSeen = false;
    let visited = 0;
    let firstLegal = -1;
    let legalAt = 0;
    const noPool = this.poolIndex.length === 0;
    while (steps < maxSteps) {
      steps++;
      if (mode === MODE_BACKTRACK) {
        // The current configuration fails: remember it, then undo the last step (below).
        this.syncConfig(low, value, optMask, placedRequired, usedCount);
        if (!memo.add(mixA(hA, value), mixB(hB, value), HEADER + placedRequired - this.reqBelow[low]! + usedCount, this)) {
          status = 'memo-full';
          break;
        }
        if (sp === 0) {
          mode = MODE_START;
          continue;
        }
      } else {
        if (mode === MODE_START) {
          // Begin from the next start value, if any.
          if (this.startIndex >= this.starts.length) {
            status = 'not-linearizable';
            break;
          }
          value = this.starts[this.startIndex++]!;
          this.startValue = value;
        } else {
          // Choose what to place: operation i, after pool write `joker` (or -1), leaving `after`.
          let i: number;
          let joker = -1;
          let jokerAlt = -1;
          let after: number;
          let forced = 0;
          let e = entry;
          if (mode === MODE_FORCED) {
            // The next candidate, if it is a read that is legal now: placed at once.
            while (e < n && placed[e] === 1) e++;
            if (e >= n || callTime[e]! > frontier) {
              // The scan comes next, over the same candidates from the same start, nothing placed
              // in between. With no pool write to try, its outcome is known: the first candidate
              // legal directly is placed, or none is and it backtracks; its steps are counted as
              // if taken (when they fit in this call), so a search takes the same steps.
              const scanSteps = firstLegal >= 0 ? legalAt : visited + 1;
              if (!passSeen || !noPool || steps + scanSteps > maxSteps) {
                mode = MODE_SCAN;
                entry = this.scanStart(low);
                alt = -1;
                continue;
              }
              steps += scanSteps;
              passSeen = false;
              if (firstLegal < 0) {
                mode = MODE_BACKTRACK;
                continue;
              }
              mode = MODE_SCAN;
              alt = -1;
              entry = i = firstLegal;
              after = step(kind[i]!, argOf[i]!, outOf[i]!, value);
            } else if (kind[e] !== K_READ || outOf[e] !== value) {
              visited++;
              if (noPool && firstLegal < 0 && step(kind[e]!, argOf[e]!, outOf[e]!, value) >= 0) {
                firstLegal = e;
                legalAt = visited;
              }
              entry = e + 1;
              continue;
            } else {
              entry = e;
              i = e;
              after = value;
              forced = 1;
            }
          } else {
            // The next candidate, or its next alternative: directly, or after a pool write.
            if (alt === -1) {
              while (e < n && placed[e] === 1) e++;
              entry = e;
            }
            if (e >= n || callTime[e]! > frontier) {
              mode = MODE_BACKTRACK;
              continue;
            }
            i = e;
            after = alt === -1 ? step(kind[e]!, argOf[e]!, outOf[e]!, value) : -1;
            if (after < 0) {
              // Illegal as things stand: a pool write just before it may make it legal.
              if (alt === -1) alt = 0;
              const c = this.jokerFor(e, value, alt, frontier);
              if (c < 0) {
                entry = e + 1;
                alt = -1;
                continue;
              }
              alt = jokerAlt = this.chosenAlt;
              joker = this.chosenJoker;
              after = step(kind[e]!, argOf[e]!, outOf[e]!, classValue[c]!);
            }
          }
          // Place it.
          const f = sp++;
          frameOp[f] = i;
          frameJoker[f] = joker;
          frameAlt[f] = jokerAlt;
          frameValue[f] = value;
          frameForced[f] = forced;
          placed[i] = 1;
          hA ^= zobristA(i);
          hB ^= zobristB(i);
          if (required[i] === 1) {
            placedRequired++;
            if (i === low) {
              let l = i + 1;
              while (l < n && (placed[l] === 1 || required[l] === 0)) l++;
              low = l;
            }
            while (rp < nRet && placed[byRet[rp]!] === 1) rp++;
            frontier = rp < nRet ? retTime[byRet[rp]!]! : Infinity;
          } else {
            optMask |= optBit[i]!;
          }
          if (joker >= 0) {
            used[joker] = 1;
            usedAt[joker] = usedCount;
            usedList[usedCount++] = joker;
            hA ^= zobristA(~joker);
            hB ^= zobristB(~joker);
          }
          value = after;
        }
        // Go on from this configuration (at a start value, or after a step) unless it is known to fail.
        let known = false;
        if (memo.entries > 0) {
          this.syncConfig(low, value, optMask, placedRequired, usedCount);
          known = memo.has(mixA(hA, value), mixB(hB, value), this);
        }
        if (!known) {
          if (placedRequired > this.maxPlaced) {
            this.maxPlaced = placedRequired;
            this.frontierAtMax = frontier;
          }
          if (this.trackDeepest) this.noteDeepest(sp, value);
          if (placedRequired === totalRequired) {
            status = 'linearizable';
            break;
          }
          entry = this.scanStart(low);
          mode = MODE_FORCED;
          passSeen = true;
          visited = 0;
          firstLegal = -1;
          continue;
        }
        // Known to fail: a start value is passed over; a step is undone (below), as a backtrack would.
        if (mode === MODE_START) continue;
      }
      // Undo the last step. After a forced step fails, so does the configuration before it:
      // keep undoing. After a step that was legal directly no pool write could do better:
      // next candidate. After one with a pool write: its next alternative.
      const f = --sp;
      const i = frameOp[f]!;
      const joker = frameJoker[f]!;
      placed[i] = 0;
      hA ^= zobristA(i);
      hB ^= zobristB(i);
      if (required[i] === 1) {
        placedRequired--;
        if (i < low) low = i;
        const p = retPos[i]!;
        if (p < rp) {
          rp = p;
          frontier = retTime[i]!;
        }
      } else {
        optMask &= ~optBit[i]!;
      }
      if (joker >= 0) {
        used[joker] = 0;
        const at = usedAt[joker]!;
        const last = usedList[--usedCount]!;
        usedList[at] = last;
        usedAt[last] = at;
        hA ^= zobristA(~joker);
        hB ^= zobristB(~joker);
      }
      value = frameValue[f]!;
      if (frameForced[f] === 1) {
        mode = MODE_BACKTRACK;
        continue;
      }
      mode = MODE_SCAN;
      const a = frameAlt[f]!;
      if (a === -1) {
        entry = i + 1;
        alt = -1;
      } else {
        entry = i;
        alt = a + 1;
      }
    }
    this.mode = mode;
    this.entry = entry;
    this.alt = alt;
    this.sp = sp;
    this.rp = rp;
    this.frontier = frontier;
    this.hA = hA;
    this.hB = hB;
    this.syncConfig(low, value, optMask, placedRequired, usedCount);
    this.status = status;
    this.steps += steps;
    return status;
  }

  /** The configuration's fields that memo records hold, from the search's locals. */
  private syncConfig(low: number, value: number, optMask: number, placedRequired: number, usedCount: number): void {
    this.low = low;
    this.value = value;
    this.optMask = optMask;
    this.placedRequired = placedRequired;
    this.usedCount = usedCount;
  }

  /** Where a scan of the candidates starts: the first operation not placed, optional ones included. */
  private scanStart(low: number): number {
    let start = low;
    const optionals = this.optionals;
    for (let x = 0; x < optionals.length; x++) {
      const i = optionals[x]!;
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

  /**
   * Memo records (see ConfigMemo): only failures are kept. A configuration on the current
   * path cannot come back (placed sets only grow along it), and one that succeeds ends the
   * search; so a history that needs no backtracking costs no memo at all. The search itself
   * is the memo's record tester and writer: one class, so the memo's calls stay monomorphic.
   */
  matches(arena: Int32Array, at: number): boolean {
    if (arena[at] !== this.low || arena[at + 1] !== this.value || arena[at + 2] !== this.optMask) return false;
    const extras = arena[at + 3]!;
    const usedCount = arena[at + 4]!;
    if (extras !== this.extrasCount() || usedCount !== this.usedCount) return false;
    let p = at + HEADER;
    for (let x = 0; x < extras; x++) if (this.placed[arena[p++]!] !== 1) return false;
    for (let x = 0; x < usedCount; x++) if (this.used[arena[p++]!] !== 1) return false;
    return true;
  }

  write(arena: Int32Array, at: number): void {
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

  private noteDeepest(sp: number, value: number): void {
    if (!this.trackDeepest || sp <= this.deepestLength) return;
    this.deepestLength = sp;
    this.deepestOps = this.frameOp.slice(0, sp);
    this.deepestJokers = this.frameJoker.slice(0, sp);
    this.deepestValue = value;
    this.deepestStart = this.startValue;
  }
}

function representative(map: Int32Array | undefined, v: number): number {
  return map === undefined || v >= map.length ? v : map[v]!;
}

/** A key's operations as the search reads them (encodeKeys). */
export interface EncodedOps {
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
  /** The required operations by return time (list positions), and each one's position there. */
  byRet: Int32Array;
  retPos: Int32Array;
}

/**
 * Sort the operations by call and sort them out in one pass: writes that never returned go
 * to the pool, optional reads are dropped (they constrain nothing), the rest make the list;
 * then the required ones by return time.
 *
 * Shaped for V8's warm-up, which is most of the cost of a check of a few thousand operations
 * per key: what runs once per key (sorting, allocating, the result) is kept out of the one
 * loop that runs once per operation (fillEncoded), and that loop goes over every key's
 * operations in one call. V8 then optimises only that small loop, once, on the stack; with
 * the per-key work in the same function it compiled all of that too (its biggest compile
 * after the search itself), and a loop called once per key was compiled again on entry.
 */
export function encodeKeys(keys: ReadonlyArray<{ ops: KeyOps; map: Int32Array | undefined }>): EncodedOps[] {
  const work: EncodeWork[] = [];
  for (let key = 0; key < keys.length; key++) work.push(new EncodeWork(keys[key]!.ops, keys[key]!.map));
  fillEncoded(work);
  const encoded: EncodedOps[] = [];
  for (let key = 0; key < work.length; key++) encoded.push(work[key]!.finish());
  return encoded;
}

/** One key's encoding under way: its call order, the columns to fill, and what filling found. */
class EncodeWork {
  readonly ops: KeyOps;
  readonly map: Int32Array;
  readonly order: Int32Array;
  readonly listIndex: Int32Array;
  readonly kind: Int8Array;
  readonly arg: Int32Array;
  readonly out: Int32Array;
  readonly required: Uint8Array;
  readonly optBit: Int32Array;
  readonly callTime: Float64Array;
  readonly retTime: Float64Array;
  readonly reqBelow: Int32Array;
  readonly returningAt: Int32Array;
  readonly returnTimes: Float64Array;
  readonly pool: Int32Array;
  /** listPos[x]: 1 + the list position of input operation x (0: not in the list). */
  readonly listPos: Int32Array;
  readonly optionalAt = new Int32Array(MAX_OPTIONAL);
  n = 0;
  poolCount = 0;
  returning = 0;
  optionalCount = 0;
  maxValue = ABSENT;

  constructor(ops: KeyOps, map: Int32Array | undefined) {
    const total = ops.length;
    this.ops = ops;
    this.map = map ?? new Int32Array(0);
    this.order = sortIndicesBy(ops.call.subarray(0, total));
    this.listIndex = new Int32Array(total);
    this.kind = new Int8Array(total);
    this.arg = new Int32Array(total);
    this.out = new Int32Array(total);
    this.required = new Uint8Array(total);
    this.optBit = new Int32Array(total);
    this.callTime = new Float64Array(total);
    this.retTime = new Float64Array(total);
    this.reqBelow = new Int32Array(total + 1);
    this.returningAt = new Int32Array(total);
    this.returnTimes = new Float64Array(total);
    this.pool = new Int32Array(total);
    this.listPos = new Int32Array(total);
  }

  finish(): EncodedOps {
    const n = this.n;
    const returning = this.returning;
    const { byRet, retPos } = byReturn(this.listPos, this.required, this.retTime, this.returningAt.subarray(0, returning), this.returnTimes.subarray(0, returning), n);
    return {
      n,
      listIndex: this.listIndex,
      kind: this.kind,
      arg: this.arg,
      out: this.out,
      required: this.required,
      optBit: this.optBit,
      callTime: this.callTime,
      retTime: this.retTime,
      reqBelow: this.reqBelow,
      maxValue: this.maxValue,
      poolIndex: this.pool.slice(0, this.poolCount),
      optionals: this.optionalAt.slice(0, this.optionalCount),
      byRet,
      retPos,
    };
  }
}

/** The loop of encodeKeys over every operation of every key (see there). */
function fillEncoded(work: EncodeWork[]): void {
  for (let key = 0; key < work.length; key++) {
    const w = work[key]!;
    const ops = w.ops;
    const total = ops.length;
    const order = w.order;
    const map = w.map;
    const mapped = map.length;
    const codes = ops.code;
    const outs = ops.out;
    const args = ops.arg;
    const rets = ops.ret;
    const calls = ops.call;
    const optional = ops.optional;
    const listIndex = w.listIndex;
    const listPos = w.listPos;
    const kind = w.kind;
    const argOf = w.arg;
    const outOf = w.out;
    const callTime = w.callTime;
    const retTime = w.retTime;
    const required = w.required;
    const reqBelow = w.reqBelow;
    const returningAt = w.returningAt;
    const returnTimes = w.returnTimes;
    const pool = w.pool;
    const optBit = w.optBit;
    const optionalAt = w.optionalAt;
    let optionals = 0;
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
        if (arg < mapped) arg = map[arg]!;
        if (arg > maxValue) maxValue = arg;
      }
      if (kd === K_SWAP || kd === K_READ) {
        if (out < mapped) out = map[out]!;
        if (out > maxValue) maxValue = out;
      }
      listIndex[i] = x;
      listPos[x] = i + 1;
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
        if (optionals === MAX_OPTIONAL) tooManyOptional();
        optBit[i] = 1 << optionals;
        optionalAt[optionals++] = i;
      }
      reqBelow[i + 1] = below;
    }
    w.n = n;
    w.poolCount = k;
    w.returning = returning;
    w.optionalCount = optionals;
    w.maxValue = maxValue;
  }
}

function tooManyOptional(): never {
  throw new Error(`at most ${MAX_OPTIONAL} optional operations that returned`);
}

/**
 * The required operations (list positions) by return time, and each one's position in that
 * order. A history is written in return order, so in the input's order (listPos: 1 + the list
 * position of each input operation, 0 if none) they usually are by return time already: one
 * pass; else a sort of their return times (`returning`, in call order). Ties may come in either
 * order: the search reads only the earliest return among those not placed.
 * (Called once per key, after the loop over the operations: see encodeKeys.)
 */
function byReturn(listPos: Int32Array, required: Uint8Array, retTime: Float64Array, returning: Int32Array, returnTimes: Float64Array, n: number): { byRet: Int32Array; retPos: Int32Array } {
  const count = returning.length;
  const byRet = new Int32Array(count);
  let r = 0;
  for (let x = 0, last = -Infinity; x < listPos.length && r >= 0; x++) {
    const i = listPos[x]! - 1;
    if (i < 0 || required[i] === 0) continue;
    if (retTime[i]! < last) r = -1;
    else byRet[r++] = i;
    last = retTime[i]!;
  }
  if (r < 0) {
    const byTime = sortIndicesBy(returnTimes);
    for (let t = 0; t < count; t++) byRet[t] = returning[byTime[t]!]!;
  }
  const retPos = new Int32Array(n);
  for (let t = 0; t < count; t++) retPos[byRet[t]!] = t;
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

/** The configuration's hashes: the Zobrist XOR of what is placed, mixed with the value. */
function mixA(h: number, value: number): number {
  return h ^ Math.imul(value + 0x632be5ab, 0x85ebca6b);
}

function mixB(h: number, value: number): number {
  return h ^ Math.imul(value ^ 0x5bd1e995, 0xc2b2ae35) ^ (value >>> 7);
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
