/**
 * The Raft simulator: many nodes in one process on virtual time, a seeded network that
 * drops, delays, duplicates and reorders messages and can be cut (symmetrically or one
 * way) and partitioned, crashes that lose whatever was not yet durable, and restarts from
 * what was. Everything random comes from one seed, so a run replays exactly.
 *
 * After every event the invariants of the Raft paper are checked (invariants.ts); the first
 * violation throws SimulationFailure, whose message names the seed and the command that
 * replays the run.
 */
import type { RaftConfigInput } from '../config';
import type { Message } from '../messages';
import { Rng } from '../random';
import type { Entry, NodeId, Snapshot } from '../types';
import { NONE } from '../types';
import { EventQueue } from './event-queue';
import { InvariantChecker } from './invariants';
import { SimNode, type ProposalOutcome, type ReadOutcome } from './sim-node';
import { HashChainMachine, type SimStateMachine } from './sim-state-machines';

export interface NetworkOptions {
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  /** Delivery delay range in ms; different delays reorder messages. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Probability that a message is held back much longer (up to longDelayMs): old messages showing up late. */
  longDelayRate: number;
  longDelayMs: number;
}

export const RELIABLE: NetworkOptions = { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 3, longDelayRate: 0, longDelayMs: 0 };
export const UNRELIABLE: NetworkOptions = { dropRate: 0.1, duplicateRate: 0.05, minDelayMs: 1, maxDelayMs: 25, longDelayRate: 0.05, longDelayMs: 400 };

export interface SimOptions {
  seed: number;
  /** Scenario name, for the replay command printed on failure. */
  scenario?: string;
  nodes: number;
  raft?: Partial<Omit<RaftConfigInput, 'id' | 'peers' | 'random'>>;
  network?: Partial<NetworkOptions>;
  /** Virtual ms per tick. */
  tickMs?: number;
  /** Each node's tick interval differs from tickMs by up to this fraction (clock drift). */
  clockDrift?: number;
  /** Simulated fsync duration range in ms. */
  fsyncMs?: [number, number];
  makeStateMachine?: () => SimStateMachine;
  snapshotEvery?: number;
  snapshotMargin?: number;
  /** Keep a trace of recent events for failure messages (also with RAFT_SIM_TRACE set; =print prints every event). */
  trace?: boolean;
}

export class SimulationFailure extends Error {
  override name = 'SimulationFailure';
}

export class Simulation implements Iterable<SimNode> {
  readonly rng: Rng;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly ids: NodeId[];
  readonly checker: InvariantChecker;
  now = 0;
  network: NetworkOptions;
  readonly tickMs: number;
  private readonly events = new EventQueue();
  /** cut.has(`${a}>${b}`): messages from a to b are lost. */
  private readonly cut = new Set<string>();
  private readonly fsyncRange: [number, number];
  private readonly tickIntervals = new Map<NodeId, number>();
  readonly stats = { delivered: 0, dropped: 0, duplicated: 0, events: 0, appendRejections: 0 };
  private readonly traceLines: string[] | null;
  /** Scripted scenarios: messages for which this returns true are lost. */
  dropIf: ((m: Message) => boolean) | null = null;
  /** Scripted scenarios: sees every message as it is sent. */
  onSend: ((m: Message) => void) | null = null;
  /** Scripted scenarios: called (during the event) when a node becomes leader of a new term. */
  onNewLeader: ((id: NodeId, term: number) => void) | null = null;

  constructor(readonly options: SimOptions) {
    this.rng = Rng.seeded(options.seed);
    this.network = { ...RELIABLE, ...options.network };
    this.tickMs = options.tickMs ?? 10;
    this.fsyncRange = options.fsyncMs ?? [0.2, 2];
    this.ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
    this.checker = new InvariantChecker(this);
    this.traceLines = options.trace ?? process.env.RAFT_SIM_TRACE !== undefined ? [] : null;
    const makeStateMachine = options.makeStateMachine ?? (() => new HashChainMachine());
    const drift = options.clockDrift ?? 0;
    for (const id of this.ids) {
      const node = new SimNode(id, this, {
        raft: { peers: this.ids, ...options.raft },
        makeStateMachine,
        snapshotEvery: options.snapshotEvery ?? 0,
        snapshotMargin: options.snapshotMargin ?? 0,
      });
      this.nodes.set(id, node);
      this.tickIntervals.set(id, this.tickMs * (1 + (this.rng.next() * 2 - 1) * drift));
    }
    for (const node of this) {
      node.start();
      this.scheduleTick(node, this.rng.next() * this.tickMs);
    }
  }

