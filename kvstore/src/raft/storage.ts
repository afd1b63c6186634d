/**
 * What the driver needs from storage, as three small interfaces (after hashicorp/raft's
 * LogStore, StableStore and SnapshotStore). disk-storage.ts implements them over the
 * store's DurableLog, HardStateStore and SnapshotStore; memory-storage.ts holds in-memory
 * twins for tests.
 */
import type { LogReader } from './log-view';
import type { Entry, HardState, Snapshot } from './types';

export interface RaftLogStore extends LogReader {
  /** Index of the first stored entry (lastIndex + 1 when empty). */
  firstIndex(): number;
  /**
   * Appends entries. If the first one's index is ≤ lastIndex(), the stored suffix from that
   * index on is dropped first, durably (a conflicting suffix). The entries are readable at
   * once; the promise resolves once they are durable. Operations take effect in call order.
   */
  append(entries: Entry[]): Promise<void>;
  /** Forgets entries ≤ through (a durable snapshot covers them). */
  compact(through: number): Promise<void>;
  /** Drops every entry; the log continues at `next` (after installing a snapshot). Durable when resolved. */
  reset(next: number): Promise<void>;
  /** Appends and fsyncs so far, for benchmarks. */
  stats(): { entries: number; syncs: number };
  close(): Promise<void>;
}

/** Term and vote: replaced atomically and durably. */
export interface RaftStableStore {
  load(): Promise<HardState>;
  save(state: HardState): Promise<void>;
}

/** The newest snapshot, replaced atomically and durably. */
export interface RaftSnapshotStore {
  load(): Promise<Snapshot | null>;
  save(snapshot: Snapshot): Promise<void>;
}

export interface RaftStorage {
  log: RaftLogStore;
  stable: RaftStableStore;
  snapshots: RaftSnapshotStore;
  close(): Promise<void>;
}
