/**
 * A shard leader in Mako's speculative 2PC: the participant of its shard and the coordinator
 * of the transactions clients send it. Pure and deterministic (core-interface.ts has the
 * driver contract; messages.ts the messages; log-entry.ts the log).
 *
 * ## Coordinator, per transaction (M1, M2, M5)
 *   reading     read the newest certified versions at every shard it reads (OCC execution)
 *   locking     Lock the write set at every shard it writes (no waiting: abort if held)
 *   clocking    GetClock at every shard involved AND this coordinator's shard; the vector
 *               clock is the per-shard max of those and of every version read
 *   validating  Validate the reads at every shard read (abort if changed or locked)
 *   installing  Install the writes tagged (epoch, vector clock); the participant releases locks
 *   waiting     acknowledge only when the vector clock ≤ the epoch's vector watermark
 * Before installing, a failure aborts (and releases locks/obligations everywhere); after it,
 * only the watermark or the epoch's finalized vector watermark decides. A transaction whose
 * keys are all on this shard takes the fast path: read, lock, clock and install in one step.
 *
 * ## Participant (M3, M4, M6, M7)
 * Installed writes are batched into the shard's log every `barrierEveryTicks`, followed by a
 * barrier when the barrier rule (barrier-watermark.ts) allows a higher one; the committed
 * barrier is the shard watermark, sent to every other leader each `watermarkEveryTicks` and
 * piggybacked on replies. On epochChange(E) the leader closes every epoch below E: flushes,
 * appends a final barrier computed with the obligations still open (so a transaction that
 * got a clock here but was never installed stays above the final watermark), epochEnd(e),
 * aborts its uninstalled old-epoch transactions and reports the final watermark once
 * epochEnd commits. On fvw(e) it rolls back every epoch-e version not below it and logs it.
 * Reads: a version of a newer epoch aborts the reader; a new-epoch read of an old-epoch
 * version whose fate is open waits for the FVW (or for the old epoch's watermark to cover it).
 */
import { BarrierRule } from './barrier-watermark';
import { epochReadRule, type ReadRule } from './epoch-read-rules';
import { LatencySplitCounter, emptyReady, type TxnCoreConfig, type TxnCoreSummary, type TxnReady, type TxnShardCore, coordinatorSummary, readyHasOutput, txnIdPrefix } from './core-interface';
import { executeOps, keysToRead } from './execute';
import type { InstalledTxn, TxnLogEntry } from './log-entry';
import type { FromManager, PeerMessage, ReadCheck, ReadResult, ShardWatermark } from './messages';
import { NO_MISTAKES, type MistakeSwitches } from './mistakes';
import { ShardClock } from './shard-clock';
import type { ShardStateMachine } from './shard-state-machine';
import { clockLeq, clockMax, zeroClock, type AbortReason, type Epoch, type KeyWrite, type ShardId, type TxnId, type TxnOp, type TxnOpResult, type VClock } from './types';
import { VectorWatermark } from './vector-watermark';
import { VersionStore, type StoredVersion } from './version-store';

type Phase = 'reading' | 'locking' | 'clocking' | 'validating' | 'installing' | 'waiting';

interface CoordTxn {
  id: TxnId;
  requestId: number;
  /** Tick it began. */
  began: number;
  ops: TxnOp[];
  epoch: Epoch;
  phase: Phase;
  awaiting: Set<ShardId>;
  deadline: number;
  reads: Map<string, ReadResult>;
  readShards: Set<ShardId>;
  writeShards: Set<ShardId>;
  contacted: Set<ShardId>;
  writesByShard: Map<ShardId, KeyWrite[]>;
  results: TxnOpResult[];
  vclock: VClock;
  installFailed: boolean;
  /** Tick it entered 'waiting' (certified and installed; the watermark wait begins). */
  waitFrom?: number;
}

