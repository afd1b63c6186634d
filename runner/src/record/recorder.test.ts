/**
 * Recording a run: the console sees the output as it comes; the log is replaced only by a
 * run that succeeds; a failed or interrupted run leaves the old log and keeps its own output.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-recorder-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A process that records `script` (run by node) into logFile, with the given notes. */
function record(logFile: string, script: string, notes: string[] = [], verdict?: string, epilogue?: string[]): ChildProcess {
  const plan = { logFile, command: [process.execPath, '-e', script], notes };
  const verdictArg = verdict === undefined ? '' : `, verdict: new RegExp(${JSON.stringify(verdict)})`;
  const epilogueArg = epilogue === undefined ? '' : `, async () => ${JSON.stringify(epilogue)}`;
  const driver = `require(${JSON.stringify(path.join(__dirname, 'recorder.js'))}).recordRun({ ...${JSON.stringify(plan)}${verdictArg} }, ${JSON.stringify(scratch)}${epilogueArg}).then((c) => { process.exitCode = c; });`;
  return spawn(process.execPath, ['-e', driver], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function finish(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  return { code, stdout, stderr };
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.includes('.partial'));
}

test('a run that succeeds is written to its log, notes first, stdout and stderr both; the console saw it all', async () => {
  const log = path.join(scratch, 'ok', 'fuzz-3-yes.log');
  const r = await finish(record(log, "console.log('line one'); console.error('to stderr'); console.log('line two');", ['conflict: shared keys']));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'conflict: shared keys\nline one\nline two\n');
  assert.match(r.stderr, /^to stderr\nrecorded in .*fuzz-3-yes\.log\n$/);
  const text = fs.readFileSync(log, 'utf8');
  for (const l of ['conflict: shared keys', 'line one', 'to stderr', 'line two']) assert.ok(text.includes(`${l}\n`), l);
  assert.ok(text.startsWith('conflict: shared keys\n'));
  assert.deepEqual(leftovers(path.dirname(log)), []);
});

test('a run that fails leaves the previous log untouched and keeps its own output as <log>.failed', async () => {
  const dir = path.join(scratch, 'failing');
  fs.mkdirSync(dir);
  const log = path.join(dir, 'bench-10-a-3.log');
  fs.writeFileSync(log, 'a good log\n');
  const r = await finish(record(log, "console.log('cannot connect'); process.exit(3);"));
  assert.equal(r.code, 3);
  assert.equal(fs.readFileSync(log, 'utf8'), 'a good log\n');
  assert.equal(fs.readFileSync(`${log}.failed`, 'utf8'), 'cannot connect\n');
  assert.equal(r.stderr, `error: the run failed (exit status 3): ${log} is left as it was; this run's output is in ${log}.failed\n`);
  assert.deepEqual(leftovers(dir), []);

  const fresh = path.join(dir, 'bench-1-b.log');
  const r2 = await finish(record(fresh, 'process.exit(1);'));
  assert.equal(r2.code, 1);
  assert.equal(fs.existsSync(fresh), false);
  assert.match(r2.stderr, /no log was written to .*bench-1-b\.log; this run's output is in .*bench-1-b\.log\.failed/);
});

test('a run that reached its verdict is recorded even when the verdict is FAILED, and keeps its exit status', async () => {
  const dir = path.join(scratch, 'verdict');
  fs.mkdirSync(dir);
  const log = path.join(dir, 'fuzz-3-yes.log');
  fs.writeFileSync(log, 'an earlier run\n');
  const r = await finish(record(log, "console.log('Fuzz testing result: FAILED'); process.exit(1);", [], 'Fuzz testing result:'));
  assert.equal(r.code, 1);
  assert.equal(fs.readFileSync(log, 'utf8'), 'Fuzz testing result: FAILED\n');
  assert.equal(fs.existsSync(`${log}.failed`), false);
  // Without the verdict line the same exit status is a run that broke off.
  const r2 = await finish(record(log, "console.log('client 1 exited'); process.exit(1);", [], 'Fuzz testing result:'));
  assert.equal(r2.code, 1);
  assert.equal(fs.readFileSync(log, 'utf8'), 'Fuzz testing result: FAILED\n');
  assert.equal(fs.readFileSync(`${log}.failed`, 'utf8'), 'client 1 exited\n');
});

test('output reaches the console while the run goes on; an interrupted run keeps the old log', async () => {
  const dir = path.join(scratch, 'interrupted');
  fs.mkdirSync(dir);
  const log = path.join(dir, 'fuzz-1-no.log');
  fs.writeFileSync(log, 'the earlier run\n');
  const child = record(log, "console.log('started'); setInterval(() => {}, 1000);");
  const done = finish(child);
  // The run has printed but not ended: its line is on the console already.
  await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => (d.toString().includes('started') ? resolve() : undefined)));
  assert.ok(fs.readdirSync(dir).some((f) => f.startsWith('fuzz-1-no.log.partial-')), 'written beside the log meanwhile');
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.equal(fs.readFileSync(log, 'utf8'), 'the earlier run\n');
  assert.equal(fs.readFileSync(`${log}.failed`, 'utf8'), 'started\n');
  assert.match(r.stderr, /the run was interrupted \(SIGINT\)/);
  assert.deepEqual(leftovers(dir), []);
});

test('a completed run gets its epilogue lines at the end of its log; a run that broke off does not', async () => {
  const dir = path.join(scratch, 'epilogue');
  fs.mkdirSync(dir);
  const log = path.join(dir, 'nemesis-60s-7.log');
  const r = await finish(record(log, "console.log('+ 60.0 s  nemesis done: 3 faults'); process.exit(1);", ['Topology:  host h'], 'nemesis done:', ['Fuzz run beside it:  fuzz/fuzz-3-yes.log  PASSED']));
  assert.equal(r.code, 1, 'its exit status is kept');
  assert.equal(fs.readFileSync(log, 'utf8'), 'Topology:  host h\n+ 60.0 s  nemesis done: 3 faults\nFuzz run beside it:  fuzz/fuzz-3-yes.log  PASSED\n');
  const r2 = await finish(record(log, "console.log('no cluster'); process.exit(2);", [], 'nemesis done:', ['Fuzz run beside it:  x  PASSED']));
  assert.equal(r2.code, 2);
  assert.equal(fs.readFileSync(`${log}.failed`, 'utf8'), 'no cluster\n');
  assert.ok(fs.readFileSync(log, 'utf8').includes('nemesis done: 3 faults'), 'the earlier log stays');
});
