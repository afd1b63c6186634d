/**
 * RaftNode: the Node.js shell around RaftCore. It owns the timers, the storage and the
 * transport, and keeps the core's contract (raft.ts): for every Ready, in order,
 *
 *   persist   hard state and entries go to storage at once (DurableLog batches whatever
 *             arrives while an fsync is running into the next one: group commit); a
 *             snapshot from the leader is saved before the log is reset after it
 *   send      `messages` at once: a leader's appends go out in parallel with its own write
 *   apply     committed entries to the state machine, answering the proposals waiting
 *             on them; confirmed reads are served once applied reaches their index
 *   then, once this Ready and every earlier one are durable: send `messagesAfterPersist`
 *   (acks, votes) and call `advance`.
 *
 * Proposals and reads are gathered for a turn of the event loop (setImmediate), so all
 * that arrive during a turn land in one Ready: one log write, one append per follower. A
 * batch of messages from a peer is handled right after the callback that delivered it. Time: a timer calls tick() as many times as whole tick intervals have passed on
 * the monotonic clock, so a paused process catches up at once (a lease read catches up
 * first as well; see raft.ts on leases).
 *
 * Snapshots: every `snapshotEvery` applied entries the state machine is snapshotted,
 * saved durably, and then the log is compacted (keeping `snapshotMargin` entries for
 * followers that are slightly behind).
 */
import { randomInt } from 'node:crypto';
import type { LogFn } from '../common/log';
import type { RaftConfigInput } from './config';
import { NotLeaderError, ProposalDroppedError, RaftClosedError } from './errors';
import type { Message } from './messages';
import { RaftCore } from './raft';
import { seededRandom } from './random';
import type { RaftStorage } from './storage';
import type { RaftTransport } from './transport';
import { type Entry, type NodeId, type RandomSource, type ReadState, type Ready, type Role, type Snapshot, type SoftState } from './types';

/** The state machine as the node sees it: entries in, results out, snapshots both ways. */
export interface RaftFsm<R> {
  /** Applies one committed entry (never a leader no-op). Deterministic. */
  apply(entry: Entry): R;
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
}

export interface RaftNodeOptions<R> {
  id: NodeId;
  peers: NodeId[];
  storage: RaftStorage;
  transport: RaftTransport;
  fsm: RaftFsm<R>;
  /** Milliseconds per tick. Default 50 (with 10 election ticks: elections after 0.5–1 s of silence). */
  tickMs?: number;
  /** Core settings (election and heartbeat ticks, read mode, windows); see config.ts. */
  raft?: Partial<Omit<RaftConfigInput, 'id' | 'peers'>>;
  /** Snapshot and compact after this many applied entries. Default 10,000. */
  snapshotEvery?: number;
  /** Entries kept in the log behind a snapshot. Default 1,000. */
  snapshotMargin?: number;
  /** Monotonic milliseconds. Default performance.now. */
  clock?: () => number;
  log?: LogFn;
  /** Storage failed or the core hit a bug: the node stops; the process should restart it. */
  onFatal?: (err: Error) => void;
}

export interface RaftNodeStatus {
  id: NodeId;
  role: Role;
  term: number;
  leader: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  /** Last index known durable here. */
  stableIndex: number;
  snapshotIndex: number;
  /** Entries retained in the log. */
  logEntries: number;
}

/** Counters since start, for benchmarks. */
export interface RaftNodeStats {
  readys: number;
  appendMessages: number;
  appendEntries: number;
  logWrites: number;
  logEntriesWritten: number;
  logSyncs: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
}

interface ProposalWaiter<R> {
  term: number;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

interface ReadWaiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class RaftNode<R> {
  readonly id: NodeId;
  private readonly core: RaftCore;
  private readonly tickMs: number;
  private readonly clock: () => number;
  private readonly startedAt: number;
  private ticked = 0;
  private ticker: NodeJS.Timeout | null = null;
  private processScheduled = false;
  private microtaskScheduled = false;
  /** Resolves once every Ready taken so far is durable (and advanced). */
  private persisted: Promise<void> = Promise.resolve();
  /** A snapshot from the leader is being saved: no further Ready until its log reset is queued. */
  private installing = false;
  private applied: number;
  private lastSnapshotIndex: number;
  private snapshotting = false;
  private readonly proposals = new Map<number, ProposalWaiter<R>>();
  private readonly reads = new Map<number, ReadWaiter>();
  private confirmed: ReadState[] = [];
  private readSeq = 0;
  private failure: Error | null = null;
  private closed = false;
  private softState: SoftState;
  private readonly leaderWatchers: Array<() => void> = [];
  private readonly counters = { readys: 0, appendMessages: 0, appendEntries: 0, snapshotsTaken: 0, snapshotsInstalled: 0 };
  private readonly log: LogFn;

