/**
 * Once a key's history is known not to be linearizable: a small set of its operations that
 * cannot be ordered, and why, for a student reading a log.
 *
 * 1. The earliest return R such that the history up to R cannot be ordered: prefix(T) keeps
 *    the operations called by T, and those still in flight at T become writes that never
 *    returned (reads in flight are dropped). Any legal order of the whole history cut at T is
 *    a legal order of prefix(T), so failures only grow with T: a search finds R, galloping
 *    from where the whole search got stuck (usually R itself), then halving.
 * 2. A window: the operations of prefix(R) called from a cut on, searched from the values the
 *    key could hold at the cut. Cuts are tried from R backwards where at most a few writes are
 *    in flight; such a write may have taken effect before the cut or inside the window (it is
 *    optional there), and every write that never returned is available in the window, used
 *    before the cut or not. The window is thus looser than the history: if even it cannot be
 *    ordered, it is a genuine witness. At the very start (no cut) it is prefix(R) itself.
 * 3. Reads are removed while the window still fails (removing a read never makes a legal
 *    history illegal, so what is left still proves the failure; writes always stay), then
 *    the longest legal order found is explained.
 *
 * Every search here runs through `SearchRunner`, which may pause between steps, so a check's
 * time limit also covers this work.
 */
import { ABSENT, CODE_GET, CODE_READ, type KeyHistory, type KeyOp, KeyOps, type TimedOp, UNKNOWN, explainIllegal, isRead, mergeUnreadValues, representatives, stepValue, valueUse } from './kv-model';
import { type DeepestOrder, RegisterSearch, type SearchStatus } from './register-search';
import type { MemoBudget } from './memo';
import { sortIndicesBy } from './sort-indices';

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
  /** The failing window in the checker's own terms (absent for shape checks), so it can be re-verified. */
  witness?: Witness;
  /** The explanation's longest legal order as data (absent when the search was not explained). */
  deepest?: DeepestLinearization;
}

/** The longest legal order found for a witness, and why nothing can follow it (history indices throughout). */
export interface DeepestLinearization {
  /** The value the key held when the order starts (null = absent). */
  startValue: string | null;
  /** Operations in the order found, writes that never returned included. */
  order: number[];
  /** The value after each step of `order`. */
  valuesAfter: Array<string | null>;
  /** Operations that could come next but cannot, each with why, in words. */
  blocked: Array<{ op: number; reason: string }>;
  /** When there are several candidates: the operation whose return bounds them (they were called before it returned). */
  boundary?: number;
}

/** Runs a search to its end, pausing (yield) between slices of steps. */
export type SearchRunner = (search: RegisterSearch, stepLimit?: number) => Generator<void, SearchStatus>;

/** A failing window: operations, and the values the key could hold when it starts. */
export interface Witness {
  ops: TimedOp[];
  startValues: number[];
  /** Operations before the window (for the writers of the start values). */
  before: TimedOp[];
}

/** Writes in flight at a cut: at most this many (each may fall on either side of it). */
const MAX_OPEN_AT_CUT = 3;
/** Cuts tried before falling back to the start of the history. */
const MAX_CUTS = 8;
const SHRINK_TRIALS = 400;
const TRIAL_STEPS = 200_000;
/** Above this many operations the step-by-step explanation is skipped (it copies orders). */
const EXPLAIN_MAX_OPS = 2_000;

