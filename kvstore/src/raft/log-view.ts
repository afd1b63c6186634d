/**
 * The core's view of its log:
 *
 *     compacted          stable (in storage, durable)          unstable (in memory)
 *   ...──────┤ boundary ├──────────────────────────────┤ offset ├────────────────────────┤ last
 *             index, term                                 handed to the driver ┤ not yet
 *
 * - Entries through `boundary.index` are compacted away (covered by a snapshot); only the
 *   boundary's term is kept, for the consistency check of the append right after it.
 * - Stable entries are durable in the driver's storage, read through `LogReader`.
 * - Unstable entries are not known to be durable. Those up to `handedThrough` were handed
 *   to the driver in a Ready and are being written; they become stable when the driver
 *   reports the write done (`stableTo`). The rest go out in the next Ready.
 *
 * Only durable entries are applied: committed entries are handed out up to
 * min(commit, last stable index).
 */
import { entryBytes } from './messages';
import type { Entry, Snapshot, SnapshotMeta } from './types';

/** Synchronous read access to the entries the driver has made durable. */
export interface LogReader {
  /** Term of the stored entry at `index`, or undefined if it is not stored. */
  term(index: number): number | undefined;
  /** Stored entries lo..hi, both inclusive (every one of them must be stored). */
  entries(lo: number, hi: number): Entry[];
  /** Index of the last stored entry (0 if none). Read only when the core starts. */
  lastIndex(): number;
}

export class LogCompactedError extends Error {
  override name = 'LogCompactedError';
}

export class LogView {
  boundary: SnapshotMeta;
  /** The newest snapshot, for sending to followers that are too far behind. */
  snapshot: Snapshot | null;
  /** A snapshot received from the leader that the driver has not been handed yet. */
  pendingSnapshot: Snapshot | null = null;
  private unstable: Entry[] = [];
  /** Index of unstable[0]; the last stable index is offset - 1. */
  private offset: number;
  /** Unstable entries through this index were handed to the driver. */
  private handedThrough: number;
  committed: number;
  /** Committed entries through this index were handed to the driver to apply. */
  applied: number;

  constructor(
    private readonly storage: LogReader,
    snapshot: Snapshot | null,
  ) {
    this.snapshot = snapshot;
    this.boundary = snapshot === null ? { index: 0, term: 0 } : { ...snapshot.meta };
    const last = Math.max(storage.lastIndex(), this.boundary.index);
    this.offset = last + 1;
    this.handedThrough = last;
    this.committed = this.boundary.index;
    this.applied = this.boundary.index;
  }

  get firstIndex(): number {
    return this.boundary.index + 1;
  }

  get lastIndex(): number {
    return this.offset + this.unstable.length - 1;
  }

  get lastTerm(): number {
    return this.term(this.lastIndex)!;
  }

  /** The last index known to be durable. */
  get stableIndex(): number {
    return this.offset - 1;
  }

