/**
 * The figures of `npm run bench:p3`, written as JSON for the report generator, one file per
 * benchmark under `<results>/perf/` (results: `--results`, or `<MADKV_RESULTS_ROOT or /tmp>/madkv-p3`
 * as the p3 recipes have it):
 *
 *   perf/throughput.json  {kind: 'throughput', when, host, cpus, rf, partitions, valueBytes, seconds,
 *                          rows: [{clients, op: 'put'|'get', ours_ops, etcd_ops, ratio,
 *                                  ours_p50_ms, ours_p99_ms, etcd_p50_ms, etcd_p99_ms}]}
 *   perf/failover.json    {kind: 'failover', when, host, rf, kills, samples_ms, p50_ms, p99_ms, max_ms}
 *   perf/restart.json     {kind: 'restart', when, host, keys, restart_ms, leader_rss_mb,
 *                          follower_rss_mb, log_bytes_max, snapshot_bytes}
 *
 * `when` is ISO-8601, `host` os.hostname(); ops are per second, latencies in ms. etcd's
 * figures (and the ratio) are null when etcd was not measured (--no-etcd, or not installed).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ThroughputRow {
  clients: number;
  op: 'put' | 'get';
  ours_ops: number;
  etcd_ops: number | null;
  ratio: number | null;
  ours_p50_ms: number;
  ours_p99_ms: number;
  etcd_p50_ms: number | null;
  etcd_p99_ms: number | null;
}

export interface ThroughputResult {
  kind: 'throughput';
  when: string;
  host: string;
  cpus: number;
  rf: number;
  partitions: number;
  valueBytes: number;
  seconds: number;
  rows: ThroughputRow[];
}

export interface FailoverResult {
  kind: 'failover';
  when: string;
  host: string;
  rf: number;
  kills: number;
  samples_ms: number[];
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface RestartResult {
  kind: 'restart';
  when: string;
  host: string;
  keys: number;
  restart_ms: number;
  leader_rss_mb: number;
  follower_rss_mb: number;
  log_bytes_max: number;
  snapshot_bytes: number;
}

export type PerfResult = ThroughputResult | FailoverResult | RestartResult;

/** Where results go by default: `<MADKV_RESULTS_ROOT or /tmp>/madkv-p3`. */
export function defaultResultsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env['MADKV_RESULTS_ROOT'] || '/tmp', 'madkv-p3');
}

/** When and where a result was measured. */
export function stamp(): { when: string; host: string } {
  return { when: new Date().toISOString(), host: os.hostname() };
}

/** Writes `<results>/perf/<kind>.json` whole (through a temporary file) and returns its path. */
export function writeResult(resultsDir: string, result: PerfResult): string {
  const dir = path.join(resultsDir, 'perf');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${result.kind}.json`);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(result, null, 1) + '\n');
  fs.renameSync(tmp, file);
  return file;
}

/** Rounds a figure for the JSON files to `decimals` decimal places. */
export function round(n: number, decimals = 2): number {
  const f = 10 ** decimals;
  return Math.round(n * f) / f;
}
