/**
 * Linearizable reads without writing the log (Raft thesis §6.4), the leader's bookkeeping.
 *
 * Read index: a read arriving at the leader records the commit index at that moment; the
 * leader then confirms it is still leader with a round of heartbeats sent after the read
 * arrived. Once a majority echoed that round, the read may be served as soon as the state
 * machine has applied the recorded index. A new leader does not know the commit index of
 * earlier terms until it commits an entry of its own term, so reads wait for that first.
 *
 * Rounds: every heartbeat broadcast is a numbered round. A follower echoes the round, so
 * the newest round a majority echoed confirms every read waiting on it or on an older one.
 * The tick at which each round was sent also gives the lease (see raft.ts).
 */

export interface PendingRead {
  ctx: number;
  index: number;
  /** Confirmed once a majority echoed this round or a newer one. */
  round: number;
}

export class ReadOnlyQueue {
  /** Reads that arrived before the leader committed an entry of its own term. */
  private waitingForCommit: number[] = [];
  private pending: PendingRead[] = [];
  /** The newest round sent. */
  round = 0;
  /** Tick at which each round still of interest was sent. */
  private readonly sentAt = new Map<number, number>();

  /** Parks a read until the leader's commit index is known to be current. */
  waitForCommit(ctx: number): void {
    this.waitingForCommit.push(ctx);
  }

  /** The leader committed an entry of its term: parked reads may now take the commit index. */
  takeWaitingForCommit(): number[] {
    const out = this.waitingForCommit;
    this.waitingForCommit = [];
    return out;
  }

  /** Queues a read at `index`, to be confirmed by the next round. */
  add(ctx: number, index: number): void {
    this.pending.push({ ctx, index, round: this.round + 1 });
  }

  /** Some read waits for a round that has not been sent yet. */
  get needsRound(): boolean {
    const last = this.pending[this.pending.length - 1];
    return last !== undefined && last.round > this.round;
  }

  /** Starts a new round at `tick`; returns its number. */
  startRound(tick: number): number {
    this.round++;
    this.sentAt.set(this.round, tick);
    return this.round;
  }

  /** When round r was sent, if known. */
  roundSentAt(r: number): number | undefined {
    return this.sentAt.get(r);
  }

  /** A majority echoed round `confirmed`: returns the reads that are now confirmed, in arrival order. */
  confirm(confirmed: number): PendingRead[] {
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.round <= confirmed) n++;
    const out = n === 0 ? [] : this.pending.splice(0, n);
    // Rounds older than the confirmed one can no longer matter (neither for reads nor the lease).
    for (const r of this.sentAt.keys()) {
      if (r < confirmed) this.sentAt.delete(r);
      else break;
    }
    return out;
  }

  /** Every read not yet confirmed (the leader is stepping down): their ctx, to be failed. */
  drain(): number[] {
    const out = [...this.waitingForCommit, ...this.pending.map((p) => p.ctx)];
    this.waitingForCommit = [];
    this.pending = [];
    this.sentAt.clear();
    this.round = 0;
    return out;
  }

  get size(): number {
    return this.waitingForCommit.length + this.pending.length;
  }
}
