/**
 * What the checker's HTML page shows, computed from a check's result and its history (pure:
 * check-page-html.ts turns it into the page).
 *
 * Per failing key: a timeline of its operations as bars (call to return) in one lane per
 * client, the longest legal order the search found (numbered), and the operations that cannot
 * be placed after it, each with why. A big history is cut down to the witness and a little
 * context around it: at most MAX_CORE_BARS witness operations and MAX_CONTEXT_BARS others per
 * key (those overlapping the witness first, the nearest to the operations that cannot be placed), and at most MAX_KEYS keys (the rest are named).
 *
 * The time axis is by rank: calls and returns in time order, evenly spaced. Only their order
 * matters to linearizability, and an earlier write far back in time then does not squash the
 * window into a sliver. The real times are in each operation's details.
 */
import type { CheckResult, Verdict, Violation } from './checker';
import { type HistoryOp } from './history';
import { describeOp } from './report';
import { showValue } from './witness';

export const MAX_KEYS = 10;
export const MAX_CORE_BARS = 300;
export const MAX_CONTEXT_BARS = 24;
/** Of the context, at least this many operations just before the witness, and as many after it. */
const SIDE_BARS = 4;

/**
 * - blocked: cannot be placed after the longest legal order (the reason says why);
 * - placed: in the longest legal order (numbered);
 * - open: in the witness, neither placed nor a candidate to come next;
 * - earlier: a write of a value the key may hold when the witness starts;
 * - context: another operation on the key nearby, not needed to show the failure.
 */
export type BarRole = 'blocked' | 'placed' | 'open' | 'earlier' | 'context';

export interface BarView {
  /** Index of the operation in the history (shown as #op+1, as in the log). */
  op: number;
  client: number;
  call: number;
  ret: number | null;
  /** The operation in words, as the log writes it. */
  text: string;
  /** A few words to fit inside the bar. */
  short: string;
  role: BarRole;
  /** 1-based position in the longest legal order (placed bars). */
  step?: number;
  /** Why the bar has its role, in words (blocked and open bars). */
  reason?: string;
  /** Rank of the call and of the return among the shown events (the return: `events.length` if none). */
  x0: number;
  x1: number;
  /** Row of the timeline (each client has one or more rows). */
  row: number;
}

export interface LaneView {
  client: number;
  firstRow: number;
  rows: number;
}

export interface StepView {
  step: number;
  op: number;
  text: string;
  /** The key's value after this step, in words. */
  valueAfter: string;
  /** A write that never returned, placed because it explains what follows. */
  pending: boolean;
}

export interface BlockedView {
  op: number;
  text: string;
  reason: string;
  /** What the key held then and which write left it, in words. */
  valueThen: string;
}

export interface KeyView {
  key: string;
  summary: string;
  /** The values the key may hold when the witness starts, in words. */
  priorValues: string[];
  bars: BarView[];
  lanes: LaneView[];
  rows: number;
  /** Times of the shown calls and returns, ascending (the axis's ranks). */
  events: number[];
  /** The longest legal order, and the value it starts from. */
  steps: StepView[];
  startValue: string | undefined;
  /** The earlier write that left the start value, in words (when one is known). */
  startWriter: string | undefined;
  blocked: BlockedView[];
  /** The explanation as the log prints it. */
  explanation: string[];
  /** Operations on this key left out of the timeline: before the shown ones, overlapping the witness, after. */
  hiddenBefore: number;
  hiddenNear: number;
  hiddenAfter: number;
  /** Witness operations left out (a huge witness). */
  hiddenWitness: number;
}

export interface CheckPage {
  verdict: Verdict;
  /** The history file, when known. */
  source: string | undefined;
  opsChecked: number;
  keysChecked: number;
  timeUnit: string;
  /** Extra lines for the top of the page (e.g. a fuzz run's client failures). */
  notes: string[];
  keys: KeyView[];
  /** Failing keys beyond MAX_KEYS, not drawn. */
  moreKeys: string[];
  undecided: Array<{ key: string; reason: 'time' | 'memory' }>;
}

export interface PageOptions {
  source?: string;
  timeUnit?: string;
  notes?: string[];
}

export function buildCheckPage(result: CheckResult, history: readonly HistoryOp[], options: PageOptions = {}): CheckPage {
  const shown = result.violations.slice(0, MAX_KEYS);
  return {
    verdict: result.verdict,
    source: options.source,
    opsChecked: result.opsChecked,
    keysChecked: result.keysChecked,
    timeUnit: options.timeUnit ?? '',
    notes: options.notes ?? [],
    keys: shown.map((v) => buildKeyView(v, history)),
    moreKeys: result.violations.slice(MAX_KEYS).map((v) => v.key),
    undecided: result.undecided,
  };
}

/** Indices of the history's operations on `key` (a SCAN whose range covers it counts), in history order. */
export function opsOnKey(history: readonly HistoryOp[], key: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.op === 'SCAN' ? op.start <= key && key <= op.end : op.key === key) out.push(i);
  }
  return out;
}