interface PartTxn {
  epoch: Epoch;
  locked: string[];
  installed: boolean;
  /** The shard that coordinates it (sent the Lock). */
  coordinator: ShardId;
  /** Tick of the Lock, or of the last inquiry about it. */
  since: number;
}

type ReadMsg = Extract<PeerMessage, { type: 'read' }>;

export class MakoShardCore implements TxnShardCore {
  private readonly shard: ShardId;
  private readonly shards: number;
  private readonly m: MistakeSwitches;
  private readonly watermarkEvery: number;
  private readonly barrierEvery: number;
  private readonly timeout: number;
  private out: TxnReady = emptyReady();
  private readonly inbox: PeerMessage[] = [];
  private pumping = false;

  /** The epoch this leader serves; null until the manager told it (after taking over). */
  epoch: Epoch | null = null;
  private closedThrough: Epoch;
  readonly store = new VersionStore();
  readonly clock: ShardClock;
  private barrier = new BarrierRule();
  readonly vw: VectorWatermark;
  private readonly fvwKnown = new Map<Epoch, VClock>();
  /** Final watermarks reported to the manager whose FVW has not come back yet. */
  private readonly closedReports = new Map<Epoch, number>();
  private batch: InstalledTxn[] = [];
  private lastBarrierVw: VClock;
  private readonly parts = new Map<TxnId, PartTxn>();
  /** Transactions installed here in the current epoch, so a resent Install is answered, not applied twice. */
  private readonly installed = new Set<TxnId>();
  private parked: Array<{ from: ShardId; msg: ReadMsg }> = [];
  private ticks = 0;
  private seq = 0;
  private readonly coord = new Map<TxnId, CoordTxn>();
  private readonly split = new LatencySplitCounter();

  constructor(
    private readonly cfg: TxnCoreConfig,
    private readonly sm: ShardStateMachine,
  ) {
    this.shard = cfg.shard;
    this.shards = cfg.shards;
    this.m = cfg.mistakes ?? NO_MISTAKES;
    this.watermarkEvery = cfg.watermarkEveryTicks ?? 1;
    this.barrierEvery = cfg.barrierEveryTicks ?? 2;
    this.timeout = cfg.requestTimeoutTicks ?? 200;
    this.clock = new ShardClock(sm.maxClock + 1, this.m.preIncrementClock);
    this.vw = new VectorWatermark(this.shards, this.m.combineWatermarksWithMax);
    this.lastBarrierVw = zeroClock(this.shards);
    this.closedThrough = sm.firstOpenEpoch() - 1;
    // Rebuild from the replicated state: decided versions, then the pending ones (fate open).
    for (const [key, v] of sm.store) this.store.loadDecided(key, v.value, v.tag);
    // A pending write the log holds before a key's decided version stays under it: whatever its
    // fate, the decided version is newer (installing it on top would let a rollback-free FVW
    // bring back an older value).
    for (const p of sm.pending) {
      const above = p.txn.writes.filter((w) => (sm.store.get(w.key)?.seq ?? 0) < p.seq);
      this.store.install({ txn: p.txn.txn, epoch: p.epoch, vclock: p.txn.vclock }, above, false);
    }
    for (const [e, vw] of sm.vws) for (let s = 0; s < this.shards; s++) this.vw.report(s, e, vw[s] ?? 0);
    for (const [e, b] of sm.barriers) this.vw.report(this.shard, e, b);
    for (const [e, f] of sm.fvws) this.fvwKnown.set(e, f);
    this.reportLeader();
  }

  // ---- inputs ----

  clientRequest(requestId: number, ops: TxnOp[]): void {
    this.begin(requestId, ops);
    this.pump();
  }

  step(from: ShardId, msg: PeerMessage): void {
    this.handle(from, msg);
    this.pump();
  }

  fromManager(msg: FromManager): void {
    if (msg.type === 'epochChange') this.changeEpoch(msg.epoch);
    else this.finalize(msg.epoch, msg.fvw);
    this.pump();
  }

