/**
 * In-memory twins of the driver's storage, for tests: the same interfaces, nothing on
 * disk. Writes are readable at once and become durable (their promises resolve) on the
 * next turn of the event loop, or only when the test calls sync() if `manualSync` is set:
 * that lets a test hold a write "in flight" and check what the driver does meanwhile.
 * The state survives close(), so a test can "restart" a node on the same storage.
 */
import type { RaftLogStore, RaftSnapshotStore, RaftStableStore, RaftStorage } from './storage';
import { type Entry, type HardState, NONE, type Snapshot } from './types';

interface Pending {
  run: () => void;
  resolve: () => void;
}

export class MemoryStorage implements RaftStorage {
  readonly log: MemoryLogStore;
  readonly stable: RaftStableStore;
  readonly snapshots: RaftSnapshotStore;
  private pending: Pending[] = [];
  private scheduled = false;
  private hard: HardState = { term: 0, vote: NONE, catchingUp: true };
  private snapshot: Snapshot | null = null;
  syncs = 0;

  constructor(readonly manualSync = false) {
    this.log = new MemoryLogStore(this);
    this.stable = {
      load: () => Promise.resolve({ ...this.hard }),
      save: (s) => this.write(() => (this.hard = { ...s })),
    };
    this.snapshots = {
      load: () => Promise.resolve(this.snapshot),
      save: (s) => this.write(() => (this.snapshot = s)),
    };
  }

  /** Queues a durable effect; resolves when it is "synced". */
  write(effect: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      this.pending.push({ run: effect, resolve });
      if (!this.manualSync && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.sync();
        });
      }
    });
  }

  /** Makes every queued write durable, in order. */
  sync(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.syncs++;
    for (const p of batch) p.run();
    for (const p of batch) p.resolve();
  }

  get pendingWrites(): number {
    return this.pending.length;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class MemoryLogStore implements RaftLogStore {
  private first = 1;
  private entriesList: Entry[] = [];
  appended = 0;

  constructor(private readonly owner: MemoryStorage) {}

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.first + this.entriesList.length - 1;
  }

  term(index: number): number | undefined {
    return this.entriesList[index - this.first]?.term;
  }

  entries(lo: number, hi: number): Entry[] {
    if (lo < this.first || hi > this.lastIndex()) throw new RangeError(`entries(${lo}, ${hi}) outside ${this.first}..${this.lastIndex()}`);
    return this.entriesList.slice(lo - this.first, hi - this.first + 1);
  }

  append(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const at = entries[0]!.index;
    if (at < this.first || at > this.lastIndex() + 1) return Promise.reject(new RangeError(`append at ${at} does not fit ${this.first}..${this.lastIndex()}`));
    this.entriesList.length = at - this.first;
    for (const e of entries) this.entriesList.push(e);
    this.appended += entries.length;
    return this.owner.write(() => undefined);
  }

  compact(through: number): Promise<void> {
    if (through >= this.first) {
      const drop = Math.min(through - this.first + 1, this.entriesList.length);
      this.entriesList = this.entriesList.slice(drop);
      this.first += drop;
    }
    return Promise.resolve();
  }

  reset(next: number): Promise<void> {
    this.first = next;
    this.entriesList = [];
    return this.owner.write(() => undefined);
  }

  stats(): { entries: number; syncs: number } {
    return { entries: this.appended, syncs: this.owner.syncs };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
