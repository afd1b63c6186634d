/**
 * The simulator's storage: what a node has written (visible at once, as DurableLog makes
 * appends readable before they are durable) and what is durable. Writes are staged in
 * groups, one per Ready, and become durable group by group, in order, when the simulator
 * says their fsync finished. A crash keeps the durable state plus, possibly, part of the
 * first unfinished group (a torn write: the hard state alone, or the log truncated and a
 * prefix of the new entries), and loses everything else.
 */
import type { LogReader } from '../log-view';
import type { Rng } from '../random';
import { reconcileLog } from '../recovery';
import type { Entry, HardState, Snapshot } from '../types';
import { NONE } from '../types';

export interface StagedWrite {
  hardState?: HardState;
  /** A snapshot from the leader: saved, then the log reset to start after it. */
  installSnapshot?: Snapshot;
  entries?: Entry[];
  /** A snapshot of the local state machine: saved; the log is compacted through `compactThrough`. */
  saveSnapshot?: { snapshot: Snapshot; compactThrough: number };
}

interface DiskState {
  hard: HardState;
  snapshot: Snapshot | null;
  /** Index of log[0]. */
  first: number;
  log: Entry[];
}

function newer(a: Snapshot | null, b: Snapshot): Snapshot {
  return a === null || b.meta.index > a.meta.index ? b : a;
}

function cloneDisk(d: DiskState): DiskState {
  return { hard: { ...d.hard }, snapshot: d.snapshot, first: d.first, log: d.log.slice() };
}

function applyWrite(d: DiskState, w: StagedWrite): void {
  if (w.hardState) d.hard = { ...w.hardState };
  if (w.installSnapshot) {
    d.snapshot = w.installSnapshot;
    d.first = w.installSnapshot.meta.index + 1;
    d.log = [];
  }
  if (w.entries && w.entries.length > 0) appendEntries(d, w.entries);
  if (w.saveSnapshot) {
    const { snapshot, compactThrough } = w.saveSnapshot;
    d.snapshot = newer(d.snapshot, snapshot);
    if (compactThrough >= d.first) {
      const drop = Math.min(compactThrough - d.first + 1, d.log.length);
      d.log = d.log.slice(drop);
      d.first += drop;
    }
  }
}

function appendEntries(d: DiskState, entries: Entry[]): void {
  const at = entries[0]!.index;
  const next = d.first + d.log.length;
  if (at > next) throw new Error(`internal: append at ${at} leaves a gap after ${next - 1}`);
  if (at < d.first) throw new Error(`internal: append at ${at} is before the log's first index ${d.first}`);
  d.log.length = at - d.first;
  for (const e of entries) d.log.push(e);
}

export class SimStorage implements LogReader {
  private visible: DiskState;
  private durable: DiskState;
  private pending: StagedWrite[] = [];

  constructor() {
    this.durable = { hard: { term: 0, vote: NONE, catchingUp: true }, snapshot: null, first: 1, log: [] };
    this.visible = cloneDisk(this.durable);
  }

  // LogReader, over what has been written.
  term(index: number): number | undefined {
    const e = this.visible.log[index - this.visible.first];
    return e?.term;
  }

  entries(lo: number, hi: number): Entry[] {
    if (lo < this.visible.first || hi >= this.visible.first + this.visible.log.length) {
      throw new RangeError(`entries(${lo}, ${hi}) outside the stored log ${this.visible.first}..${this.visible.first + this.visible.log.length - 1}`);
    }
    return this.visible.log.slice(lo - this.visible.first, hi - this.visible.first + 1);
  }

  lastIndex(): number {
    return this.visible.first + this.visible.log.length - 1;
  }

  get hardState(): HardState {
    return { ...this.visible.hard };
  }

  get snapshot(): Snapshot | null {
    return this.visible.snapshot;
  }

  get pendingWrites(): number {
    return this.pending.length;
  }

  /** Durable log size, for tests that check compaction. */
  get durableLogLength(): number {
    return this.durable.log.length;
  }