export function* explainFailure(
  kh: KeyHistory,
  budget: MemoBudget,
  run: SearchRunner,
  /** Where the search of the whole history got stuck: the return time R is likely near it. */
  hint: number,
  onCoarse: (coarse: () => Violation) => void,
): Generator<void, Violation> {
  const valueMap = mergeUnreadValues(kh.ops, kh.values.maxId);
  const rets = returnTimes(kh.ops);
  const search = function* (ops: KeyOps, starts: number[], map: Int32Array | undefined, limit?: number): Generator<void, SearchStatus> {
    const s = new RegisterSearch(ops, starts, { budget, valueMap: map });
    try {
      return yield* run(s, limit);
    } finally {
      s.dispose();
    }
  };
  const fails = (ops: TimedOp[], starts: number[], map: Int32Array | undefined, limit?: number): Generator<void, SearchStatus> =>
    search(KeyOps.of(ops), starts, map, limit);

  // 1. The earliest failing return: rets[hi] fails, and every return before rets[lo] passes.
  let lo = 0;
  let hi = rets.length - 1;
  const noteFailing = (): void => {
    const at = rets[hi]!;
    onCoarse(() => coarseViolation(kh, at));
  };
  noteFailing();
  let stop = false;
  // The columns of prefix(rets[hi]) once a test has built them (step 2 starts from them).
  let failing: KeyOps | undefined;
  const test = function* (index: number): Generator<void, SearchStatus> {
    const columns = prefixColumns(kh.ops, rets[index]!);
    const r = yield* search(columns, [ABSENT], valueMap);
    if (r === 'not-linearizable') {
      hi = index;
      failing = columns;
      noteFailing();
    } else if (r === 'linearizable') {
      lo = index + 1;
    } else {
      stop = true;
    }
    return r;
  };
  let h = 0;
  while (h < rets.length && rets[h]! < hint) h++;
  if (h < hi) {
    if ((yield* test(h)) === 'not-linearizable') {
      for (let step = 1; !stop && hi - step >= lo; step *= 2) if ((yield* test(hi - step)) !== 'not-linearizable') break;
    } else {
      for (let step = 1; !stop && lo + step - 1 < hi; step *= 2) if ((yield* test(lo + step - 1)) !== 'linearizable') break;
    }
  }
  while (!stop && lo < hi) yield* test((lo + hi) >> 1);
  const R = rets[hi]!;
  const prefix = byCall(failing ?? prefixColumns(kh.ops, R));

  // 2. A window.
  let witness: Witness = { ops: prefix, startValues: [ABSENT], before: [] };
  for (const j of cutsBefore(prefix, R)) {
    const before = prefix.slice(0, j);
    const cut = prefix[j]!.call;
    const values = yield* possibleValuesAt(before, cut, search);
    if (values === undefined || values.length === 0) continue;
    const window = windowFrom(prefix, j);
    const r = yield* fails(window, values, valueMap);
    if (r === 'not-linearizable') {
      witness = { ops: window, startValues: values, before };
      break;
    }
  }

  // 3. Fewer reads, then the explanation.
  let current = witness.ops;
  let candidates = current.filter((t) => isRead(t.op) && t.op.out !== UNKNOWN);
  let trials = 0;
  for (let size = Math.max(1, Math.ceil(candidates.length / 2)); trials < SHRINK_TRIALS; size = Math.floor(size / 2)) {
    for (let i = 0; i < candidates.length && trials < SHRINK_TRIALS; ) {
      const chunk = new Set(candidates.slice(i, i + size));
      const trial = current.filter((t) => !chunk.has(t));
      trials++;
      if ((yield* fails(trial, witness.startValues, valueMap, TRIAL_STEPS)) === 'not-linearizable') {
        current = trial;
        candidates = candidates.filter((t) => !chunk.has(t));
      } else {
        i += size;
      }
    }
    if (size <= 1) break;
  }
  current = dropUselessPoolWrites(current);

  const explanation: string[] = [];
  let linearization: DeepestLinearization | undefined;
  if (current.length <= EXPLAIN_MAX_OPS) {
    const search = new RegisterSearch(KeyOps.of(current), witness.startValues, { budget, trackDeepest: true });
    try {
      const r = yield* run(search, TRIAL_STEPS);
      const deepest = search.deepest();
      if (r === 'not-linearizable' && deepest !== undefined) {
        const described = describeDeepest(kh, current, { ...deepest, order: deepest.order.map((i) => current[i]!) });
        explanation.push(...described.lines);
        linearization = described.data;
      }
    } finally {
      search.dispose();
    }
  } else {
    explanation.push(`(${current.length} operations overlap here; too many to explain the search step by step)`);
  }

  const returned = current.filter((t) => t.op.out !== UNKNOWN && t.optional !== true);
  const pool = current.filter((t) => t.op.out === UNKNOWN);
  if (pool.length > 0) {
    const names = pool.map((t) => `#${t.op.source + 1}`).join(', ');
    explanation.push(
      pool.length === 1
        ? `(${names} had not returned by then: it may take effect at any point after its call, or never)`
        : `(${names} had not returned by then: each may take effect at any point after its call, or never)`,
    );
  }
  const priorWriters = witness.startValues.map((v) => lastWriterOf(witness.before, v)).filter((x): x is number => x !== undefined);
  return {
    key: kh.key,
    summary:
      returned.length === 1 && current.length === 1
        ? `an operation on key ${kh.key} cannot take effect at any point of its interval`
        : `no order of these ${current.length} operations on key ${kh.key} is legal`,
    ops: [...new Set(current.map((t) => t.op.source))].sort((a, b) => a - b),
    context: [...new Set(priorWriters)].sort((a, b) => a - b),
    priorValues: witness.startValues.map((v) => kh.values.value(v)),
    explanation,
    witness: { ops: current, startValues: witness.startValues, before: witness.before },
    ...(linearization === undefined ? {} : { deepest: linearization }),
  };
}

