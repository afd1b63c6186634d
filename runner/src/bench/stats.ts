/**
 * Benchmark measurements: per-client HDR histograms per operation, merged into the
 * template's log block (its merge rules: time = max, throughput and counts summed, average =
 * mean of the clients' averages, min = min, max = max, p99 = max) and into YCSB's own
 * `[OP], Metric, value` lines (from the union of all clients' histograms).
 *
 * A bench log, in order: the configuration, per phase its progress lines and YCSB lines,
 * one line saying why the two sets of figures differ, and last the template's block:
 *
 *     Benchmarking results:  YCSB-a  10 clients
 *       [Load]     812 ms
 *         Throughput:   12345.67 ops/sec
 *         Latency:    INSERT  ops  10000  avg     79.12  min     30  max   4012  p99    301  us
 *       [Run]     1530 ms
 *         Throughput:    6535.95 ops/sec
 *         Latency:    READ    ops   5012  avg    100.00  min     20  max    900  p99    400  us
 *                     UPDATE  ops   4988  avg    300.00  min     40  max   1900  p99    700  us
 *
 * The template's report script reads, after the `[Run]` line, every line containing
 * `Throughput` as `float(line.split()[-2])` and every line ending in ` us` as a latency row, so
 * nothing may follow the block (YCSB's `[OVERALL], Throughput(ops/sec), …` would crash it).
 */
import { type Histogram, build } from 'hdr-histogram-js';
import { colour } from '../terminal';

/** The operations as YCSB names its measurements. */
export type MeasuredOp = 'INSERT' | 'READ' | 'UPDATE' | 'SCAN' | 'READ-MODIFY-WRITE';

/** Order of the template block (READ-MODIFY-WRITE is not in it: the template never parsed it). */
const BLOCK_ORDER: readonly MeasuredOp[] = ['INSERT', 'READ', 'UPDATE', 'SCAN'];
const YCSB_ORDER: readonly MeasuredOp[] = ['INSERT', 'READ', 'UPDATE', 'SCAN', 'READ-MODIFY-WRITE'];

