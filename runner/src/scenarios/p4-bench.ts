#!/usr/bin/env node
/**
 * `p4::bench` (`npm run bench:p4`): stage 4's figures on one machine over loopback. For each
 * mode, a fresh local cluster of the store's programs (3 manager replicas, 3 shards; no link
 * proxies, the replication RTT is injected by the shards' --repl-rtt-ms), and on it each
 * workload in turn (runner/src/bench/p4/txn-mix.ts):
 *
 *   modes      mako  3 shards × rf 3, Mako's speculative 2PC, at every --rtts value
 *              2pc   3 shards × rf 3, 2PC over Raft, at every --rtts value
 *              rf1   3 shards × rf 1 running Mako, unreplicated: once (no replication to delay)
 *   workloads  micro-0, micro-5, micro-20, micro-50 (Mako's micro-benchmark at that
 *              cross-shard %), bank (TPC-A-like transfers)
 *
 * Each run writes `<results>/bench/bench-<workload>-<mode>-<rtt>ms-c<clients>.log` (rf1:
 * `bench-<workload>-rf1-c<clients>.log`; the format is in runner/src/bench/p4/bench-log.ts) and prints
 * its figures; at the end a table of every run with Mako/2PC and Mako/rf1 throughput ratios
 * at each RTT. results defaults to `<MADKV_RESULTS_ROOT or /tmp>/madkv-p4`.
 *
 *   p4-bench [--modes mako,2pc,rf1] [--rtts 0,10,50] [--workloads micro-0,micro-5,micro-20,micro-50,bank]
 *            [--clients 256] [--secs 10] [--warmup 2] [--base-port N] [--quick]
 *   --quick    micro-5 and bank at RTT 50 ms, 4 s each after 1 s of warm-up (about a minute)
 *
 * Every process it starts is stopped when it ends, fails or is interrupted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitWhenFlushed } from '../../../kvstore/src/common/process-exit';
import { groupLeader } from '../cluster/cluster-status';
import { LocalCluster } from '../cluster/local-cluster';
import { portsFromBase } from '../cluster/p3-layout';
import { Teardown } from '../bench/p3/bench-cluster';
import { type BenchMode, DEFAULT_BENCH_CLIENTS, type TxnBenchRun, abortRate, benchLogName, formatBenchLog, overallSplit, throughput } from '../bench/p4/bench-log';
import { BENCH_MAX_TRIES, type BenchTarget, measure, waitUntilServing } from '../bench/p4/txn-bench';
import { MICRO_SHARES, type WorkloadName, parseWorkload } from '../bench/p4/txn-mix';
import { startTestCluster } from '../testing/local-p3';

const MODES: readonly BenchMode[] = ['mako', '2pc', 'rf1'];
const DEFAULT_WORKLOADS = [...MICRO_SHARES.map((s) => `micro-${s}`), 'bank'].join(',');
const SHARDS = 3;
const MANAGERS = 3;

function defaultResults(): string {
  return path.join(process.env['MADKV_RESULTS_ROOT'] ?? '/tmp', 'madkv-p4');
}

/** A comma-separated list, each item parsed (`parse` gives the value, or undefined and the complaint in `why`). */
function list<T>(text: string, flag: string, parse: (s: string) => { value: T } | { why: string }): T[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error(`${flag} needs at least one value`);
  return items.map((s) => {
    const v = parse(s);
    if ('why' in v) throw new Error(`${flag}: ${v.why}`);
    return v.value;
  });
}

const parseMode = (s: string): { value: BenchMode } | { why: string } =>
  (MODES as readonly string[]).includes(s) ? { value: s as BenchMode } : { why: `unknown mode '${s}': expected mako, 2pc or rf1` };
const parseRtt = (s: string): { value: number } | { why: string } =>
  /^\d{1,5}$/.test(s) && Number(s) <= 10_000 ? { value: Number(s) } : { why: `'${s}' is not a round trip in ms (0..10000)` };

interface ClusterRun {
  mode: BenchMode;
  rttMs: number | null;
}