/** What is known as soon as a key fails, before any witness is found. */
function coarseViolation(kh: KeyHistory, ret: number): Violation {
  const blocking: number[] = [];
  for (let i = 0; i < kh.ops.length; i++) if (kh.ops.ret[i] === ret && kh.ops.out[i] !== UNKNOWN) blocking.push(kh.ops.source[i]!);
  return {
    key: kh.key,
    summary: `no legal order of the operations on key ${kh.key} up to this one exists (the search for a smaller witness was stopped)`,
    ops: [...new Set(blocking)].sort((a, b) => a - b),
    context: [],
    priorValues: [],
    explanation: [],
  };
}

/**
 * The distinct return times of the operations that returned, ascending. A history is written
 * in return order, so sortIndicesBy's near-sorted path makes this one pass in practice.
 */
function returnTimes(ops: KeyOps): Float64Array {
  const times = new Float64Array(ops.length);
  let n = 0;
  for (let i = 0; i < ops.length; i++) if (ops.out[i] !== UNKNOWN) times[n++] = ops.ret[i]!;
  const order = sortIndicesBy(times.subarray(0, n));
  const distinct = new Float64Array(n);
  let d = 0;
  for (let i = 0; i < n; i++) {
    const t = times[order[i]!]!;
    if (d === 0 || t !== distinct[d - 1]) distinct[d++] = t;
  }
  return distinct.slice(0, d);
}

/** The operations called by `at`; those not returned by then become writes that never returned (reads are dropped). */
function prefixColumns(ops: KeyOps, at: number): KeyOps {
  const out = new KeyOps(ops.length);
  for (let i = 0; i < ops.length; i++) {
    if (ops.call[i]! > at) continue;
    const code = ops.code[i]!;
    if (ops.out[i] !== UNKNOWN && ops.ret[i]! > at) {
      // In flight at `at`: a write becomes one that never returned; a read is dropped.
      if (code !== CODE_GET && code !== CODE_READ) out.push(ops.call[i]!, Infinity, code, ops.arg[i]!, UNKNOWN, ops.source[i]!, 0);
    } else {
      out.push(ops.call[i]!, ops.ret[i]!, code, ops.arg[i]!, ops.out[i]!, ops.source[i]!, ops.optional[i]!);
    }
  }
  return out;
}

/** The operations as objects, by call time (ties in their order): a stable sort of the call column, no comparator. */
function byCall(ops: KeyOps): TimedOp[] {
  const order = sortIndicesBy(ops.call.subarray(0, ops.length));
  const out = new Array<TimedOp>(order.length);
  for (let i = 0; i < order.length; i++) out[i] = ops.op(order[i]!);
  return out;
}

/** A write that was in flight, as one that never returned (any result); reads are dropped. */
function asPending(t: TimedOp): TimedOp | undefined {
  if (isRead(t.op)) return undefined;
  const op: KeyOp = { ...t.op, out: UNKNOWN };
  return { call: t.call, ret: Infinity, op };
}