  applied(entry: TxnLogEntry): void {
    if (entry.t === 'barrier') {
      const w = this.sm.barriers.get(entry.epoch);
      if (!this.m.watermarkMaxSeen && w !== undefined) this.ownWatermark(entry.epoch, w);
    } else if (entry.t === 'writes' && this.m.watermarkMaxSeen) {
      let top = 0;
      for (const t of entry.txns) top = Math.max(top, t.vclock[this.shard] ?? 0);
      this.ownWatermark(entry.epoch, top);
    } else if (entry.t === 'epochEnd') {
      const w = this.sm.closed.get(entry.epoch);
      if (w !== undefined) {
        this.closedReports.set(entry.epoch, w);
        this.out.toManager.push({ type: 'epochClosed', shard: this.shard, epoch: entry.epoch, watermark: w });
      }
    }
    this.pump();
  }

  tick(): void {
    this.ticks++;
    if (this.epoch === null) {
      if (this.ticks % this.timeout === 0) this.reportLeader();
      return;
    }
    const epoch = this.epoch;
    if (this.ticks % this.timeout === 0) this.resendEpochReports();
    if (this.ticks % this.watermarkEvery === 0) {
      const w = this.vw.reported(epoch)[this.shard]!;
      for (let s = 0; s < this.shards; s++) if (s !== this.shard) this.out.messages.push({ to: s, msg: { type: 'watermark', epoch, w } });
    }
    if (this.ticks % this.barrierEvery === 0) this.flush(false);
    this.inquireStaleLocks();
    for (const t of [...this.coord.values()]) {
      if (this.ticks < t.deadline || t.phase === 'waiting') continue;
      if (t.phase !== 'installing') this.abort(t, 'shard_unavailable');
      else {
        // Past the commit point nothing aborts; a lost Install or reply is sent again (installs are idempotent).
        t.deadline = this.ticks + this.timeout;
        for (const s of t.awaiting) this.send(s, { type: 'install', txn: t.id, epoch: t.epoch, vclock: t.vclock.slice(), writes: t.writesByShard.get(s) ?? [] });
      }
    }
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
    const txns = [...this.coord.values()].map((t) => ({ began: t.began, committing: t.phase === 'installing' || t.phase === 'waiting' }));
    return { epoch: this.epoch, ...coordinatorSummary(txns, this.ticks), lockHolders: this.parts.size, parkedReads: this.parked.length, split: this.split.summary(this.ticks) };
  }

  /** Transactions this leader coordinates and has not answered (for status and tests). */
  get inFlight(): number {
    return this.coord.size;
  }

  // ---- plumbing ----

  private reportLeader(): void {
    const fresh = this.sm.lastEpochSeen() === 0 && this.sm.maxClock === 0 && this.sm.store.size === 0 && this.sm.pending.length === 0;
    this.out.toManager.push({ type: 'leaderReport', shard: this.shard, leader: this.cfg.leader, epoch: this.sm.lastEpochSeen(), fresh });
  }

  /** Manager messages may be lost: until an epoch's FVW is known, its final watermark is reported again and the FVWs asked for. */
  private resendEpochReports(): void {
    let waiting = false;
    for (const [e, w] of this.closedReports) {
      if (this.fvwKnown.has(e)) this.closedReports.delete(e);
      else {
        waiting = true;
        this.out.toManager.push({ type: 'epochClosed', shard: this.shard, epoch: e, watermark: w });
      }
    }
    if (waiting) this.reportLeader();
  }

  private send(to: ShardId, msg: PeerMessage): void {
    if (to === this.shard) this.inbox.push(msg);
    else this.out.messages.push({ to, msg });
  }