export function buildKeyView(v: Violation, history: readonly HistoryOp[]): KeyView {
  const key = v.key;
  const d = v.deepest;
  const stepOf = new Map<number, number>();
  d?.order.forEach((op, i) => stepOf.set(op, i + 1));
  const blockedReason = new Map<number, string>();
  if (d !== undefined) for (const b of d.blocked) blockedReason.set(b.op, b.reason);
  else for (const op of v.ops) blockedReason.set(op, v.summary);

  const witness = new Set(v.ops);
  const earlier = new Set(v.context);
  const roleOf = (op: number): BarRole | undefined =>
    blockedReason.has(op) ? 'blocked' : stepOf.has(op) ? 'placed' : witness.has(op) ? 'open' : earlier.has(op) ? 'earlier' : undefined;

  // The witness and its earlier writes, most telling first when there are too many to draw.
  const coreSet = new Set<number>([...v.ops, ...v.context, ...(d?.order ?? [])]);
  const rank: Record<BarRole, number> = { blocked: 0, earlier: 1, placed: 2, open: 3, context: 4 };
  const focus = least([...blockedReason.keys()].map((i) => history[i]?.call ?? Infinity));
  const near = (i: number): number => (Number.isFinite(focus) ? Math.abs(history[i]!.call - focus) : 0);
  let core = [...coreSet].filter((i) => history[i] !== undefined);
  const hiddenWitness = Math.max(0, core.length - MAX_CORE_BARS);
  if (core.length > MAX_CORE_BARS) {
    core = core.sort((a, b) => rank[roleOf(a)!] - rank[roleOf(b)!] || near(a) - near(b)).slice(0, MAX_CORE_BARS);
  }

  // Context: the key's other operations overlapping the witness's time span, then the nearest before and after it.
  const witnessOps = v.ops.filter((i) => history[i] !== undefined);
  const spanOps = witnessOps.length > 0 ? witnessOps : core;
  const lo = least(spanOps.map((i) => history[i]!.call));
  const hi = -least(spanOps.map((i) => -(history[i]!.ret ?? history[i]!.call)));
  const onKey = opsOnKey(history, key);
  const coreShown = new Set(core);
  const others = onKey.filter((i) => !coreShown.has(i) && !coreSet.has(i));
  const overlapping = others.filter((i) => history[i]!.call <= hi && (history[i]!.ret ?? Infinity) >= lo).sort((a, b) => near(a) - near(b));
  const before = others.filter((i) => (history[i]!.ret ?? Infinity) < lo).sort((a, b) => history[b]!.call - history[a]!.call);
  const after = others.filter((i) => history[i]!.call > hi).sort((a, b) => history[a]!.call - history[b]!.call);
  const context: number[] = overlapping.slice(0, MAX_CONTEXT_BARS - 2 * SIDE_BARS);
  const side = SIDE_BARS + Math.floor((MAX_CONTEXT_BARS - 2 * SIDE_BARS - context.length) / 2);
  context.push(...before.slice(0, side), ...after.slice(0, side));
  const shownBefore = Math.min(side, before.length);
  const shownAfter = Math.min(side, after.length);

  const bars = layoutBars(
    [...core, ...context].map((i) => {
      const op = history[i]!;
      const role = roleOf(i) ?? 'context';
      const bar: Omit<BarView, 'x0' | 'x1' | 'row'> = {
        op: i,
        client: op.client,
        call: op.call,
        ret: op.ret,
        text: describeOp(op, key),
        short: shortLabel(op, key),
        role,
      };
      const step = stepOf.get(i);
      if (step !== undefined) bar.step = step;
      const reason = role === 'blocked' ? blockedReason.get(i) : role === 'open' ? openReason(op, d?.boundary, history) : undefined;
      if (reason !== undefined) bar.reason = reason;
      return bar;
    }),
  );

  const steps: StepView[] = (d?.order ?? []).map((op, i) => ({
    step: i + 1,
    op,
    text: history[op] === undefined ? `#${op + 1}` : describeOp(history[op]!, key),
    valueAfter: showValue(d!.valuesAfter[i] ?? null),
    pending: history[op]?.ret === null,
  }));
  const writer = d === undefined ? undefined : startWriter(v, history, key);
  const then = valueThen(v, history, key, writer);
  const blocked: BlockedView[] = [...blockedReason.entries()]
    .filter(([op]) => history[op] !== undefined)
    .map(([op, reason]) => ({ op, text: describeOp(history[op]!, key), reason, valueThen: then }));

  return {
    key,
    summary: v.summary,
    priorValues: [...new Set(v.priorValues.map(showValue))],
    ...bars,
    steps,
    startValue: d === undefined ? undefined : showValue(d.startValue),
    startWriter: writer,
    blocked,
    explanation: v.explanation,
    hiddenBefore: before.length - shownBefore,
    hiddenNear: overlapping.length - Math.min(overlapping.length, MAX_CONTEXT_BARS - 2 * SIDE_BARS),
    hiddenAfter: after.length - shownAfter,
    hiddenWitness,
  };
}

