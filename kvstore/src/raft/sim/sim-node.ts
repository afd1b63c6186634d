/**
 * One simulated node: a RaftCore driven exactly as the real driver drives it (persist,
 * then send, then apply, then advance), with SimStorage for its disk and the simulator's
 * network for its sockets. Fsyncs take simulated time; a crash loses what they had not
 * finished.
 */
import type { RaftConfigInput } from '../config';
import { RaftCore } from '../raft';
import type { Message } from '../messages';
import type { Rng } from '../random';
import type { Entry, NodeId, Ready, Snapshot } from '../types';
import { NONE } from '../types';
import { SimStorage } from './sim-storage';
import type { SimStateMachine } from './sim-state-machines';

/** What the node needs from the simulation around it. */
export interface NodeHost {
  readonly now: number;
  readonly rng: Rng;
  send(m: Message): void;
  /** Runs `run` at simulated time `at` unless the node crashed (its generation changed) by then. */
  schedule(at: number, node: SimNode, run: () => void): void;
  fsyncDelay(): number;
  onApplied(node: SimNode, entry: Entry, result: unknown): void;
  onSnapshotRestored(node: SimNode, snapshot: Snapshot): void;
  onSnapshotTaken(node: SimNode, snapshot: Snapshot): void;
  onStaged(node: SimNode, entries: Entry[]): void;
}

export interface SimNodeOptions {
  raft: Omit<RaftConfigInput, 'id' | 'random'>;
  makeStateMachine: () => SimStateMachine;
  /** Snapshot the state machine every this many applied entries (0: never). */
  snapshotEvery: number;
  /** Entries kept in the log behind a snapshot, for followers slightly behind. */
  snapshotMargin: number;
}

export type ProposalOutcome = { ok: true; result: unknown; index: number } | { ok: false; reason: string };
export type ReadOutcome = { ok: true; appliedIndex: number } | { ok: false; reason: string };

interface ProposalWaiter {
  term: number;
  done: (o: ProposalOutcome) => void;
}

export class SimNode {
  core: RaftCore | null = null;
  readonly storage = new SimStorage();
  sm: SimStateMachine;
  applied = 0;
  /** Incremented by every crash: events scheduled for an earlier life are dropped. */
  generation = 0;
  /** Readys taken and not yet durable, oldest first. */
  private persisting: Ready[] = [];
  private lastPersistAt = 0;
  private snapshotIndex = 0;
  private snapshotting = false;
  private readonly proposals = new Map<number, ProposalWaiter>();
  private readonly reads = new Map<number, (o: ReadOutcome) => void>();
  private confirmedReads: Array<{ index: number; ctx: number }> = [];
  private nextReadCtx = 1;
  /** Counters for tests. */
  readonly stats = { readys: 0, persists: 0, snapshotsTaken: 0, snapshotsInstalled: 0 };

  constructor(
    readonly id: NodeId,
    private readonly host: NodeHost,
    private readonly options: SimNodeOptions,
  ) {
    this.sm = options.makeStateMachine();
  }

  get up(): boolean {
    return this.core !== null;
  }

  start(): void {
    const snapshot = this.storage.snapshot;
    this.sm = this.options.makeStateMachine();
    this.applied = 0;
    if (snapshot !== null) {
      this.sm.restore(snapshot.data);
      this.applied = snapshot.meta.index;
      this.host.onSnapshotRestored(this, snapshot);
    }
    this.snapshotIndex = this.applied;
    this.core = new RaftCore(
      { ...this.options.raft, id: this.id, random: this.host.rng.fork().next },
      { hardState: this.storage.hardState, snapshot, log: this.storage },
    );
  }

  crash(): void {
    this.core = null;
    this.generation++;
    this.storage.crash(this.host.rng);
    this.persisting = [];
    this.snapshotting = false;
    for (const w of this.proposals.values()) w.done({ ok: false, reason: 'node crashed' });
    this.proposals.clear();
    for (const r of this.reads.values()) r({ ok: false, reason: 'node crashed' });
    this.reads.clear();
    this.confirmedReads = [];
  }

  tick(): void {
    this.core?.tick();
    this.drive();
  }

  receive(m: Message): void {
    if (this.core === null) return;
    this.core.step(m);
    this.drive();
  }

  /** Proposes `data`; returns its index if this node accepted it (as leader), else null. `done` gets the outcome. */
  propose(data: Uint8Array, done: (o: ProposalOutcome) => void): number | null {
    const core = this.core;
    if (core === null) {
      done({ ok: false, reason: 'node down' });
      return null;
    }
    const r = core.propose(data);
    if (!r.ok) {
      done({ ok: false, reason: `${r.reason} (leader ${r.leader})` });
      return null;
    }
    this.proposals.set(r.index, { term: r.term, done });
    this.drive();
    return r.index;
  }

  read(done: (o: ReadOutcome) => void): void {
    const core = this.core;
    if (core === null) return done({ ok: false, reason: 'node down' });
    const ctx = this.nextReadCtx++;
    const r = core.readIndex(ctx);
    if (!r.ok) return done({ ok: false, reason: r.reason });
    this.reads.set(ctx, done);
    this.drive();
  }

  /** Takes and handles every Ready the core has. */
  drive(): void {
    const core = this.core;
    if (core === null) return;
    while (core.hasReady()) this.handle(core, core.ready());
  }