  /** Messages to this shard itself are handled here, after the current input, in order. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let msg = this.inbox.shift(); msg !== undefined; msg = this.inbox.shift()) this.handle(this.shard, msg);
    } finally {
      this.pumping = false;
    }
  }

  private wm(): ShardWatermark | null {
    return this.epoch === null ? null : { epoch: this.epoch, w: this.vw.reported(this.epoch)[this.shard]! };
  }

  private ownWatermark(epoch: Epoch, w: number): void {
    if (this.vw.report(this.shard, epoch, w)) this.watermarkRaised(epoch);
  }

  private watermarkRaised(epoch: Epoch): void {
    this.store.decideCovered(epoch, this.vw.combined(epoch));
    this.retryParked();
    for (const t of [...this.coord.values()]) if (t.epoch === epoch && t.phase === 'waiting') this.tryAck(t);
  }

  private handle(from: ShardId, msg: PeerMessage): void {
    if ('wm' in msg && msg.wm !== null && from !== this.shard) {
      if (this.vw.report(from, msg.wm.epoch, msg.wm.w)) this.watermarkRaised(msg.wm.epoch);
    }
    switch (msg.type) {
      case 'read':
        return this.onRead(from, msg);
      case 'lock':
        return this.onLock(from, msg.txn, msg.epoch, msg.keys);
      case 'getClock':
        return this.onGetClock(from, msg.txn, msg.epoch, msg.writes);
      case 'validate':
        return this.onValidate(from, msg.txn, msg.epoch, msg.reads);
      case 'install':
        return this.onInstall(from, msg.txn, msg.epoch, msg.vclock, msg.writes);
      case 'abort':
        return this.onAbort(msg.txn);
      case 'inquire':
        return this.onInquire(from, msg.txn, msg.epoch);
      case 'watermark':
        if (from !== this.shard && this.vw.report(from, msg.epoch, msg.w)) this.watermarkRaised(msg.epoch);
        return;
      case 'readReply':
      case 'lockReply':
      case 'clockReply':
      case 'validateReply':
      case 'installReply':
        return this.onReply(from, msg);
      case 'prepare':
      case 'prepareReply':
      case 'decide':
      case 'decideReply':
        return; // 2PC baseline messages: not this mode's
    }
  }

  // ---- participant ----

  private serving(epoch: Epoch): boolean {
    return this.epoch !== null && epoch === this.epoch;
  }

  /** M7 for one version; the mistake switch lets new-epoch reads see undecided old versions. */
  private readRule(v: StoredVersion, readerEpoch: Epoch): ReadRule {
    const rule = epochReadRule(v, readerEpoch, (e) => this.fvwKnown.has(e));
    return rule === 'wait' && this.m.readUndecidedOldEpoch ? 'read' : rule;
  }

  private onRead(from: ShardId, msg: ReadMsg): void {
    if (!this.serving(msg.epoch)) return this.send(from, { type: 'readReply', txn: msg.txn, ok: false, reason: 'epoch_changed', wm: this.wm() });
    const reads: ReadResult[] = [];
    for (const key of msg.keys) {
      const v = this.store.newest(key);
      const rule = this.readRule(v, msg.epoch);
      if (rule === 'abort') return this.send(from, { type: 'readReply', txn: msg.txn, ok: false, reason: 'higher_epoch_read', wm: this.wm() });
      if (rule === 'wait') {
        this.parked.push({ from, msg });
        return;
      }
      reads.push({ key, value: v.value, version: v.tag });
    }
    this.send(from, { type: 'readReply', txn: msg.txn, ok: true, reads, wm: this.wm() });
  }

  private retryParked(): void {
    if (this.parked.length === 0) return;
    const parked = this.parked;
    this.parked = [];
    for (const p of parked) this.onRead(p.from, p.msg);
  }

