/** The p2 recipes, driven through `just` as a student types them, on a local cluster in a scratch folder. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { freePort, repoRoot, runToCompletion } from '../kvstore/src/testing/spawn-node';
import { parseFaultSection } from '../runner/src/faults/fault-section';

const root = repoRoot();
const justBin = path.join(root, 'node_modules', '.bin', 'just');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-recipes-p2-'));
const env = { MADKV_RUN_DIR: path.join(scratch, 'run'), MADKV_RESULTS_ROOT: path.join(scratch, 'results'), MADKV_RUNNER_ARGS: '--num-ops 400' };
const results = path.join(env.MADKV_RESULTS_ROOT, 'madkv-p2');

function just(args: string[], timeoutMs = 30_000): ReturnType<typeof runToCompletion> {
  return runToCompletion(justBin, args, '', { env, timeoutMs });
}

after(async () => {
  await just(['p2::cluster-stop']);
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function canBind(port: number): Promise<boolean> {
  const srv = net.createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Two consecutive free ports (p2::cluster puts server i on base_port + i). */
async function freePair(): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base < 65535 && (await canBind(base + 1))) return base;
  }
}

test('mistyped p2 runs are refused before any file is made', async () => {
  for (const [args, message] of [
    [['p2::bench', '10', 'a', 'three'], "error: nservers must be an integer from 1 to 50, got 'three'"],
    [['p2::bench', '10', 'a', '3', '127.0.0.1'], "error: manager: bad address '127.0.0.1': expected host:port"],
    [['p2::fuzz', '3', 'maybe'], "error: crashing must be yes or no, got 'maybe'"],
  ] as const) {
    const r = await just([...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(r.stderr.split('\n')[1], message, args.join(' '));
  }
  assert.equal(fs.existsSync(results), false, 'nothing under the results folder');
});

test('p2::fuzz lists the crash and restart done with p2::crash / p2::restart during the run; the cluster tool refuses what would harm it', async () => {
  const manPort = await freePort();
  const base = await freePair();
  const up = await just(['p2::cluster', '2', String(manPort), String(base)]);
  assert.equal(up.code, 0, up.stderr);
  const manager = `127.0.0.1:${manPort}`;

  const again = await just(['p2::cluster', '2', String(await freePort()), String(await freePair())]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /error: a cluster is running in .*madkv-p2\/cluster: m \(pid \d+\), s0 \(pid \d+\), s1 \(pid \d+\); nothing was changed\. Stop it first: just p2::cluster-stop/);
  for (const id of ['7', 'x']) {
    const r = await just(['p2::crash', id]);
    assert.notEqual(r.code, 0, `p2::crash ${id}`);
    assert.match(r.stderr, /error: unknown node '\w+': this cluster has m, s0, s1/);
  }
  assert.notEqual((await just(['p2::restart', '7'])).code, 0);

  const fuzz = spawn(justBin, ['p2::fuzz', '2', 'yes', manager], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  fuzz.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  fuzz.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ended = new Promise<number | null>((r) => fuzz.once('close', (code) => r(code)));
  try {
    while (!/waited \d+ \/ 2000/.test(out)) {
      if (fuzz.exitCode !== null) assert.fail(`p2::fuzz ended early:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await just(['p2::crash', '1'])).code, 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await just(['p2::restart', '1'])).code, 0);
    assert.equal(await ended, 0, out);
  } finally {
    if (fuzz.exitCode === null) process.kill(-fuzz.pid!, 'SIGKILL');
  }
  const log = fs.readFileSync(path.join(results, 'fuzz', 'fuzz-2-yes.log'), 'utf8');
  const section = parseFaultSection(log.split('\n'));
  assert.deepEqual(section?.events.map((e) => `${e.node} ${e.event}`), ['s1 killed (SIGKILL)', 's1 restarted'], log);
  assert.equal(section?.injected, 2);
  assert.match(log, /^Fuzz testing result: PASSED$/m);

  const down = await just(['p2::cluster-stop']);
  assert.equal(down.code, 0, down.stderr);
});
