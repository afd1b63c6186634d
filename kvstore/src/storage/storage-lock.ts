/**
 * StorageLock: one process at a time on a storage folder. Two servers appending to one log
 * (a second `p2::server` on the same backer path, a cluster started over a running one)
 * would interleave records and lose acknowledged writes, so whoever opens storage takes
 * this lock first and refuses to start while someone else holds it.
 *
 * ## On-disk format
 * `<dir>/LOCK`, one JSON line written by the holder:
 *
 *     {"pid": 4242, "startTime": "123456", "argv": ["node", "…/partition-server.js", …], "since": "2025-…Z"}
 *
 * `startTime` is field 22 of /proc/<pid>/stat (see common/pid-registry.ts): a pid that is
 * alive with another start time was reused by an unrelated process.
 *
 * ## Protocol
 * - acquire: create LOCK with O_EXCL (`wx`) and write the record. If LOCK exists, read it:
 *   a live holder (same pid and start time) means refuse with StorageLockedError; a dead
 *   holder or a reused pid means the lock is stale: take it over.
 * - take over: rename LOCK to `LOCK.stale-<our pid>` and check that the renamed file is the
 *   very file judged stale (same inode). If a racing process replaced it meanwhile, we moved
 *   a live lock: put it back (link, which never overwrites) and judge again. Then create
 *   LOCK with O_EXCL as above, so of two processes taking over at once only one wins.
 * - A LOCK that is empty or unreadable was just created and is being written; after a
 *   grace period it is a holder that died between create and write, hence stale.
 * - release: remove LOCK if it still holds our record (on close, and on process exit).
 *   After a kill -9 the file stays, and the next opener finds its holder dead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processStartTime } from '../common/pid-registry';
import { ensureDirectory } from './fs-util';

export const LOCK_FILE = 'LOCK';

/** How long an unreadable LOCK is taken as being written by its creator. */
const UNREADABLE_GRACE_MS = 2000;
const RETRY_PAUSE_MS = 20;

export interface LockRecord {
  pid: number;
  startTime: string;
  argv: string[];
  since: string;
}

/** The storage folder is held by another live process. */
export class StorageLockedError extends Error {
  override readonly name = 'StorageLockedError';

  constructor(
    readonly dir: string,
    readonly holder: LockRecord,
  ) {
    super(
      `storage ${dir} is in use by pid ${holder.pid} (${describeCommand(holder)}) since ${holder.since}: ` +
        'two processes on one storage folder would corrupt it. Stop that process first (e.g. just p2::kill), or give this one another folder',
    );
  }
}

export class StorageLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(
    readonly dir: string,
    readonly file: string,
    private readonly record: LockRecord,
    /** The holder of a stale lock this one replaced (it died, or its pid was reused). */
    readonly tookOver: LockRecord | undefined,
  ) {
    process.once('exit', this.onExit);
  }

  /** Locks `dir` (creating it if needed) for this process; throws StorageLockedError if another live process holds it. */
  static async acquire(dir: string): Promise<StorageLock> {
    await ensureDirectory(dir);
    const file = path.join(dir, LOCK_FILE);
    const startTime = processStartTime(process.pid);
    if (startTime === undefined) throw new Error(`cannot lock ${dir}: this system has no /proc/<pid>/stat to tell live holders from stale ones`);
    const record: LockRecord = { pid: process.pid, startTime, argv: process.argv, since: new Date().toISOString() };
    let tookOver: LockRecord | undefined;
    for (;;) {
      if (tryCreate(file, record)) return new StorageLock(dir, file, record, tookOver);
      const seen = readLock(file);
      if (seen === 'gone') continue;
      if (seen.record === undefined) {
        if (Date.now() - seen.mtimeMs < UNREADABLE_GRACE_MS) {
          await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
          continue;
        }
      } else if (holderIsAlive(seen.record)) {
        throw new StorageLockedError(dir, seen.record);
      }
      if (takeOver(file, seen.ino)) tookOver = seen.record ?? { pid: 0, startTime: '', argv: [], since: 'unknown (empty lock file)' };
    }
  }

  /** Removes the lock if it is still ours. Idempotent; safe to call from an exit handler. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    const seen = readLock(this.file);
    if (seen !== 'gone' && seen.record?.pid === this.record.pid && seen.record.startTime === this.record.startTime) {
      fs.rmSync(this.file, { force: true });
    }
  }
}

/** The live process holding the lock on `dir`, if any (no lock, or a stale one: undefined). Reads only. */
export function lockHolder(dir: string): LockRecord | undefined {
  const seen = readLock(path.join(dir, LOCK_FILE));
  return seen !== 'gone' && seen.record !== undefined && holderIsAlive(seen.record) ? seen.record : undefined;
}

function tryCreate(file: string, record: LockRecord): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, JSON.stringify(record) + '\n');
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

type Seen = 'gone' | { record: LockRecord | undefined; ino: number; mtimeMs: number };

function readLock(file: string): Seen {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    const text = fs.readFileSync(fd, 'utf8');
    return { record: parseRecord(text), ino: st.ino, mtimeMs: st.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

function parseRecord(text: string): LockRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockRecord>;
    if (!Number.isSafeInteger(v.pid) || typeof v.startTime !== 'string') return undefined;
    return { pid: v.pid!, startTime: v.startTime, argv: Array.isArray(v.argv) ? v.argv.map(String) : [], since: typeof v.since === 'string' ? v.since : 'unknown' };
  } catch {
    return undefined;
  }
}

function holderIsAlive(r: LockRecord): boolean {
  return processStartTime(r.pid) === r.startTime;
}

/** Moves the stale LOCK (inode `ino`) aside; true if it was that file that moved. */
function takeOver(file: string, ino: number): boolean {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // someone else moved it first
    throw err;
  }
  const moved = fs.statSync(aside).ino === ino;
  if (!moved) {
    // A racing opener had just replaced the stale lock with its own, live one: give it back.
    try {
      fs.linkSync(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  fs.rmSync(aside, { force: true });
  return moved;
}

/** The holder's command line from /proc when it is readable, else the one it recorded. */
function describeCommand(holder: LockRecord): string {
  let argv = holder.argv;
  try {
    const live = fs.readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    if (live.length > 0) argv = live;
  } catch {
    // Not readable (another user, or gone): the recorded command line will do.
  }
  // One line, however the arguments were quoted.
  const text = argv.length > 0 ? argv.join(' ').replace(/\s+/g, ' ').trim() : 'command line unknown';
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
