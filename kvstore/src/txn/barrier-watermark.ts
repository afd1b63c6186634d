/**
 * The barrier rule of one shard in one epoch (M4). With one log per shard, log order is not
 * clock order: a transaction handed clock 5 may be appended after one handed clock 7. So the
 * shard records an open obligation when it hands a clock to a transaction that will write
 * here, closes it when the transaction's writes are in a batch proposed to the log (or the
 * transaction aborts), and may append Barrier(b) only when b is below every open obligation
 * and below the clock's next value. The shard watermark is the highest *committed* barrier:
 * every transaction that wrote here with clock component ≤ it is in the committed log.
 */
import type { TxnId } from './types';

export class BarrierRule {
  private readonly open = new Map<TxnId, number>();
  /** The highest barrier proposed so far in this epoch. */
  lastProposed = 0;

  openObligation(txn: TxnId, clock: number): void {
    this.open.set(txn, clock);
  }

  closeObligation(txn: TxnId): void {
    this.open.delete(txn);
  }

  hasObligation(txn: TxnId): boolean {
    return this.open.has(txn);
  }

  get openCount(): number {
    return this.open.size;
  }

  /** The highest barrier allowed now: below every open obligation and below the clock's next value. */
  candidate(clockNext: number): number {
    let low = clockNext;
    for (const c of this.open.values()) if (c < low) low = c;
    return low - 1;
  }

  /** The barrier to append now, or null when it would not advance past the last one. */
  nextBarrier(clockNext: number): number | null {
    const b = this.candidate(clockNext);
    if (b <= this.lastProposed) return null;
    this.lastProposed = b;
    return b;
  }
}
