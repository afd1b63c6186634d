// End to end: `campaign p1` over a results folder where the report lacks three runs. It runs
// exactly those, each on a fresh server it stops, skips the rest, and the report it writes
// then has every run. Tiny settings keep it to seconds; needs Python with matplotlib (as the
// report tests do).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '../paths';
import { liveProcesses } from '../../../kvstore/src/common/pid-registry';
import { benchLog, fuzzLog } from '../../../sumgen/test/fixture-logs';
import { listReportRuns } from './run-list';
import { MANIFEST_FILE } from './manifest';

const ROOT = repoRoot();
const LEFT_OUT = ['tests/test1.log', 'fuzz/fuzz-1-no.log', 'bench/bench-1-a.log'];

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'runner', 'src', 'campaign', 'main.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('close', (code) => resolve({ code, out }));
  });
}

function refused(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('p1 campaign, end to end', () => {
  let dir: string;
  let results: string;
  let out: string;
  let env: NodeJS.ProcessEnv;
  let outcome: { code: number | null; out: string };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-campaign-'));
    results = path.join(dir, 'results');
    out = path.join(dir, 'report');
    env = { MADKV_RUN_DIR: path.join(dir, 'run'), MADKV_RUNNER_ARGS: '' };
    const runs = listReportRuns(ROOT, 'p1', results);
    assert.ok(typeof runs !== 'string', String(runs));
    for (const r of runs) {
      if (LEFT_OUT.includes(r.relpath)) continue;
      const text =
        r.kind === 'testcase' ? `testcase ${r.args[0]}: PASSED\n`
        : r.kind === 'fuzz' ? fuzzLog('PASSED', [20, 20, 30, 20, 10], false)
        : benchLog(r.args[1]!, Number(r.args[0]), 1000, [{ op: 'READ', ops: 50, avg: 100, p99: 400 }, { op: 'UPDATE', ops: 50, avg: 120, p99: 500 }], false);
      fs.mkdirSync(path.dirname(path.join(results, r.relpath)), { recursive: true });
      fs.writeFileSync(path.join(results, r.relpath), text);
    }
    outcome = await run(['p1', '--results', results, '--report-out', out, '--bench-ops', '40', '--fuzz-ops', '40'], env);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('runs exactly the missing runs, with a progress line and the time left for each, then a summary', () => {
    assert.equal(outcome.code, 0, outcome.out);
    assert.match(outcome.out, /campaign p1: 3 of 32 runs to do, 29 already present/);
    assert.match(outcome.out, /\[1\/3\] testcase 1 {2}\(tests\/test1\.log\)\n\s+done in \d+ s; 2 left, about \d+/);
    assert.match(outcome.out, /\[3\/3\] bench YCSB-A, 1 client {2}\(bench\/bench-1-a\.log\)\n\s+done in \d+ s; none left/);
    assert.match(outcome.out, /campaign p1 finished in .*: 3 runs done, 0 failed, 29 skipped \(already present\)\./);
  });

  test('records each run as its recipe does, with the shortened settings, and notes them as shortened', () => {
    for (const rel of LEFT_OUT) assert.ok(fs.existsSync(path.join(results, rel)), rel);
    assert.match(fs.readFileSync(path.join(results, 'fuzz/fuzz-1-no.log'), 'utf8'), /Fuzz testing result:.*PASSED/);
    assert.match(fs.readFileSync(path.join(results, 'bench/bench-1-a.log'), 'utf8'), /num_ops: 40,/);
    assert.match(fs.readFileSync(path.join(results, 'tests/test1.log'), 'utf8'), /testcase 1: PASSED/);
    const manifest = JSON.parse(fs.readFileSync(path.join(results, MANIFEST_FILE), 'utf8')) as Record<string, { shortened: boolean }>;
    assert.deepEqual(Object.keys(manifest).sort(), [...LEFT_OUT].sort());
    assert.ok(Object.values(manifest).every((e) => e.shortened));
  });

  test('stops every server it started', async () => {
    const server = /"p1::client",\s*"([^"]+)"/.exec(fs.readFileSync(path.join(results, 'bench/bench-1-a.log'), 'utf8'))?.[1];
    assert.ok(server !== undefined, 'the bench log names its server');
    assert.ok(await refused(server), `${server} still answers`);
    assert.deepEqual(liveProcesses('p1', env['MADKV_RUN_DIR']), []);
  });

  test('then writes a report with every run present and every plot', () => {
    assert.match(outcome.out, /32 of 32 runs present, 0 missing, 0 unparseable/);
    const md = fs.readFileSync(path.join(out, 'proj1.md'), 'utf8');
    assert.doesNotMatch(md, /\bmissing\b/i);
    for (const png of ['ycsb-single-cli.png', 'ycsb-tput-trend.png', 'ycsb-lats-trend.png']) assert.ok(fs.existsSync(path.join(out, 'plots-p1', png)), png);
  });

  test('a second campaign finds nothing to do', async () => {
    const again = await run(['p1', '--results', results, '--no-report', '--quick'], env);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /0 of 32 runs to do, 32 already present/);
    assert.match(again.out, /0 runs done, 0 failed, 32 skipped/);
  });
});