  private onLock(from: ShardId, txn: TxnId, epoch: Epoch, keys: string[]): void {
    if (!this.serving(epoch)) return this.send(from, { type: 'lockReply', txn, ok: false, reason: 'epoch_changed', wm: this.wm() });
    if (!this.store.lock(txn, keys)) return this.send(from, { type: 'lockReply', txn, ok: false, reason: 'lock_conflict', wm: this.wm() });
    this.parts.set(txn, { epoch, locked: keys, installed: false, coordinator: from, since: this.ticks });
    this.send(from, { type: 'lockReply', txn, ok: true, wm: this.wm() });
  }

  private onGetClock(from: ShardId, txn: TxnId, epoch: Epoch, writes: boolean): void {
    if (!this.serving(epoch)) return this.send(from, { type: 'clockReply', txn, ok: false, reason: 'epoch_changed', wm: this.wm() });
    const clock = this.clock.getClock();
    if (writes) this.barrier.openObligation(txn, clock);
    this.send(from, { type: 'clockReply', txn, ok: true, clock, wm: this.wm() });
  }

  private onValidate(from: ShardId, txn: TxnId, epoch: Epoch, reads: ReadCheck[]): void {
    if (!this.serving(epoch)) return this.send(from, { type: 'validateReply', txn, ok: false, reason: 'epoch_changed', wm: this.wm() });
    for (const r of reads) {
      const tag = this.store.newest(r.key).tag;
      if (tag !== null && tag.epoch > epoch) return this.send(from, { type: 'validateReply', txn, ok: false, reason: 'higher_epoch_read', wm: this.wm() });
    }
    const ok = this.store.validate(txn, reads);
    this.send(from, ok ? { type: 'validateReply', txn, ok: true, wm: this.wm() } : { type: 'validateReply', txn, ok: false, reason: 'validation_failed', wm: this.wm() });
  }

  private onInstall(from: ShardId, txn: TxnId, epoch: Epoch, vclock: VClock, writes: KeyWrite[]): void {
    if (this.serving(epoch) && this.installed.has(txn)) return this.send(from, { type: 'installReply', txn, ok: true, wm: this.wm() });
    const part = this.parts.get(txn);
    if (!this.serving(epoch) || part === undefined || !this.barrier.hasObligation(txn)) {
      return this.send(from, { type: 'installReply', txn, ok: false, reason: 'epoch_changed', wm: this.wm() });
    }
    this.installHere(txn, epoch, vclock, writes);
    part.installed = true;
    this.parts.delete(txn);
    this.installed.add(txn);
    // Bounded: a resend comes within a few timeouts, long before 100k later installs.
    if (this.installed.size > 100_000) this.installed.delete(this.installed.values().next().value!);
    this.send(from, { type: 'installReply', txn, ok: true, wm: this.wm() });
  }

  private installHere(txn: TxnId, epoch: Epoch, vclock: VClock, writes: KeyWrite[]): void {
    this.store.install({ txn, epoch, vclock }, writes, false);
    this.clock.raise(vclock[this.shard]!);
    this.batch.push({ txn, vclock, writes });
  }

  private onAbort(txn: TxnId): void {
    // An installed transaction is past its commit point: a late or answered-by-inquiry abort changes nothing.
    if (this.installed.has(txn)) return;
    const part = this.parts.get(txn);
    if (part !== undefined && !part.installed) this.store.unlockAll(txn, part.locked);
    this.parts.delete(txn);
    this.barrier.closeObligation(txn);
  }

  /**
   * Locks held a whole timeout with neither Install nor abort: the abort may have been lost, or
   * overtaken by its Lock on another connection. Ask the coordinator, once per timeout.
   */
  private inquireStaleLocks(): void {
    for (const [txn, part] of this.parts) {
      if (part.installed || this.ticks - part.since < this.timeout) continue;
      part.since = this.ticks;
      this.send(part.coordinator, { type: 'inquire', txn, epoch: part.epoch });
    }
  }

