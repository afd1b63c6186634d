/**
 * One `p4::bench` run's log, `<results>/bench/bench-<workload>-<mode>-<rtt>ms-c<clients>.log`
 * (rf 1: `bench-<workload>-rf1-c<clients>.log`, replication RTT does not apply), which `p4::report` parses
 * (sumgen/madkv_report/p4logs.py). Pure: the figures come in, the text goes out.
 *
 *   p4 bench: <workload description>
 *   Cluster:  <managers> managers, <shards> shards × rf <rf>, txn_mode <mako|2pc>, repl rtt <N ms|none (rf 1)>; <where>
 *   Load:     <clients> closed-loop clients, <w> s warm-up, <m> s measured, seed <n>; ...
 *   Benchmarking results:  TXN-<workload>  <mode>  rtt <N|none>  <clients> clients
 *     [Run]  <measured ms> ms
 *       Throughput:  <committed txn/s> txn/sec
 *       Txns:  committed <n>  cross-shard <n>  attempts <n>  aborted-attempts <n>  gave-up <n>  unknown <n>
 *       Abort rate:  <aborted attempts / attempts × 100> %
 *       Latency:  p50 <ms>  p99 <ms>  avg <ms>  max <ms>  ms
 *       Split:  all  committed <n>  certify <ms>  wait <ms>  ms        (the leaders' mean per committed txn)
 *       Split:  s<P>  committed <n>  certify <ms>  wait <ms>  tick <ms>  ms   (one per shard)
 *       Split:  n/a (<why>)                                             (when the leaders' counters are unusable)
 *     Bank check:  OK | FAILED: <problems>                              (bank only)
 *
 * Counted: transactions that started after the warm-up and ended before the end. Latency is
 * a committed transaction's, from the call to the commit (its aborted runs and the client's
 * pauses between them included). An attempt is one run of a transaction; the client reruns an
 * aborted one up to its try limit (then it "gave up"). Split: Mako's certify = read, lock,
 * clock, validate and install among the leaders, wait = the watermark wait; 2PC's certify =
 * reads and every prepare replicated, wait = the decision replicated. The leaders count in
 * ticks; `tick` is the measured ms per tick (wall time over ticks in the window).
 */
import type { WorkloadName } from './txn-mix';

/**
 * Closed-loop clients by default. A client has one transaction in flight, so throughput is at
 * most clients / latency: at 50 ms replication RTT a Mako transaction takes ≈ 60 ms, so 32
 * clients held Mako to 418 txn/s whatever the protocol could do, while unreplicated shards
 * (a few ms a transaction) are CPU-bound. 256 is where unreplicated throughput peaked on this
 * 2-core machine (12 node processes and the load generator; 128: lower, 512: lower), so the
 * baseline runs at its best; the replicated modes still gain from more in flight (the README
 * gives the sweep). p4::report's matrix is at this count (sumgen/madkv_report/stage_p4.py MATRIX_CLIENTS).
 */
export const DEFAULT_BENCH_CLIENTS = 256;

export type BenchMode = 'mako' | '2pc' | 'rf1';

export interface SplitRow {
  shard: string;
  committed: number;
  certifyMs: number;
  waitMs: number;
  tickMs: number;
}

/** What one measured window gives (txn-bench.ts measures it). */
export interface Measured {
  description: string;
  committed: number;
  cross: number;
  attempts: number;
  abortedAttempts: number;
  gaveUp: number;
  unknown: number;
  latencyMs: { p50: number; p99: number; avg: number; max: number } | null;
  split: SplitRow[] | string;
  /** Bank only: the problems of the quiescent read (empty: OK). */
  bankProblems?: string[];
  measuredS: number;
}

/** A run as its log records it: the measurement and the setting it was made in. */
export interface TxnBenchRun extends Measured {
  workload: WorkloadName;
  mode: BenchMode;
  protocol: 'mako' | '2pc';
  rf: number;
  /** null for rf 1 (no replication to delay). */
  rttMs: number | null;
  managers: number;
  shards: number;
  where: string;
  clients: number;
  warmupS: number;
  seed: number;
  maxTries: number;
}

