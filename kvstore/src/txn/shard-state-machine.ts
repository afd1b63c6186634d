/**
 * A shard's replicated state machine in stage 4: what every replica of the shard builds from
 * the committed log (entries in log-entry.ts). Followers keep installed writes pending until
 * they are decided (M5: applied once below the watermark) and drop the ones the finalized
 * vector watermark rolls back (M6); the leader's in-memory version store runs ahead of it.
 * A replica that becomes leader rebuilds its version store from here.
 *
 * Snapshot: msgpack of the fields below (see ShardSnapshot).
 */
import { Packr } from 'msgpackr';
import type { StateMachine } from '../replication/state-machine';
import type { InstalledTxn, TxnLogEntry } from './log-entry';
import { clockLeq, clockMax, type Epoch, type KeyWrite, type ShardId, type TxnId, type VClock, type VersionTag } from './types';

/** A decided version: its value, who wrote it, and its position (ordinal of its log entry) to order late decisions. */
export interface DecidedVersion {
  value: string | null;
  tag: VersionTag;
  seq: number;
}

/** 2PC baseline: a prepared transaction's writes and the shard whose log holds its decision. */
export interface PreparedTxn {
  coordinator: ShardId;
  writes: KeyWrite[];
}

/** An installed transaction whose fate is still open, in log order. */
export interface PendingTxn {
  seq: number;
  epoch: Epoch;
  txn: InstalledTxn;
}

export type TxnApplyResult =
  | { kind: 'none' }
  | { kind: 'epochClosed'; epoch: Epoch; watermark: number }
  | { kind: 'finalized'; epoch: Epoch; rolledBack: TxnId[] }
  | { kind: 'prepared'; txn: TxnId }
  | { kind: 'decided'; txn: TxnId; commit: boolean };

interface ShardSnapshot {
  seq: number;
  store: Array<[string, DecidedVersion]>;
  pending: PendingTxn[];
  barriers: Array<[Epoch, number]>;
  vws: Array<[Epoch, VClock]>;
  closed: Array<[Epoch, number]>;
  fvws: Array<[Epoch, VClock]>;
  maxClock: number;
  prepared: Array<[TxnId, PreparedTxn]>;
  decisions: Array<[TxnId, boolean]>;
  history: Array<[string, Array<[number, TxnId, string | null]>]> | null;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export interface ShardStateMachineOptions {
  /** Keep every decided writer of every key in log order (for checkers in tests; grows without bound). */
  recordHistory?: boolean;
}

export class ShardStateMachine implements StateMachine<TxnLogEntry, TxnApplyResult> {
  private seq = 0;
  readonly store = new Map<string, DecidedVersion>();
  pending: PendingTxn[] = [];
  /** Highest Barrier(epoch, b) applied per epoch (before the epoch's first epochEnd). */
  readonly barriers = new Map<Epoch, number>();
  readonly vws = new Map<Epoch, VClock>();
  /** Final watermark per closed epoch (from the first epochEnd). */
  readonly closed = new Map<Epoch, number>();
  readonly fvws = new Map<Epoch, VClock>();
  /** Highest own clock component seen in any entry: a new leader's clock starts above it. */
  maxClock = 0;
  /** 2PC baseline: prepared, undecided transactions. */
  readonly prepared = new Map<TxnId, PreparedTxn>();
  /** 2PC baseline: every decision in this shard's log (a participant whose leader changed asks the coordinator's shard). */
  readonly decisions = new Map<TxnId, boolean>();
  /** Decided writes per key, [seq, txn, value] in log order (only with recordHistory). */
  history: Map<string, Array<[number, TxnId, string | null]>> | null;

  constructor(
    readonly shard: ShardId,
    readonly shards: number,
    options: ShardStateMachineOptions = {},
  ) {
    this.history = options.recordHistory === true ? new Map() : null;
  }

  /** The lowest epoch not closed here (epochs close in order). */
  firstOpenEpoch(): Epoch {
    let e = 0;
    while (this.closed.has(e)) e++;
    return e;
  }

  /** The highest epoch any entry mentions (0 for an empty log). */
  lastEpochSeen(): Epoch {
    let e = 0;
    for (const k of this.barriers.keys()) e = Math.max(e, k);
    for (const k of this.closed.keys()) e = Math.max(e, k + 1);
    for (const p of this.pending) e = Math.max(e, p.epoch);
    return e;
  }

