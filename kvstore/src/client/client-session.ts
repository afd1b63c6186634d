/**
 * The client's half of exactly-once: a random client id and a sequence number
 * per mutation. `ack` tells the server the lowest sequence still awaiting an
 * answer, so it can forget results below it.
 */
import { randomBytes } from 'node:crypto';
import type { SessionTag } from '../wire/kv-messages';

export class ClientSession {
  readonly clientId = randomBytes(8).toString('hex');
  private nextSeq = 1;
  private readonly outstanding = new Set<number>();

  begin(): SessionTag {
    const seq = this.nextSeq++;
    this.outstanding.add(seq);
    return { client: this.clientId, seq, ack: this.lowestOutstanding() };
  }

  /** The mutation has its answer and will never be retried. */
  finish(tag: SessionTag): void {
    this.outstanding.delete(tag.seq);
  }

  private lowestOutstanding(): number {
    let low = this.nextSeq;
    for (const s of this.outstanding) if (s < low) low = s;
    return low;
  }
}