function newHistogram(): Histogram {
  // Microseconds, 1 µs .. 1 hour, 3 significant digits (YCSB's Recorder(3)).
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** One client's measurements of one phase. */
export class ClientStats {
  readonly histograms = new Map<MeasuredOp, Histogram>();
  /** YCSB operations done (a read-modify-write counts once). */
  transactions = 0;
  startMs = 0;
  endMs = 0;

  record(op: MeasuredOp, micros: number): void {
    let h = this.histograms.get(op);
    if (h === undefined) {
      h = newHistogram();
      this.histograms.set(op, h);
    }
    h.recordValue(Math.max(1, Math.round(micros)));
  }

  get totalMs(): number {
    return this.endMs - this.startMs;
  }

  get throughput(): number {
    return this.totalMs > 0 ? (this.transactions * 1000) / this.totalMs : 0;
  }
}

export interface OpSummary {
  ops: number;
  avg: number;
  min: number;
  max: number;
  p99: number;
}

export interface MergedStats {
  totalMs: number;
  throughput: number;
  ops: Map<MeasuredOp, OpSummary>;
}

/** The template's merge of per-client results. */
export function mergeAsTemplate(clients: readonly ClientStats[]): MergedStats {
  const ops = new Map<MeasuredOp, OpSummary>();
  const avgSums = new Map<MeasuredOp, { sum: number; n: number }>();
  let totalMs = 0;
  let throughput = 0;
  for (const c of clients) {
    totalMs = Math.max(totalMs, c.totalMs);
    throughput += c.throughput;
    for (const [op, h] of c.histograms) {
      if (h.totalCount === 0) continue;
      const mine: OpSummary = { ops: h.totalCount, avg: h.mean, min: h.minNonZeroValue, max: h.maxValue, p99: h.getValueAtPercentile(99) };
      const acc = ops.get(op);
      const avg = avgSums.get(op) ?? { sum: 0, n: 0 };
      avg.sum += mine.avg;
      avg.n++;
      avgSums.set(op, avg);
      if (acc === undefined) {
        ops.set(op, mine);
      } else {
        acc.ops += mine.ops;
        acc.min = Math.min(acc.min, mine.min);
        acc.max = Math.max(acc.max, mine.max);
        acc.p99 = Math.max(acc.p99, mine.p99);
      }
    }
  }
  for (const [op, s] of ops) s.avg = avgSums.get(op)!.sum / avgSums.get(op)!.n;
  return { totalMs, throughput, ops };
}

/** Rust's `{:w.p}` for a number: right-aligned, fixed decimals. */
function fixed(x: number, width: number, decimals: number): string {
  return x.toFixed(decimals).padStart(width);
}

/** The template's lines for one phase (`  [Load]  …`, `    Throughput: …`, `    Latency: …`). */
export function formatTemplatePhase(phase: 'Load' | 'Run', stats: MergedStats): string[] {
  const lines = [`  ${colour.cyan(`[${phase}]`.padEnd(6))}  ${fixed(stats.totalMs, 6, 0)} ms`, `    Throughput:  ${fixed(stats.throughput, 9, 2)} ops/sec`];
  let first = true;
  for (const op of BLOCK_ORDER) {
    const s = stats.ops.get(op);
    if (s === undefined) continue;
    const prefix = first ? '    Latency:' : '            ';
    first = false;
    lines.push(
      `${prefix}    ${op.padEnd(6)}  ops ${String(s.ops).padStart(6)}  avg ${fixed(s.avg, 9, 2)}  min ${fixed(s.min, 6, 0)}  max ${fixed(s.max, 6, 0)}  p99 ${fixed(s.p99, 6, 0)}  us`,
    );
  }
  return lines;
}

export function formatTemplateHeader(workload: string, numClis: number): string {
  return `${colour.heading('Benchmarking results:')}  ${colour.cyan(`YCSB-${workload}`)}  ${colour.magenta(`${numClis} clients`)}`;
}

/**
 * Why the block's throughput and p99 differ from YCSB's lines, said in the log itself. Printed
 * before the block (it is no latency row and must not be read as one).
 */
export function formatMergeNote(): string {
  return (
    "  Note: the YCSB lines above measure all clients together over the phase's wall time (p99 over every operation);" +
    " the block below merges per-client results by the template's rules (throughput = sum of each client's own rate," +
    ' p99 = the largest client p99), so its throughput is a little higher and its p99 may differ.'
  );
}

/** YCSB's text exporter lines for one phase, over all clients together. */
export function formatYcsbLines(clients: readonly ClientStats[], wallMs: number): string[] {
  const transactions = clients.reduce((s, c) => s + c.transactions, 0);
  const lines = [`[OVERALL], RunTime(ms), ${Math.round(wallMs)}`, `[OVERALL], Throughput(ops/sec), ${wallMs > 0 ? (transactions * 1000) / wallMs : 0}`];
  for (const op of YCSB_ORDER) {
    const parts = clients.map((c) => c.histograms.get(op)).filter((h): h is Histogram => h !== undefined && h.totalCount > 0);
    if (parts.length === 0) continue;
    const all = newHistogram();
    for (const h of parts) all.add(h);
    lines.push(
      `[${op}], Operations, ${all.totalCount}`,
      `[${op}], AverageLatency(us), ${all.mean}`,
      `[${op}], MinLatency(us), ${all.minNonZeroValue}`,
      `[${op}], MaxLatency(us), ${all.maxValue}`,
      `[${op}], 50thPercentileLatency(us), ${all.getValueAtPercentile(50)}`,
      `[${op}], 95thPercentileLatency(us), ${all.getValueAtPercentile(95)}`,
      `[${op}], 99thPercentileLatency(us), ${all.getValueAtPercentile(99)}`,
      `[${op}], Return=OK, ${all.totalCount}`,
    );
    all.destroy();
  }
  return lines;
}
