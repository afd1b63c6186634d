/**
 * The baseline: two-phase commit over Raft-replicated shards, selected with
 * `--txn-mode 2pc`. A shard leader coordinates the transactions sent to it and takes part
 * in others'. Locks are held while the prepare record and the decision are each committed
 * through the shard's log, which is exactly the cost Mako removes.
 *
 *   coordinator                                participant
 *   read  { txn, keys } ──────────────────────▶ newest committed versions (no locks)
 *   prepare { txn, reads, writes } ───────────▶ lock read and write keys (no waiting: refuse if held),
 *                                              validate reads, propose Prepare(txn, writes);
 *                        ◀──────────────────── prepareReply ok once Prepare is committed
 *   all ok: propose Decision(txn, commit) in its own shard's log; once committed it answers the
 *   client and sends decide { txn, commit } ──▶ propose Decision; once committed apply the
 *                                              writes (commit), release the locks, decideReply
 *   any refusal or timeout before the decision: decide { commit: false } to every participant.
 * A participant that is the coordinator's own shard uses the coordinator's Decision entry.
 * In doubt after a leader change: the new participant leader keeps the prepared transactions'
 * write locks (from its log) and asks the coordinator's shard with decisionQuery, as any leader
 * does for a transaction prepared a whole timeout ago with no decision heard; that shard
 * answers from its log, or logs an abort for a transaction it neither decided nor still
 * coordinates (its log then holds no commit decision and never will: presumed abort).
 * Epoch messages from the manager are accepted and ignored (2PC needs none).
 */
import { LatencySplitCounter, emptyReady, type TxnCoreConfig, type TxnCoreSummary, type TxnReady, type TxnShardCore, coordinatorSummary, readyHasOutput, txnIdPrefix } from './core-interface';
import { executeOps, keysToRead } from './execute';
import type { TxnLogEntry } from './log-entry';
import type { FromManager, PeerMessage, ReadCheck, ReadResult } from './messages';
import type { ShardStateMachine } from './shard-state-machine';
import type { AbortReason, KeyWrite, ShardId, TxnId, TxnOp, TxnOpResult } from './types';
import { VersionStore } from './version-store';

type Phase = 'reading' | 'preparing' | 'deciding';

interface CoordTxn {
  id: TxnId;
  requestId: number;
  /** Tick it began. */
  began: number;
  ops: TxnOp[];
  phase: Phase;
  awaiting: Set<ShardId>;
  participants: Set<ShardId>;
  deadline: number;
  reads: Map<string, ReadResult>;
  writesByShard: Map<ShardId, KeyWrite[]>;
  results: TxnOpResult[];
  /** Tick it entered 'deciding' (every prepare replicated; the decision's replication begins). */
  decideFrom?: number;
}

interface Prepared {
  coordinator: ShardId;
  keys: string[];
  writes: KeyWrite[];
  committed: boolean;
  /** Tick it was prepared here, or last asked about. */
  since: number;
}

export class TwoPcShardCore implements TxnShardCore {
  private out: TxnReady = emptyReady();
  private readonly inbox: Array<{ from: ShardId; msg: PeerMessage }> = [];
  private pumping = false;
  readonly store = new VersionStore();
  private readonly prepared = new Map<TxnId, Prepared>();
  private readonly coord = new Map<TxnId, CoordTxn>();
  private readonly split = new LatencySplitCounter();
  private readonly abortLogged = new Set<TxnId>();
  private readonly timeout: number;
  private ticks = 0;
  private seq = 0;

  constructor(
    private readonly cfg: TxnCoreConfig,
    private readonly sm: ShardStateMachine,
  ) {
    this.timeout = cfg.requestTimeoutTicks ?? 200;
    for (const [key, v] of sm.store) this.store.loadDecided(key, v.value, v.tag);
    // Prepared, undecided transactions keep their write locks across a leader change, and their
    // decision is asked of the coordinator's shard at once (in doubt until it answers).
    for (const [txn, p] of sm.prepared) {
      const keys = p.writes.map((w) => w.key);
      this.store.lock(txn, keys);
      this.prepared.set(txn, { coordinator: p.coordinator, keys, writes: p.writes, committed: true, since: -this.timeout });
    }
    this.askInDoubt();
    const fresh = sm.store.size === 0 && sm.prepared.size === 0;
    this.out.toManager.push({ type: 'leaderReport', shard: cfg.shard, leader: cfg.leader, epoch: 0, fresh });
  }

  clientRequest(requestId: number, ops: TxnOp[]): void {
    this.begin(requestId, ops);
    this.pump();
  }