/**
 * Cut positions (indices into `prefix`, sorted by call) from the latest one before the
 * operations returning at R backwards, where at most MAX_OPEN_AT_CUT returned writes are in
 * flight; at most MAX_CUTS of them.
 */
function cutsBefore(prefix: TimedOp[], R: number): number[] {
  let last = prefix.length;
  for (let j = 0; j < prefix.length; j++) if (prefix[j]!.ret === R && prefix[j]!.op.out !== UNKNOWN) last = Math.min(last, j);
  const open: number[] = [];
  const eligible: number[] = [];
  for (let j = 0; j <= last && j < prefix.length; j++) {
    const call = prefix[j]!.call;
    for (let x = open.length - 1; x >= 0; x--) if (open[x]! < call) open.splice(x, 1);
    if (j > 0 && open.length <= MAX_OPEN_AT_CUT && prefix[j - 1]!.call < call) eligible.push(j);
    const t = prefix[j]!;
    if (t.op.out !== UNKNOWN && !isRead(t.op)) open.push(t.ret);
  }
  return eligible.reverse().slice(0, MAX_CUTS);
}

/** The window of `prefix` (sorted by call) from index j on, with what crosses the cut. */
function windowFrom(prefix: TimedOp[], j: number): TimedOp[] {
  const cut = prefix[j]!.call;
  const window = prefix.slice(j);
  for (let x = 0; x < j; x++) {
    const t = prefix[x]!;
    if (t.op.out === UNKNOWN) window.push(t);
    else if (t.ret >= cut && !isRead(t.op)) window.push({ call: t.call, ret: t.ret, op: t.op, optional: true });
  }
  return window;
}

/**
 * The values the key can hold after the last returned operation, over the legal orders of
 * `before` (writes in flight at the cut count as never returned): each candidate is tested by
 * adding a read of it at the cut. Undefined if a search could not finish.
 */
function* possibleValuesAt(
  before: TimedOp[],
  cut: number,
  search: (ops: KeyOps, starts: number[], map: Int32Array | undefined) => Generator<void, SearchStatus>,
): Generator<void, number[] | undefined> {
  const ops: TimedOp[] = [];
  for (const t of before) {
    if (t.op.out === UNKNOWN || t.ret < cut) ops.push(t);
    else {
      const p = asPending(t);
      if (p !== undefined) ops.push(p);
    }
  }
  const returned = ops.filter((t) => t.op.out !== UNKNOWN);
  if (returned.length === 0) return [ABSENT];
  let lastCall = -Infinity;
  for (const t of returned) if (t.call > lastCall) lastCall = t.call;
  const candidates = new Set<number>();
  for (const t of returned) {
    if (t.ret < lastCall) continue;
    const after = t.op.kind === 'DELETE' ? ABSENT : isRead(t.op) ? t.op.out : t.op.arg;
    candidates.add(after);
  }
  let maxId = ABSENT;
  for (const t of ops) maxId = Math.max(maxId, t.op.arg, t.op.out);
  // Columns and read flags built once; each candidate (a value some operation leaves, so
  // at most maxId) adds its probe read to a copy.
  const base = KeyOps.of(ops);
  const read = valueUse(base, maxId).read;
  const values: number[] = [];
  for (const v of [...candidates].sort((a, b) => a - b)) {
    const withProbe = base.copy(1);
    withProbe.push(cut, cut, CODE_READ, ABSENT, v, -1, 0);
    const readWithProbe = read.slice();
    readWithProbe[v] = 1;
    const r = yield* search(withProbe, [ABSENT], representatives(readWithProbe));
    if (r === 'linearizable') values.push(v);
    else if (r !== 'not-linearizable') return undefined;
  }
  return values;
}