/** The smallest number (Infinity for none); Math.min(...xs) would overflow the stack on a huge witness. */
function least(xs: number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

/** The earlier write (one of the violation's context) that wrote the order's start value. */
function startWriter(v: Violation, history: readonly HistoryOp[], key: string): string | undefined {
  const start = v.deepest?.startValue;
  const placed = new Set(v.deepest?.order ?? []);
  for (const i of [...v.context].reverse()) {
    const op = history[i];
    if (op === undefined || placed.has(i)) continue;
    const wrote = op.op === 'PUT' || op.op === 'SWAP' ? op.value : op.op === 'DELETE' ? null : undefined;
    if (wrote !== undefined && wrote === start) return `#${i + 1} ${describeOp(op, key)}`;
  }
  return undefined;
}

/** What the key held when the longest legal order ends, and the write that left it. */
function valueThen(v: Violation, history: readonly HistoryOp[], key: string, writer: string | undefined): string {
  const d = v.deepest;
  if (d === undefined) return '';
  const value = showValue(d.order.length === 0 ? d.startValue : (d.valuesAfter[d.order.length - 1] ?? null));
  for (let s = d.order.length - 1; s >= 0; s--) {
    const op = history[d.order[s]!];
    if (op !== undefined && op.op !== 'GET' && op.op !== 'SCAN') return `the value then is ${value}, left by step ${s + 1}: #${d.order[s]! + 1} ${describeOp(op, key)}`;
  }
  return writer !== undefined ? `the value then is ${value}, left by the earlier write ${writer}` : `the value then is ${value}, as before these operations`;
}

function openReason(op: HistoryOp, boundary: number | undefined, history: readonly HistoryOp[]): string | undefined {
  if (op.ret === null) return 'never returned: it may take effect at any point after its call, or never';
  const b = boundary === undefined ? undefined : history[boundary];
  if (b !== undefined && b.ret !== null && op.call > b.ret) return `called after #${boundary! + 1} returned, so it cannot come before it; the order never gets past #${boundary! + 1}`;
  return undefined;
}

function brief(v: string | null): string {
  if (v === null) return 'null';
  return v.length > 10 ? `${v.slice(0, 9)}…` : v;
}

/** A few words for inside a bar: the kind and the value that matters for this key. */
export function shortLabel(op: HistoryOp, key: string): string {
  const tail = op.ret === null ? ' …' : '';
  switch (op.op) {
    case 'PUT':
      return `PUT ${brief(op.value)}${op.ret === null ? tail : op.result === 'found' ? ' (f)' : ' (nf)'}`;
    case 'SWAP':
      return `SWAP ${brief(op.value)}${op.ret === null ? tail : ` ← ${brief(op.result)}`}`;
    case 'GET':
      return op.ret === null ? `GET${tail}` : `GET → ${brief(op.result)}`;
    case 'DELETE':
      return `DEL${op.ret === null ? tail : op.result === 'found' ? ' (f)' : ' (nf)'}`;
    case 'SCAN': {
      if (op.ret === null || op.result === null) return `SCAN${tail}`;
      const pair = op.result.find(([k]) => k === key);
      return `SCAN → ${brief(pair === undefined ? null : pair[1])}`;
    }
  }
}

/** Ranks on the time axis, and rows: each client's bars in as few rows as do not overlap. */
function layoutBars(items: Array<Omit<BarView, 'x0' | 'x1' | 'row'>>): { bars: BarView[]; lanes: LaneView[]; rows: number; events: number[] } {
  const times = new Set<number>();
  for (const b of items) {
    times.add(b.call);
    if (b.ret !== null) times.add(b.ret);
  }
  const events = [...times].sort((a, b) => a - b);
  const rankOf = new Map(events.map((t, i) => [t, i]));
  const sorted = [...items].sort((a, b) => a.client - b.client || a.call - b.call || a.op - b.op);
  const clients = [...new Set(sorted.map((b) => b.client))];
  const bars: BarView[] = [];
  const lanes: LaneView[] = [];
  let row = 0;
  for (const client of clients) {
    const rowEnds: number[] = [];
    for (const b of sorted) {
      if (b.client !== client) continue;
      const x0 = rankOf.get(b.call)!;
      const x1 = b.ret === null ? events.length : rankOf.get(b.ret)!;
      let r = rowEnds.findIndex((end) => end < x0);
      if (r < 0) {
        r = rowEnds.length;
        rowEnds.push(x1);
      } else {
        rowEnds[r] = x1;
      }
      bars.push({ ...b, x0, x1, row: row + r });
    }
    lanes.push({ client, firstRow: row, rows: rowEnds.length });
    row += rowEnds.length;
  }
  bars.sort((a, b) => a.call - b.call || a.op - b.op);
  return { bars, lanes, rows: row, events };
}