  step(from: ShardId, msg: PeerMessage): void {
    this.handle(from, msg);
    this.pump();
  }

  fromManager(_msg: FromManager): void {}

  applied(entry: TxnLogEntry): void {
    if (entry.t === 'prepare') {
      const p = this.prepared.get(entry.txn);
      if (p !== undefined && !p.committed) {
        p.committed = true;
        this.send(p.coordinator, { type: 'prepareReply', txn: entry.txn, ok: true });
      }
    } else if (entry.t === 'decision') {
      const p = this.prepared.get(entry.txn);
      if (p !== undefined) {
        this.prepared.delete(entry.txn);
        if (entry.commit) this.store.install({ txn: entry.txn, epoch: 0, vclock: [] }, p.writes, true);
        this.store.unlockAll(entry.txn, p.keys);
        if (p.coordinator !== this.cfg.shard && p.coordinator >= 0) this.send(p.coordinator, { type: 'decideReply', txn: entry.txn });
      }
      const t = this.coord.get(entry.txn);
      if (t !== undefined && t.phase === 'deciding') {
        for (const s of t.participants) if (s !== this.cfg.shard) this.send(s, { type: 'decide', txn: t.id, commit: entry.commit });
        this.reply(t, entry.commit ? { outcome: 'committed', results: t.results } : { outcome: 'aborted', reason: 'validation_failed' });
      }
    }
    this.pump();
  }

  tick(): void {
    this.ticks++;
    this.askInDoubt();
    for (const t of [...this.coord.values()]) if (t.phase !== 'deciding' && this.ticks >= t.deadline) this.abort(t, 'shard_unavailable');
    this.pump();
  }

  hasReady(): boolean {
    return readyHasOutput(this.out);
  }

  ready(): TxnReady {
    const r = this.out;
    this.out = emptyReady();
    return r;
  }

  summary(): TxnCoreSummary {
    const txns = [...this.coord.values()].map((t) => ({ began: t.began, committing: t.phase === 'deciding' }));
    return { epoch: null, ...coordinatorSummary(txns, this.ticks), lockHolders: this.prepared.size, parkedReads: 0, split: this.split.summary(this.ticks) };
  }

  get inFlight(): number {
    return this.coord.size;
  }

  /**
   * A transaction prepared here a whole timeout ago and still undecided: its decision may have
   * been lost, or sent before the prepare arrived (overtaken on another connection), or its
   * coordinator's leader changed. Ask the coordinator's shard, once per timeout.
   */
  private askInDoubt(): void {
    for (const [txn, p] of this.prepared) {
      if (this.ticks - p.since < this.timeout) continue;
      p.since = this.ticks;
      this.send(p.coordinator, { type: 'decisionQuery', txn });
    }
  }

  /** The coordinator's shard answers from its log; a transaction it neither decided nor still coordinates is aborted (presumed abort). */
  private onDecisionQuery(from: ShardId, txn: TxnId): void {
    const decided = this.sm.decisions.get(txn);
    if (decided !== undefined) return this.send(from, { type: 'decide', txn, commit: decided });
    if (this.coord.has(txn)) return; // still being decided here: the participant hears the decision
    if (!this.abortLogged.has(txn)) {
      this.abortLogged.add(txn);
      this.out.propose.push({ t: 'decision', txn, commit: false });
    }
    this.send(from, { type: 'decide', txn, commit: false });
  }

