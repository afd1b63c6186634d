/**
 * The p3 recipes, driven through `just` as a student types them: a cluster of 3 manager
 * replicas and one partition of 3 replicas, each node started with `p3::service <node>`
 * (arguments derived from its id), then `p3::client`, `p3::fuzz` and `p3::kill`, in a
 * scratch folder on loopback.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, repoRoot, runToCompletion } from '../kvstore/src/testing/spawn-node';
import { queryStatus } from '../kvstore/src/status/query-status';

const root = repoRoot();
const justBin = path.join(root, 'node_modules', '.bin', 'just');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-recipes-p3-'));
const env = { MADKV_RUN_DIR: path.join(scratch, 'run'), MADKV_RESULTS_ROOT: path.join(scratch, 'results'), MADKV_LISTEN_HOST: '127.0.0.1', MADKV_RUNNER_ARGS: '--num-ops 100' };
const results = path.join(env.MADKV_RESULTS_ROOT, 'madkv-p3');
const services: ChildProcess[] = [];

function just(args: string[], timeoutMs = 30_000): ReturnType<typeof runToCompletion> {
  return runToCompletion(justBin, args, '', { env, timeoutMs });
}

after(async () => {
  await just(['p3::kill']);
  for (const s of services) if (s.exitCode === null && s.signalCode === null) process.kill(-s.pid!, 'SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
});

const addresses = async (n: number): Promise<string> => (await Promise.all(Array.from({ length: n }, async () => `127.0.0.1:${await freePort()}`))).join(',');

test('mistyped p3 runs are refused before any file is made', async () => {
  for (const [args, message] of [
    [['p3::fuzz', '4'], "error: server_rf must be one of 1, 3, 5, 7, 9, got '4'"],
    [['p3::fuzz', '5', 'maybe'], "error: crashing must be yes or no, got 'maybe'"],
    [['p3::bench', '10', 'a', '3', '127.0.0.1:3666,nonsense'], "error: managers: bad address 'nonsense': expected host:port"],
    [['p3::bench', 'ten', 'a'], "error: nclis must be a positive integer, got 'ten'"],
  ] as const) {
    const r = await just([...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(r.stderr.split('\n').find((l) => l.startsWith('error:')), message, args.join(' '));
  }
  assert.equal(fs.existsSync(results), false, 'nothing under the results folder');
});

test('p3::service starts every node from its id; p3::client and p3::fuzz use the cluster; p3::kill stops it', async () => {
  const managers = await addresses(3);
  const managerP2ps = await addresses(3);
  const servers = await addresses(3);
  const serverP2ps = await addresses(3);
  const prefix = path.join(scratch, 'backer');
  // The template's short names too: m is m.0 and s0 is s0.0.
  const nodes = ['m', 'm.1', 'm.2', 's0', 's0.1', 's0.2'];
  const logs = new Map<string, string>();
  for (const node of nodes) {
    const child = spawn(justBin, ['p3::service', node, managers, managerP2ps, '3', servers, serverP2ps, prefix], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    services.push(child);
    logs.set(node, '');
    child.stdout!.on('data', (d: Buffer) => logs.set(node, logs.get(node) + d.toString()));
    child.stderr!.on('data', (d: Buffer) => logs.set(node, logs.get(node) + d.toString()));
  }
  const deadline = Date.now() + 30_000;
  while (![...logs.values()].every((l) => /listening on/.test(l))) {
    assert.ok(Date.now() < deadline, `not every node started:\n${[...logs].map(([n, l]) => `${n}: ${l}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(logs.get('s0')!, /madkv service s0: just p3::server 0 0 /);
  assert.match(logs.get('m')!, /madkv manager m\.0 listening on/);
  assert.match(logs.get('m.1')!, new RegExp(`madkv service m\\.1: just p3::manager 1 ${managers.split(',')[1]!.split(':')[1]} `));
  assert.equal(fs.existsSync(`${prefix}.m.1`), true, 'storage <backer_prefix>.<node>');

  const r = await runToCompletion(justBin, ['p3::client', managers], 'PUT k 1\nGET k\nSCAN a z\nSTOP\n', { env, timeoutMs: 30_000 });
  assert.equal(r.stdout, 'PUT k not_found\nGET k 1\nSCAN a z BEGIN\n  k 1\nSCAN END\nSTOP\n', r.stderr);
  const status = await queryStatus(managers.split(',')[0]!, 2000);
  assert.equal(status.node, 'm.0');

  const fuzz = await just(['p3::fuzz', '3', 'no', managers], 120_000);
  assert.equal(fuzz.code, 0, fuzz.stdout + fuzz.stderr);
  assert.match(fs.readFileSync(path.join(results, 'fuzz', 'fuzz-3-no.log'), 'utf8'), /^Fuzz testing result: PASSED$/m);

  const killed = await just(['p3::kill']);
  assert.equal(killed.code, 0, killed.stderr);
  for (const node of ['m.0', 'm.1', 'm.2', 's0.0', 's0.1', 's0.2']) assert.match(killed.stdout, new RegExp(`sent SIGTERM to (manager|server)-${node.replace('.', '\\.')} `), node);
  await Promise.all(services.map((s) => (s.exitCode !== null || s.signalCode !== null ? undefined : new Promise((res) => s.once('exit', res)))));
  assert.deepEqual(
    services.map((s) => s.exitCode),
    services.map(() => 0),
    'a stopped node exits 0, and so does the service running it',
  );
});
