/**
 * An abstract replicated log for one shard (3 replicas by default), enough for the
 * transaction simulator: the leader appends; followers catch up after a delay; an entry is
 * committed once a majority holds it; a crashed leader loses whatever only it held; a new
 * leader (needs a live majority) is the live replica with the longest log, so it holds every
 * committed entry; a restarted replica keeps only the committed prefix of its log. Every
 * replica applies committed entries, in order, to its own ShardStateMachine.
 */
import type { TxnLogEntry } from '../log-entry';
import { ShardStateMachine, type TxnApplyResult } from '../shard-state-machine';
import type { ShardId } from '../types';

export interface Replica {
  id: number;
  alive: boolean;
  log: TxnLogEntry[];
  applied: number;
  sm: ShardStateMachine;
}

export class ShardGroupModel {
  readonly replicas: Replica[] = [];
  leader: number | null = null;
  /** Changes with every leader change (replication in flight for an older term is ignored). */
  term = 0;
  commitIndex = 0;
  /** The committed entries (the same objects every replica's log holds). */
  private readonly committed: TxnLogEntry[] = [];

  constructor(
    readonly shard: ShardId,
    readonly shards: number,
    size: number,
    /** Called for every entry a replica applies (replica, entry, result). */
    private readonly onApply: (replica: Replica, entry: TxnLogEntry, result: TxnApplyResult) => void,
  ) {
    for (let i = 0; i < size; i++) this.replicas.push({ id: i, alive: true, log: [], applied: 0, sm: new ShardStateMachine(shard, shards, { recordHistory: true }) });
  }

  get leaderReplica(): Replica | null {
    return this.leader === null ? null : this.replicas[this.leader]!;
  }

  append(entry: TxnLogEntry): void {
    const l = this.leaderReplica;
    if (l === null) throw new Error(`shard ${this.shard} has no leader to append to`);
    l.log.push(entry);
    this.advanceCommit();
  }

  /** A follower received the leader's log up to `length` (sent in `term`). */
  catchUp(follower: number, length: number, term: number): void {
    const f = this.replicas[follower]!;
    const l = this.leaderReplica;
    if (term !== this.term || l === null || !f.alive || follower === this.leader) return;
    if (f.log.length < length) f.log = l.log.slice(0, length);
    this.advanceCommit();
  }

  private advanceCommit(): void {
    const l = this.leaderReplica;
    if (l === null) return;
    const lengths = this.replicas.filter((r) => r.alive).map((r) => (r === l ? l.log.length : Math.min(r.log.length, l.log.length)));
    lengths.sort((a, b) => b - a);
    const majority = Math.floor(this.replicas.length / 2) + 1;
    const c = lengths.length >= majority ? lengths[majority - 1]! : 0;
    if (c > this.commitIndex) {
      for (let i = this.commitIndex; i < c; i++) this.committed.push(l.log[i]!);
      this.commitIndex = c;
    }
    this.applyCommitted();
  }

  applyCommitted(): void {
    for (const r of this.replicas) {
      if (!r.alive) continue;
      const upto = Math.min(this.commitIndex, r.log.length);
      while (r.applied < upto) {
        const entry = r.log[r.applied]!;
        r.applied++;
        this.onApply(r, entry, r.sm.apply(entry));
      }
    }
  }

  crash(replica: number): void {
    const r = this.replicas[replica]!;
    r.alive = false;
    if (this.leader === replica) {
      this.leader = null;
      this.term++;
    }
  }

  /** Elects the live replica with the longest log, if a majority is alive; returns it or null. */
  elect(): number | null {
    const live = this.replicas.filter((r) => r.alive);
    if (live.length < Math.floor(this.replicas.length / 2) + 1) return null;
    const best = live.reduce((a, b) => (b.log.length > a.log.length ? b : a));
    this.leader = best.id;
    this.term++;
    for (const r of live) if (r !== best) r.log = r.log.slice(0, commonPrefix(r.log, best.log));
    this.advanceCommit();
    return best.id;
  }

  /** A crashed replica comes back with the committed prefix of its log, rebuilding its state machine from it. */
  restart(replica: number): void {
    const r = this.replicas[replica]!;
    const l = this.leaderReplica;
    r.alive = true;
    let keep = commonPrefix(r.log, this.committed);
    if (l !== null) keep = Math.min(keep, commonPrefix(r.log, l.log));
    r.log = r.log.slice(0, keep);
    r.sm = new ShardStateMachine(this.shard, this.shards, { recordHistory: true });
    r.applied = 0;
    this.applyCommitted();
  }
}

function commonPrefix(a: readonly TxnLogEntry[], b: readonly TxnLogEntry[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