  private send(to: ShardId, msg: PeerMessage): void {
    if (to === this.cfg.shard) this.inbox.push({ from: to, msg });
    else this.out.messages.push({ to, msg });
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let m = this.inbox.shift(); m !== undefined; m = this.inbox.shift()) this.handle(m.from, m.msg);
    } finally {
      this.pumping = false;
    }
  }

  private handle(from: ShardId, msg: PeerMessage): void {
    switch (msg.type) {
      case 'read': {
        const reads = msg.keys.map((key) => {
          const v = this.store.newest(key);
          return { key, value: v.value, version: v.tag };
        });
        return this.send(from, { type: 'readReply', txn: msg.txn, ok: true, reads, wm: null });
      }
      case 'prepare':
        return this.onPrepare(from, msg.txn, msg.reads, msg.writes);
      case 'decide':
        return this.onDecide(msg.txn, msg.commit);
      case 'decisionQuery':
        return this.onDecisionQuery(from, msg.txn);
      case 'readReply':
      case 'prepareReply':
        return this.onReply(from, msg);
      default:
        return; // Mako messages and decideReply (the coordinator answered at its decision) need nothing
    }
  }

  private onPrepare(from: ShardId, txn: TxnId, reads: ReadCheck[], writes: KeyWrite[]): void {
    const keys = [...new Set([...reads.map((r) => r.key), ...writes.map((w) => w.key)])];
    if (!this.store.lock(txn, keys)) return this.send(from, { type: 'prepareReply', txn, ok: false, reason: 'lock_conflict' });
    if (!this.store.validate(txn, reads)) {
      this.store.unlockAll(txn, keys);
      return this.send(from, { type: 'prepareReply', txn, ok: false, reason: 'validation_failed' });
    }
    this.prepared.set(txn, { coordinator: from, keys, writes, committed: false, since: this.ticks });
    this.out.propose.push({ t: 'prepare', txn, coordinator: from, writes });
  }

  private onDecide(txn: TxnId, commit: boolean): void {
    const p = this.prepared.get(txn);
    if (p === undefined) return;
    // Logged even for an abort: the prepare record may commit, and a new leader must not keep its locks.
    this.out.propose.push({ t: 'decision', txn, commit });
  }

  private begin(requestId: number, ops: TxnOp[]): void {
    const shardOf = this.cfg.shardOf;
    const t: CoordTxn = {
      id: `${txnIdPrefix(this.cfg)}2pc.${this.seq++}`,
      requestId,
      began: this.ticks,
      ops,
      phase: 'reading',
      awaiting: new Set(),
      participants: new Set(),
      deadline: this.ticks + this.timeout,
      reads: new Map(),
      writesByShard: new Map(),
      results: [],
    };
    this.coord.set(t.id, t);
    const byShard = new Map<ShardId, string[]>();
    for (const key of keysToRead(ops)) byShard.set(shardOf(key), [...(byShard.get(shardOf(key)) ?? []), key]);
    if (byShard.size === 0) return this.executed(t);
    t.awaiting = new Set(byShard.keys());
    for (const [s, keys] of byShard) this.send(s, { type: 'read', txn: t.id, epoch: 0, keys });
  }

  private onReply(from: ShardId, msg: Extract<PeerMessage, { type: 'readReply' | 'prepareReply' }>): void {
    const t = this.coord.get(msg.txn);
    if (t === undefined || !t.awaiting.has(from) || t.phase !== (msg.type === 'readReply' ? 'reading' : 'preparing')) return;
    t.awaiting.delete(from);
    if (!msg.ok) return this.abort(t, msg.reason);
    if (msg.type === 'readReply') for (const r of msg.reads) t.reads.set(r.key, r);
    if (t.awaiting.size > 0) return;
    if (t.phase === 'reading') return this.executed(t);
    t.phase = 'deciding';
    t.decideFrom = this.ticks;
    this.out.propose.push({ t: 'decision', txn: t.id, commit: true });
  }

  private executed(t: CoordTxn): void {
    const ex = executeOps(t.ops, (key) => t.reads.get(key)?.value ?? null);
    if (ex === 'not_integer') return this.abort(t, 'not_integer');
    t.results = ex.results;
    const checks = new Map<ShardId, ReadCheck[]>();
    for (const r of t.reads.values()) {
      const s = this.cfg.shardOf(r.key);
      checks.set(s, [...(checks.get(s) ?? []), { key: r.key, writer: r.version?.txn ?? null }]);
      t.participants.add(s);
    }
    for (const w of ex.writes) {
      const s = this.cfg.shardOf(w.key);
      t.writesByShard.set(s, [...(t.writesByShard.get(s) ?? []), w]);
      t.participants.add(s);
    }
    if (t.participants.size === 0) return this.reply(t, { outcome: 'committed', results: t.results });
    t.phase = 'preparing';
    t.awaiting = new Set(t.participants);
    t.deadline = this.ticks + this.timeout;
    for (const s of t.participants) this.send(s, { type: 'prepare', txn: t.id, reads: checks.get(s) ?? [], writes: t.writesByShard.get(s) ?? [] });
  }

  private abort(t: CoordTxn, reason: AbortReason): void {
    if (t.phase === 'preparing') for (const s of t.participants) this.send(s, { type: 'decide', txn: t.id, commit: false });
    this.reply(t, { outcome: 'aborted', reason });
  }

  private reply(t: CoordTxn, outcome: { outcome: 'committed'; results: TxnOpResult[] } | { outcome: 'aborted'; reason: AbortReason }): void {
    this.coord.delete(t.id);
    if (outcome.outcome === 'committed') this.split.committedTxn(t.began, t.decideFrom, this.ticks);
    this.out.replies.push({ requestId: t.requestId, outcome });
  }
}
