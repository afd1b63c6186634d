/** The p1 recipes, driven through `just` as a student types them. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, repoRoot, runToCompletion } from '../kvstore/src/testing/spawn-node';

const root = repoRoot();
const justBin = path.join(root, 'node_modules', '.bin', 'just');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-recipes-'));
// Short runs: the recipes' fuzz and bench take extra runner flags from MADKV_RUNNER_ARGS.
const env = { MADKV_RUN_DIR: path.join(scratch, 'run'), MADKV_RESULTS_ROOT: path.join(scratch, 'results'), MADKV_RUNNER_ARGS: '--num-ops 200' };
let port: number;
let serverRecipe: ChildProcess;

function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function just(args: string[], input = '', timeoutMs = 30_000, extraEnv: NodeJS.ProcessEnv = {}): ReturnType<typeof runToCompletion> {
  return runToCompletion(justBin, args, input, { env: { ...env, ...extraEnv }, timeoutMs });
}

before(async () => {
  port = await freePort();
  serverRecipe = spawn(justBin, ['p1::server', `127.0.0.1:${port}`], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    serverRecipe.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve();
    });
    serverRecipe.once('exit', (code) => reject(new Error(`p1::server exited with ${code}`)));
  });
});

after(() => {
  if (serverRecipe.exitCode === null) process.kill(-serverRecipe.pid!, 'SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
});

test('`just` with no arguments lists the recipes of every module', async () => {
  const r = await just([]);
  assert.equal(r.code, 0);
  for (const name of ['p1:', 'utils:', 'server listen="0.0.0.0:3777"', 'fuzz nclis conflict="no"', 'testcase num']) assert.ok(r.stdout.includes(name), name);
});

test('p1::client speaks the protocol against p1::server', async () => {
  const r = await just(['p1::client', `127.0.0.1:${port}`], 'PUT a 1\nGET a\nSCAN a z\nSTOP\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'PUT a not_found\nGET a 1\nSCAN a z BEGIN\n  a 1\nSCAN END\nSTOP\n');
});

test('p1::testcase N runs test N and records it under tests/testN.log', async () => {
  for (const n of [1, 2, 3, 4, 5]) {
    const r = await just(['p1::testcase', String(n), `127.0.0.1:${port}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`testcase ${n}: PASSED`));
    const log = fs.readFileSync(path.join(env.MADKV_RESULTS_ROOT, 'madkv-p1', 'tests', `test${n}.log`), 'utf8');
    assert.match(log, new RegExp(`testcase ${n}: PASSED`));
  }
});

test('a mistyped run is refused before any file is made', async () => {
  const results = path.join(env.MADKV_RESULTS_ROOT, 'madkv-p1');
  const before = fs.existsSync(results) ? listTree(results) : [];
  for (const [args, message] of [
    [['p1::bench', 'ten', 'a'], "error: nclis must be a positive integer, got 'ten'"],
    [['p1::bench', '10', 'z'], "error: wload must be one of a, b, c, d, e, f, got 'z'"],
    [['p1::testcase', '9'], "error: num must be an integer from 1 to 5, got '9'"],
    [['p1::fuzz', '3', 'yes', 'localhost'], "error: server: bad address 'localhost': expected host:port"],
  ] as const) {
    const r = await just([...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(r.stderr.split('\n')[1], message, args.join(' '));
  }
  assert.deepEqual(fs.existsSync(results) ? listTree(results) : [], before);
});

test('a run that fails (wrong port) leaves the good log alone and keeps its output, where it says', async () => {
  const log = path.join(env.MADKV_RESULTS_ROOT, 'madkv-p1', 'bench', 'bench-1-c.log');
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const text = 'Benchmarking results:  YCSB-c  1 clients\n  (a good run)\n';
  fs.writeFileSync(log, text);
  const wrong = await freePort();
  // Nobody answers there: give up after 5 s instead of the default 120.
  const bad = await just(['p1::bench', '1', 'c', `127.0.0.1:${wrong}`], '', 60_000, { MADKV_RUNNER_ARGS: '--num-ops 200 --op-timeout 5' });
  assert.notEqual(bad.code, 0);
  assert.equal(fs.readFileSync(log, 'utf8'), text, 'the good log is untouched');
  assert.match(bad.stderr, /client 0: retrying \(attempt 1\): cannot connect to 127\.0\.0\.1:\d+/, 'the clients\' trouble showed while waiting');
  assert.match(bad.stderr, new RegExp(`the run failed \\(exit status 1\\): ${log} is left as it was; this run's output is in ${log}\\.failed`));
  assert.match(fs.readFileSync(`${log}.failed`, 'utf8'), /Benchmark failed: client 0: no answer/);
});

test('p1::fuzz with a conflict value other than yes/no uses shared keys, is logged under yes and says so', async () => {
  const r = await just(['p1::fuzz', '2', 'maybe', `127.0.0.1:${port}`], '', 60_000);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const dir = path.join(env.MADKV_RESULTS_ROOT, 'madkv-p1', 'fuzz');
  assert.deepEqual(fs.readdirSync(dir), ['fuzz-2-yes.log']);
  const text = fs.readFileSync(path.join(dir, 'fuzz-2-yes.log'), 'utf8');
  assert.ok(text.startsWith("conflict: shared keys key00000..key00004 ('maybe' is not 'no'; logged as yes)\n"));
  assert.match(text, /^ {4}conflict: true,$/m);
  assert.match(text, /^Faults during the run: {2}0 injected, 0 operations retried by clients$/m);
  assert.match(text, /^Fuzz testing result: PASSED$/m);
});

test('a testcase against a server that is not up yet keeps waiting for it (the client retries)', async () => {
  const nobody = await freePort();
  await assert.rejects(just(['p1::test1', `127.0.0.1:${nobody}`], '', 3000), /timed out/);
});

test('p1::kill stops the server it started and leaves other processes alone', async () => {
  const bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'dist/kvstore/src/bin/server.js'], { cwd: root, stdio: 'ignore' });
  const r = await just(['p1::kill']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /sent SIGTERM to server/);
  const exit = await new Promise((resolve) => (serverRecipe.exitCode !== null ? resolve(serverRecipe.exitCode) : serverRecipe.once('exit', resolve)));
  assert.equal(exit, 0, 'the server recipe ends cleanly when asked to stop');
  assert.equal(bystander.exitCode, null, 'an unregistered process with a similar command line survives');
  bystander.kill('SIGKILL');
  const again = await just(['p1::kill']);
  assert.match(again.stdout, /no running p1 processes/);
});

test('a bad recipe argument fails with a clear message', async () => {
  const r = await just(['p1::server', 'not-an-address']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /bad address 'not-an-address'/);
});