  private constructor(
    private readonly options: RaftNodeOptions<R>,
    hardState: { term: number; vote: NodeId },
    snapshot: Snapshot | null,
    random: RandomSource,
  ) {
    this.id = options.id;
    this.log = options.log ?? (() => undefined);
    this.tickMs = options.tickMs ?? 50;
    this.clock = options.clock ?? (() => performance.now());
    this.core = new RaftCore(
      { electionTicks: 10, heartbeatTicks: 2, ...options.raft, id: options.id, peers: options.peers, random },
      { hardState, snapshot, log: options.storage.log },
    );
    this.applied = snapshot?.meta.index ?? 0;
    this.lastSnapshotIndex = this.applied;
    this.softState = { role: this.core.role, leader: this.core.leader, term: this.core.term };
    this.startedAt = this.clock();
  }

  /** Loads the node's durable state, restores the state machine from its snapshot, and starts it. */
  static async start<R>(options: RaftNodeOptions<R>): Promise<RaftNode<R>> {
    const hardState = await options.storage.stable.load();
    const snapshot = await options.storage.snapshots.load();
    if (snapshot !== null) options.fsm.restore(snapshot.data);
    const random = options.raft?.random ?? seededRandom(randomInt(0x7fffffff) ^ options.id);
    const node = new RaftNode(options, hardState, snapshot, random);
    options.transport.onReceive((messages) => node.receive(messages));
    node.ticker = setInterval(() => node.catchUpTicks(), node.tickMs);
    // A group of one has nobody to wait for: it leads at once.
    if (options.peers.length === 1) node.campaign();
    return node;
  }

  // ───────────── requests ─────────────

  /**
   * Proposes `data` (at least one byte). Resolves with the state machine's result once the
   * entry is committed and applied here. Rejects at once with NotLeaderError on a node
   * that is not the leader; later with ProposalDroppedError if leadership is lost first.
   */
  propose(data: Uint8Array): Promise<R> {
    if (this.failure !== null) return Promise.reject(this.failure);
    let r;
    try {
      r = this.core.propose(data);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!r.ok) return Promise.reject(new NotLeaderError(r.leader, r.reason === 'transferring' ? 'leadership is being transferred' : undefined));
    const { index, term } = r;
    this.scheduleProcess();
    return new Promise<R>((resolve, reject) => this.proposals.set(index, { term, resolve, reject }));
  }

  /**
   * Resolves when a linearizable read may run against the state machine: the leader has
   * confirmed its leadership (read index, or its lease) and applied everything committed
   * before the call. Rejects with NotLeaderError elsewhere.
   */
  readBarrier(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    // A lease is measured in ticks: bring them up to date with the clock before relying on it.
    if (this.core.config.readMode === 'lease') this.catchUpTicks(false);
    const ctx = ++this.readSeq;
    const r = this.core.readIndex(ctx);
    if (!r.ok) return Promise.reject(new NotLeaderError(r.leader));
    this.scheduleProcess();
    return new Promise<void>((resolve, reject) => this.reads.set(ctx, { resolve, reject }));
  }

  /** Moves leadership to `to`; resolves once this node sees `to` lead, rejects after two election timeouts. */
  transferLeadership(to: NodeId): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const r = this.core.transferLeadership(to);
    if (!r.ok) return Promise.reject(new NotLeaderError(r.leader, r.reason));
    this.scheduleProcess();
    return this.waitForLeader((leader) => leader === to, 2 * this.core.config.electionTicks * this.tickMs, `leadership did not move to node ${to}`);
  }

  /** Starts an election now (tests, tools). */
  campaign(): void {
    this.core.campaign();
    this.scheduleProcess();
  }

