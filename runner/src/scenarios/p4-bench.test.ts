/**
 * `p4::bench` at a tiny size: the order of its clusters, the closing table's ratios, its refusal
 * of bad arguments (one line, before starting anything), and one short run of the real programs
 * (3 shards × rf 1, two workloads) that writes logs in the format p4::report reads and leaves no
 * process or folder behind.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { liveProcesses } from '../../../kvstore/src/common/pid-registry';
import { repoRoot, runToCompletion } from '../../../kvstore/src/testing/spawn-node';
import type { TxnBenchRun } from '../bench/p4/bench-log';
import { clusterRuns, summaryTable } from './p4-bench';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p4-bench-test-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const script = path.join(repoRoot(), 'dist', 'runner', 'src', 'scenarios', 'p4-bench.js');

test('clusters: every replicated mode at each RTT, unreplicated once', () => {
  assert.deepEqual(
    clusterRuns(['mako', '2pc', 'rf1'], [0, 50]).map((r) => `${r.mode}@${r.rttMs}`),
    ['mako@0', '2pc@0', 'mako@50', '2pc@50', 'rf1@null'],
  );
  assert.deepEqual(clusterRuns(['rf1'], [0, 10, 50]).map((r) => `${r.mode}@${r.rttMs}`), ['rf1@null']);
});

test('the closing table: throughput and abort rate per mode, the ratios against 2PC and rf1 at each RTT', () => {
  const run = (mode: TxnBenchRun['mode'], rttMs: number | null, committed: number): TxnBenchRun => ({
    workload: 'micro-5', description: '', mode, protocol: mode === '2pc' ? '2pc' : 'mako', rf: mode === 'rf1' ? 1 : 3, rttMs, managers: 3, shards: 3, where: '',
    clients: 8, warmupS: 0, measuredS: 2, seed: 1, maxTries: 10, committed, cross: 0, attempts: committed * 2, abortedAttempts: committed, gaveUp: 0, unknown: 0,
    latencyMs: { p50: 5, p99: 9.25, avg: 6, max: 10 }, split: [],
  });
  const lines = summaryTable([run('mako', 50, 3000), run('2pc', 50, 600), run('rf1', null, 4000)], ['micro-5', 'bank'], [0, 50]);
  assert.match(lines[0]!, /^\| workload \| rtt ms \| mako txn\/s \(abort\) \| 2pc txn\/s \(abort\) \| rf1 txn\/s \(abort\) \| mako\/2pc \| mako\/rf1 \|/);
  // Header, rule, then micro-5 at 0 ms (only the rf1 run, the same at every RTT) and at 50 ms; no bank row.
  assert.equal(lines.length, 4, lines.join('\n'));
  assert.match(lines[2]!, /^\| micro-5 +\| 0 +\| +- \| +- \| +2,000 \(50\.0 %\) \| +- \| +- \|/);
  assert.match(lines[3]!, /^\| micro-5 +\| 50 +\| +1,500 \(50\.0 %\) \| +300 \(50\.0 %\) \| +2,000 \(50\.0 %\) \| +5\.00× \| +0\.75× \| +5\.0 \/ 9\.3 \|/);
});

test('bad arguments are refused with one line naming the flag, before anything starts', async () => {
  for (const [args, message] of [
    [['--modes', 'raft'], /--modes: unknown mode 'raft': expected mako, 2pc or rf1/],
    [['--rtts', '5,x'], /--rtts: 'x' is not a round trip in ms/],
    [['--workloads', 'tpcc'], /--workloads: unknown workload 'tpcc'/],
    [['--clients', '0'], /--clients must be a positive integer, got 0/],
  ] as const) {
    const r = await runToCompletion(process.execPath, [script, ...args, '--results', path.join(scratch, 'refused')], '', { timeoutMs: 20_000 });
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, message);
    assert.equal(fs.existsSync(path.join(scratch, 'refused')), false, 'nothing written');
  }
});

test('a short run on 3 shards × rf 1: a log per workload with committed transactions and the leaders\' split; nothing left running', async () => {
  const runDir = path.join(scratch, 'run');
  const tmp = path.join(scratch, 'tmp');
  fs.mkdirSync(tmp);
  const results = path.join(scratch, 'results');
  const r = await runToCompletion(
    process.execPath,
    [script, '--modes', 'rf1', '--workloads', 'micro-50,bank', '--clients', '4', '--secs', '1.5', '--warmup', '0.5', '--accounts-per-shard', '20', '--branches-per-shard', '2', '--results', results],
    '',
    { env: { MADKV_RUN_DIR: runDir, TMPDIR: tmp }, timeoutMs: 90_000 },
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.deepEqual(fs.readdirSync(path.join(results, 'bench')).sort(), ['bench-bank-rf1-c4.log', 'bench-micro-50-rf1-c4.log']);
  for (const name of ['bench-bank-rf1-c4.log', 'bench-micro-50-rf1-c4.log']) {
    const log = fs.readFileSync(path.join(results, 'bench', name), 'utf8');
    assert.match(log, /^Benchmarking results: {2}TXN-(micro-50|bank) {2}rf1 {2}rtt none {2}4 clients$/m);
    const committed = Number(/committed (\d+) {2}cross-shard/.exec(log)?.[1]);
    assert.ok(committed > 0, log);
    assert.match(log, /^ {4}Latency: {2}p50 [\d.]+ {2}p99 [\d.]+ {2}avg [\d.]+ {2}max [\d.]+ {2}ms$/m);
    // Each shard leader reports its split, with a measured tick.
    for (const s of ['s0', 's1', 's2']) assert.match(log, new RegExp(`^ {4}Split: {2}${s} {2}committed \\d+ {2}certify [\\d.]+ {2}wait [\\d.]+ {2}tick [\\d.]+ {2}ms$`, 'm'), log);
  }
  assert.match(fs.readFileSync(path.join(results, 'bench', 'bench-bank-rf1-c4.log'), 'utf8'), /^ {2}Bank check: {2}OK /m);
  assert.match(r.stdout, /^\| micro-50 +\| 0 +\| +- \| +- \| +[\d,]+ \([\d.]+ %\) \| +- \| +- \|/m);
  assert.deepEqual(liveProcesses('p4-bench', runDir), [], 'every node stopped');
  assert.deepEqual(fs.readdirSync(tmp), [], 'the cluster folder is removed');
});
