/**
 * What the transactional checker's HTML page shows (txn-page-html.ts draws it): for each
 * anomaly the report names, the transactions it involves on a timeline, and for a cycle its
 * edges (ww, wr, rw, rt) as arrows between them, beside the report's own text; bank invariant
 * violations the same way. Pure: the check's result and the history in, the view out.
 */
import type { BankResult } from './bank';
import type { Anomaly, AnomalyKind, TxnCheckResult } from './list-append';
import type { TxnHistory } from './txn-history';
import { KIND_TITLES, anomalyLines, describeEdge, outcomeText, showOp, txnName, txnSummaryLine } from './txn-report';

export type EdgeType = 'ww' | 'wr' | 'rw' | 'rt';

export interface TxnView {
  /** Index in the history (the hover link between the timeline and the table). */
  txn: number;
  /** `#N`: line N of the history file. */
  name: string;
  client: number;
  call: number;
  ret: number | null;
  outcome: string;
  ops: string[];
}

export interface EdgeView {
  from: number;
  to: number;
  type: EdgeType;
  text: string;
}

export interface SectionView {
  title: string;
  /** The report's text for it. */
  lines: string[];
  /** Its transactions, by call time. */
  txns: TxnView[];
  edges: EdgeView[];
}

export interface TxnPage {
  verdict: 'PASSED' | 'FAILED' | 'UNKNOWN';
  source: string | undefined;
  timeUnit: string;
  summary: string;
  sections: SectionView[];
  /** Lines for what is counted but not drawn ("… and 3 more G2"). */
  more: string[];
  undecided: string | undefined;
  /** Lines the caller adds above the anomalies (a fuzz run's client failures, stalls). */
  notes: string[];
}

export interface TxnPageOptions {
  source?: string;
  timeUnit: string;
  elapsedMs: number;
  notes?: string[];
}

/** The transactions an anomaly involves, in the order the report names them. */
function involved(a: Anomaly): number[] {
  switch (a.kind) {
    case 'G0':
    case 'G1c':
    case 'G-single':
    case 'G2':
    case 'realtime':
      return a.steps.map((s) => s.txn);
    case 'G1a':
    case 'G1b':
      return [a.reader, a.writer];
    case 'internal':
    case 'duplicate':
    case 'garbage':
      return [a.txn];
    case 'non-atomic':
      return [a.writer];
    case 'incompatible-order':
      return [a.a, a.b];
  }
}

function txnView(h: TxnHistory, txn: number): TxnView {
  const t = h.txns[txn]!;
  return {
    txn,
    name: txnName(h, txn),
    client: t.client,
    call: t.call,
    ret: t.ret,
    outcome: outcomeText(t),
    ops: t.ops.map(showOp),
  };
}

function views(h: TxnHistory, txns: readonly number[]): TxnView[] {
  return [...new Set(txns)].map((t) => txnView(h, t)).sort((a, b) => a.call - b.call || a.txn - b.txn);
}

export function buildTxnPage(result: TxnCheckResult, h: TxnHistory, bank: BankResult | undefined, options: TxnPageOptions): TxnPage {
  const report = { timeUnit: options.timeUnit };
  const sections: SectionView[] = result.anomalies.map((a) => ({
    title: KIND_TITLES[a.kind],
    lines: anomalyLines(h, a, report).map((l) => l.trim()),
    txns: views(h, involved(a)),
    edges:
      'steps' in a
        ? a.steps.map((s, i) => {
            const to = a.steps[(i + 1) % a.steps.length]!.txn;
            return { from: s.txn, to, type: s.edge.type, text: describeEdge(h, s.txn, to, s.edge) };
          })
        : [],
  }));
  for (const v of bank?.violations ?? []) {
    sections.push({ title: 'bank invariant (a committed full read does not add up)', lines: [`${txnName(h, v.txn)}: ${v.problem}`], txns: views(h, [v.txn]), edges: [] });
  }
  const shown = new Map<AnomalyKind, number>();
  for (const a of result.anomalies) shown.set(a.kind, (shown.get(a.kind) ?? 0) + 1);
  const more: string[] = [];
  for (const [kind, count] of Object.entries(result.counts) as Array<[AnomalyKind, number]>) {
    const rest = count - (shown.get(kind) ?? 0);
    if (rest > 0) more.push(`${rest} more ${KIND_TITLES[kind]}`);
  }
  if (bank !== undefined && bank.violationCount > bank.violations.length) more.push(`${bank.violationCount - bank.violations.length} more bank invariant violations`);
  const bankFailed = bank !== undefined && bank.violationCount > 0;
  return {
    verdict: bankFailed ? 'FAILED' : result.verdict,
    source: options.source,
    timeUnit: options.timeUnit,
    summary: txnSummaryLine(result, options.elapsedMs),
    sections,
    more,
    undecided: result.undecided,
    notes: options.notes ?? [],
  };
}
