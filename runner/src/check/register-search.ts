/**
 * Is one key's history linearizable? Wing & Gong's search with Lowe's memo, as Porcupine runs
 * it (one depth-first search over the key's whole history, a memo of configurations already
 * explored), specialised to a register, which allows three exact reductions:
 *
 * - Reads first. A read that is legal now (the key holds the value it returned) is placed at
 *   once, as a forced step: it changes nothing and only lifts a constraint, so if any order
 *   completes from here, one with that read placed now completes too. When the configuration
 *   after a forced step fails, the one before it fails as well, with no other branch to try.
 * - Writes that never returned are placed lazily. They are kept out of the event list, in a
 *   pool. In a legal order such a write is either followed, before anything observes the key,
 *   by another write of the pool (or by nothing), and can be dropped; or it comes right
 *   before the returned operation that observes its value. So the search places one only
 *   right before a returned operation that is illegal without it and legal with it.
 * - Pool writes with the same effect are interchangeable but for their call time: a write can
 *   be placed once every operation that returned before its call is placed. The search always
 *   uses the latest-called one of a value that is available, keeping earlier ones, available
 *   in every configuration where the later ones are, for later.
 *
 * Values no operation reads may be merged beforehand (kv-model's mergeUnreadValues).
 *
 * A configuration is (returned operations placed, pool writes used, value). Operations are
 * numbered by call time; the placed set is stored as "all required ones below `low`, plus
 * these" (the extras are few: they were all called before the earliest pending return), with
 * the placed optional operations as a bit mask. Memo record, int32 words:
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
  // Operations of the event list, by call time.
  private readonly n: number;
  /** Index (into the input) of each operation of the list, and of the pool. */
  private readonly listIndex: Int32Array;
  private readonly poolIndex: Int32Array;
  private readonly kind: Int8Array;
  private readonly arg: Int32Array;
  private readonly out: Int32Array;
  private readonly required: Uint8Array;
  private readonly optBit: Int32Array;
  private readonly retTime: Float64Array;
  private readonly reqBelow: Int32Array;
  private readonly totalRequired: number;
  // Events: call of op i is 2i, return 2i+1; head is 2n. Doubly linked in time order.
  private readonly head: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  // The pool of writes that never returned, grouped by value (class), each class by call time.
  private readonly poolCall: Float64Array;
  private readonly classValue: Int32Array;
  private readonly classStart: Int32Array;
  private readonly classMembers: Int32Array;
  private readonly classOfValue: Int32Array;
  private readonly nonAbsentClasses: Int32Array;
  private readonly absentClass: number;
  // Zobrist keys.
  private readonly zA: Int32Array;
  private readonly zB: Int32Array;
  private readonly poolZA: Int32Array;
  private readonly poolZB: Int32Array;
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
  private entry = -1;
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
  /** Most returned operations placed at once so far. */
  maxPlaced = 0;

  constructor(ops: KeyOps, startValues: readonly number[], options: SearchOptions) {
    const map = options.valueMap;
    // Preparation is split in small functions: each is compiled (optimised) on its own, soon.
    const { list, pool } = splitListAndPool(ops);
    const n = list.length;
    const enc = encodeOps(ops, list, map);
    this.n = n;
    this.listIndex = list;
    this.poolIndex = pool;
    this.kind = enc.kind;
    this.arg = enc.arg;
    this.out = enc.out;
    this.required = enc.required;
    this.optBit = enc.optBit;
    this.retTime = enc.retTime;
    this.reqBelow = enc.reqBelow;
    this.totalRequired = enc.reqBelow[n]!;
    while (this.low < n && this.required[this.low] === 0) this.low++;
    this.head = 2 * n;
    this.next = new Int32Array(2 * n + 1);
    this.prev = new Int32Array(2 * n + 1);
    linkEvents(enc.callTime, enc.required, enc.retTime, this.next, this.prev);

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

    this.zA = zobristKeys(n, 0x2545f491);
    this.zB = zobristKeys(n, 0x68e31da4);
    this.poolZA = zobristKeys(k, 0x1b873593);
    this.poolZB = zobristKeys(k, 0x7feb352d);

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
    if (this.status !== 'paused') return this.status;
    // The configuration lives in locals while the loop runs, and everything on the common
    // path is written out inline: before the code is optimised (most of a small check), field
    // loads and calls are what the loop spends its time on. `store` writes the locals back
    // before the memo (which reads the fields) is consulted, and when the search pauses or ends.
    const next = this.next;
    const prev = this.prev;
    const kind = this.kind;
    const out = this.out;
    const arg = this.arg;
    const required = this.required;
    const placed = this.placed;
    const optBit = this.optBit;
    const zA = this.zA;
    const zB = this.zB;
    const frameOp = this.frameOp;
    const frameJoker = this.frameJoker;
    const frameAlt = this.frameAlt;
    const frameValue = this.frameValue;
    const frameForced = this.frameForced;
    const head = this.head;
    const n = this.n;
    const total = this.totalRequired;
    const memo = this.memo;
    const trackDeepest = this.trackDeepest;
    let mode = this.mode;
    let entry = this.entry;
    let alt = this.alt;
    let value = this.value;
    let sp = this.sp;
    let low = this.low;
    let placedRequired = this.placedRequired;
    let optMask = this.optMask;
    let hA = this.hA;
    let hB = this.hB;
    let maxPlaced = this.maxPlaced;
    let frontier = 0;
    let frontierValid = false;
    let steps = 0;
    let status: SearchStatus = 'paused';
    for (;;) {
      if (steps >= maxSteps) break;
      steps++;
      let pi = -1;
      let pj = -1;
      let palt = -1;
      let pafter = 0;
      let pforced = 0;
      if (mode === MODE_FORCED) {
        // Look through the candidates for a read that is legal now.
        if (entry === -1 || (entry & 1) === 1) {
          mode = MODE_SCAN;
          entry = next[head]!;
          alt = -1;
          continue;
        }
        const i = entry >> 1;
        if (kind[i] !== K_READ || out[i] !== value) {
          entry = next[entry]!;
          continue;
        }
        pi = i;
        pafter = value;
        pforced = 1;
      } else if (mode === MODE_SCAN) {
        // Try the candidates in turn, each directly or after a pool write.
        if (entry === -1 || (entry & 1) === 1) {
          mode = MODE_BACKTRACK;
          continue;
        }
        const i = entry >> 1;
        if (alt === -1) {
          const after = step(kind[i]!, arg[i]!, out[i]!, value);
          if (after >= 0) {
            pi = i;
            pafter = after;
          } else {
            alt = 0;
          }
        }
        if (pi < 0) {
          // Illegal as things stand: a pool write just before it may make it legal.
          if (!frontierValid) {
            let x = next[head]!;
            while (x !== -1 && (x & 1) === 0) x = next[x]!;
            frontier = x === -1 ? Infinity : this.retTime[x >> 1]!;
            frontierValid = true;
          }
          const c = this.jokerFor(i, value, alt, frontier);
          if (c < 0) {
            entry = next[entry]!;
            alt = -1;
            continue;
          }
          alt = this.chosenAlt;
          pi = i;
          pj = this.chosenJoker;
          palt = alt;
          pafter = step(kind[i]!, arg[i]!, out[i]!, this.classValue[c]!);
        }
      } else if (mode === MODE_BACKTRACK) {
        // The current configuration fails: remember it, then undo the last step.
        this.store(low, value, optMask, hA, hB, placedRequired, sp);
        if (!this.rememberFailed()) {
          status = 'memo-full';
          break;
        }
        if (sp === 0) {
          mode = MODE_START;
          continue;
        }
        const f = --sp;
        const i = frameOp[f]!;
        const j = frameJoker[f]!;
        const c = 2 * i;
        if (required[i] === 1) {
          next[prev[c + 1]!] = c + 1;
          if (next[c + 1] !== -1) prev[next[c + 1]!] = c + 1;
        }
        next[prev[c]!] = c;
        if (next[c] !== -1) prev[next[c]!] = c;
        placed[i] = 0;
        hA ^= zA[i]!;
        hB ^= zB[i]!;
        if (required[i] === 1) {
          placedRequired--;
          if (i < low) low = i;
        } else {
          optMask &= ~optBit[i]!;
        }
        if (j >= 0) {
          this.releaseJoker(j);
          hA ^= this.poolZA[j]!;
          hB ^= this.poolZB[j]!;
        }
        value = frameValue[f]!;
        frontierValid = false;
        // After a forced step fails, so does the configuration before it: keep undoing.
        if (frameForced[f] === 1) continue;
        mode = MODE_SCAN;
        if (frameAlt[f] === -1) {
          // It was legal directly, so no pool write could do better: next candidate.
          entry = next[c]!;
          alt = -1;
        } else {
          entry = c;
          alt = frameAlt[f]! + 1;
        }
        continue;
      } else {
        // MODE_START: the next start value, if any.
        if (this.startIndex >= this.starts.length) {
          status = 'not-linearizable';
          break;
        }
        value = this.starts[this.startIndex++]!;
        this.startValue = value;
        frontierValid = false;
        if (memo.entries > 0) {
          this.store(low, value, optMask, hA, hB, placedRequired, sp);
          if (this.failedBefore()) continue;
        }
        if (trackDeepest) {
          this.store(low, value, optMask, hA, hB, placedRequired, sp);
          this.noteDeepest();
        }
        if (placedRequired === total) {
          status = 'linearizable';
          break;
        }
        entry = next[head]!;
        mode = MODE_FORCED;
        continue;
      }

      // Place operation pi (after pool write pj if >= 0), leaving value pafter.
      const f = sp++;
      frameOp[f] = pi;
      frameJoker[f] = pj;
      frameAlt[f] = palt;
      frameValue[f] = value;
      frameForced[f] = pforced;
      placed[pi] = 1;
      hA ^= zA[pi]!;
      hB ^= zB[pi]!;
      const req = required[pi] === 1;
      const lowBefore = low;
      if (req) {
        placedRequired++;
        if (pi === low) {
          let l = pi + 1;
          while (l < n && (placed[l] === 1 || required[l] === 0)) l++;
          low = l;
        }
      } else {
        optMask |= optBit[pi]!;
      }
      if (pj >= 0) {
        this.useJoker(pj);
        hA ^= this.poolZA[pj]!;
        hB ^= this.poolZB[pj]!;
      }
      const valueBefore = value;
      value = pafter;
      const c = 2 * pi;
      next[prev[c]!] = next[c]!;
      if (next[c] !== -1) prev[next[c]!] = prev[c]!;
      if (req) {
        next[prev[c + 1]!] = next[c + 1]!;
        if (next[c + 1] !== -1) prev[next[c + 1]!] = prev[c + 1]!;
      }
      if (memo.entries > 0) {
        this.store(low, value, optMask, hA, hB, placedRequired, sp);
        if (this.failedBefore()) {
          // Known to fail: undo.
          sp--;
          if (req) {
            next[prev[c + 1]!] = c + 1;
            if (next[c + 1] !== -1) prev[next[c + 1]!] = c + 1;
          }
          next[prev[c]!] = c;
          if (next[c] !== -1) prev[next[c]!] = c;
          placed[pi] = 0;
          hA ^= zA[pi]!;
          hB ^= zB[pi]!;
          if (req) placedRequired--;
          else optMask &= ~optBit[pi]!;
          low = lowBefore;
          if (pj >= 0) {
            this.releaseJoker(pj);
            hA ^= this.poolZA[pj]!;
            hB ^= this.poolZB[pj]!;
          }
          value = valueBefore;
          if (pforced === 1) mode = MODE_BACKTRACK;
          else if (palt === -1) entry = next[entry]!;
          else alt++;
          continue;
        }
      }
      frontierValid = false;
      if (placedRequired > maxPlaced) maxPlaced = placedRequired;
      if (trackDeepest) {
        this.store(low, value, optMask, hA, hB, placedRequired, sp);
        this.noteDeepest();
      }
      if (placedRequired === total) {
        status = 'linearizable';
        break;
      }
      entry = next[head]!;
      mode = MODE_FORCED;
    }
    this.store(low, value, optMask, hA, hB, placedRequired, sp);
    this.mode = mode;
    this.entry = entry;
    this.alt = alt;
    this.maxPlaced = maxPlaced;
    this.steps += steps;
    this.status = status;
    return status;
  }

  private store(low: number, value: number, optMask: number, hA: number, hB: number, placedRequired: number, sp: number): void {
    this.low = low;
    this.value = value;
    this.optMask = optMask;
    this.hA = hA;
    this.hB = hB;
    this.placedRequired = placedRequired;
    this.sp = sp;
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

  private useJoker(j: number): void {
    this.used[j] = 1;
    this.usedAt[j] = this.usedCount;
    this.usedList[this.usedCount++] = j;
  }

  private releaseJoker(j: number): void {
    this.used[j] = 0;
    const at = this.usedAt[j]!;
    const last = this.usedList[--this.usedCount]!;
    this.usedList[at] = last;
    this.usedAt[last] = at;
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

  /** Is the current configuration known to fail? */
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

/** Indices of the operations for the event list, and of the writes that never returned (the pool), each by call time. */
function splitListAndPool(ops: KeyOps): { list: Int32Array; pool: Int32Array } {
  const list: number[] = [];
  const pool: number[] = [];
  for (let i = 0; i < ops.length; i++) {
    const c = ops.code[i]!;
    const read = c === CODE_GET || c === CODE_READ;
    if (ops.out[i] === UNKNOWN) {
      if (!read) pool.push(i);
    } else if (ops.optional[i] === 1 || ops.ret[i] === Infinity) {
      // An optional read constrains nothing: it may always be left out.
      if (!read) list.push(i);
    } else {
      list.push(i);
    }
  }
  return { list: byCall(ops, list), pool: byCall(ops, pool) };
}

function byCall(ops: KeyOps, indices: number[]): Int32Array {
  const calls = new Float64Array(indices.length);
  for (let i = 0; i < indices.length; i++) calls[i] = ops.call[indices[i]!]!;
  const order = sortIndicesBy(calls);
  const sorted = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) sorted[i] = indices[order[i]!]!;
  return sorted;
}

interface EncodedOps {
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
}

function encodeOps(ops: KeyOps, list: Int32Array, map: Int32Array | undefined): EncodedOps {
  const n = list.length;
  const e: EncodedOps = {
    kind: new Int8Array(n),
    arg: new Int32Array(n),
    out: new Int32Array(n),
    required: new Uint8Array(n),
    optBit: new Int32Array(n),
    callTime: new Float64Array(n),
    retTime: new Float64Array(n),
    reqBelow: new Int32Array(n + 1),
    maxValue: ABSENT,
  };
  let optionals = 0;
  let maxValue = ABSENT;
  for (let i = 0; i < n; i++) {
    const x = list[i]!;
    const c = ops.code[x]!;
    const k = c === CODE_PUT ? K_PUT : c === CODE_SWAP ? K_SWAP : c === CODE_DELETE ? K_DELETE : K_READ;
    e.kind[i] = k;
    const arg = k === K_PUT || k === K_SWAP ? representative(map, ops.arg[x]!) : ABSENT;
    const out = k === K_SWAP || k === K_READ ? representative(map, ops.out[x]!) : ops.out[x]!;
    e.arg[i] = arg;
    e.out[i] = out;
    if (arg > maxValue) maxValue = arg;
    if ((k === K_SWAP || k === K_READ) && out > maxValue) maxValue = out;
    const ret = ops.ret[x]!;
    const req = ops.optional[x] !== 1 && ret !== Infinity;
    e.required[i] = req ? 1 : 0;
    e.reqBelow[i + 1] = e.reqBelow[i]! + (req ? 1 : 0);
    if (!req) {
      if (optionals === MAX_OPTIONAL) throw new Error(`at most ${MAX_OPTIONAL} optional operations that returned`);
      e.optBit[i] = 1 << optionals++;
    }
    e.callTime[i] = ops.call[x]!;
    e.retTime[i] = ret;
  }
  e.maxValue = maxValue;
  return e;
}

/**
 * Link the events in time order, calls before returns at the same instant (an operation
 * returning at the instant another is called counts as concurrent with it). Calls are in
 * order already: merge them with the returns, sorted by time.
 */
function linkEvents(callTime: Float64Array, required: Uint8Array, retTime: Float64Array, next: Int32Array, prev: Int32Array): void {
  const n = callTime.length;
  let count = 0;
  for (let i = 0; i < n; i++) count += required[i]!;
  const returnTimes = new Float64Array(count);
  const returning = new Int32Array(count);
  for (let i = 0, r = 0; i < n; i++) {
    if (required[i] === 1) {
      returning[r] = i;
      returnTimes[r++] = retTime[i]!;
    }
  }
  const order = sortIndicesBy(returnTimes);
  let last = 2 * n;
  let i = 0;
  let r = 0;
  while (i < n || r < count) {
    let e: number;
    if (r === count || (i < n && callTime[i]! <= returnTimes[order[r]!]!)) e = 2 * i++;
    else e = 2 * returning[order[r++]!]! + 1;
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = -1;
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

/** Pseudo-random 32-bit keys (an LCG through a multiply-xorshift finaliser). */
function zobristKeys(count: number, seed: number): Int32Array {
  const keys = new Int32Array(count);
  let x = seed | 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) | 0;
    let z = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    keys[i] = z ^ (z >>> 16);
  }
  return keys;
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
