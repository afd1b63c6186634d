/**
 * A Raft node's storage on disk, in one folder:
 *
 *   <dir>/LOCK         StorageLock: one process at a time on this storage
 *   <dir>/log/         DurableLog segments (index, term, payload per entry; group-commit fsync)
 *   <dir>/hard-state   term, vote, catching-up mark (HardStateStore: temp file, fsync, rename, fsync folder)
 *   <dir>/snapshots/   the newest state-machine snapshot (SnapshotStore)
 *
 * openDiskStorage is the one place that opens the folder: it takes the folder's lock first
 * (unless the caller holds it) and releases it on close. On open it reconciles the log with
 * the snapshot (recovery.ts): a crash between saving an installed snapshot and resetting
 * the log is repaired here.
 */
import * as path from 'node:path';
import { DurableLog, type DurableLogOptions } from '../storage/durable-log';
import { HardStateStore, INITIAL_TERM_AND_VOTE, type TermAndVote, termAndVoteCodec } from '../storage/hard-state';
import { SnapshotStore } from '../storage/snapshot-store';
import { StorageCorruptionError } from '../storage/errors';
import { StorageLock } from '../storage/storage-lock';
import { reconcileLog } from './recovery';
import type { RaftLogStore, RaftSnapshotStore, RaftStableStore, RaftStorage } from './storage';
import { type Entry, type HardState, NONE, type Snapshot } from './types';

export interface DiskStorageOptions extends DurableLogOptions {
  /** Told when open had to repair the log against the snapshot. */
  onRepair?: (what: string) => void;
  /** The caller already holds the lock on the folder (and releases it); otherwise open takes it and close releases it. */
  heldLock?: StorageLock;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

class DiskLogStore implements RaftLogStore {
  constructor(private readonly log: DurableLog) {}

  firstIndex(): number {
    return this.log.firstIndex;
  }

  lastIndex(): number {
    return this.log.lastIndex;
  }

  term(index: number): number | undefined {
    return this.log.term(index);
  }

  entries(lo: number, hi: number): Entry[] {
    return this.log.entries(lo, hi).map((e) => ({ index: e.index, term: e.term, data: e.payload }));
  }

  append(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const first = entries[0]!.index;
    const cut = first <= this.log.lastIndex ? this.log.truncateSuffix(first) : null;
    if (first !== this.log.lastIndex + 1) return Promise.reject(new Error(`internal: append at ${first} after stored entry ${this.log.lastIndex}`));
    const appended = this.log.append(entries.map((e) => ({ term: e.term, payload: e.data })));
    // Both are queued in order; the append resolves after the truncation is durable.
    return (cut === null ? appended : Promise.all([cut, appended])).then(() => undefined);
  }

  compact(through: number): Promise<void> {
    return this.log.compactPrefix(Math.min(through, this.log.lastIndex));
  }

  reset(next: number): Promise<void> {
    return this.log.reset(next);
  }

  stats(): { entries: number; syncs: number } {
    const s = this.log.stats;
    return { entries: s.records, syncs: s.batches };
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

class DiskStableStore implements RaftStableStore {
  constructor(private readonly store: HardStateStore<TermAndVote>) {}

  async load(): Promise<HardState> {
    const v = await this.store.load();
    const state: HardState = { term: v.term, vote: v.votedFor ?? NONE };
    if (v.catchingUp === true) state.catchingUp = true;
    return state;
  }

  save(state: HardState): Promise<void> {
    const value: TermAndVote = { term: state.term, votedFor: state.vote === NONE ? null : state.vote };
    if (state.catchingUp === true) value.catchingUp = true;
    return this.store.save(value);
  }
}

class DiskSnapshotStore implements RaftSnapshotStore {
  constructor(private readonly store: SnapshotStore) {}

  async load(): Promise<Snapshot | null> {
    const s = await this.store.load();
    return s === null ? null : { meta: { index: s.meta.lastIndex, term: s.meta.lastTerm }, data: s.data };
  }

  save(snapshot: Snapshot): Promise<void> {
    return this.store.save({ lastIndex: snapshot.meta.index, lastTerm: snapshot.meta.term }, asBuffer(snapshot.data));
  }
}

/**
 * Opens (creating if needed) a node's storage under `dir`, repairing the log against the
 * snapshot. Throws StorageLockedError if another live process holds the folder.
 */
export async function openDiskStorage(dir: string, options: DiskStorageOptions = {}): Promise<RaftStorage> {
  const ownLock = options.heldLock === undefined ? await StorageLock.acquire(dir) : undefined;
  try {
    return await openLocked(dir, options, ownLock);
  } catch (err) {
    ownLock?.release();
    throw err;
  }
}

async function openLocked(dir: string, options: DiskStorageOptions, ownLock: StorageLock | undefined): Promise<RaftStorage> {
  const logOptions: DurableLogOptions = options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes };
  const log = await DurableLog.open(path.join(dir, 'log'), logOptions);
  const hard = await HardStateStore.open(path.join(dir, 'hard-state'), termAndVoteCodec, INITIAL_TERM_AND_VOTE);
  const snapshotStore = await SnapshotStore.open(path.join(dir, 'snapshots'));
  const snapshots = new DiskSnapshotStore(snapshotStore);
  const snap = await snapshotStore.load();
  const meta = snap === null ? null : { index: snap.meta.lastIndex, term: snap.meta.lastTerm };
  const r = reconcileLog(meta, { firstIndex: log.firstIndex, lastIndex: log.lastIndex, term: (i) => log.term(i) });
  if (r.kind === 'reset') {
    if (meta === null) {
      await log.close();
      throw new StorageCorruptionError(path.join(dir, 'log'), null, r.reason, 'entries before the log are missing and no snapshot covers them; restore the folder from a replica or wipe it to rejoin empty');
    }
    options.onRepair?.(`log reset to continue after the snapshot at ${meta.index}: ${r.reason}`);
    await log.reset(r.nextIndex);
  }
  return {
    log: new DiskLogStore(log),
    stable: new DiskStableStore(hard),
    snapshots,
    close: async () => {
      try {
        await log.close();
      } finally {
        ownLock?.release();
      }
    },
  };
}