  /**
   * A participant asks about a transaction it holds locks for. This leader, in the same epoch,
   * began every transaction whose id carries its name; one it no longer runs ended: aborted, or
   * committed, which needed this participant's Install, so its locks would be gone. Abort it there.
   */
  private onInquire(from: ShardId, txn: TxnId, epoch: Epoch): void {
    if (!this.serving(epoch) || !txn.startsWith(txnIdPrefix(this.cfg)) || this.coord.has(txn)) return;
    this.send(from, { type: 'abort', txn, epoch });
  }

  /** M3/M4: propose the installed writes, then a barrier if the rule allows a higher one (or followers need a newer vw). */
  private flush(final: boolean): void {
    const epoch = this.epoch;
    if (epoch === null) return;
    if (this.batch.length > 0) {
      this.out.propose.push({ t: 'writes', epoch, txns: this.batch });
      for (const t of this.batch) this.barrier.closeObligation(t.txn);
      this.batch = [];
    }
    const vw = this.vw.combined(epoch);
    const b = this.barrier.nextBarrier(this.clock.next);
    if (b !== null || (!final && !clockLeq(vw, this.lastBarrierVw))) {
      this.out.propose.push({ t: 'barrier', epoch, b: this.barrier.lastProposed, vw });
      this.lastBarrierVw = vw;
    }
  }

  // ---- epochs (M6) ----

  private changeEpoch(next: Epoch): void {
    if (this.epoch !== null && next <= this.epoch) return;
    if (this.epoch === null && next <= this.closedThrough) return;
    // Close every epoch below `next`: the one served gets its last writes and a final barrier first.
    if (this.epoch !== null) this.flush(true);
    for (let e = this.closedThrough + 1; e < next; e++) this.out.propose.push({ t: 'epochEnd', epoch: e });
    this.closedThrough = Math.max(this.closedThrough, next - 1);
    for (const [txn, part] of [...this.parts]) {
      if (part.epoch < next && !part.installed) {
        this.store.unlockAll(txn, part.locked);
        this.parts.delete(txn);
      }
    }
    const parked = this.parked;
    this.parked = [];
    for (const p of parked) this.send(p.from, { type: 'readReply', txn: p.msg.txn, ok: false, reason: 'epoch_changed', wm: null });
    this.epoch = next;
    this.installed.clear();
    this.barrier = new BarrierRule();
    this.lastBarrierVw = zeroClock(this.shards);
    for (const t of [...this.coord.values()]) {
      if (t.epoch < next && t.phase !== 'installing' && t.phase !== 'waiting') this.abort(t, 'epoch_changed');
    }
  }

  private finalize(epoch: Epoch, fvw: VClock): void {
    if (this.fvwKnown.has(epoch)) return;
    this.fvwKnown.set(epoch, fvw);
    if (!this.sm.fvws.has(epoch)) this.out.propose.push({ t: 'fvw', epoch, fvw });
    this.store.rollback(epoch, fvw);
    for (const t of [...this.coord.values()]) {
      if (t.epoch !== epoch || (t.phase !== 'installing' && t.phase !== 'waiting')) continue;
      if (clockLeq(t.vclock, fvw)) this.reply(t, { outcome: 'committed', results: t.results });
      else this.reply(t, { outcome: 'aborted', reason: 'rolled_back' });
    }
    this.retryParked();
  }

  // ---- coordinator ----