  apply(entry: TxnLogEntry): TxnApplyResult {
    switch (entry.t) {
      case 'writes': {
        for (const txn of entry.txns) {
          this.maxClock = Math.max(this.maxClock, txn.vclock[this.shard] ?? 0);
          const p: PendingTxn = { seq: ++this.seq, epoch: entry.epoch, txn };
          const fvw = this.fvws.get(entry.epoch);
          const vw = this.vws.get(entry.epoch);
          if (fvw !== undefined) {
            if (clockLeq(txn.vclock, fvw)) this.decide(p);
          } else if (vw !== undefined && clockLeq(txn.vclock, vw)) this.decide(p);
          else this.pending.push(p);
        }
        return { kind: 'none' };
      }
      case 'barrier': {
        this.maxClock = Math.max(this.maxClock, entry.b);
        if (this.closed.has(entry.epoch)) return { kind: 'none' };
        this.barriers.set(entry.epoch, Math.max(this.barriers.get(entry.epoch) ?? 0, entry.b));
        const vw = clockMax(this.vws.get(entry.epoch) ?? new Array<number>(this.shards).fill(0), entry.vw);
        this.vws.set(entry.epoch, vw);
        this.settle(entry.epoch, (p) => (clockLeq(p.txn.vclock, vw) ? 'apply' : 'keep'));
        return { kind: 'none' };
      }
      case 'epochEnd': {
        let w = this.closed.get(entry.epoch);
        if (w === undefined) {
          w = this.barriers.get(entry.epoch) ?? 0;
          this.closed.set(entry.epoch, w);
        }
        return { kind: 'epochClosed', epoch: entry.epoch, watermark: w };
      }
      case 'fvw': {
        if (this.fvws.has(entry.epoch)) return { kind: 'finalized', epoch: entry.epoch, rolledBack: [] };
        this.fvws.set(entry.epoch, entry.fvw);
        const rolledBack: TxnId[] = [];
        this.settle(entry.epoch, (p) => {
          if (clockLeq(p.txn.vclock, entry.fvw)) return 'apply';
          rolledBack.push(p.txn.txn);
          return 'drop';
        });
        return { kind: 'finalized', epoch: entry.epoch, rolledBack };
      }
      case 'prepare':
        if (!this.decisions.has(entry.txn)) this.prepared.set(entry.txn, { coordinator: entry.coordinator, writes: entry.writes });
        return { kind: 'prepared', txn: entry.txn };
      case 'decision': {
        const p = this.prepared.get(entry.txn);
        this.prepared.delete(entry.txn);
        if (!this.decisions.has(entry.txn)) this.decisions.set(entry.txn, entry.commit);
        if (this.decisions.get(entry.txn) === true && p !== undefined) this.decide({ seq: ++this.seq, epoch: 0, txn: { txn: entry.txn, vclock: [], writes: p.writes } });
        return { kind: 'decided', txn: entry.txn, commit: entry.commit };
      }
    }
  }

  private settle(epoch: Epoch, verdict: (p: PendingTxn) => 'apply' | 'drop' | 'keep'): void {
    const keep: PendingTxn[] = [];
    for (const p of this.pending) {
      if (p.epoch !== epoch) {
        keep.push(p);
        continue;
      }
      const v = verdict(p);
      if (v === 'apply') this.decide(p);
      else if (v === 'keep') keep.push(p);
    }
    this.pending = keep;
  }

  /** Makes a pending transaction's writes visible, unless a later-installed version of the key was decided first. */
  private decide(p: PendingTxn): void {
    for (const w of p.txn.writes) {
      const cur = this.store.get(w.key);
      if (cur === undefined || cur.seq < p.seq) this.store.set(w.key, { value: w.value, tag: { txn: p.txn.txn, epoch: p.epoch, vclock: p.txn.vclock }, seq: p.seq });
      if (this.history !== null) {
        let h = this.history.get(w.key);
        if (h === undefined) this.history.set(w.key, (h = []));
        let i = h.length;
        while (i > 0 && h[i - 1]![0] > p.seq) i--;
        h.splice(i, 0, [p.seq, p.txn.txn, w.value]);
      }
    }
  }

  /** The decided value of a key (null if absent). */
  get(key: string): string | null {
    return this.store.get(key)?.value ?? null;
  }

  snapshot(): Uint8Array {
    const s: ShardSnapshot = {
      seq: this.seq,
      store: [...this.store],
      pending: this.pending,
      barriers: [...this.barriers],
      vws: [...this.vws],
      closed: [...this.closed],
      fvws: [...this.fvws],
      maxClock: this.maxClock,
      prepared: [...this.prepared],
      decisions: [...this.decisions],
      history: this.history === null ? null : [...this.history],
    };
    return packr.pack(s);
  }

  restore(data: Buffer): void {
    const s = packr.unpack(data) as ShardSnapshot;
    this.seq = s.seq;
    this.store.clear();
    for (const [k, v] of s.store) this.store.set(k, v);
    this.pending = s.pending;
    this.barriers.clear();
    for (const [k, v] of s.barriers) this.barriers.set(k, v);
    this.vws.clear();
    for (const [k, v] of s.vws) this.vws.set(k, v);
    this.closed.clear();
    for (const [k, v] of s.closed) this.closed.set(k, v);
    this.fvws.clear();
    for (const [k, v] of s.fvws) this.fvws.set(k, v);
    this.maxClock = s.maxClock;
    this.prepared.clear();
    for (const [k, v] of s.prepared) this.prepared.set(k, v);
    this.decisions.clear();
    for (const [k, v] of s.decisions) this.decisions.set(k, v);
    this.history = s.history === null ? (this.history === null ? null : new Map()) : new Map(s.history);
  }
}