  [Symbol.iterator](): Iterator<SimNode> {
    return this.nodes.values();
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new RangeError(`no node ${id}`);
    return n;
  }

  /** The command that replays this run. */
  get replayCommand(): string {
    return `node dist/kvstore/src/raft/sim/replay.js --scenario ${this.options.scenario ?? '<scenario>'} --seed ${this.options.seed}`;
  }

  fail(message: string): never {
    const trace = this.traceLines && this.traceLines.length > 0 ? `\nlast events:\n${this.traceLines.slice(-40).join('\n')}` : '';
    throw new SimulationFailure(`seed ${this.options.seed}, t=${this.now.toFixed(1)} ms: ${message}\nreplay: ${this.replayCommand}${trace}`);
  }

  trace(line: string): void {
    if (this.traceLines === null) return;
    const s = `${this.now.toFixed(2).padStart(9)} ${line}`;
    this.traceLines.push(s);
    if (this.traceLines.length > 200) this.traceLines.shift();
    if (process.env.RAFT_SIM_TRACE === 'print') console.log(s);
  }

  // ───────────── NodeHost ─────────────

  send(m: Message): void {
    if (m.type === 'vote' && !m.pre) this.checker.voteRequested(m.from, m.term, m.catchingUp);
    if (m.type === 'voteResp' && m.granted && !m.pre) this.checker.voteGranted(m.from, m.term, m.to, this.nodes.get(m.from)?.core?.isCatchingUp() === true);
    if (m.type === 'appendResp' && !m.success) this.stats.appendRejections++;
    this.onSend?.(m);
    if (this.cut.has(`${m.from}>${m.to}`) || (this.dropIf !== null && this.dropIf(m)) || this.rng.chance(this.network.dropRate)) {
      this.stats.dropped++;
      return;
    }
    const copies = this.rng.chance(this.network.duplicateRate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      let delay = this.network.minDelayMs + this.rng.next() * (this.network.maxDelayMs - this.network.minDelayMs);
      if (this.rng.chance(this.network.longDelayRate)) delay += this.rng.next() * this.network.longDelayMs;
      this.events.push(this.now + delay, () => this.deliver(m));
    }
  }