  private begin(requestId: number, ops: TxnOp[]): void {
    if (this.epoch === null) {
      this.out.replies.push({ requestId, outcome: { outcome: 'aborted', reason: 'epoch_changed' } });
      return;
    }
    const shardOf = this.cfg.shardOf;
    const t: CoordTxn = {
      id: `${txnIdPrefix(this.cfg)}${this.epoch}.${this.seq++}`,
      requestId,
      began: this.ticks,
      ops,
      epoch: this.epoch,
      phase: 'reading',
      awaiting: new Set(),
      deadline: this.ticks + this.timeout,
      reads: new Map(),
      readShards: new Set(keysToRead(ops).map(shardOf)),
      writeShards: new Set(),
      contacted: new Set(),
      writesByShard: new Map(),
      results: [],
      vclock: zeroClock(this.shards),
      installFailed: false,
    };
    this.coord.set(t.id, t);
    const involved = new Set(ops.map((o) => shardOf(o.key)));
    if ([...involved].every((s) => s === this.shard) && this.fastPath(t)) return;
    const byShard = new Map<ShardId, string[]>();
    for (const key of keysToRead(ops)) {
      const s = shardOf(key);
      byShard.set(s, [...(byShard.get(s) ?? []), key]);
    }
    if (byShard.size === 0) return this.executed(t);
    t.awaiting = new Set(byShard.keys());
    for (const [s, keys] of byShard) this.send(s, { type: 'read', txn: t.id, epoch: t.epoch, keys });
  }

  /** Single-shard transaction on this shard: read, lock, clock and install in one step. False: take the normal path. */
  private fastPath(t: CoordTxn): boolean {
    const readKeys = keysToRead(t.ops);
    for (const key of readKeys) {
      const v = this.store.newest(key);
      const rule = this.readRule(v, t.epoch);
      if (rule === 'wait') return false;
      if (rule === 'abort') {
        this.abort(t, 'higher_epoch_read');
        return true;
      }
      const holder = this.store.lockHolder(key);
      if (holder !== null) {
        this.abort(t, 'validation_failed');
        return true;
      }
      t.reads.set(key, { key, value: v.value, version: v.tag });
      if (v.tag !== null) t.vclock = clockMax(t.vclock, v.tag.vclock);
    }
    const ex = executeOps(t.ops, (key) => t.reads.get(key)?.value ?? null);
    if (ex === 'not_integer') {
      this.abort(t, 'not_integer');
      return true;
    }
    t.results = ex.results;
    if (ex.writes.length > 0 && !this.store.lock(t.id, ex.writes.map((w) => w.key))) {
      this.abort(t, 'lock_conflict');
      return true;
    }
    const c = this.clock.getClock();
    t.vclock[this.shard] = Math.max(t.vclock[this.shard]!, c);
    if (ex.writes.length > 0) {
      this.barrier.openObligation(t.id, c);
      this.installHere(t.id, t.epoch, t.vclock, ex.writes);
      t.writeShards.add(this.shard);
    }
    t.phase = 'waiting';
    t.waitFrom = this.ticks;
    this.tryAck(t);
    return true;
  }

  private onReply(from: ShardId, msg: Extract<PeerMessage, { type: 'readReply' | 'lockReply' | 'clockReply' | 'validateReply' | 'installReply' }>): void {
    const t = this.coord.get(msg.txn);
    if (t === undefined) return;
    const expected: Record<typeof msg.type, Phase> = {
      readReply: 'reading',
      lockReply: 'locking',
      clockReply: 'clocking',
      validateReply: 'validating',
      installReply: 'installing',
    };
    if (t.phase !== expected[msg.type] || !t.awaiting.has(from)) return;
    t.awaiting.delete(from);
    if (!msg.ok) {
      if (t.phase === 'installing') t.installFailed = true;
      else return this.abort(t, msg.reason);
    } else if (msg.type === 'readReply') {
      for (const r of msg.reads) {
        t.reads.set(r.key, r);
        if (r.version !== null) t.vclock = clockMax(t.vclock, r.version.vclock);
      }
    } else if (msg.type === 'clockReply') {
      t.vclock[from] = Math.max(t.vclock[from]!, msg.clock);
    }
    if (t.awaiting.size > 0) return;
    switch (t.phase) {
      case 'reading':
        return this.executed(t);
      case 'locking':
        return this.startClocking(t);
      case 'clocking':
        return this.startValidating(t);
      case 'validating':
        return this.startInstalling(t);
      case 'installing':
        t.phase = 'waiting';
    t.waitFrom = this.ticks;
        return this.tryAck(t);
      case 'waiting':
        return;
    }
  }