export function benchLogName(workload: WorkloadName, mode: BenchMode, rttMs: number | null, clients: number): string {
  return mode === 'rf1' ? `bench-${workload}-rf1-c${clients}.log` : `bench-${workload}-${mode}-${rttMs ?? 0}ms-c${clients}.log`;
}

const f2 = (n: number): string => n.toFixed(2);

export function abortRate(r: Pick<TxnBenchRun, 'attempts' | 'abortedAttempts'>): number {
  return r.attempts === 0 ? 0 : (100 * r.abortedAttempts) / r.attempts;
}

export function throughput(r: Pick<TxnBenchRun, 'committed' | 'measuredS'>): number {
  return r.committed / r.measuredS;
}

/** The leaders' split over all shards: committed-weighted means. */
export function overallSplit(rows: readonly SplitRow[]): { committed: number; certifyMs: number; waitMs: number } | undefined {
  const committed = rows.reduce((s, r) => s + r.committed, 0);
  if (committed === 0) return undefined;
  return {
    committed,
    certifyMs: rows.reduce((s, r) => s + r.committed * r.certifyMs, 0) / committed,
    waitMs: rows.reduce((s, r) => s + r.committed * r.waitMs, 0) / committed,
  };
}

export function formatBenchLog(r: TxnBenchRun): string {
  const rtt = r.rttMs === null ? 'none' : String(r.rttMs);
  const lines = [
    `p4 bench: ${r.description}`,
    `Cluster:  ${r.managers} managers, ${r.shards} shards × rf ${r.rf}, txn_mode ${r.protocol}, repl rtt ${r.rttMs === null ? 'none (rf 1)' : `${r.rttMs} ms`}; ${r.where}`,
    `Load:     ${r.clients} closed-loop clients (the client library, one connection set each), ${r.warmupS} s warm-up, ${r.measuredS} s measured, seed ${r.seed}; an aborted transaction is run again by the client, up to ${r.maxTries} runs`,
    `Benchmarking results:  TXN-${r.workload}  ${r.mode}  rtt ${rtt}  ${r.clients} clients`,
    `  [Run]  ${Math.round(r.measuredS * 1000)} ms`,
    `    Throughput:  ${f2(throughput(r))} txn/sec`,
    `    Txns:  committed ${r.committed}  cross-shard ${r.cross}  attempts ${r.attempts}  aborted-attempts ${r.abortedAttempts}  gave-up ${r.gaveUp}  unknown ${r.unknown}`,
    `    Abort rate:  ${f2(abortRate(r))} %`,
    r.latencyMs === null ? '    Latency:  n/a (nothing committed)' : `    Latency:  p50 ${f2(r.latencyMs.p50)}  p99 ${f2(r.latencyMs.p99)}  avg ${f2(r.latencyMs.avg)}  max ${f2(r.latencyMs.max)}  ms`,
  ];
  if (typeof r.split === 'string') lines.push(`    Split:  n/a (${r.split})`);
  else {
    const all = overallSplit(r.split);
    if (all === undefined) lines.push('    Split:  n/a (the leaders committed nothing in the window)');
    else {
      lines.push(`    Split:  all  committed ${all.committed}  certify ${f2(all.certifyMs)}  wait ${f2(all.waitMs)}  ms`);
      for (const s of r.split) lines.push(`    Split:  ${s.shard}  committed ${s.committed}  certify ${f2(s.certifyMs)}  wait ${f2(s.waitMs)}  tick ${f2(s.tickMs)}  ms`);
    }
  }
  if (r.bankProblems !== undefined) lines.push(`  Bank check:  ${r.bankProblems.length === 0 ? 'OK (accounts and branches each sum to 0; every branch equals its accounts)' : `FAILED: ${r.bankProblems.join('; ')}`}`);
  return lines.join('\n') + '\n';
}
