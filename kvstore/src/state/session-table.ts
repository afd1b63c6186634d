/**
 * Exactly-once mutations: remembers the result of each client's recent
 * mutations by (client id, sequence number), so a retried request is answered
 * with the saved result instead of being applied a second time.
 *
 * A client may have many mutations in flight; each request also carries `ack`,
 * below which the client will never retry, so those results are forgotten.
 * The table is part of the replicated state, so eviction must be deterministic:
 * it evicts the least recently used session (in apply order) past a fixed cap.
 */
import type { KvResult } from '../kv/command';
import type { SessionTag } from '../wire/kv-messages';

export const DEFAULT_MAX_SESSIONS = 100_000;

export type SessionLookup =
  | { kind: 'new' }
  | { kind: 'duplicate'; result: KvResult }
  /** Below the client's own ack: the client already has this answer and cannot be waiting for it. */
  | { kind: 'stale' };

interface Session {
  ackFloor: number;
  results: Map<number, KvResult>;
}

export type SessionSnapshot = [client: string, ackFloor: number, results: [seq: number, result: KvResult][]][];

export class SessionTable {
  // Map iteration order is insertion order: re-inserting on use keeps it LRU-ordered.
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly maxSessions = DEFAULT_MAX_SESSIONS) {}

  get size(): number {
    return this.sessions.size;
  }

  lookup(tag: SessionTag): SessionLookup {
    const s = this.sessions.get(tag.client);
    if (!s) return { kind: 'new' };
    const saved = s.results.get(tag.seq);
    if (saved) return { kind: 'duplicate', result: saved };
    return tag.seq < s.ackFloor ? { kind: 'stale' } : { kind: 'new' };
  }

  record(tag: SessionTag, result: KvResult): void {
    let s = this.sessions.get(tag.client);
    if (s) {
      this.sessions.delete(tag.client);
    } else {
      s = { ackFloor: 0, results: new Map() };
    }
    this.sessions.set(tag.client, s);
    if (tag.ack > s.ackFloor) {
      s.ackFloor = tag.ack;
      for (const seq of s.results.keys()) if (seq < tag.ack) s.results.delete(seq);
    }
    s.results.set(tag.seq, result);
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }

  snapshot(): SessionSnapshot {
    return [...this.sessions].map(([client, s]) => [client, s.ackFloor, [...s.results]]);
  }

  static restore(snap: SessionSnapshot, maxSessions = DEFAULT_MAX_SESSIONS): SessionTable {
    const t = new SessionTable(maxSessions);
    for (const [client, ackFloor, results] of snap) t.sessions.set(client, { ackFloor, results: new Map(results) });
    return t;
  }
}