  private deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    // A link cut after the message left still loses it: cutting models a broken connection.
    if (to === undefined || !to.up || this.cut.has(`${m.from}>${m.to}`) || (this.dropIf !== null && this.dropIf(m))) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    if (this.traceLines) this.trace(`${m.from}->${m.to} ${describe(m)}`);
    to.receive(m);
  }

  schedule(at: number, node: SimNode, run: () => void): void {
    const generation = node.generation;
    this.events.push(at, () => {
      if (node.generation === generation && node.up) run();
    });
  }

  fsyncDelay(): number {
    const [lo, hi] = this.fsyncRange;
    return lo + this.rng.next() * (hi - lo);
  }

  onApplied(node: SimNode, entry: Entry, result: unknown): void {
    this.checker.applied(node, entry, result);
  }

  onSnapshotRestored(node: SimNode, snapshot: Snapshot): void {
    this.checker.snapshotRestored(node, snapshot);
  }

  onSnapshotTaken(node: SimNode, snapshot: Snapshot): void {
    this.checker.snapshotTaken(node, snapshot);
  }

  onStaged(node: SimNode, entries: Entry[]): void {
    this.checker.staged(node, entries);
  }

  // ───────────── time ─────────────

  private scheduleTick(node: SimNode, delay: number): void {
    const generation = node.generation;
    this.events.push(this.now + delay, () => {
      if (node.generation !== generation) return;
      node.tick();
      this.scheduleTick(node, this.tickIntervals.get(node.id)!);
    });
  }

  /** Runs events until virtual time `until` (ms). */
  runUntilTime(until: number): void {
    for (;;) {
      const t = this.events.peekTime();
      if (t === undefined || t > until) break;
      const ev = this.events.pop()!;
      this.now = ev.time;
      ev.run();
      this.stats.events++;
      this.checker.afterEvent();
    }
    this.now = Math.max(this.now, until);
  }

  runFor(ms: number): void {
    this.runUntilTime(this.now + ms);
  }

  /** Runs until `done()` holds (checked after each event) or `maxMs` pass; returns whether it held. */
  runUntil(done: () => boolean, maxMs: number): boolean {
    const until = this.now + maxMs;
    if (done()) return true;
    for (;;) {
      const t = this.events.peekTime();
      if (t === undefined || t > until) break;
      const ev = this.events.pop()!;
      this.now = ev.time;
      ev.run();
      this.stats.events++;
      this.checker.afterEvent();
      if (done()) return true;
    }
    this.now = Math.max(this.now, until);
    return done();
  }

  /** Runs `run` at virtual time now + delay (client actions, scripted faults). */
  at(delay: number, run: () => void): void {
    this.events.push(this.now + delay, run);
  }

  // ───────────── faults ─────────────

  crash(id: NodeId): void {
    this.trace(`crash ${id}`);
    this.node(id).crash();
  }

  restart(id: NodeId): void {
    const node = this.node(id);
    if (node.up) node.crash();
    this.trace(`restart ${id}`);
    node.start();
    this.checker.restarted(node);
    this.scheduleTick(node, this.rng.next() * this.tickMs);
  }

  /** Loses the node's storage entirely and restarts it empty. */
  wipe(id: NodeId): void {
    const node = this.node(id);
    if (node.up) node.crash();
    this.trace(`wipe ${id}`);
    node.storage.wipe();
    this.checker.wiped(id);
    this.restart(id);
  }

  /** Cuts messages from a to b (and b to a unless oneWay). */
  cutLink(a: NodeId, b: NodeId, oneWay = false): void {
    this.cut.add(`${a}>${b}`);
    if (!oneWay) this.cut.add(`${b}>${a}`);
  }

  healLink(a: NodeId, b: NodeId): void {
    this.cut.delete(`${a}>${b}`);
    this.cut.delete(`${b}>${a}`);
  }

  /** Cuts every link of `id`. */
  isolate(id: NodeId): void {
    this.trace(`isolate ${id}`);
    for (const other of this.ids) if (other !== id) this.cutLink(id, other);
  }

  /** Restores every link of `id` (to nodes not otherwise cut off). */
  reconnect(id: NodeId): void {
    this.trace(`reconnect ${id}`);
    for (const other of this.ids) if (other !== id) this.healLink(id, other);
  }

  /** Splits the nodes into groups that can talk only within themselves. */
  partition(groups: NodeId[][]): void {
    this.trace(`partition ${groups.map((g) => g.join(',')).join(' | ')}`);
    this.cut.clear();
    const groupOf = new Map<NodeId, number>();
    groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
    for (const a of this.ids) for (const b of this.ids) if (a !== b && groupOf.get(a) !== groupOf.get(b)) this.cut.add(`${a}>${b}`);
  }

  heal(): void {
    this.trace('heal');
    this.cut.clear();
  }

  connected(a: NodeId, b: NodeId): boolean {
    return !this.cut.has(`${a}>${b}`) && !this.cut.has(`${b}>${a}`);
  }

  // ───────────── observing ─────────────

  /** Nodes that are up and believe they lead, with their terms. */
  leaders(): Array<{ id: NodeId; term: number }> {
    const out: Array<{ id: NodeId; term: number }> = [];
    for (const n of this) {
      const t = n.leaderTerm;
      if (t !== null) out.push({ id: n.id, term: t });
    }
    return out;
  }

  /** The leader of the highest term among nodes that are up, if any. */
  currentLeader(): NodeId {
    let best: { id: NodeId; term: number } | null = null;
    for (const l of this.leaders()) if (best === null || l.term > best.term) best = l;
    return best?.id ?? NONE;
  }

  /**
   * Waits (up to maxMs) for a leader that a majority of up and mutually connected nodes
   * follow; returns it or NONE.
   */
  waitForLeader(maxMs = 3000, not: NodeId = NONE): NodeId {
    let found = NONE;
    this.runUntil(() => {
      found = this.stableLeader();
      return found !== NONE && found !== not;
    }, maxMs);
    return found === not ? NONE : found;
  }

  /** A leader whose term a majority of all nodes share and follow it in. */
  stableLeader(): NodeId {
    const leader = this.currentLeader();
    if (leader === NONE) return NONE;
    const term = this.node(leader).core!.term;
    let followers = 0;
    for (const n of this) if (n.up && n.core!.term === term && (n.id === leader || n.knownLeader === leader)) followers++;
    return followers > this.ids.length / 2 ? leader : NONE;
  }

  /** Proposes on a node; `done` gets the outcome in virtual time. Returns the index if accepted. */
  propose(id: NodeId, data: Uint8Array, done: (o: ProposalOutcome) => void): number | null {
    return this.node(id).propose(data, (o) => {
      if (o.ok) this.checker.acknowledged(o.index, id);
      done(o);
    });
  }

  /** A linearizable read on a node; a successful one is checked against acknowledged writes. */
  read(id: NodeId, done: (o: ReadOutcome) => void): void {
    const callTime = this.now;
    this.node(id).read((o) => {
      if (o.ok) this.checker.readServed(callTime, o.appliedIndex, id);
      done(o);
    });
  }

  /** How many nodes applied `index`, and the data they applied there (the checker guarantees they agree). */
  appliedCount(index: number): number {
    let n = 0;
    for (const node of this) if (node.applied >= index) n++;
    return n;
  }

  /**
   * Submits `data` to whichever node leads and waits until at least `expected` nodes
   * applied it; retries with other leaders (up to maxMs). Returns the index, or fails the run.
   * The Raft paper's basic guarantee: a command submitted to a working majority commits.
   */
  one(data: Uint8Array, expected: number, maxMs = 10_000): number {
    const deadline = this.now + maxMs;
    while (this.now < deadline) {
      let index = -1;
      for (const id of this.ids) {
        const n = this.node(id);
        if (n.leaderTerm === null) continue;
        const accepted = n.propose(data, (o) => {
          if (o.ok) this.checker.acknowledged(o.index, n.id);
        });
        if (accepted === null) continue;
        index = accepted;
        break;
      }
      if (index > 0) {
        const target = index;
        const ok = this.runUntil(() => this.appliedCount(target) >= expected && this.checker.dataAt(target) === dataKey(data), 2000);
        if (ok) return target;
      } else {
        this.runFor(50);
      }
    }
    return this.fail(`one(${dataKey(data)}) did not commit on ${expected} nodes within ${maxMs} ms`);
  }
}