  private executed(t: CoordTxn): void {
    const ex = executeOps(t.ops, (key) => t.reads.get(key)?.value ?? null);
    if (ex === 'not_integer') return this.abort(t, 'not_integer');
    t.results = ex.results;
    for (const w of ex.writes) {
      const s = this.cfg.shardOf(w.key);
      t.writesByShard.set(s, [...(t.writesByShard.get(s) ?? []), w]);
      t.writeShards.add(s);
    }
    if (t.writeShards.size === 0) return this.startClocking(t);
    this.enter(t, 'locking', t.writeShards);
    for (const [s, writes] of t.writesByShard) this.send(s, { type: 'lock', txn: t.id, epoch: t.epoch, keys: writes.map((w) => w.key) });
  }

  private startClocking(t: CoordTxn): void {
    const shards = new Set<ShardId>([...t.readShards, ...t.writeShards, this.shard]);
    this.enter(t, 'clocking', shards);
    for (const s of shards) this.send(s, { type: 'getClock', txn: t.id, epoch: t.epoch, writes: t.writeShards.has(s) });
  }

  private startValidating(t: CoordTxn): void {
    const checks = new Map<ShardId, ReadCheck[]>();
    for (const r of t.reads.values()) {
      const s = this.cfg.shardOf(r.key);
      if (this.m.validateOnlyWrittenShards && !t.writeShards.has(s)) continue;
      checks.set(s, [...(checks.get(s) ?? []), { key: r.key, writer: r.version?.txn ?? null }]);
    }
    if (checks.size === 0) return this.startInstalling(t);
    this.enter(t, 'validating', new Set(checks.keys()));
    for (const [s, reads] of checks) this.send(s, { type: 'validate', txn: t.id, epoch: t.epoch, reads });
  }

  private startInstalling(t: CoordTxn): void {
    if (t.writeShards.size === 0) {
      t.phase = 'waiting';
    t.waitFrom = this.ticks;
      return this.tryAck(t);
    }
    this.enter(t, 'installing', t.writeShards);
    for (const [s, writes] of t.writesByShard) this.send(s, { type: 'install', txn: t.id, epoch: t.epoch, vclock: t.vclock.slice(), writes });
  }

  private enter(t: CoordTxn, phase: Phase, shards: Set<ShardId>): void {
    t.phase = phase;
    t.awaiting = new Set(shards);
    for (const s of shards) t.contacted.add(s);
    t.deadline = this.ticks + this.timeout;
  }

  /** M5: acknowledge only once the vector watermark of the epoch covers the transaction. */
  private tryAck(t: CoordTxn): void {
    if (t.phase !== 'waiting' || t.installFailed) return;
    if (this.m.ackBeforeWatermark || this.vw.covers(t.epoch, t.vclock)) this.reply(t, { outcome: 'committed', results: t.results });
  }

  private abort(t: CoordTxn, reason: AbortReason): void {
    for (const s of t.contacted) this.send(s, { type: 'abort', txn: t.id, epoch: t.epoch });
    if (t.contacted.size === 0 && t.writeShards.has(this.shard)) this.onAbort(t.id);
    this.reply(t, { outcome: 'aborted', reason });
  }

  private reply(t: CoordTxn, outcome: { outcome: 'committed'; results: TxnOpResult[] } | { outcome: 'aborted'; reason: AbortReason }): void {
    this.coord.delete(t.id);
    if (outcome.outcome === 'committed') this.split.committedTxn(t.began, t.waitFrom, this.ticks);
    this.out.replies.push({ requestId: t.requestId, outcome });
  }

  /** The vector clock of a transaction this leader coordinates (tests and the simulator's checks). */
  vclockOf(requestId: number): VClock | undefined {
    for (const t of this.coord.values()) if (t.requestId === requestId) return t.vclock.slice();
    return undefined;
  }
}
