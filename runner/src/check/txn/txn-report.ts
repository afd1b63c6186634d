/**
 * Reports of the transactional checker, for a student reading a log on one screen: per
 * anomaly class one witness (for cycles the shortest found, each transaction with its client,
 * times and operations, each edge with its reason); `#N` is line N of the history file.
 */
import type { BankResult } from './bank';
import { type Anomaly, type AnomalyKind, type CycleStep, type EdgeReason, type TxnCheckResult, listOf } from './list-append';
import type { TxnHistory, TxnHistoryOp, TxnRecord } from './txn-history';

export interface TxnReportOptions {
  /** Unit of the history's timestamps, shown after them ('' when unknown). */
  timeUnit: string;
  /** Operations shown per transaction. */
  maxOps?: number;
}

export const KIND_TITLES: Record<AnomalyKind, string> = {
  G0: 'G0 (write cycle: ww edges only)',
  G1c: 'G1c (circular information flow: ww and wr edges)',
  'G-single': 'G-single (read skew: a cycle with exactly one rw edge)',
  G2: 'G2 (anti-dependency cycle: two or more rw edges)',
  realtime: 'real-time violation (not strictly serializable: the cycle needs a real-time edge)',
  G1a: 'G1a (aborted read)',
  G1b: 'G1b (intermediate read)',
  internal: 'internal inconsistency (a transaction disagrees with itself)',
  'non-atomic': "non-atomic appends (a transaction's appends to a key are not side by side)",
  'incompatible-order': 'incompatible version orders (two reads, neither a prefix of the other)',
  duplicate: 'duplicate element in a read',
  garbage: 'garbage read (an element nobody appended)',
};

/** A list for a report: short lists whole, long ones by their last elements. */
export function showList(list: readonly string[]): string {
  if (list.length <= 5) return `[${list.join(',')}]`;
  return `[…${list.length - 3} earlier,${list.slice(-3).join(',')}]`;
}

export function showOp(op: TxnHistoryOp): string {
  switch (op.op) {
    case 'GET':
      return op.result === undefined ? `GET ${op.key}` : `GET ${op.key} -> ${op.result === null ? 'null' : showList(listOf(op.result))}`;
    case 'APPEND':
      return `APPEND ${op.key} ${op.elem}`;
    case 'INCR':
      return `INCR ${op.key} ${op.delta}${op.result === undefined ? '' : ` -> ${op.result}`}`;
    case 'PUT':
      return `PUT ${op.key} ${op.value}`;
    case 'SWAP':
      return `SWAP ${op.key} ${op.value}${op.result === undefined ? '' : ` -> ${op.result ?? 'null'}`}`;
    case 'DELETE':
      return `DELETE ${op.key}${op.result === undefined ? '' : ` -> ${op.result}`}`;
  }
}

function time(t: number | null, unit: string): string {
  if (t === null) return '...';
  return `${Number.isInteger(t) ? String(t) : t.toFixed(3)}${unit}`;
}

/** `#N`: the transaction's line in the history file. */
export function txnName(h: TxnHistory, txn: number): string {
  return `#${h.lines[txn] ?? txn + 1}`;
}

/** `committed`, or `aborted` / `unknown` with the reason given. */
export function outcomeText(t: TxnRecord): string {
  return t.outcome === 'committed' ? 'committed' : `${t.outcome}${t.reason === undefined ? '' : ` (${t.reason})`}`;
}

/** A transaction on one line; with `keys`, only its operations on those keys (the others counted). */
export function describeTxn(h: TxnHistory, txn: number, options: TxnReportOptions, keys?: ReadonlySet<string>): string {
  const t = h.txns[txn]!;
  const maxOps = options.maxOps ?? 8;
  const when = `[${time(t.call, options.timeUnit)} .. ${time(t.ret, options.timeUnit)}]`;
  const outcome = outcomeText(t);
  const shown = keys === undefined ? t.ops : t.ops.filter((op) => keys.has(op.key));
  const hidden = t.ops.length - Math.min(shown.length, maxOps);
  const ops = shown.slice(0, maxOps).map(showOp).join('; ') + (hidden > 0 ? `${shown.length > 0 ? '; ' : ''}(+${hidden} other op${hidden === 1 ? '' : 's'})` : '');
  return `${txnName(h, txn).padEnd(7)} client ${String(t.client).padEnd(3)} ${when.padEnd(24)} ${outcome}: ${ops}`;
}

export function describeEdge(h: TxnHistory, from: number, to: number, e: EdgeReason): string {
  const a = txnName(h, from);
  const b = txnName(h, to);
  switch (e.type) {
    case 'ww':
      return e.unseen
        ? `ww ${e.key}: ${b} appended ${e.next}, which no read saw, so after ${e.prev} (${a}'s), the last element seen`
        : `ww ${e.key}: ${b}'s ${e.next} comes right after ${a}'s ${e.prev} in ${e.key}'s version order`;
    case 'wr':
      return `wr ${e.key}: ${b} read ${e.key} ending with ${e.elem}, which ${a} appended`;
    case 'rw': {
      const read = e.last === null ? `${e.key} empty` : `${e.key} up to ${e.last}`;
      return e.unseen
        ? `rw ${e.key}: ${a} read ${read}, missing ${b}'s ${e.next} (seen by no read, so after every element seen)`
        : `rw ${e.key}: ${a} read ${read}, missing ${e.next}, which ${b} appended next`;
    }
    case 'rt':
      return `rt: ${a} answered committed (at ${e.ret}) before ${b} was called (at ${e.call})`;
  }
}