  private handle(core: RaftCore, rd: Ready): void {
    this.stats.readys++;
    if (rd.softState !== null && rd.softState.role !== 'leader') {
      // Proposals this node accepted as leader may or may not commit: their clients must retry.
      for (const w of this.proposals.values()) w.done({ ok: false, reason: 'leadership lost' });
      this.proposals.clear();
    }
    // 1. Persist (staged now, durable when the simulated fsync finishes).
    const needsWrite = rd.hardState !== null || rd.snapshot !== null || rd.entries.length > 0;
    if (needsWrite) {
      this.storage.stage({
        ...(rd.hardState ? { hardState: rd.hardState } : {}),
        ...(rd.snapshot ? { installSnapshot: rd.snapshot } : {}),
        ...(rd.entries.length > 0 ? { entries: rd.entries } : {}),
      });
      if (rd.entries.length > 0) this.host.onStaged(this, rd.entries);
    }
    // 2. Messages that need nothing durable.
    for (const m of rd.messages) this.host.send(m);
    // 3. Apply.
    if (rd.snapshot !== null) {
      this.sm = this.options.makeStateMachine();
      this.sm.restore(rd.snapshot.data);
      this.applied = rd.snapshot.meta.index;
      this.snapshotIndex = Math.max(this.snapshotIndex, this.applied);
      this.stats.snapshotsInstalled++;
      this.host.onSnapshotRestored(this, rd.snapshot);
    }
    for (const e of rd.committedEntries) this.applyEntry(e);
    for (const ctx of rd.droppedReads) this.finishRead(ctx, { ok: false, reason: 'leadership lost before the read was confirmed' });
    for (const rs of rd.readStates) this.confirmedReads.push(rs);
    this.serveReads();
    // 4. Once durable: the dependent messages, then advance.
    this.persisting.push(rd);
    const at = needsWrite ? Math.max(this.host.now + this.host.fsyncDelay(), this.lastPersistAt) : Math.max(this.host.now, this.lastPersistAt);
    this.lastPersistAt = at;
    this.host.schedule(at, this, () => this.persisted(needsWrite));
    this.maybeSnapshot(core);
  }

  private persisted(wrote: boolean): void {
    const core = this.core!;
    const rd = this.persisting.shift()!;
    if (wrote) this.storage.persistNext();
    this.stats.persists++;
    for (const m of rd.messagesAfterPersist) this.host.send(m);
    core.advance(rd);
    this.drive();
  }

  private applyEntry(e: Entry): void {
    if (e.index !== this.applied + 1) throw new Error(`node ${this.id}: applying ${e.index} after ${this.applied}`);
    this.applied = e.index;
    const result = e.data.length === 0 ? undefined : this.sm.apply(e);
    this.host.onApplied(this, e, result);
    const w = this.proposals.get(e.index);
    if (w !== undefined) {
      this.proposals.delete(e.index);
      // Another leader's entry took this index: the proposal was lost.
      w.done(w.term === e.term ? { ok: true, result, index: e.index } : { ok: false, reason: `entry ${e.index} was overwritten` });
    }
  }

  private serveReads(): void {
    let n = 0;
    while (n < this.confirmedReads.length && this.confirmedReads[n]!.index <= this.applied) n++;
    if (n === 0) return;
    for (const rs of this.confirmedReads.splice(0, n)) this.finishRead(rs.ctx, { ok: true, appliedIndex: this.applied });
  }

  private finishRead(ctx: number, o: ReadOutcome): void {
    const done = this.reads.get(ctx);
    if (done === undefined) return;
    this.reads.delete(ctx);
    done(o);
  }

  /** Every snapshotEvery applied entries: snapshot, make it durable, then compact. */
  private maybeSnapshot(core: RaftCore): void {
    const every = this.options.snapshotEvery;
    if (every <= 0 || this.snapshotting || this.applied - this.snapshotIndex < every) return;
    const index = this.applied;
    const term = core.log.term(index);
    if (term === undefined) return;
    const snapshot: Snapshot = { meta: { index, term }, data: this.sm.snapshot() };
    const compactThrough = Math.max(0, index - this.options.snapshotMargin);
    this.snapshotting = true;
    this.host.onSnapshotTaken(this, snapshot);
    this.storage.stage({ saveSnapshot: { snapshot, compactThrough } });
    const at = Math.max(this.host.now + this.host.fsyncDelay(), this.lastPersistAt);
    this.lastPersistAt = at;
    this.persisting.push(EMPTY_READY);
    this.host.schedule(at, this, () => {
      this.persisting.shift();
      this.storage.persistNext();
      this.snapshotting = false;
      this.snapshotIndex = index;
      this.stats.snapshotsTaken++;
      const c = this.core!;
      // A snapshot installed from the leader meanwhile may already be newer.
      if (index > c.log.boundary.index && index <= c.log.applied) {
        c.compact(snapshot, Math.max(compactThrough, c.log.boundary.index));
        this.storage.compactVisible(compactThrough);
      }
      this.drive();
    });
  }

  /** The term this node leads, or null if it is down or not the leader. */
  get leaderTerm(): number | null {
    return this.core !== null && this.core.role === 'leader' ? this.core.term : null;
  }

  get knownLeader(): NodeId {
    return this.core?.leader ?? NONE;
  }
}

const EMPTY_READY: Ready = {
  softState: null,
  hardState: null,
  snapshot: null,
  entries: [],
  messages: [],
  messagesAfterPersist: [],
  committedEntries: [],
  readStates: [],
  droppedReads: [],
  commit: 0,
};