  stage(w: StagedWrite): void {
    if (w.saveSnapshot) {
      // Compaction waits until the snapshot is durable (persistNext), as in the driver.
      this.visible.snapshot = newer(this.visible.snapshot, w.saveSnapshot.snapshot);
    } else {
      applyWrite(this.visible, w);
    }
    this.pending.push(w);
  }

  /** The oldest staged group's fsync finished. */
  persistNext(): StagedWrite {
    const w = this.pending.shift();
    if (w === undefined) throw new Error('internal: nothing staged to persist');
    applyWrite(this.durable, w);
    return w;
  }

  /** After a saved snapshot is durable and the core has compacted: drop the entries from what is readable too. */
  compactVisible(through: number): void {
    const d = this.visible;
    if (through >= d.first) {
      const drop = Math.min(through - d.first + 1, d.log.length);
      d.log = d.log.slice(drop);
      d.first += drop;
    }
  }

  /** A crash: durable state survives, and maybe a torn part of the first unfinished group. */
  crash(rng: Rng): void {
    const w = this.pending[0];
    if (w !== undefined && rng.chance(0.5)) {
      const torn: StagedWrite = {};
      if (w.hardState && rng.chance(0.5)) torn.hardState = w.hardState;
      if (w.installSnapshot && rng.chance(0.5)) {
        // The snapshot file is written, the log not yet reset.
        this.durable.snapshot = w.installSnapshot;
      }
      if (w.saveSnapshot && rng.chance(0.5)) torn.saveSnapshot = w.saveSnapshot;
      if (w.entries && w.entries.length > 0 && !w.installSnapshot && rng.chance(0.5)) torn.entries = w.entries.slice(0, rng.int(w.entries.length + 1));
      if (torn.entries && torn.entries.length === 0) {
        // The truncation of a conflicting suffix happened, no new entry made it.
        const at = w.entries![0]!.index;
        if (at >= this.durable.first && at <= this.durable.first + this.durable.log.length) this.durable.log.length = at - this.durable.first;
        delete torn.entries;
      }
      applyWrite(this.durable, torn);
    }
    this.pending = [];
    this.reconcile();
    this.visible = cloneDisk(this.durable);
  }

  /** What a restarting node does with its snapshot and log (recovery.ts). */
  private reconcile(): void {
    const d = this.durable;
    const r = reconcileLog(d.snapshot?.meta ?? null, {
      firstIndex: d.first,
      lastIndex: d.first + d.log.length - 1,
      term: (i) => d.log[i - d.first]?.term,
    });
    if (r.kind === 'reset') {
      d.first = r.nextIndex;
      d.log = [];
    }
  }

  /** The last durable entry (or the snapshot's last, if the durable log is empty): what this node could campaign with, or vote from, after a crash. */
  durableLast(): { index: number; term: number } {
    const d = this.durable;
    const e = d.log[d.log.length - 1];
    if (e !== undefined) return { index: e.index, term: e.term };
    return d.snapshot === null ? { index: 0, term: 0 } : { ...d.snapshot.meta };
  }

  /** Whether the durable state says the node has not caught up since its storage began (raft.ts, isCatchingUp). */
  durableCatchingUp(): boolean {
    return this.durableLast().index === 0 || this.durable.hard.catchingUp === true;
  }

  /** Whether the durable state holds the entry (index, term), in its log or covered by its snapshot. */
  durableHas(index: number, term: number): boolean {
    const d = this.durable;
    if (d.snapshot !== null && index <= d.snapshot.meta.index) return true;
    return d.log[index - d.first]?.term === term;
  }

  /** Every stored entry, for invariant checks (index > snapshot index only). */
  storedEntries(): Entry[] {
    return this.visible.log;
  }

  /** Wipes the node's storage entirely (a replaced disk). */
  wipe(): void {
    this.durable = { hard: { term: 0, vote: NONE, catchingUp: true }, snapshot: null, first: 1, log: [] };
    this.visible = cloneDisk(this.durable);
    this.pending = [];
  }
}
