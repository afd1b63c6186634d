/** The compiled `service` entry point: the command it derives, its errors, and how it parents the recipe it runs. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { binPath, repoRoot, runToCompletion } from '../testing/spawn-node';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-service-test-'));
const pidFile = path.join(dir, 'pid');
after(() => {
  // If the test failed before the signal got through, the fake recipe would outlive us (and hold our pipes open).
  if (fs.existsSync(pidFile)) {
    try {
      process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      // already gone: the normal case
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const SERVERS = '127.0.0.1:3777,127.0.0.1:3778,127.0.0.1:3779';

function service(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof runToCompletion> {
  return runToCompletion(process.execPath, [binPath('service'), ...args], '', { env, timeoutMs: 10_000, cwd: repoRoot() });
}

test('prints the recipe a node id stands for', async () => {
  const m = await service(['--node', 'm', '--manager', '127.0.0.1:3666', '--servers', SERVERS, '--dry-run']);
  assert.equal(m.code, 0);
  assert.equal(m.stdout, `madkv service m: just p2::manager 3666 ${SERVERS}\n`);
  const s1 = await service(['--node', 's1', '--manager', '127.0.0.1:3666', '--servers', SERVERS, '--backer-prefix', './backer', '--dry-run']);
  assert.equal(s1.stdout, 'madkv service s1: just p2::server 1 127.0.0.1:3666 3778 ./backer.s1\n');
});

test('an unknown node id is a one-line error naming the valid ones', async () => {
  const r = await service(['--node', 's7', '--servers', SERVERS]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr, "error: unknown node 's7': valid nodes are m (the manager) and s0, s1, s2 (one per address in the server list; m.0 and sX.0 name the same nodes)\n");
});

test("the template's replica ids m.0 and sX.0 run the same node; other replicas are refused", async () => {
  const s1 = await service(['--node', 's1.0', '--manager', '127.0.0.1:3666', '--servers', SERVERS, '--backer-prefix', './backer', '--dry-run']);
  assert.equal(s1.stdout, 'madkv service s1.0: just p2::server 1 127.0.0.1:3666 3778 ./backer.s1\n');
  const m = await service(['--node', 'm.0', '--manager', '127.0.0.1:3666', '--servers', SERVERS, '--dry-run']);
  assert.equal(m.stdout, `madkv service m.0: just p2::manager 3666 ${SERVERS}\n`);
  const r = await service(['--node', 's1.1', '--servers', SERVERS]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr, "error: node 's1.1' is replica 1 of partition 1, but p2 has no replicas: use s1 (or s1.0)\n");
});

test('--stage p3 derives a p3 recipe from the replica id; p3 flags without it are refused', async () => {
  const managers = '127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668';
  const p3 = ['--stage', 'p3', '--managers', managers, '--manager-p2ps', '127.0.0.1:3606,127.0.0.1:3607,127.0.0.1:3608', '--server-rf', '3'];
  const s = await service([...p3, '--node', 's1.2', '--backer-prefix', '/data/b', '--dry-run']);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, `madkv service s1.2: just p3::server 1 2 ${managers} 3782 3712 127.0.0.1:3710,127.0.0.1:3711 /data/b.s1.2\n`);
  const m = await service([...p3, '--node', 'm.1', '--backer-prefix', '/data/b', '--dry-run']);
  assert.equal(m.stdout, 'madkv service m.1: just p3::manager 1 3667 3607 127.0.0.1:3606,127.0.0.1:3608 3 127.0.0.1:3777,127.0.0.1:3778,127.0.0.1:3779,127.0.0.1:3780,127.0.0.1:3781,127.0.0.1:3782 /data/b.m.1\n');
  const wrong = await service(['--node', 's0', '--managers', managers]);
  assert.notEqual(wrong.code, 0);
  assert.equal(wrong.stderr, 'error: --managers is a p3 flag: add --stage p3\n');
  const bad = await service([...p3, '--node', 's5.0']);
  assert.match(bad.stderr, /^error: unknown node 's5\.0': there are 2 partitions of 3 replicas/);
});

test('--stage p4 derives p3\'s recipes in p4; txn_mode and repl_rtt_ms reach the servers only', async () => {
  const managers = '127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668';
  const p4 = ['--stage', 'p4', '--managers', managers, '--manager-p2ps', '127.0.0.1:3606,127.0.0.1:3607,127.0.0.1:3608', '--server-rf', '3', '--txn-mode', '2pc', '--repl-rtt-ms', '50'];
  const s = await service([...p4, '--node', 's1.2', '--backer-prefix', '/data/b', '--dry-run']);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, `madkv service s1.2: just p4::server 1 2 ${managers} 3782 3712 127.0.0.1:3710,127.0.0.1:3711 /data/b.s1.2 2pc 50\n`);
  const m = await service([...p4, '--node', 'm.1', '--backer-prefix', '/data/b', '--dry-run']);
  assert.match(m.stdout, /^madkv service m\.1: just p4::manager 1 3667 3607 127\.0\.0\.1:3606,127\.0\.0\.1:3608 3 \S+ \/data\/b\.m\.1\n$/);
  const rtt = await service([...p4.slice(0, -1), 'soon', '--node', 's0.0']);
  assert.notEqual(rtt.code, 0);
  assert.equal(rtt.stderr, "error: repl_rtt_ms must be an integer from 0 to 10000, got 'soon'\n");
  const mode = await service(['--stage', 'p4', '--node', 's0.0', '--txn-mode', '3pc']);
  assert.notEqual(mode.code, 0);
  assert.match(mode.stderr, /txn-mode/);
});

test('runs the recipe through $JUST, passes SIGTERM on and exits with its code', async () => {
  const fakeJust = path.join(dir, 'just');
  const argsFile = path.join(dir, 'args');
  // Records its pid and arguments, then waits; on SIGTERM exits 7 so the test can tell the code was passed back.
  fs.writeFileSync(fakeJust, `#!/bin/sh\ntrap 'exit 7' TERM\necho $$ > "${pidFile}"\necho "$@" > "${argsFile}.tmp"\nmv "${argsFile}.tmp" "${argsFile}"\nwhile true; do sleep 0.05; done\n`, {
    mode: 0o755,
  });
  const child = spawn(process.execPath, [binPath('service'), '--node', 's2', '--servers', SERVERS, '--backer-prefix', '/data/b'], {
    cwd: repoRoot(),
    env: { ...process.env, JUST: fakeJust },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  // The service has started the recipe once it says so and the recipe has written down its arguments.
  for (let i = 0; i < 100 && !(fs.existsSync(argsFile) && out.includes('launched')); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(fs.readFileSync(argsFile, 'utf8'), 'p2::server 2 127.0.0.1:3666 3779 /data/b.s2\n');
  child.kill('SIGTERM');
  assert.equal(await exited, 7);
});
