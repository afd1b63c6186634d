/**
 * Injected latency on a replication group's peer links (`--repl-rtt-ms`): every batch a
 * replica sends to a peer is handed to the real transport half a round trip later, so a
 * request and its answer together take the RTT, as between datacenters in the Mako paper's
 * geo-replicated setting. Only Raft peer links are wrapped; client and shard-leader links
 * keep their own latency. Batches to one peer keep their order (equal delays, FIFO timers).
 * Closing drops what is still waiting: a closed node sends nothing.
 */
import type { Message } from './messages';
import type { RaftTransport } from './transport';
import type { NodeId } from './types';

export class DelayedTransport implements RaftTransport {
  private readonly waiting = new Set<NodeJS.Timeout>();
  private closed = false;

  /** `rttMs`: the round trip to add; each direction gets half of it. */
  constructor(private readonly inner: RaftTransport, readonly rttMs: number) {
    if (!(Number.isFinite(rttMs) && rttMs >= 0)) throw new RangeError(`a round-trip delay must be a non-negative number of ms, got ${rttMs}`);
  }

  send(to: NodeId, messages: Message[]): void {
    if (this.closed) return;
    if (this.rttMs === 0) {
      this.inner.send(to, messages);
      return;
    }
    const timer = setTimeout(() => {
      this.waiting.delete(timer);
      if (!this.closed) this.inner.send(to, messages);
    }, this.rttMs / 2);
    this.waiting.add(timer);
  }

  onReceive(handler: (messages: Message[]) => void): void {
    this.inner.onReceive(handler);
  }

  close(): Promise<void> {
    this.closed = true;
    for (const t of this.waiting) clearTimeout(t);
    this.waiting.clear();
    return this.inner.close();
  }
}
