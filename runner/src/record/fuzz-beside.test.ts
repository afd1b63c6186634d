/** The fuzz run beside a nemesis: found by its cluster and time, waited for while it runs, its verdict read. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fuzzBesideLines } from './fuzz-beside';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-fuzz-beside-test-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const CLUSTER = '/tmp/madkv-p3/cluster';

function fuzzLog(cluster: string, verdict: string | undefined): string {
  return [
    'Recorded on h at 2026-01-01T00:00:00.000Z',
    `Topology:  host h  (local cluster ${cluster}: 3 managers, 2 partitions x rf 3, link proxies)`,
    '  m.0  127.0.0.1:3666  this host  pid 1',
    'Fuzz testing configuration: Args {}',
    ...(verdict !== undefined ? [`Fuzz testing result: \x1b[32m${verdict}\x1b[0m`, '  all good'] : ['  Progress: called 10']),
  ].join('\n');
}

function setup(name: string): { results: string; fuzzDir: string } {
  const results = path.join(root, name);
  const fuzzDir = path.join(results, 'fuzz');
  fs.mkdirSync(fuzzDir, { recursive: true });
  return { results, fuzzDir };
}

const quiet = (): void => undefined;

test('a fuzz run on the same cluster that completed during the nemesis is named with its verdict; older runs and other clusters are not', async () => {
  const { results, fuzzDir } = setup('done');
  const old = path.join(fuzzDir, 'fuzz-5-no.log');
  fs.writeFileSync(old, fuzzLog(CLUSTER, 'PASSED'));
  const since = Date.now() + 1000;
  fs.utimesSync(old, new Date(since - 60_000), new Date(since - 60_000));
  const beside = path.join(fuzzDir, 'fuzz-3-yes.log');
  fs.writeFileSync(beside, fuzzLog(CLUSTER, 'FAILED'));
  fs.utimesSync(beside, new Date(since + 5000), new Date(since + 5000));
  const elsewhere = path.join(fuzzDir, 'fuzz-1-yes.log');
  fs.writeFileSync(elsewhere, fuzzLog('/somewhere/else', 'PASSED'));
  fs.utimesSync(elsewhere, new Date(since + 5000), new Date(since + 5000));
  const lines = await fuzzBesideLines({ clusterDir: CLUSTER, fuzzDir, since, waitMs: 1000, relativeTo: results, print: quiet });
  assert.deepEqual(lines, ['Fuzz run beside it:  fuzz/fuzz-3-yes.log  FAILED']);
});

test('a fuzz run still being recorded is waited for, then its verdict read; nothing found says so', async () => {
  const { results, fuzzDir } = setup('running');
  // A stand-in recorder: alive a moment, then its log is moved into place.
  const recorder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 400)'], { stdio: 'ignore' });
  const partial = path.join(fuzzDir, `fuzz-3-yes.log.partial-${recorder.pid}`);
  fs.writeFileSync(partial, fuzzLog(CLUSTER, undefined));
  recorder.once('exit', () => fs.writeFileSync(path.join(fuzzDir, 'fuzz-3-yes.log'), fuzzLog(CLUSTER, 'PASSED')));
  const printed: string[] = [];
  const started = Date.now();
  const lines = await fuzzBesideLines({ clusterDir: CLUSTER, fuzzDir, since: started, waitMs: 10_000, relativeTo: results, print: (l) => printed.push(l) });
  assert.deepEqual(lines, ['Fuzz run beside it:  fuzz/fuzz-3-yes.log  PASSED']);
  assert.match(printed[0]!, /^waiting for the fuzz run beside it to finish \(fuzz\/fuzz-3-yes\.log, recorder pid \d+\)/);

  const empty = setup('empty');
  assert.deepEqual(await fuzzBesideLines({ clusterDir: CLUSTER, fuzzDir: empty.fuzzDir, since: started, waitMs: 10, relativeTo: empty.results, print: quiet }), [
    "Fuzz run beside it:  none found (this log holds the nemesis's schedule alone)",
  ]);
  assert.deepEqual(await fuzzBesideLines({ clusterDir: CLUSTER, fuzzDir: path.join(root, 'missing'), since: started, waitMs: 10, relativeTo: root, print: quiet }).then((l) => l.length), 1);
});

test('a fuzz run that outlasts the wait is reported as such; a partial log whose recorder is gone is an old run, not this one', async () => {
  const { results, fuzzDir } = setup('broke');
  const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const goneRun = path.join(fuzzDir, `fuzz-5-yes.log.partial-${gone.pid}`);
  fs.writeFileSync(goneRun, fuzzLog(CLUSTER, undefined));
  const longRunner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(fuzzDir, `fuzz-3-no.log.partial-${longRunner.pid}`), fuzzLog(CLUSTER, undefined));
  // The first recorder exits at once; its partial stays (as a broken-off run's, before the rename to .failed).
  await new Promise((r) => gone.once('exit', r));
  const lines = await fuzzBesideLines({ clusterDir: CLUSTER, fuzzDir, since: Date.now(), waitMs: 300, relativeTo: results, print: quiet });
  longRunner.kill('SIGKILL');
  assert.deepEqual(lines, ['Fuzz run beside it:  fuzz/fuzz-3-no.log  unknown (still running after 0.3 s)']);
});