function cycleLines(h: TxnHistory, steps: CycleStep[], options: TxnReportOptions): string[] {
  const lines: string[] = [];
  const keyOf = (e: EdgeReason): string[] => (e.type === 'rt' ? [] : [e.key]);
  steps.forEach((s, i) => {
    const next = steps[(i + 1) % steps.length]!.txn;
    const incoming = steps[(i + steps.length - 1) % steps.length]!.edge;
    lines.push(`    ${describeTxn(h, s.txn, options, new Set([...keyOf(incoming), ...keyOf(s.edge)]))}`);
    lines.push(`        --> ${describeEdge(h, s.txn, next, s.edge)}`);
  });
  lines.push(`    (back to ${txnName(h, steps[0]!.txn)})`);
  return lines;
}

/** One anomaly as the report prints it: what is wrong, then the transactions (and a cycle's edges). */
export function anomalyLines(h: TxnHistory, a: Anomaly, options: TxnReportOptions): string[] {
  const n = (t: number): string => txnName(h, t);
  const on = (t: number, key: string): string => `    ${describeTxn(h, t, options, new Set([key]))}`;
  switch (a.kind) {
    case 'G0':
    case 'G1c':
    case 'G-single':
    case 'G2':
    case 'realtime': {
      const extra = a.detail === undefined ? '' : ` (${a.detail})`;
      return [`   Shortest cycle found${extra}, ${a.steps.length} transactions:`, ...cycleLines(h, a.steps, options)];
    }
    case 'G1a': {
      const reason = h.txns[a.writer]!.reason;
      return [`   ${n(a.reader)} read ${a.elem} in ${a.key}, appended by ${n(a.writer)}, which aborted${reason === undefined ? '' : ` (${reason})`}`, on(a.reader, a.key), on(a.writer, a.key)];
    }
    case 'G1b':
      return [
        `   ${n(a.reader)} read ${a.key} ending at ${a.elem}, but ${n(a.writer)} appended ${a.elem} and then ${a.finalElem} to ${a.key}`,
        on(a.reader, a.key),
        on(a.writer, a.key),
      ];
    case 'internal':
      return [`   ${n(a.txn)} read ${a.key} = ${showList(a.read)}: ${a.problem}`, on(a.txn, a.key)];
    case 'non-atomic':
      return [
        `   in ${a.key}'s version order ${n(a.writer)}'s ${a.elem} is next to ${a.neighbour ?? 'the start'}, not to its own ${a.expected ?? 'nothing'}`,
        on(a.writer, a.key),
      ];
    case 'incompatible-order':
      return [`   ${n(a.a)} read ${a.key} = ${showList(a.aRead)} and ${n(a.b)} read ${showList(a.bRead)}`, on(a.a, a.key), on(a.b, a.key)];
    case 'duplicate':
      return [`   ${n(a.txn)} read ${a.key} = ${showList(a.read)}, with ${a.elem} twice`, on(a.txn, a.key)];
    case 'garbage':
      return [`   ${n(a.txn)} read ${a.key} = ${showList(a.read)}, with ${a.elem}, which no transaction appended to ${a.key}`, on(a.txn, a.key)];
  }
}

/** The body of a failure report (the caller prints the verdict line); nothing for a clean history. */
export function formatTxnCheckReport(result: TxnCheckResult, h: TxnHistory, options: TxnReportOptions): string[] {
  const lines: string[] = [];
  let kind: AnomalyKind | undefined;
  let shown = 0;
  const more = (): void => {
    if (kind === undefined) return;
    const rest = (result.counts[kind] ?? 0) - shown;
    if (rest > 0) lines.push(`   … and ${rest} more${isCycle(kind) ? ' strongly connected component(s) with such a cycle' : ''}`);
  };
  for (const a of result.anomalies) {
    if (a.kind !== kind) {
      more();
      kind = a.kind;
      shown = 0;
      lines.push(`  ${KIND_TITLES[a.kind]}:`);
    }
    if (!isCycle(a.kind)) shown++;
    else shown = 1;
    lines.push(...anomalyLines(h, a, options));
  }
  more();
  if (result.undecided !== undefined) lines.push(`  Undecided: ${result.undecided}`);
  return lines;
}

export function isCycle(kind: AnomalyKind): boolean {
  return kind === 'G0' || kind === 'G1c' || kind === 'G-single' || kind === 'G2' || kind === 'realtime';
}

/** One line of figures for the log. */
export function txnSummaryLine(result: TxnCheckResult, elapsedMs: number): string {
  const s = result.stats;
  const e = s.edges;
  const others = s.otherKeys > 0 ? ` (+ ${s.otherKeys} keys not list-checked: bank accounts, or written by PUT, SWAP, DELETE or INCR)` : '';
  return (
    `Checked ${s.txns} transactions (${s.committed} committed, ${s.aborted} aborted, ${s.unknown} unknown of which ${s.unknownSeen} seen committed) ` +
    `on ${s.listKeys} list keys${others} in ${(elapsedMs / 1000).toFixed(2)} s (edges: ww ${e.ww}, wr ${e.wr}, rw ${e.rw}, rt ${e.rt})`
  );
}

export function formatBankReport(result: BankResult, h: TxnHistory, total: number, options: TxnReportOptions): string[] {
  if (result.violationCount === 0) return [`Bank invariant: ${result.fullReads} committed full reads, each adds up to ${total}`];
  const lines = [`Bank invariant violated: ${result.violationCount} of ${result.fullReads} committed full reads do not add up to ${total}`];
  for (const v of result.violations) {
    lines.push(`   ${txnName(h, v.txn)}: ${v.problem}; balances ${v.balances.map(([a, b]) => `${a}=${b ?? 'null'}`).join(' ')}`);
    lines.push(`    ${describeTxn(h, v.txn, options)}`);
  }
  if (result.violationCount > result.violations.length) lines.push(`   … and ${result.violationCount - result.violations.length} more`);
  return lines;
}
