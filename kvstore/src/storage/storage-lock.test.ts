/** StorageLock: one process at a time on a storage folder; a dead holder's lock is taken over. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processStartTime } from '../common/pid-registry';
import { LOCK_FILE, StorageLock, StorageLockedError, lockHolder } from './storage-lock';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-storage-lock-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
});

let n = 0;
function freshDir(): string {
  return path.join(scratch, `store-${n++}`);
}

const holderScript = path.join(scratch, 'lock-holder.js');
fs.writeFileSync(
  holderScript,
  `const { StorageLock } = require(${JSON.stringify(path.join(__dirname, 'storage-lock.js'))});
const [dir, mode] = process.argv.slice(2);
StorageLock.acquire(dir).then(
  (lock) => { console.log('locked' + (lock.tookOver ? ' took-over ' + lock.tookOver.pid : '')); if (mode === 'exit') process.exit(0); setInterval(() => {}, 1000); },
  (err) => { console.log('refused: ' + err.message); process.exit(3); });
`,
);

/** A separate process that takes the lock on `dir`, says so, and holds it until killed (or exits at once). */
function holder(dir: string, exitAfterLock = false): ChildProcess {
  const child = spawn(process.execPath, [holderScript, dir, exitAfterLock ? 'exit' : 'hold'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => (out.includes('\n') ? undefined : reject(new Error(`exited ${code} saying nothing`))));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

test('the lock file records the holder; release removes it and the folder can be locked again', async () => {
  const dir = freshDir();
  const lock = await StorageLock.acquire(dir);
  const record = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as { pid: number; startTime: string };
  assert.equal(record.pid, process.pid);
  assert.equal(record.startTime, processStartTime(process.pid));
  assert.equal(lock.tookOver, undefined);
  lock.release();
  assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
  (await StorageLock.acquire(dir)).release();
});

test('a second opener in the same process is refused too', async () => {
  const dir = freshDir();
  const lock = await StorageLock.acquire(dir);
  await assert.rejects(StorageLock.acquire(dir), (err: unknown) => err instanceof StorageLockedError && err.holder.pid === process.pid);
  lock.release();
});

test('a second process on the same folder refuses to start, naming the holder (pid and command line)', async () => {
  const dir = freshDir();
  const first = holder(dir);
  assert.equal(await firstLine(first), 'locked');
  const second = holder(dir);
  const said = await firstLine(second);
  assert.equal(await exited(second), 3);
  assert.match(said, new RegExp(`^refused: storage ${dir} is in use by pid ${first.pid} \\(.*lock-holder\\.js.*\\) since `));
  await assert.rejects(StorageLock.acquire(dir), (err: unknown) => err instanceof StorageLockedError && err.holder.pid === first.pid && /lock-holder\.js/.test(err.message));
  first.kill('SIGKILL');
});

test('the lock of a process killed with kill -9 is stale and taken over', async () => {
  const dir = freshDir();
  const first = holder(dir);
  assert.equal(await firstLine(first), 'locked');
  first.kill('SIGKILL');
  await exited(first);
  assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)), 'kill -9 leaves the lock file behind');
  const second = holder(dir);
  assert.equal(await firstLine(second), `locked took-over ${first.pid}`);
  second.kill('SIGKILL');
});

test('a process that exits normally leaves no lock behind', async () => {
  const dir = freshDir();
  const child = holder(dir, true);
  assert.equal(await firstLine(child), 'locked');
  assert.equal(await exited(child), 0);
  assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
});

test('a live pid with another start time is a reused pid: the lock is stale', async () => {
  const dir = freshDir();
  fs.mkdirSync(dir, { recursive: true });
  // Our own pid, alive, but not the process that wrote the lock.
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, startTime: '1', argv: ['old'], since: 'then' }) + '\n');
  const lock = await StorageLock.acquire(dir);
  assert.equal(lock.tookOver?.startTime, '1');
  lock.release();
});

test('an unreadable lock is left alone while fresh (being written), and taken over once old', async () => {
  const dir = freshDir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, '');
  let settled = false;
  const pending = StorageLock.acquire(dir).finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(settled, false, 'waits while the lock may still be being written');
  // Its writer turns out to be a live process (us): refused.
  fs.writeFileSync(file, JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), argv: ['x'], since: 'now' }) + '\n');
  await assert.rejects(pending, StorageLockedError);

  fs.writeFileSync(file, '{"pid":');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
  const lock = await StorageLock.acquire(dir);
  assert.ok(lock.tookOver !== undefined);
  lock.release();
});

test('release leaves a lock that is no longer ours', async () => {
  const dir = freshDir();
  const lock = await StorageLock.acquire(dir);
  const other = JSON.stringify({ pid: 1, startTime: 'x', argv: [], since: 'now' }) + '\n';
  fs.writeFileSync(path.join(dir, LOCK_FILE), other);
  lock.release();
  assert.equal(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'), other);
});

test('of several processes taking over one stale lock at once, exactly one wins', async () => {
  const dir = freshDir();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 1, startTime: 'not-init', argv: [], since: 'then' }) + '\n');
  const racers = Array.from({ length: 6 }, () => holder(dir));
  const lines = await Promise.all(racers.map(firstLine));
  assert.equal(lines.filter((l) => l.startsWith('locked')).length, 1, lines.join('\n'));
  assert.equal(lines.filter((l) => l.startsWith('refused')).length, 5, lines.join('\n'));
  for (const r of racers) r.kill('SIGKILL');
  assert.deepEqual(fs.readdirSync(dir), [LOCK_FILE], 'no stale-aside files are left');
});

test('lockHolder names the live holder of a folder, and nobody for a free or stale one', async () => {
  const dir = freshDir();
  assert.equal(lockHolder(dir), undefined);
  const lock = await StorageLock.acquire(dir);
  assert.equal(lockHolder(dir)?.pid, process.pid);
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, startTime: 'other', argv: [], since: 'then' }) + '\n');
  assert.equal(lockHolder(dir), undefined, 'a reused pid holds nothing');
  lock.release();
});