// Stage 4: a crashing fuzz run on a fresh stage-4 cluster of its txn mode (the fuzz kills and
// restarts a shard leader itself), and a bench point through p4::bench (which starts its own),
// chosen with --only and shortened to seconds.
describe('p4 campaign, end to end', () => {
  let dir: string;
  let results: string;
  let env: NodeJS.ProcessEnv;
  let outcome: { code: number | null; out: string };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-campaign-p4-'));
    results = path.join(dir, 'results');
    env = { MADKV_RUN_DIR: path.join(dir, 'run'), MADKV_RUNNER_ARGS: '' };
    outcome = await run(['p4', '--results', results, '--only', 'fuzz-mako-yes', '--only', 'bench-micro-5-rf1', '--txn-fuzz-secs', '4', '--txn-bench-secs', '2', '--no-report'], env);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('runs the chosen runs and leaves the rest out', () => {
    assert.equal(outcome.code, 0, outcome.out);
    assert.match(outcome.out, /campaign p4: 2 of 39 runs to do, 0 already present, 37 left out by --only/);
    assert.match(outcome.out, /settings: transactional fuzz runs of 4 s, 2 s measured per bench point \(shortened: a quick look\)/);
    assert.match(outcome.out, /\[1\/2\] fuzz, mako, leader crashed {2}\(fuzz\/fuzz-mako-yes\.log\)\n\s+done in \d+ s \(faults: \+[\d.]+ s {2}killed s\d\.\d, \+[\d.]+ s {2}restarted s\d\.\d\); 1 left/);
    assert.match(outcome.out, /\[2\/2\] bench micro-5, rf1 {2}\(bench\/bench-micro-5-rf1-c256\.log\)\n\s+done in \d+ s; none left/);
    assert.match(outcome.out, /campaign p4 finished in .*: 2 runs done, 0 failed, 0 skipped \(already present\), 37 left out by --only\./);
  });

  test('records the fuzz run as p4::fuzz does, on a cluster of its txn mode, and the bench point as p4::bench does', () => {
    const fuzz = fs.readFileSync(path.join(results, 'fuzz/fuzz-mako-yes.log'), 'utf8');
    assert.match(fuzz, /Fuzz testing result: PASSED/);
    assert.match(fuzz, /txn_mode: "?mako"?/);
    assert.match(fuzz, /Faults during the run: {2}2 injected/);
    assert.ok(fs.existsSync(path.join(results, 'fuzz/fuzz-mako-yes.history.jsonl')));
    const bench = fs.readFileSync(path.join(results, 'bench/bench-micro-5-rf1-c256.log'), 'utf8');
    assert.match(bench, /Cluster: +3 managers, 3 shards × rf 1/);
    assert.match(bench, /Throughput: +[\d.]+ txn\/sec/);
    const manifest = JSON.parse(fs.readFileSync(path.join(results, MANIFEST_FILE), 'utf8')) as Record<string, { shortened: boolean }>;
    assert.deepEqual(Object.keys(manifest).sort(), ['bench/bench-micro-5-rf1-c256.log', 'fuzz/fuzz-mako-yes.log']);
    assert.ok(Object.values(manifest).every((e) => e.shortened));
  });

  test('stops every node it started', () => {
    assert.deepEqual(liveProcesses('p4', env['MADKV_RUN_DIR']), []);
  });
});