export function dataKey(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
}

function describe(m: Message): string {
  switch (m.type) {
    case 'vote':
      return `${m.pre ? 'prevote' : 'vote'} t${m.term} last ${m.lastIndex}/${m.lastTerm}${m.transfer ? ' transfer' : ''}`;
    case 'voteResp':
      return `${m.pre ? 'prevote' : 'vote'}Resp t${m.term} ${m.granted ? 'granted' : 'rejected'}`;
    case 'append':
      return `append t${m.term} prev ${m.prevIndex}/${m.prevTerm} n=${m.entries.length} commit ${m.commit}`;
    case 'appendResp':
      return `appendResp t${m.term} ${m.success ? 'ok' : 'reject'} ${m.index}${m.success ? '' : ` hint ${m.hintIndex}/${m.hintTerm}`}`;
    case 'heartbeat':
      return `heartbeat t${m.term} commit ${m.commit} round ${m.round}`;
    case 'heartbeatResp':
      return `heartbeatResp t${m.term} round ${m.round}`;
    case 'snapshot':
      return `snapshot t${m.term} @${m.index} ${m.offset}+${m.data.length}/${m.total}`;
    case 'snapshotResp':
      return `snapshotResp t${m.term} @${m.index} ${m.done ? 'done' : `at ${m.offset}`}`;
    case 'timeoutNow':
      return `timeoutNow t${m.term}`;
  }
}