/** mako and 2pc at every RTT, rf1 once, in that order. */
export function clusterRuns(modes: readonly BenchMode[], rtts: readonly number[]): ClusterRun[] {
  const out: ClusterRun[] = [];
  for (const rtt of rtts) for (const mode of modes) if (mode !== 'rf1') out.push({ mode, rttMs: rtt });
  if (modes.includes('rf1')) out.push({ mode: 'rf1', rttMs: null });
  return out;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function startCluster(run: ClusterRun, basePort: number | undefined, teardown: Teardown): Promise<{ cluster: LocalCluster; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `madkv-p4-bench-${run.mode}-`));
  const shape = { managers: MANAGERS, partitions: SHARDS, rf: run.mode === 'rf1' ? 1 : 3 };
  const txn = { mode: run.mode === '2pc' ? ('2pc' as const) : ('mako' as const), replRttMs: run.rttMs ?? 0 };
  const env = { MADKV_RUN_DIR: path.join(dir, 'run') };
  let cluster: LocalCluster | undefined;
  let keep = false;
  const stop = teardown.add(async () => {
    if (cluster !== undefined) await cluster.stopAll('SIGKILL');
    if (keep) process.stderr.write(`the cluster's folder (node logs in <node>.log) is kept: ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });
  try {
    cluster =
      basePort === undefined
        ? await startTestCluster({ dir: path.join(dir, 'cluster'), stage: 'p4-bench', shape, env, proxies: false, txn })
        : await LocalCluster.startReplicated(
            { stage: 'p4-bench', dir: path.join(dir, 'cluster'), host: '127.0.0.1', shape, ports: portsFromBase(shape, basePort, false), proxies: false, txn },
            { detached: false, env },
          );
    const { missing } = await cluster.waitForLeaders(30_000);
    if (missing.length > 0) throw new Error(`no leader in group(s) ${missing.join(', ')} within 30 s`);
  } catch (err) {
    keep = true;
    await stop();
    throw err;
  }
  return { cluster, stop };
}

function targetOf(cluster: LocalCluster): BenchTarget {
  return {
    managers: cluster.managerAddresses,
    shards: SHARDS,
    splits: async () =>
      Promise.all(
        Array.from({ length: SHARDS }, async (_, s) => {
          const group = cluster.group(String(s));
          const answers = await cluster.answers(group.members, 2000);
          const leader = groupLeader(group, answers);
          const a = leader === undefined ? undefined : answers.get(leader);
          if (a?.state !== 'up' || a.status.txn?.split === undefined) return undefined;
          return { leader: `${leader}@${a.status.term}`, split: a.status.txn.split };
        }),
      ),
  };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function runLine(r: TxnBenchRun): string {
  const split = typeof r.split === 'string' ? undefined : overallSplit(r.split);
  const lat = r.latencyMs === null ? 'latency n/a' : `p50 ${fmt(r.latencyMs.p50, 1)} ms, p99 ${fmt(r.latencyMs.p99, 1)} ms`;
  const sp = split === undefined ? '' : `; leaders: certify ${fmt(split.certifyMs, 1)} ms + wait ${fmt(split.waitMs, 1)} ms`;
  const bank = r.bankProblems === undefined ? '' : r.bankProblems.length === 0 ? '; bank check OK' : `; BANK CHECK FAILED: ${r.bankProblems.join('; ')}`;
  return `${fmt(throughput(r))} txn/s, abort rate ${fmt(abortRate(r), 1)} %, ${lat}${sp}${bank}`;
}

/** The closing table: one row per workload and RTT, the three modes side by side, and the ratios. */
export function summaryTable(runs: readonly TxnBenchRun[], workloads: readonly WorkloadName[], rtts: readonly number[]): string[] {
  const find = (w: WorkloadName, mode: BenchMode, rtt: number | null): TxnBenchRun | undefined => runs.find((r) => r.workload === w && r.mode === mode && (mode === 'rf1' || r.rttMs === rtt));
  const cell = (r: TxnBenchRun | undefined): string => (r === undefined ? '-' : `${fmt(throughput(r))} (${fmt(abortRate(r), 1)} %)`);
  const ratio = (a: TxnBenchRun | undefined, b: TxnBenchRun | undefined): string => (a === undefined || b === undefined || throughput(b) === 0 ? '-' : `${(throughput(a) / throughput(b)).toFixed(2)}×`);
  const lat = (r: TxnBenchRun | undefined): string => (r?.latencyMs ? `${fmt(r.latencyMs.p50, 1)} / ${fmt(r.latencyMs.p99, 1)}` : '-');
  const head = ['workload', 'rtt ms', 'mako txn/s (abort)', '2pc txn/s (abort)', 'rf1 txn/s (abort)', 'mako/2pc', 'mako/rf1', 'mako p50/p99 ms', '2pc p50/p99 ms', 'rf1 p50/p99 ms'];
  const rows: string[][] = [];
  for (const w of workloads)
    for (const rtt of rtts) {
      const m = find(w, 'mako', rtt);
      const t = find(w, '2pc', rtt);
      const u = find(w, 'rf1', null);
      if (m === undefined && t === undefined && u === undefined) continue;
      rows.push([w, String(rtt), cell(m), cell(t), cell(u), ratio(m, t), ratio(m, u), lat(m), lat(t), lat(u)]);
    }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i < 2 ? ':' : '-') + '-'.repeat(w) + (i < 2 ? '-' : ':')).join('|')}|`, ...rows.map(line)];
}

async function main(): Promise<number> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('p4-bench')
    .usage('$0 [options]\n\nStage 4 benchmarks: Mako vs 2PC vs unreplicated (see the header of runner/src/scenarios/p4-bench.ts).')
    .option('results', { type: 'string', default: defaultResults(), describe: 'results folder: logs go to <results>/bench/' })
    .option('modes', { type: 'string', default: MODES.join(','), describe: 'mako, 2pc, rf1 (unreplicated Mako), comma-separated' })
    .option('rtts', { type: 'string', default: '0,10,50', describe: 'injected replication round trips (ms) for mako and 2pc' })
    .option('workloads', { type: 'string', default: DEFAULT_WORKLOADS, describe: 'micro-<cross-shard %> and/or bank' })
    .option('clients', { type: 'number', default: DEFAULT_BENCH_CLIENTS, describe: 'closed-loop clients, each one transaction at a time (the report\'s matrix is at the default; other counts show as a sweep)' })
    .option('secs', { type: 'number', default: 10, describe: 'measured seconds per run' })
    .option('warmup', { type: 'number', default: 2, describe: 'seconds of warm-up before each measurement' })
    .option('keys-per-shard', { type: 'number', default: 10_000, describe: 'micro: keys on each shard' })
    .option('accounts-per-shard', { type: 'number', default: 1000, describe: 'bank: accounts on each shard' })
    .option('branches-per-shard', { type: 'number', default: 100, describe: 'bank: branches on each shard' })
    .option('base-port', { type: 'number', describe: 'ports from here (m.X on base+X, peers base-60+X, shards base+111+k, peers base+41+k); default: free ports' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the transaction streams' })
    .option('quick', { type: 'boolean', default: false, describe: 'micro-5 and bank at RTT 50 ms, 4 s after 1 s warm-up (explicit flags still win)' })
    .check((a) => {
      for (const [flag, n] of [['--clients', a.clients], ['--keys-per-shard', a['keys-per-shard']], ['--accounts-per-shard', a['accounts-per-shard']], ['--branches-per-shard', a['branches-per-shard']]] as const)
        if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${n}`);
      if (a.clients > 512) throw new Error(`--clients must be at most 512, got ${a.clients}`);
      if (a['keys-per-shard'] < 4) throw new Error('--keys-per-shard must be at least 4 (a transaction takes 4 distinct keys)');
      if (!(Number.isFinite(a.secs) && a.secs > 0)) throw new Error(`--secs must be a positive number, got ${a.secs}`);
      if (!(Number.isFinite(a.warmup) && a.warmup >= 0)) throw new Error(`--warmup must be 0 or more seconds, got ${a.warmup}`);
      if (a['base-port'] !== undefined && !(Number.isInteger(a['base-port']) && a['base-port'] >= 1084 && a['base-port'] <= 65_000)) throw new Error(`--base-port must be a port from 1084 to 65000, got ${a['base-port']}`);
      list(a.modes, '--modes', parseMode);
      list(a.rtts, '--rtts', parseRtt);
      list(a.workloads, '--workloads', parseWorkload);
      return true;
    })
    .strict()
    .help()
    .showHelpOnFail(false, 'p4-bench --help lists the options')
    .parseAsync();

  const given = (flag: string): boolean => process.argv.some((x) => x === `--${flag}` || x.startsWith(`--${flag}=`));
  const quick = args.quick;
  const modes = list(args.modes, '--modes', parseMode);
  const rtts = list(quick && !given('rtts') ? '50' : args.rtts, '--rtts', parseRtt);
  const workloads = list(quick && !given('workloads') ? 'micro-5,bank' : args.workloads, '--workloads', parseWorkload);
  const secs = quick && !given('secs') ? 4 : args.secs;
  const warmup = quick && !given('warmup') ? 1 : args.warmup;
  const benchDir = path.join(args.results, 'bench');
  fs.mkdirSync(benchDir, { recursive: true });

  const teardown = new Teardown();
  const began = Date.now();
  const runs: TxnBenchRun[] = [];
  let failed = 0;
  let seq = 0;
  try {
    for (const cr of clusterRuns(modes, rtts)) {
      const label = cr.mode === 'rf1' ? 'rf1 (3 shards × rf 1, Mako, no replication)' : `${cr.mode} (3 shards × rf 3) at ${cr.rttMs} ms replication RTT`;
      say(`== ${label}: starting a cluster`);
      const { cluster, stop } = await startCluster(cr, args['base-port'], teardown);
      try {
        const target = targetOf(cluster);
        await waitUntilServing(target, 30_000);
        for (const w of workloads) {
          seq++;
          const m = await measure(target, {
            workload: w,
            clients: args.clients,
            warmupMs: warmup * 1000,
            measureMs: secs * 1000,
            seed: args.seed + seq,
            prefix: `b${seq}.`,
            keysPerShard: args['keys-per-shard'],
            accountsPerShard: args['accounts-per-shard'],
            branchesPerShard: args['branches-per-shard'],
          });
          const run: TxnBenchRun = {
            workload: w,
            mode: cr.mode,
            protocol: cr.mode === '2pc' ? '2pc' : 'mako',
            rf: cr.mode === 'rf1' ? 1 : 3,
            rttMs: cr.rttMs,
            managers: MANAGERS,
            shards: SHARDS,
            where: `local cluster on ${os.hostname()} (${os.cpus().length} CPUs), loopback, no link proxies`,
            clients: args.clients,
            warmupS: warmup,
            seed: args.seed + seq,
            maxTries: BENCH_MAX_TRIES,
            ...m,
          };
          const file = path.join(benchDir, benchLogName(w, cr.mode, cr.rttMs, args.clients));
          fs.writeFileSync(file, formatBenchLog(run));
          runs.push(run);
          if (run.bankProblems !== undefined && run.bankProblems.length > 0) failed++;
          say(`  ${w.padEnd(8)} ${runLine(run)}  -> ${file}`);
        }
      } finally {
        await stop();
      }
    }
    say('');
    say(`Committed txn/s (abort rate: aborted runs / runs) with ${args.clients} closed-loop client${args.clients === 1 ? '' : 's'}, ${secs} s per run; ratios are of throughput:`);
    for (const line of summaryTable(runs, workloads, rtts)) say(line);
    if (failed > 0) say(`${failed} bank run(s) FAILED their check (see above)`);
    say(`(${runs.length} runs in ${Math.round((Date.now() - began) / 1000)} s)`);
    return failed > 0 ? 1 : 0;
  } catch (err) {
    console.error(`p4-bench failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await teardown.run();
  }
}

if (require.main === module) {
  main().then(exitWhenFlushed, (err: unknown) => {
    console.error((err as Error).stack ?? String(err));
    return exitWhenFlushed(1);
  });
}