  /** Term of the entry at index; undefined if it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.boundary.index) return this.boundary.term;
    if (index < this.boundary.index || index > this.lastIndex) return undefined;
    if (index >= this.offset) return this.unstable[index - this.offset]!.term;
    return this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: a log ending at (lastIndex, lastTerm) is at least as up to date as this one. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm;
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex);
  }

  /**
   * Entries lo..hi (inclusive), stopping early once `maxBytes` is exceeded (at least one
   * entry is returned if any is asked for). Throws LogCompactedError if lo is compacted.
   */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    if (lo <= this.boundary.index) throw new LogCompactedError(`entry ${lo} is compacted (log starts at ${this.firstIndex})`);
    hi = Math.min(hi, this.lastIndex);
    const out: Entry[] = [];
    if (lo > hi) return out;
    let bytes = 0;
    const stableHi = Math.min(hi, this.offset - 1);
    if (lo <= stableHi) {
      for (const e of this.storage.entries(lo, stableHi)) {
        bytes += entryBytes(e);
        if (out.length > 0 && bytes > maxBytes) return out;
        out.push(e);
      }
    }
    for (let i = Math.max(lo, this.offset); i <= hi; i++) {
      const e = this.unstable[i - this.offset]!;
      bytes += entryBytes(e);
      if (out.length > 0 && bytes > maxBytes) return out;
      out.push(e);
    }
    return out;
  }

  /** Appends entries proposed by this node (a leader): they follow the last entry. */
  appendOwn(entries: Entry[]): void {
    for (const e of entries) this.unstable.push(e);
  }

  /**
   * Raft §5.3, the follower's side of AppendEntries: if the log matches (prevIndex,
   * prevTerm), append the entries it lacks, replacing a conflicting suffix, advance the
   * commit index and return the index of the last entry the message covered; otherwise
   * return null.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: Entry[], leaderCommit: number): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    // The first entry that is missing or has a different term: everything before it is already here.
    let i = 0;
    while (i < entries.length && this.term(entries[i]!.index) === entries[i]!.term) i++;
    if (i < entries.length) {
      const at = entries[i]!.index;
      if (at <= this.committed) throw new Error(`internal: entry ${at} conflicts with a committed entry (commit ${this.committed})`);
      this.truncateAndAppend(i === 0 ? entries : entries.slice(i));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  private truncateAndAppend(entries: Entry[]): void {
    const first = entries[0]!.index;
    if (first === this.offset + this.unstable.length) {
      for (const e of entries) this.unstable.push(e);
    } else if (first <= this.offset) {
      // Replaces stable entries too: the stored suffix from `first` on is dropped by the driver.
      this.offset = first;
      this.unstable = entries.slice();
      this.handedThrough = first - 1;
    } else {
      this.unstable = this.unstable.slice(0, first - this.offset);
      for (const e of entries) this.unstable.push(e);
      this.handedThrough = Math.min(this.handedThrough, first - 1);
    }
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    if (index > this.lastIndex) throw new Error(`internal: commit ${index} is beyond the last index ${this.lastIndex}`);
    this.committed = index;
    return true;
  }

  /**
   * The largest index ≤ index whose term is ≤ term, and that term (the boundary if the
   * search reaches it). Used for the rejection hint and by the leader to act on one.
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (let i = Math.min(index, this.lastIndex); i > this.boundary.index; i--) {
      const t = this.term(i)!;
      if (t <= term) return [i, t];
    }
    return [this.boundary.index, this.boundary.term];
  }

  /** Unstable entries not handed to the driver yet; marks them handed. */
  takeUnstable(): Entry[] {
    const from = this.handedThrough + 1;
    if (from > this.lastIndex) return [];
    const out = this.unstable.slice(from - this.offset);
    this.handedThrough = this.lastIndex;
    return out;
  }

  hasUnhandedEntries(): boolean {
    return this.handedThrough < this.lastIndex;
  }

  /** The driver made entries through (index, term) durable. Ignored if the log changed since. */
  stableTo(index: number, term: number): boolean {
    if (index < this.offset || this.term(index) !== term) return false;
    this.unstable = this.unstable.slice(index + 1 - this.offset);
    this.offset = index + 1;
    return true;
  }

  /** Committed, durable entries not yet handed out to apply (at most maxBytes, at least one). */
  takeCommitted(maxBytes: number): Entry[] {
    if (this.pendingSnapshot !== null) return [];
    const hi = Math.min(this.committed, this.stableIndex);
    if (hi <= this.applied) return [];
    const out = this.slice(this.applied + 1, hi, maxBytes);
    this.applied += out.length;
    return out;
  }

  hasCommittedToApply(): boolean {
    return this.pendingSnapshot === null && Math.min(this.committed, this.stableIndex) > this.applied;
  }

  /**
   * Installs a snapshot received from the leader: the whole log is replaced by it (the
   * caller checked that the log does not already contain its last entry).
   */
  restore(snapshot: Snapshot): void {
    const { index } = snapshot.meta;
    this.boundary = { ...snapshot.meta };
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.unstable = [];
    this.offset = index + 1;
    this.handedThrough = index;
    this.committed = index;
    this.applied = index;
  }

  takePendingSnapshot(): Snapshot | null {
    const s = this.pendingSnapshot;
    this.pendingSnapshot = null;
    return s;
  }

  /**
   * The driver saved a snapshot of the state machine at `snapshot.meta.index` (≤ applied):
   * keep it for followers and forget entries through `compactThrough` (≤ that index).
   */
  compact(snapshot: Snapshot, compactThrough: number): void {
    const { index } = snapshot.meta;
    if (index > this.applied) throw new RangeError(`snapshot at ${index} is beyond the applied index ${this.applied}`);
    if (compactThrough > index) throw new RangeError(`cannot compact through ${compactThrough}, past the snapshot at ${index}`);
    if (this.term(index) !== undefined && this.term(index) !== snapshot.meta.term) {
      throw new RangeError(`snapshot at ${index} says term ${snapshot.meta.term}, the log says ${this.term(index)}`);
    }
    if (this.snapshot === null || index >= this.snapshot.meta.index) this.snapshot = snapshot;
    if (compactThrough > this.boundary.index) {
      const term = this.term(compactThrough);
      if (term === undefined) throw new RangeError(`entry ${compactThrough} is not in the log`);
      this.boundary = { index: compactThrough, term };
    }
  }
}