  /** Resolves once `accept(leader)` holds for the leader this node knows (checked at every change). */
  waitForLeader(accept: (leader: NodeId) => boolean, timeoutMs: number, what = 'no leader'): Promise<void> {
    if (accept(this.softState.leader)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.leaderWatchers.indexOf(check);
        if (i >= 0) this.leaderWatchers.splice(i, 1);
        reject(new Error(`${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        if (!accept(this.softState.leader)) return;
        clearTimeout(timer);
        const i = this.leaderWatchers.indexOf(check);
        if (i >= 0) this.leaderWatchers.splice(i, 1);
        resolve();
      };
      this.leaderWatchers.push(check);
    });
  }

  get isLeader(): boolean {
    return this.core.role === 'leader';
  }

  get leader(): NodeId {
    return this.core.leader;
  }

  status(): RaftNodeStatus {
    const s = this.core.status();
    return {
      id: s.id,
      role: s.role,
      term: s.term,
      leader: s.leader,
      commit: s.commit,
      applied: this.applied,
      firstIndex: s.firstIndex,
      lastIndex: s.lastIndex,
      stableIndex: s.stableIndex,
      snapshotIndex: this.lastSnapshotIndex,
      logEntries: s.lastIndex - s.firstIndex + 1,
    };
  }

  stats(): RaftNodeStats {
    const st = this.options.storage.log.stats();
    return { ...this.counters, logWrites: st.syncs, logEntriesWritten: st.entries, logSyncs: st.syncs };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.rejectAll(new RaftClosedError(`node ${this.id} is closed`));
    await this.options.transport.close();
    await this.persisted.catch(() => undefined);
    await this.options.storage.close();
  }

  // ───────────── driving the core ─────────────

  private receive(messages: Message[]): void {
    if (this.closed || this.failure !== null) return;
    try {
      for (const m of messages) this.core.step(m);
    } catch (err) {
      this.fail(err);
      return;
    }
    // A batch from a peer is handled as soon as the current callback ends: a follower starts
    // its write, a leader commits and answers, without waiting a turn of the event loop.
    this.processSoon();
  }

  private processSoon(): void {
    if (this.microtaskScheduled || this.closed) return;
    this.microtaskScheduled = true;
    queueMicrotask(() => {
      this.microtaskScheduled = false;
      this.process();
    });
  }

  private catchUpTicks(process = true, deferred = false): void {
    if (this.closed || this.failure !== null) return;
    const due = Math.floor((this.clock() - this.startedAt) / this.tickMs);
    if (due <= this.ticked) return;
    if (process && !deferred && due - this.ticked > 1) {
      // The process stalled (paused, descheduled, a long GC): read the messages that arrived
      // meanwhile before letting time jump, or a stall here would look like silence there.
      setImmediate(() => this.catchUpTicks(true, true));
      return;
    }
    try {
      while (this.ticked < due) {
        this.core.tick();
        this.ticked++;
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    if (process) this.scheduleProcess();
  }

  private scheduleProcess(): void {
    if (this.processScheduled || this.closed) return;
    this.processScheduled = true;
    setImmediate(() => {
      this.processScheduled = false;
      this.process();
    });
  }

  private process(): void {
    if (this.closed || this.failure !== null) return;
    try {
      while (!this.installing && this.core.hasReady()) this.handleReady(this.core.ready());
    } catch (err) {
      this.fail(err);
    }
  }

  private handleReady(rd: Ready): void {
    this.counters.readys++;
    if (rd.softState !== null) this.changeSoftState(rd.softState);
    if (rd.snapshot !== null) {
      this.installSnapshot(rd, rd.snapshot);
      return;
    }
    const { log, stable } = this.options.storage;
    // Messages first: they need nothing from the writes, and the peers can start on them.
    this.sendAll(rd.messages);
    const writes: Promise<void>[] = [];
    if (rd.hardState !== null) writes.push(stable.save(rd.hardState));
    if (rd.entries.length > 0) writes.push(log.append(rd.entries));
    this.applyEntries(rd.committedEntries);
    this.takeReads(rd);
    this.afterDurable(rd, writes);
    this.maybeSnapshot();
  }

  /** Once `writes` and every earlier Ready are durable: send what waited for it, then advance. */
  private afterDurable(rd: Ready, writes: Promise<void>[]): void {
    const before = this.persisted;
    const done = writes.length === 0 ? before : Promise.all([before, ...writes]).then(() => undefined);
    this.persisted = done.then(() => {
      if (this.closed || this.failure !== null) return;
      this.sendAll(rd.messagesAfterPersist);
      this.core.advance(rd);
      this.process();
    });
    this.persisted.catch((err: unknown) => this.fail(err));
  }

  private installSnapshot(rd: Ready, snapshot: Snapshot): void {
    this.installing = true;
    this.counters.snapshotsInstalled++;
    // The state machine is volatile: restore it now; the snapshot is acknowledged only once durable.
    this.options.fsm.restore(snapshot.data);
    this.applied = snapshot.meta.index;
    this.lastSnapshotIndex = Math.max(this.lastSnapshotIndex, snapshot.meta.index);
    for (const [index, w] of this.proposals) {
      if (index > snapshot.meta.index) continue;
      this.proposals.delete(index);
      w.reject(new ProposalDroppedError(`entry ${index} was replaced by a snapshot from the leader; retry`));
    }
    this.sendAll(rd.messages);
    this.applyEntries(rd.committedEntries);
    this.takeReads(rd);
    const { log, stable, snapshots } = this.options.storage;
    const writes = this.persisted.then(async () => {
      // Snapshot first, then the log reset: a crash in between is repaired at open (recovery.ts).
      await snapshots.save(snapshot);
      const more: Promise<void>[] = [log.reset(snapshot.meta.index + 1)];
      if (rd.hardState !== null) more.push(stable.save(rd.hardState));
      if (rd.entries.length > 0) more.push(log.append(rd.entries));
      // Later log writes may be queued now: they come after the reset.
      this.installing = false;
      await Promise.all(more);
    });
    this.persisted = writes;
    this.afterDurable(rd, []);
  }

  private sendAll(messages: Message[]): void {
    if (messages.length === 0) return;
    if (messages.length === 1) {
      const m = messages[0]!;
      this.count(m);
      this.options.transport.send(m.to, messages);
      return;
    }
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      this.count(m);
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [to, list] of byPeer) this.options.transport.send(to, list);
  }

  private count(m: Message): void {
    if (m.type === 'append' && m.entries.length > 0) {
      this.counters.appendMessages++;
      this.counters.appendEntries += m.entries.length;
    }
  }

  private applyEntries(entries: Entry[]): void {
    for (const e of entries) {
      if (e.index !== this.applied + 1) throw new Error(`internal: applying entry ${e.index} after ${this.applied}`);
      this.applied = e.index;
      const result = e.data.length === 0 ? undefined : this.options.fsm.apply(e);
      const w = this.proposals.get(e.index);
      if (w === undefined) continue;
      this.proposals.delete(e.index);
      if (w.term === e.term) w.resolve(result as R);
      else w.reject(new ProposalDroppedError(`entry ${e.index} was replaced by another leader's; retry`));
    }
    if (entries.length > 0) this.serveReads();
  }

  private takeReads(rd: Ready): void {
    for (const ctx of rd.droppedReads) {
      const w = this.reads.get(ctx);
      if (w === undefined) continue;
      this.reads.delete(ctx);
      w.reject(new NotLeaderError(this.core.leader, 'leadership was lost before the read was confirmed'));
    }
    for (const rs of rd.readStates) this.confirmed.push(rs);
    this.serveReads();
  }

  private serveReads(): void {
    let n = 0;
    while (n < this.confirmed.length && this.confirmed[n]!.index <= this.applied) n++;
    if (n === 0) return;
    for (const rs of this.confirmed.splice(0, n)) {
      const w = this.reads.get(rs.ctx);
      if (w === undefined) continue;
      this.reads.delete(rs.ctx);
      w.resolve();
    }
  }

  private changeSoftState(s: SoftState): void {
    const wasLeader = this.softState.role === 'leader';
    this.softState = s;
    if (wasLeader && s.role !== 'leader') {
      const err = new ProposalDroppedError(`node ${this.id} lost leadership before the command committed; it may or may not be applied: retry`);
      for (const w of this.proposals.values()) w.reject(err);
      this.proposals.clear();
    }
    for (const check of [...this.leaderWatchers]) check();
  }

  private maybeSnapshot(): void {
    const every = this.options.snapshotEvery ?? 10_000;
    if (this.snapshotting || this.installing || this.applied - this.lastSnapshotIndex < every) return;
    const index = this.applied;
    const term = this.core.log.term(index);
    if (term === undefined) return;
    const snapshot: Snapshot = { meta: { index, term }, data: this.options.fsm.snapshot() };
    this.snapshotting = true;
    this.options.storage.snapshots.save(snapshot).then(
      () => {
        this.snapshotting = false;
        if (this.closed || this.failure !== null) return;
        this.counters.snapshotsTaken++;
        this.lastSnapshotIndex = Math.max(this.lastSnapshotIndex, index);
        const log = this.core.log;
        // A snapshot installed from the leader meanwhile may be newer than this one.
        if (index <= log.boundary.index || index > log.applied) return;
        const through = Math.max(log.boundary.index, index - (this.options.snapshotMargin ?? 1000));
        this.core.compact(snapshot, through);
        this.options.storage.log.compact(through).catch((err: unknown) => this.fail(err));
      },
      (err: unknown) => this.fail(err),
    );
  }

  private rejectAll(err: Error): void {
    for (const w of this.proposals.values()) w.reject(err);
    this.proposals.clear();
    for (const w of this.reads.values()) w.reject(err);
    this.reads.clear();
    this.confirmed = [];
  }

  private fail(cause: unknown): void {
    if (this.failure !== null) return;
    const err = cause instanceof Error ? cause : new Error(String(cause));
    this.failure = err;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.log(`node ${this.id} stopped: ${err.stack ?? err.message}`);
    this.rejectAll(err);
    this.options.onFatal?.(err);
  }
}
