/**
 * A replication group of one (stage 2): commands go to a durable log, and are
 * applied to the state machine in log order once fsync'd, so every result a
 * client sees is already on disk, and every read sees only durable state.
 * Group commit in the log lets one fsync cover every command that arrived
 * while the previous fsync was in flight.
 *
 * Recovery: restore the newest snapshot, then replay the log after it. Every
 * `snapshotEvery` commands the state is snapshotted and the log compacted, so
 * restart time stays bounded.
 *
 *   <dir>/LOCK        StorageLock: one process at a time on this storage
 *   <dir>/log/        DurableLog segments
 *   <dir>/snapshots/  SnapshotStore
 */
import * as path from 'node:path';
import type { RaftNodeStatus } from '../raft/node';
import { DurableLog } from '../storage/durable-log';
import { StorageCorruptionError } from '../storage/errors';
import { SnapshotStore } from '../storage/snapshot-store';
import { StorageLock } from '../storage/storage-lock';
import type { CommandCodec, ReplicationGroup, StateMachine } from './state-machine';

export interface LocalLogGroupOptions {
  /** Snapshot and compact after this many applied commands. */
  snapshotEvery: number;
  segmentBytes?: number;
  /** Called when storage fails: the group refuses further work; the process should stop (and be restarted to recover). */
  onFatal: (err: Error) => void;
  /** The caller already holds the lock on `dir` (and releases it); otherwise the group takes it and releases it on close. */
  heldLock?: StorageLock;
}

export interface RecoveryInfo {
  snapshotIndex: number;
  replayed: number;
  tornTailBytes: number;
  millis: number;
}

interface Waiter<R> {
  resolve: (result: R) => void;
  reject: (err: Error) => void;
}

export class LocalLogGroup<C, R, S extends StateMachine<C, R>> implements ReplicationGroup<C, R, S> {
  private applied: number;
  private snapshotIndex: number;
  private snapshotting = false;
  private failed: Error | undefined;
  private readonly waiters = new Map<number, Waiter<R>>();

  private constructor(
    private readonly log: DurableLog,
    private readonly snapshots: SnapshotStore,
    private readonly sm: S,
    private readonly codec: CommandCodec<C>,
    private readonly options: LocalLogGroupOptions,
    readonly recovery: RecoveryInfo,
    private readonly ownLock: StorageLock | undefined,
  ) {
    this.applied = log.lastIndex;
    this.snapshotIndex = recovery.snapshotIndex;
  }

  /** Opens (or creates) the group's storage under `dir` and rebuilds `sm` from it. */
  static async open<C, R, S extends StateMachine<C, R>>(dir: string, sm: S, codec: CommandCodec<C>, options: LocalLogGroupOptions): Promise<LocalLogGroup<C, R, S>> {
    const ownLock = options.heldLock === undefined ? await StorageLock.acquire(dir) : undefined;
    try {
      return await LocalLogGroup.recover(dir, sm, codec, options, ownLock);
    } catch (err) {
      ownLock?.release();
      throw err;
    }
  }

  private static async recover<C, R, S extends StateMachine<C, R>>(dir: string, sm: S, codec: CommandCodec<C>, options: LocalLogGroupOptions, ownLock: StorageLock | undefined): Promise<LocalLogGroup<C, R, S>> {
    const started = Date.now();
    const snapshots = await SnapshotStore.open(path.join(dir, 'snapshots'));
    const log = await DurableLog.open(path.join(dir, 'log'), options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes });
    const snap = await snapshots.load();
    const snapshotIndex = snap?.meta.lastIndex ?? 0;
    if (snap) sm.restore(snap.data);
    if (log.lastIndex < snapshotIndex) {
      // Compaction removed every record the snapshot covers: continue numbering after it.
      if (log.lastIndex >= log.firstIndex) {
        throw new StorageCorruptionError(dir, null, `the log ends at ${log.lastIndex}, before the snapshot at ${snapshotIndex}`, 'the log and snapshot do not belong together; restore the folder from a backup');
      }
      await log.reset(snapshotIndex + 1);
    } else if (log.firstIndex > snapshotIndex + 1) {
      throw new StorageCorruptionError(dir, null, `records ${snapshotIndex + 1}..${log.firstIndex - 1} are missing between the snapshot and the log`, 'a log segment was lost; restore the folder from a backup');
    }
    let replayed = 0;
    for (let i = snapshotIndex + 1; i <= log.lastIndex; i++) {
      sm.apply(codec.decode(log.entry(i)!.payload));
      replayed++;
    }
    const recovery: RecoveryInfo = { snapshotIndex, replayed, tornTailBytes: log.recovery.tornTail?.droppedBytes ?? 0, millis: Date.now() - started };
    return new LocalLogGroup(log, snapshots, sm, codec, options, recovery, ownLock);
  }

  get appliedIndex(): number {
    return this.applied;
  }

  /**
   * Its state as a Raft replica would report it, for the status RPC: a group of one is always
   * its own leader, in term 0, and what is durable is committed.
   */
  status(): RaftNodeStatus {
    const first = this.log.firstIndex;
    const last = this.log.lastIndex;
    return { id: 0, role: 'leader', term: 0, leader: 0, commit: this.applied, applied: this.applied, firstIndex: first, lastIndex: last, stableIndex: this.applied, snapshotIndex: this.snapshotIndex, logEntries: Math.max(0, last - first + 1) };
  }

  get logStats(): DurableLog['stats'] {
    return this.log.stats;
  }

  propose(command: C): Promise<R> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<R>((resolve, reject) => {
      this.log.append({ term: 0, payload: this.codec.encode(command) }).then(
        (index) => this.applyThrough(index),
        (err: Error) => this.fail(err),
      );
      // append() numbers the record synchronously, so lastIndex is this command's index.
      this.waiters.set(this.log.lastIndex, { resolve, reject });
    });
  }

  /** Applied state is durable state, so a read needs no extra round. */
  read<T>(query: (state: S) => T): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return Promise.resolve(query(this.sm));
  }

  async close(): Promise<void> {
    try {
      await this.log.close();
    } finally {
      this.ownLock?.release();
    }
  }

  /** Appends resolve in log order; applying everything up to `index` keeps apply order equal to log order. */
  private applyThrough(index: number): void {
    while (this.applied < index) {
      const i = ++this.applied;
      const entry = this.log.entry(i)!;
      const result = this.sm.apply(this.codec.decode(entry.payload));
      const w = this.waiters.get(i);
      if (w) {
        this.waiters.delete(i);
        w.resolve(result);
      }
    }
    if (this.applied - this.snapshotIndex >= this.options.snapshotEvery) this.takeSnapshot();
  }

  private takeSnapshot(): void {
    if (this.snapshotting || this.failed) return;
    this.snapshotting = true;
    const index = this.applied;
    const data = this.sm.snapshot();
    this.snapshots
      .save({ lastIndex: index, lastTerm: 0 }, data)
      .then(() => this.log.compactPrefix(index))
      .then(
        () => {
          this.snapshotIndex = index;
          this.snapshotting = false;
        },
        (err: Error) => this.fail(err),
      );
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
    this.options.onFatal(err);
  }
}
