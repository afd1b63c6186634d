/**
 * What a leader knows about each follower's log, and how it paces replication to it.
 *
 * States (as in etcd raft's tracker):
 *   probe      the leader does not know where the follower's log ends: it sends one append
 *              at a time and waits for the answer (or the next heartbeat) before another
 *   replicate  the follower acknowledged an append: the leader streams appends without
 *              waiting (pipelining), `next` runs ahead of `match`, bounded by the in-flight
 *              window (messages and bytes)
 *   snapshot   the entries the follower needs are compacted away: the leader sends its
 *              snapshot in chunks, one at a time, and sends no appends until it is installed
 */
import type { Snapshot } from './types';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** Appends sent and not yet acknowledged: their last indexes and sizes, oldest first. */
export class Inflights {
  private readonly lastIndexes: number[] = [];
  private readonly sizes: number[] = [];
  private readonly sentAt: number[] = [];
  private head = 0;
  private totalBytes = 0;

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {}

  get count(): number {
    return this.lastIndexes.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** No room for another append: the window is full by messages or by bytes. */
  get full(): boolean {
    return this.count >= this.maxMessages || this.totalBytes >= this.maxBytes;
  }

  /** Records an append whose last entry is `lastIndex`, sent at tick `tick`; indexes must increase. */
  add(lastIndex: number, bytes: number, tick: number): void {
    this.lastIndexes.push(lastIndex);
    this.sizes.push(bytes);
    this.sentAt.push(tick);
    this.totalBytes += bytes;
  }

  /** Tick at which the oldest unacknowledged append was sent, or undefined if none is. */
  get oldestSentAt(): number | undefined {
    return this.head < this.lastIndexes.length ? this.sentAt[this.head] : undefined;
  }

  /** Forgets every append whose last index is ≤ index: the follower has them. */
  freeThrough(index: number): void {
    while (this.head < this.lastIndexes.length && this.lastIndexes[this.head]! <= index) {
      this.totalBytes -= this.sizes[this.head]!;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.lastIndexes.length) {
      this.lastIndexes.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.sentAt.splice(0, this.head);
      this.head = 0;
    }
  }

  reset(): void {
    this.lastIndexes.length = 0;
    this.sizes.length = 0;
    this.sentAt.length = 0;
    this.head = 0;
    this.totalBytes = 0;
  }
}

/** A snapshot being sent to one follower, and how far it got. */
export interface SnapshotTransfer {
  snapshot: Snapshot;
  /** Bytes the follower has acknowledged. */
  acked: number;
  /** Ticks since the last chunk was sent; a chunk is re-sent when nothing came back for a while. */
  idleTicks: number;
}

export class Progress {
  /** Highest index known to match the leader's log. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is out and the leader waits for its answer. */
  probeSent = false;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Newest heartbeat round the follower echoed. */
  ackedRound = 0;
  /** The commit index last sent in an append (an empty append is sent only to carry a newer one). */
  sentCommit = 0;
  transfer: SnapshotTransfer | null = null;
  readonly inflights: Inflights;

  constructor(next: number, maxInflightMessages: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMessages, maxInflightBytes);
  }

  /** May the leader send an append now? */
  get canSend(): boolean {
    switch (this.state) {
      case 'probe':
        return !this.probeSent;
      case 'replicate':
        return !this.inflights.full;
      case 'snapshot':
        return false;
    }
  }

  becomeProbe(): void {
    // Coming back from a snapshot, the follower has at least the snapshot's entries.
    const floor = this.state === 'snapshot' && this.transfer !== null ? this.transfer.snapshot.meta.index : this.match;
    this.state = 'probe';
    this.next = Math.max(this.match, floor) + 1;
    this.probeSent = false;
    this.transfer = null;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.transfer = null;
    this.inflights.reset();
  }

  becomeSnapshot(snapshot: Snapshot): void {
    this.state = 'snapshot';
    this.probeSent = false;
    this.transfer = { snapshot, acked: 0, idleTicks: 0 };
    this.inflights.reset();
  }

  /** Records that an append carrying entries through lastIndex (bytes in total) was sent at `tick`. */
  sentEntries(lastIndex: number, bytes: number, tick: number): void {
    if (this.state === 'replicate') {
      if (lastIndex >= this.next) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes, tick);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /**
   * The follower's log matches through `index`. Returns whether that is news (match grew).
   * In replicate state it also frees the window.
   */
  acknowledge(index: number): boolean {
    const grew = index > this.match;
    if (grew) this.match = index;
    if (this.next < index + 1) this.next = index + 1;
    this.probeSent = false;
    this.inflights.freeThrough(index);
    return grew;
  }

  /**
   * Replicate state, and an append sent `stallTicks` or more ago is still unacknowledged:
   * appends were lost (the leader streams optimistically and would otherwise never resend).
   */
  stalled(now: number, stallTicks: number): boolean {
    const oldest = this.inflights.oldestSentAt;
    return this.state === 'replicate' && oldest !== undefined && now - oldest >= stallTicks;
  }

  /**
   * The follower rejected the append after `rejected`; `retryAt` is the leader's guess of
   * where their logs may match, from the follower's hint. Returns false for a stale
   * rejection (of an append older than what the follower already acknowledged), which is
   * ignored.
   */
  reject(rejected: number, retryAt: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.becomeProbe();
      this.next = Math.max(this.match + 1, Math.min(retryAt + 1, rejected));
      return true;
    }
    // In probe state only the answer to the append just sent (after next - 1) counts.
    if (this.next - 1 !== rejected) return false;
    if (retryAt < this.match) {
      // The follower no longer has entries it acknowledged: its storage was lost (a wiped
      // replica). Start over from what it has now; commits already made are not undone.
      this.match = retryAt;
    }
    this.next = Math.max(this.match + 1, Math.min(retryAt + 1, rejected));
    this.probeSent = false;
    return true;
  }
}
