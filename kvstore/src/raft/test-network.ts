/**
 * For unit tests of the core: a few RaftCores wired together synchronously, with instant
 * storage. Messages are queued and delivered only when a test says so (all of them, or
 * with some dropped), so a test controls exactly what each node sees, as etcd raft's
 * tests do with their in-memory network.
 */
import type { RaftConfigInput } from './config';
import type { Message } from './messages';
import { RaftCore } from './raft';
import { seededRandom } from './random';
import { SimStorage } from './sim/sim-storage';
import type { Entry, NodeId, ReadState, Ready } from './types';

export interface TestNode {
  core: RaftCore;
  storage: SimStorage;
  applied: Entry[];
  readStates: ReadState[];
  droppedReads: number[];
  /** Every Ready this node produced, for tests that look at what was persisted or sent when. */
  readys: Ready[];
}

export type Drop = (m: Message) => boolean;

export class TestNetwork {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages sent and not yet delivered. */
  queue: Message[] = [];
  /** Links (from>to) that lose every message. */
  readonly cut = new Set<string>();

  constructor(
    readonly ids: NodeId[],
    private readonly config: Partial<RaftConfigInput> = {},
    private readonly seed = 1,
  ) {
    for (const id of ids) this.nodes.set(id, this.fresh(id));
  }

  private fresh(id: NodeId): TestNode {
    const storage = new SimStorage();
    const core = new RaftCore({ ...this.config, id, peers: this.ids, random: seededRandom(this.seed * 100 + id) }, { hardState: storage.hardState, snapshot: null, log: storage });
    return { core, storage, applied: [], readStates: [], droppedReads: [], readys: [] };
  }

  /** Node `id` loses its storage and restarts empty (term 0, no vote, no log): a replaced disk. */
  wipe(id: NodeId): void {
    this.queue = this.queue.filter((m) => m.to !== id);
    this.nodes.set(id, this.fresh(id));
  }

  node(id: NodeId): TestNode {
    return this.nodes.get(id)!;
  }

  core(id: NodeId): RaftCore {
    return this.node(id).core;
  }

  /** Handles every Ready of node `id` as a driver would, with storage that is durable at once. */
  flush(id: NodeId): void {
    const n = this.node(id);
    while (n.core.hasReady()) {
      const rd = n.core.ready();
      n.readys.push(rd);
      n.storage.stage({
        ...(rd.hardState ? { hardState: rd.hardState } : {}),
        ...(rd.snapshot ? { installSnapshot: rd.snapshot } : {}),
        ...(rd.entries.length > 0 ? { entries: rd.entries } : {}),
      });
      n.storage.persistNext();
      for (const m of rd.messages) this.queue.push(m);
      for (const m of rd.messagesAfterPersist) this.queue.push(m);
      for (const e of rd.committedEntries) n.applied.push(e);
      for (const r of rd.readStates) n.readStates.push(r);
      for (const c of rd.droppedReads) n.droppedReads.push(c);
      n.core.advance(rd);
    }
  }

  flushAll(): void {
    for (const id of this.ids) this.flush(id);
  }

  /** Delivers queued messages (and what they cause) until none is left, dropping those `drop` selects. */
  deliverAll(drop: Drop = () => false, maxRounds = 1000): void {
    this.flushAll();
    for (let round = 0; this.queue.length > 0; round++) {
      if (round > maxRounds) throw new Error('messages keep flowing: no quiescence');
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        if (this.cut.has(`${m.from}>${m.to}`) || drop(m)) continue;
        this.node(m.to).core.step(m);
        this.flush(m.to);
      }
    }
  }

  /** Takes queued messages without delivering them. */
  take(filter: (m: Message) => boolean = () => true): Message[] {
    this.flushAll();
    const out = this.queue.filter(filter);
    this.queue = this.queue.filter((m) => !filter(m));
    return out;
  }

  /** Delivers one message now (and handles the recipient's Ready). */
  deliver(m: Message): void {
    this.node(m.to).core.step(m);
    this.flush(m.to);
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.core(id).tick();
    this.flush(id);
  }

  /** Makes `id` leader: it campaigns and every message flows. */
  elect(id: NodeId): void {
    this.core(id).campaign();
    this.deliverAll();
    if (this.core(id).role !== 'leader') throw new Error(`node ${id} did not become leader (role ${this.core(id).role})`);
  }

  isolate(id: NodeId): void {
    for (const o of this.ids) {
      if (o === id) continue;
      this.cut.add(`${id}>${o}`);
      this.cut.add(`${o}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  propose(id: NodeId, text: string): number {
    const r = this.core(id).propose(Buffer.from(text));
    if (!r.ok) throw new Error(`node ${id} refused the proposal: ${r.reason}`);
    return r.index;
  }

  /** The data of node id's applied entries, as strings (no-ops as ''). */
  appliedData(id: NodeId): string[] {
    return this.node(id).applied.map((e) => Buffer.from(e.data).toString());
  }
}
