/**
 * The key-value state machine: an ordered map plus the session table that makes
 * retried mutations exactly-once. Deterministic: the same commands in the same
 * order give the same state and results, which is what lets a log (stage 2) or
 * a replicated log (stage 3) rebuild it.
 */
import BTree from 'sorted-btree';
import { Packr } from 'msgpackr';
import { type KvCommand, type KvPair, type KvResult, type PageLimits, type ScanPage, compareKeys } from '../kv/command';
import type { SessionTag } from '../wire/kv-messages';
import { type SessionSnapshot, SessionTable } from './session-table';

export type KvMutation = Extract<KvCommand, { op: 'put' | 'swap' | 'delete' }>;
export type KvQuery = Extract<KvCommand, { op: 'get' | 'scan' }>;

export type ApplyOutcome = { kind: 'applied' | 'duplicate'; result: KvResult } | { kind: 'stale' };

const snapshotPackr = new Packr({ useRecords: false, mapsAsObjects: true });

interface SnapshotBody {
  version: 1;
  pairs: KvPair[];
  sessions: SessionSnapshot;
}

/** Read access to a map, current or frozen. */
export interface KvReader {
  get(key: string): string | null;
  scan(start: string, end: string): KvPair[];
  scanPage(start: string, end: string, limits: PageLimits): ScanPage;
}

class TreeReader implements KvReader {
  constructor(protected readonly tree: BTree<string, string>) {}

  get(key: string): string | null {
    return this.tree.get(key) ?? null;
  }

  /** Pairs with start <= key <= end, in key order. */
  scan(start: string, end: string): KvPair[] {
    const out: KvPair[] = [];
    if (compareKeys(start, end) > 0) return out;
    this.tree.forRange(start, end, true, (k, v) => {
      out.push([k, v]);
    });
    return out;
  }

  /**
   * The first page of pairs with start <= key <= end, within the limits; `next` is the
   * first key left out. A page holds at least one pair, however large.
   */
  scanPage(start: string, end: string, limits: PageLimits): ScanPage {
    const pairs: KvPair[] = [];
    if (compareKeys(start, end) > 0) return { pairs };
    let bytes = 0;
    for (const [k, v] of this.tree.entries(start)) {
      if (compareKeys(k, end) > 0) break;
      const size = k.length + v.length;
      if (pairs.length >= limits.maxPairs || (pairs.length > 0 && bytes + size > limits.maxBytes)) return { pairs, next: k };
      pairs.push([k, v]);
      bytes += size;
    }
    return { pairs };
  }
}

export class KvStateMachine extends TreeReader {
  private sessions: SessionTable;

  constructor(maxSessions?: number) {
    super(new BTree<string, string>(undefined, compareKeys));
    this.sessions = new SessionTable(maxSessions);
  }

  get size(): number {
    return this.tree.size;
  }

  /** Applies a mutation once per (client, seq); a retry gets the first result back. */
  apply(cmd: KvMutation, session?: SessionTag): ApplyOutcome {
    if (session) {
      const seen = this.sessions.lookup(session);
      if (seen.kind === 'duplicate') return { kind: 'duplicate', result: seen.result };
      if (seen.kind === 'stale') return { kind: 'stale' };
    }
    const result = this.mutate(cmd);
    if (session) this.sessions.record(session, result);
    return { kind: 'applied', result };
  }

  query(cmd: KvQuery): KvResult {
    return cmd.op === 'get' ? { op: 'get', value: this.get(cmd.key) } : { op: 'scan', pairs: this.scan(cmd.start, cmd.end) };
  }

  /** A read-only view frozen at this moment (copy-on-write: O(1) now, pays on later writes). */
  frozen(): KvReader {
    return new TreeReader(this.tree.clone());
  }

  snapshot(): Buffer {
    const body: SnapshotBody = { version: 1, pairs: this.tree.toArray() as KvPair[], sessions: this.sessions.snapshot() };
    return snapshotPackr.pack(body);
  }

  restore(data: Buffer): void {
    const body = snapshotPackr.unpack(data) as SnapshotBody;
    if (body.version !== 1 || !Array.isArray(body.pairs)) throw new Error('unrecognised state snapshot');
    this.tree.clear();
    // Pairs were saved in key order; setPairs on an empty tree keeps them sorted.
    this.tree.setPairs(body.pairs);
    this.sessions = SessionTable.restore(body.sessions);
  }

  private mutate(cmd: KvMutation): KvResult {
    switch (cmd.op) {
      case 'put':
        // set() says whether the key is new: one descent of the tree (has() walks a range).
        return { op: 'put', found: !this.tree.set(cmd.key, cmd.value) };
      case 'swap': {
        const old = this.tree.get(cmd.key) ?? null;
        this.tree.set(cmd.key, cmd.value);
        return { op: 'swap', old };
      }
      case 'delete':
        return { op: 'delete', found: this.tree.delete(cmd.key) };
    }
  }
}