/** Writes that never returned and could make no operation here legal are never placed: leave them out. */
function dropUselessPoolWrites(ops: TimedOp[]): TimedOp[] {
  const readValues = new Set<number>();
  let found = false;
  let notFound = false;
  for (const t of ops) {
    const op = t.op;
    if (op.out === UNKNOWN) continue;
    if (op.kind === 'GET' || op.kind === 'READ' || op.kind === 'SWAP') readValues.add(op.out);
    else if (op.out === 1) found = true;
    else notFound = true;
  }
  return ops.filter((t) => {
    if (t.op.out !== UNKNOWN) return true;
    const v = t.op.kind === 'DELETE' ? ABSENT : t.op.arg;
    return readValues.has(v) || (v !== ABSENT && found) || (v === ABSENT && notFound);
  });
}

function lastWriterOf(before: TimedOp[], value: number): number | undefined {
  let best: TimedOp | undefined;
  for (const t of before) {
    const op = t.op;
    const writes = ((op.kind === 'PUT' || op.kind === 'SWAP') && op.arg === value) || (op.kind === 'DELETE' && value === ABSENT);
    if (writes && (best === undefined || t.call > best.call)) best = t;
  }
  return best?.op.source;
}

export function showValue(v: string | null): string {
  if (v === null) return 'absent';
  return v.length > 24 ? `'${v.slice(0, 24)}…'` : `'${v}'`;
}

function describeDeepest(
  kh: KeyHistory,
  ops: TimedOp[],
  deepest: Omit<DeepestOrder, 'order'> & { order: TimedOp[] },
): { lines: string[]; data: DeepestLinearization } {
  const show = showValue;
  const valueName = (v: number): string => show(kh.values.value(v));
  const lines: string[] = [];
  const placed = new Set(deepest.order);
  const start = valueName(deepest.startValue);
  if (deepest.order.length === 0) {
    lines.push(ops.length === 1 ? `Starting from ${start}:` : `Starting from ${start}, not one of them can take effect first:`);
  } else {
    const shown = 8;
    const steps = deepest.order.slice(-shown).map((t) => `#${t.op.source + 1}`);
    const skipped = deepest.order.length > shown ? `(${deepest.order.length - shown} more), ` : '';
    lines.push(`Longest legal order found, from ${start}: ${skipped}${steps.join(', ')} (value then ${valueName(deepest.value)});`);
    lines.push('after it none of the remaining operations can take effect next:');
  }
  const rest = ops.filter((t) => !placed.has(t));
  const pool = rest.filter((t) => t.op.out === UNKNOWN);
  const others = rest.filter((t) => t.op.out !== UNKNOWN);
  const binding = others.filter((t) => t.optional !== true);
  const minRet = binding.length === 0 ? Infinity : Math.min(...binding.map((t) => t.ret));
  const blocker = binding.find((t) => t.ret === minRet);
  if (blocker !== undefined && others.length > 1) lines.push(`(the candidates are the operations called before #${blocker.op.source + 1} returned)`);
  const blocked: DeepestLinearization['blocked'] = [];
  for (const t of others) {
    if (t.call > minRet) continue;
    let why: string;
    if (stepValue(deepest.value, t.op) !== undefined) {
      why = 'could take effect here, but every order continuing with it fails later';
    } else {
      const helper = pool.find((p) => p.call <= minRet && stepValue(stepValue(deepest.value, p.op)!, t.op) !== undefined);
      why =
        helper === undefined
          ? explainIllegal(t.op, deepest.value, kh.values, show)
          : `${explainIllegal(t.op, deepest.value, kh.values, show)}; it could follow #${helper.op.source + 1} (never returned), but every order continuing so fails later`;
    }
    lines.push(`  #${t.op.source + 1}: ${why}`);
    blocked.push({ op: t.op.source, reason: why });
  }
  const valuesAfter: Array<string | null> = [];
  let v = deepest.startValue;
  for (const t of deepest.order) {
    v = stepValue(v, t.op) ?? v;
    valuesAfter.push(kh.values.value(v));
  }
  const data: DeepestLinearization = {
    startValue: kh.values.value(deepest.startValue),
    order: deepest.order.map((t) => t.op.source),
    valuesAfter,
    blocked,
    ...(blocker !== undefined && others.length > 1 ? { boundary: blocker.op.source } : {}),
  };
  return { lines, data };
}
