/**
 * A hand-driven cluster for unit tests: one Mako core per shard over a log that commits
 * when told to (or at once), FIFO message delivery that a test can hold back by predicate,
 * and the configuration manager. No time, no randomness: a test decides every step.
 */
import { EpochManagerState } from '../epoch-manager';
import { MakoShardCore } from '../mako-core';
import type { FromManager, PeerMessage, TxnOutcome } from '../messages';
import { NO_MISTAKES, type MistakeSwitches } from '../mistakes';
import type { TxnLogEntry } from '../log-entry';
import { ShardStateMachine } from '../shard-state-machine';
import type { ShardId, TxnOp } from '../types';

export interface Envelope {
  from: ShardId;
  to: ShardId;
  msg: PeerMessage;
}

export class InstantCluster {
  readonly sms: ShardStateMachine[] = [];
  readonly cores: MakoShardCore[] = [];
  readonly manager: EpochManagerState;
  /** Proposed, not yet committed entries per shard. */
  readonly uncommitted: TxnLogEntry[][] = [];
  readonly proposed: TxnLogEntry[][] = [];
  private queue: Envelope[] = [];
  held: Envelope[] = [];
  /** Messages for which this returns true wait in `held` until released. */
  hold: (e: Envelope) => boolean = () => false;
  /** Shards whose log commits only when commit(shard) is called. */
  readonly manualCommit = new Set<ShardId>();
  readonly outcomes = new Map<number, TxnOutcome>();
  readonly sent: Envelope[] = [];
  private nextRequest = 1;
  private serial = 0;

  constructor(
    readonly shards: number,
    readonly mistakes: MistakeSwitches = NO_MISTAKES,
  ) {
    this.manager = new EpochManagerState(shards);
    for (let s = 0; s < shards; s++) {
      this.sms.push(new ShardStateMachine(s, shards));
      this.uncommitted.push([]);
      this.proposed.push([]);
      this.cores.push(this.newCore(s));
    }
    for (let s = 0; s < shards; s++) this.collect(s);
    this.settle();
  }

  readonly shardOf = (key: string): ShardId => Number(key.slice(1)) % this.shards;

  private newCore(s: ShardId): MakoShardCore {
    return new MakoShardCore({ shard: s, shards: this.shards, shardOf: this.shardOf, leader: `${s}@${++this.serial}`, mistakes: this.mistakes }, this.sms[s]!);
  }

  /** Submits a transaction to the leader of its first key's shard (or `at`); returns its request id. */
  submit(ops: TxnOp[], at?: ShardId): number {
    const id = this.nextRequest++;
    const s = at ?? this.shardOf(ops[0]!.key);
    this.cores[s]!.clientRequest(id, ops);
    this.collect(s);
    return id;
  }

  private collect(s: ShardId): void {
    const rd = this.cores[s]!.ready();
    for (const e of rd.propose) {
      this.proposed[s]!.push(e);
      this.uncommitted[s]!.push(e);
    }
    for (const { to, msg } of rd.messages) this.queue.push({ from: s, to, msg });
    for (const m of rd.toManager) {
      const notices = this.manager.apply(m.type === 'leaderReport' ? { t: 'leaderReport', shard: m.shard, leader: m.leader, fresh: m.fresh } : { t: 'epochClosed', shard: m.shard, epoch: m.epoch, watermark: m.watermark });
      for (const n of notices) for (const t of n.to === 'all' ? [...Array(this.shards).keys()] : [n.to]) this.toCore(t, n.msg);
    }
    for (const r of rd.replies) this.outcomes.set(r.requestId, r.outcome);
  }

  private toCore(s: ShardId, msg: FromManager): void {
    this.cores[s]!.fromManager(msg);
    this.collect(s);
  }

  /** Commits shard s's proposed entries (all, or the first n). */
  commit(s: ShardId, n?: number): void {
    const entries = this.uncommitted[s]!.splice(0, n ?? this.uncommitted[s]!.length);
    for (const e of entries) {
      this.sms[s]!.apply(e);
      this.cores[s]!.applied(e);
      this.collect(s);
    }
  }

  /** Delivers messages and commits the automatically committed shards until nothing moves. */
  settle(): void {
    for (let round = 0; round < 10_000; round++) {
      let moved = false;
      while (this.queue.length > 0) {
        const e = this.queue.shift()!;
        if (this.hold(e)) {
          this.held.push(e);
          continue;
        }
        this.sent.push(e);
        this.cores[e.to]!.step(e.from, e.msg);
        this.collect(e.to);
        moved = true;
      }
      for (let s = 0; s < this.shards; s++) {
        if (!this.manualCommit.has(s) && this.uncommitted[s]!.length > 0) {
          this.commit(s);
          moved = true;
        }
      }
      if (!moved) return;
    }
    throw new Error('the cluster did not settle');
  }

  /** Ticks every core n times, settling after each. */
  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < this.shards; s++) {
        this.cores[s]!.tick();
        this.collect(s);
      }
      this.settle();
    }
  }

  release(pred: (e: Envelope) => boolean = () => true): void {
    const keep: Envelope[] = [];
    for (const e of this.held) (pred(e) ? this.queue : keep).push(e);
    this.held = keep;
    const hold = this.hold;
    this.hold = () => false;
    this.settle();
    this.hold = hold;
  }

  /** The leader of shard s loses everything not committed and a new leader takes over from its state machine. */
  failover(s: ShardId): void {
    this.uncommitted[s] = [];
    this.queue = this.queue.filter((e) => e.to !== s && e.from !== s);
    this.cores[s] = this.newCore(s);
    this.collect(s);
    this.settle();
  }
}
