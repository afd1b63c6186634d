/**
 * `npm run bench:p3` at a tiny size: each benchmark runs on its own cluster of the store's
 * programs, writes its figures in the shape the report reads, and leaves no process or
 * folder behind, also when interrupted; bad arguments are refused with one line.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { liveProcesses } from '../../../kvstore/src/common/pid-registry';
import { repoRoot, runToCompletion } from '../../../kvstore/src/testing/spawn-node';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p3-bench-test-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const script = path.join(repoRoot(), 'dist', 'runner', 'src', 'scenarios', 'p3-bench.js');

/** A run of its own: results, run folder (pid files) and temporary folder (cluster storage) under scratch/name. */
function setup(name: string): { env: NodeJS.ProcessEnv; results: string; runDir: string; tmp: string } {
  const base = path.join(scratch, name);
  const tmp = path.join(base, 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  const runDir = path.join(base, 'run');
  return { env: { MADKV_RUN_DIR: runDir, TMPDIR: tmp }, results: path.join(base, 'results'), runDir, tmp };
}

async function bench(name: string, args: string[]): Promise<{ json: Record<string, unknown>; stdout: string }> {
  const s = setup(name);
  const r = await runToCompletion(process.execPath, [script, ...args, '--managers', '1', '--results', s.results], '', { env: s.env, timeoutMs: 90_000 });
  assert.equal(r.code, 0, `${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  assert.deepEqual(liveProcesses('p3-bench', s.runDir), [], 'every node stopped');
  assert.deepEqual(fs.readdirSync(s.tmp), [], 'the cluster folder is removed');
  const file = path.join(s.results, 'perf', `${args[0]}.json`);
  assert.match(r.stdout, new RegExp(`-> ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  return { json: JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>, stdout: r.stdout };
}

function stamped(json: Record<string, unknown>, kind: string): void {
  assert.equal(json.kind, kind);
  assert.equal(json.host, os.hostname());
  assert.ok(typeof json.when === 'string' && Math.abs(Date.parse(json.when) - Date.now()) < 120_000, `when: ${String(json.when)}`);
}

const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;

describe('bench:p3', { concurrency: 2 }, () => {
  test('throughput --no-etcd: ours for each client count and operation, etcd null, the table printed', async () => {
    const { json, stdout } = await bench('throughput', ['throughput', '--clients', '2', '--seconds', '1', '--warmup', '0.2', '--no-etcd']);
    stamped(json, 'throughput');
    assert.deepEqual(Object.keys(json).sort(), ['cpus', 'host', 'kind', 'partitions', 'rf', 'rows', 'seconds', 'valueBytes', 'when']);
    assert.deepEqual([json.cpus, json.rf, json.partitions, json.valueBytes, json.seconds], [os.cpus().length, 3, 1, 100, 1]);
    const rows = json.rows as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((r) => `${String(r.clients)} ${String(r.op)}`), ['2 put', '2 get']);
    for (const r of rows) {
      assert.deepEqual(Object.keys(r).sort(), ['clients', 'etcd_ops', 'etcd_p50_ms', 'etcd_p99_ms', 'op', 'ours_ops', 'ours_p50_ms', 'ours_p99_ms', 'ratio']);
      assert.ok(positive(r.ours_ops) && positive(r.ours_p50_ms) && positive(r.ours_p99_ms), JSON.stringify(r));
      assert.ok((r.ours_p50_ms as number) <= (r.ours_p99_ms as number), JSON.stringify(r));
      assert.deepEqual([r.etcd_ops, r.ratio, r.etcd_p50_ms, r.etcd_p99_ms], [null, null, null, null]);
    }
    assert.match(stdout, /\| clients \| +op \| ours ops\/s \| etcd ops\/s \| ratio \|/);
    assert.match(stdout, /^\| +2 \| PUT \| +[\d,]+ \| +- \| +- \|/m);
  });

  test('failover --kills 1: one sample, from the kill to a write acknowledged by the new leader', async () => {
    const { json, stdout } = await bench('failover', ['failover', '--kills', '1']);
    stamped(json, 'failover');
    assert.deepEqual(Object.keys(json).sort(), ['host', 'kills', 'kind', 'max_ms', 'p50_ms', 'p99_ms', 'rf', 'samples_ms', 'when']);
    assert.deepEqual([json.rf, json.kills], [3, 1]);
    const samples = json.samples_ms as number[];
    assert.equal(samples.length, 1);
    // No write can be acknowledged before a follower notices the leader is gone and wins an election.
    assert.ok(samples[0]! > 100 && samples[0]! < 60_000, String(samples[0]));
    assert.deepEqual([json.p50_ms, json.p99_ms, json.max_ms], [samples[0], samples[0], samples[0]]);
    assert.match(stdout, /kill  1: (s0\.\d) killed -> write acknowledged by (?!\1)s0\.\d after \d+ ms; \1 restarted/);
  });

  test('restart --keys 2000: RSS, a follower log bounded by snapshots, the restart time', async () => {
    const { json, stdout } = await bench('restart', ['restart', '--keys', '2000', '--snapshot-every', '500']);
    stamped(json, 'restart');
    assert.deepEqual(Object.keys(json).sort(), ['follower_rss_mb', 'host', 'keys', 'kind', 'leader_rss_mb', 'log_bytes_max', 'restart_ms', 'snapshot_bytes', 'when']);
    assert.equal(json.keys, 2000);
    for (const k of ['restart_ms', 'leader_rss_mb', 'follower_rss_mb', 'log_bytes_max', 'snapshot_bytes']) assert.ok(positive(json[k]), `${k}: ${String(json[k])}`);
    // 2,000 keys with a snapshot every 500 commands: the snapshot holds most of them.
    assert.ok((json.snapshot_bytes as number) > 1500 * 10, `snapshot_bytes ${String(json.snapshot_bytes)}`);
    assert.match(stdout, /killed \(SIGKILL\) at commit \d+, restarted: listening after \d+ ms, applied ≥ \d+ after \d+ ms/);
  });

  test('interrupted (SIGTERM) mid-run: every node it started is stopped, its folder removed, no figures written', async () => {
    const s = setup('interrupted');
    const child = spawn(process.execPath, [script, 'failover', '--kills', '1000', '--managers', '1', '--results', s.results], { env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    for (let i = 0; i < 1200 && !/kill  1:/.test(out) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /kill  1:/);
    assert.equal(liveProcesses('p3-bench', s.runDir).length, 4, 'a manager and three replicas are running');
    child.kill('SIGTERM');
    assert.equal(await exited, 128 + 15, out);
    assert.match(out, /SIGTERM: stopping every process the benchmark started/);
    assert.deepEqual(liveProcesses('p3-bench', s.runDir), []);
    assert.deepEqual(fs.readdirSync(s.tmp), []);
    assert.equal(fs.existsSync(path.join(s.results, 'perf', 'failover.json')), false);
  });

  test('bad arguments are refused, saying why, before anything starts', async () => {
    const s = setup('bad');
    for (const [args, message] of [
      [['throughput', '--clients', '10,0'], "--clients must be positive integers separated by commas, got '10,0'"],
      [['failover', '--kills', '-1'], '--kills must be a positive integer, got -1'],
      [['restart', '--managers', '2'], '--managers must be one of 1, 3, 5, 7, 9, got 2'],
      [['nonsense'], 'Invalid values:'],
    ] as const) {
      const r = await runToCompletion(process.execPath, [script, ...args, '--results', s.results], '', { env: s.env, timeoutMs: 15_000 });
      assert.notEqual(r.code, 0, args.join(' '));
      assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
    }
    assert.equal(fs.existsSync(s.results), false);
  });
});
