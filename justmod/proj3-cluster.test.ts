/** The p3 recipes for one machine (local cluster, faults, nemesis), driven through `just` as a student types them, in a scratch folder. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, runToCompletion } from '../kvstore/src/testing/spawn-node';

const root = repoRoot();
const justBin = path.join(root, 'node_modules', '.bin', 'just');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-recipes-p3-'));
const env = { MADKV_RUN_DIR: path.join(scratch, 'run'), MADKV_RESULTS_ROOT: path.join(scratch, 'results') };
const results = path.join(env.MADKV_RESULTS_ROOT, 'madkv-p3');

function just(args: string[], timeoutMs = 60_000): ReturnType<typeof runToCompletion> {
  return runToCompletion(justBin, args, '', { env, timeoutMs });
}

after(async () => {
  await just(['p3::cluster-stop']);
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The program's own error line (just first echoes the command, and adds its own line after). */
function programError(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => l.startsWith('error: ') && !l.startsWith('error: recipe'));
}

test('mistyped cluster recipes are refused with one line each, before anything is made', async () => {
  for (const [args, message] of [
    [['p3::cluster', '2'], 'error: managers must be one of 1, 3, 5, 7, 9 (a majority must survive a minority of failures), got 2'],
    [['p3::cluster', '3', '2', '4'], 'error: rf must be one of 1, 3, 5, 7, 9, got 4'],
    [['p3::cluster', '3', '0'], 'error: partitions must be 1..50, got 0'],
    [['p3::cluster', '3', '15', '5'], 'error: 15 partitions × rf 5 = 75 server replicas; a local cluster has at most 70 (the template\'s port spacing)'],
    [['p3::cluster', '3', '2', '3', '40'], 'error: base port 40 puts ports at -20..1058; they must be within 1..65535 (manager peer ports start at base-60)'],
    [['p3::cluster', '3', '2', '3', '3666', path.join(scratch, 'c'), 'maybe'], "error: --proxy must be yes or no, got 'maybe'"],
    [['p3::cut', 'm.0', 'm.1', 'sideways'], "error: the direction is both or one, got 'sideways'"],
    [['p3::delay', 'm.0', 'm.1', 'soon'], "error: ms must be a whole number of milliseconds, got 'soon'"],
    [['p3::nemesis', '10', 'kill,boom'], "error: faults: expected a comma-separated list of kill, pause, cut, delay, got 'kill,boom'"],
    [['p3::nemesis', '0'], "error: duration must be a positive integer, got '0'"],
    [['p3::nemesis', '10', 'kill', 'x'], "error: seed must be a non-negative integer (or empty for a random one), got 'x'"],
    [['p3::testcase', '5'], "error: num must be an integer from 1 to 4, got '5'"],
  ] as const) {
    const r = await just([...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(programError(r.stderr), message, args.join(' '));
  }
  assert.equal(fs.existsSync(results), false, 'nothing under the results folder');
});

test('the dashboard recipes need a cluster (a folder, or p3 managers), and say so', async () => {
  const p3 = await just(['p3::dashboard']);
  assert.notEqual(p3.code, 0);
  assert.equal(programError(p3.stderr), `error: no cluster at ${path.join(results, 'cluster')}: give the folder of a local cluster (just p3::cluster starts one) or the managers as host:port,host:port,…`);
  const p2 = await just(['p2::dashboard']);
  assert.notEqual(p2.code, 0);
  assert.equal(programError(p2.stderr), `error: no cluster at ${path.join(env.MADKV_RESULTS_ROOT, 'madkv-p2', 'cluster')}: give the folder of a local cluster (just p2::cluster starts one)`);
  const port = await just(['p3::dashboard', '127.0.0.1:3666', '70000']);
  assert.equal(programError(port.stderr), 'error: --port must be 0..65535');
});

test('the fault recipes need a running cluster, and say so', async () => {
  const missing = `error: no cluster at ${path.join(results, 'cluster')} (${path.join(results, 'cluster', 'cluster.json')} is missing): start one first`;
  for (const args of [['p3::status'], ['p3::crash', 'm.0'], ['p3::pause', 's0.1'], ['p3::resume', 's0.1'], ['p3::restart', 'm.0'], ['p3::leader', '0'], ['p3::transfer', 's0.1'], ['p3::cut', 'm.0', 'm.1'], ['p3::heal'], ['p3::cluster-stop']]) {
    const r = await just(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(programError(r.stderr), missing, args.join(' '));
  }
  const nemesis = await just(['p3::nemesis', '5']);
  assert.equal(nemesis.code, 2);
  assert.equal(programError(nemesis.stderr), `${missing} (see --help)`);
});
