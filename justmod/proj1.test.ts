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
const env = { MADKV_RUN_DIR: path.join(scratch, 'run'), MADKV_RESULTS_ROOT: path.join(scratch, 'results') };
let port: number;
let serverRecipe: ChildProcess;

function just(args: string[], input = '', timeoutMs = 30_000): ReturnType<typeof runToCompletion> {
  return runToCompletion(justBin, args, input, { env, timeoutMs });
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
