/**
 * DurableLog: an append-only log of (index, term, payload) records in segment files, with
 * group-commit fsync, crash recovery, suffix truncation and prefix compaction. Stage 2 uses
 * it as the command log of a replication group of one (term 0); stage 3 as the Raft log.
 *
 * ## On-disk format
 * A log is one directory of segment files named `<index of first record, 20 digits>.log`
 * (e.g. `00000000000000000001.log`). A segment holds records with consecutive indexes
 * starting at the index in its name; the next segment starts right after its last record.
 * Only the last segment may be empty: its name then says where the log continues.
 *
 * Each record, little-endian:
 *
 *     offset  size  field
 *          0     4  crc32    zlib.crc32 of bytes 4 .. end of payload (length, index, term, payload)
 *          4     4  length   payload bytes (at most MAX_PAYLOAD_BYTES)
 *          8     8  index    u64, < 2^53
 *         16     8  term     u64, < 2^53 (0 in stage 2)
 *         24     …  payload
 *
 * ## Durability
 * Operations run one at a time, in call order. An append resolves only after its bytes are
 * fdatasync'd (and, for the first record of a new segment, the directory fsync'd). Appends
 * that arrive while a write + fsync is in flight are queued and then written together with
 * one write and covered by one fsync (group commit); after acknowledging a batch the log
 * waits one event-loop turn so that the acknowledged writers' next appends join the next
 * batch together. A batch is written only after the previous one is durable, and a new
 * segment is created only when the current one is, so after a crash only the end of the
 * last segment can be unfinished.
 *
 * ## Recovery (open): telling a torn tail from damage in the middle
 * Every record is checked: complete header, complete payload, matching checksum, and the
 * next expected index. At the first record that is incomplete or fails its checksum (at
 * byte X of segment S):
 * - S is not the last segment → StorageCorruptionError. A segment was fully fsync'd before
 *   the next one was created, so damage there is never an unfinished write.
 * - S is the last segment, and some byte offset after X starts a complete, checksum-valid
 *   record with an index ≥ the expected one → StorageCorruptionError: records were written
 *   after the damaged one, so it is damage in the middle, not an unfinished write.
 * - Otherwise it is a torn tail: the file is truncated to X and fsync'd; `recovery.tornTail`
 *   reports what was cut. The dropped records were never acknowledged.
 * A record whose checksum is valid but whose index is not the expected one is never a torn
 * write (a crash cannot produce it) → StorageCorruptionError, as is a gap between segments.
 * Caveat: after a power loss (not a process crash) a disk may keep a later page of the last
 * unfinished write but not an earlier one; open then refuses (the safe direction) and the
 * message says how to cut the tail by hand.
 *
 * ## Memory
 * Payloads of retained records are kept in memory (read once at open, kept from append), so
 * reads are synchronous and never touch the disk; the offset of every record is kept per
 * segment for truncation. Memory is bounded by compacting after snapshots. Returned payload
 * Buffers are shared with the log: treat them as read-only.
 *
 * One process owns a log directory at a time; nothing enforces that.
 */
import { crc32 } from 'node:zlib';
import { open, readFile, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { StorageClosedError, StorageCorruptionError, StorageFailedError, asError } from './errors';
import { ensureDirectory, fsyncDirectory, readUint64, writeFully, writeUint64 } from './fs-util';

export const RECORD_HEADER_BYTES = 24;
/** Largest payload of one record; far above any command, and it keeps a corrupt length field from looking plausible. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Recovery reads a whole segment into memory, so segments stay well under Buffer limits. */
export const MAX_SEGMENT_BYTES = 1024 * 1024 * 1024;

const SEGMENT_NAME = /^(\d{20})\.log$/;

export interface NewLogEntry {
  term: number;
  payload: Uint8Array;
}

export interface LogEntry {
  index: number;
  term: number;
  /** Shared with the log's memory: do not modify. */
  payload: Buffer;
}

export interface DurableLogOptions {
  /** A new segment is started once the current one holds at least this many bytes. Default 64 MiB. */
  segmentBytes?: number;
}

/** Counters since open, for benchmarks and tests. */
export interface LogStats {
  /** Records written to disk. */
  records: number;
  /** Append batches written (one write and one file fsync each). */
  batches: number;
  /** Bytes written by appends. */
  bytes: number;
  /** Every fsync/fdatasync issued: file syncs of batches and truncations, and directory syncs. */
  fsyncs: number;
  /** Total wall time spent in the fdatasync of append batches. */
  appendSyncMillis: number;
}

export interface TornTail {
  file: string;
  /** The file was truncated to this many bytes. */
  offset: number;
  droppedBytes: number;
  reason: string;
}

/** What open found on disk. */
export interface RecoveryReport {
  segments: number;
  records: number;
  /** The unfinished end of the last segment that open cut off, or null if there was none. */
  tornTail: TornTail | null;
}

interface Segment {
  firstIndex: number;
  path: string;
  size: number;
  /** Byte offset of record firstIndex + i. */
  offsets: number[];
}

interface Settle {
  resolve(): void;
  reject(err: Error): void;
}

type Op =
  | { kind: 'append'; first: number; records: Buffer[]; bytes: number; waiters: Settle[] }
  | { kind: 'truncate'; from: number; settle: Settle }
  | { kind: 'compact'; through: number; settle: Settle }
  | { kind: 'reset'; next: number; settle: Settle }
  | { kind: 'close'; settle: Settle };

export class DurableLog {
  // Logical state: what the log holds once every queued operation has reached the disk.
  // Reads and index assignment use it, so they are synchronous.
  private first: number;
  private terms: number[];
  private payloads: Buffer[];

  // Disk state: touched only by the operation pump, in queue order.
  private readonly segments: Segment[];
  private active: FileHandle | null = null;
  private diskNext: number;

  private readonly queue: Op[] = [];
  private pumping = false;
  private failure: StorageFailedError | null = null;
  private closed: Promise<void> | null = null;
  private readonly counters: LogStats = { records: 0, batches: 0, bytes: 0, fsyncs: 0, appendSyncMillis: 0 };

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    recovered: Recovered,
    readonly recovery: RecoveryReport,
  ) {
    this.segments = recovered.segments;
    this.first = recovered.firstIndex;
    this.terms = recovered.terms;
    this.payloads = recovered.payloads;
    this.diskNext = recovered.firstIndex + recovered.terms.length;
  }

  /**
   * Opens (creating if needed) the log in `dir` and recovers it: validates every record,
   * cuts off a torn tail, and rejects with StorageCorruptionError on damage anywhere else.
   */
  static async open(dir: string, options: DurableLogOptions = {}): Promise<DurableLog> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1 || segmentBytes > MAX_SEGMENT_BYTES) {
      throw new RangeError(`segmentBytes must be an integer from 1 to ${MAX_SEGMENT_BYTES}, got ${segmentBytes}`);
    }
    await ensureDirectory(dir);
    const recovered = await recover(dir);
    const report: RecoveryReport = { segments: recovered.segments.length, records: recovered.terms.length, tornTail: recovered.tornTail };
    return new DurableLog(dir, segmentBytes, recovered, report);
  }

  /** Index of the first retained record; lastIndex + 1 when the log is empty (1 for a new log). */
  get firstIndex(): number {
    return this.first;
  }

  /** Index of the last record appended (durable or still being written); firstIndex - 1 when empty. */
  get lastIndex(): number {
    return this.first + this.terms.length - 1;
  }

  /** Term of a retained record, or undefined outside [firstIndex, lastIndex]. */
  term(index: number): number | undefined {
    return this.inRange(index) ? this.terms[index - this.first] : undefined;
  }

  /** One retained record, or undefined outside [firstIndex, lastIndex]. */
  entry(index: number): LogEntry | undefined {
    if (!this.inRange(index)) return undefined;
    const i = index - this.first;
    return { index, term: this.terms[i]!, payload: this.payloads[i]! };
  }

  /** Records from..to, both inclusive; from = to + 1 gives an empty list. Throws RangeError outside the retained range. */
  entries(from: number, to: number): LogEntry[] {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < this.first || to > this.lastIndex || from > to + 1) {
      throw new RangeError(`entries(${from}, ${to}) is outside the retained records [${this.first}, ${this.lastIndex}]`);
    }
    const out: LogEntry[] = [];
    for (let index = from; index <= to; index++) {
      const i = index - this.first;
      out.push({ index, term: this.terms[i]!, payload: this.payloads[i]! });
    }
    return out;
  }

  /**
   * Appends records after lastIndex. Resolves with the assigned index (or indexes) once the
   * records are fsync'd. Records become visible to reads at once, before they are durable.
   */
  append(entry: NewLogEntry): Promise<number>;
  append(entries: readonly NewLogEntry[]): Promise<number[]>;
  append(input: NewLogEntry | readonly NewLogEntry[]): Promise<number | number[]> {
    const refused = this.refusal('append');
    if (refused !== null) return Promise.reject(refused);
    const list = isEntryList(input) ? input : [input];
    for (const e of list) {
      const problem = checkNewEntry(e);
      if (problem !== null) return Promise.reject(new RangeError(`append: ${problem}`));
    }
    const firstIndex = this.lastIndex + 1;
    if (list.length === 0) return Promise.resolve([]);
    const records: Buffer[] = [];
    let bytes = 0;
    list.forEach((e, i) => {
      const record = encodeRecord(firstIndex + i, e.term, e.payload);
      records.push(record);
      bytes += record.length;
      this.terms.push(e.term);
      this.payloads.push(record.subarray(RECORD_HEADER_BYTES));
    });
    return new Promise<number | number[]>((resolve, reject) => {
      const settle: Settle = {
        resolve: () => resolve(isEntryList(input) ? list.map((_, i) => firstIndex + i) : firstIndex),
        reject,
      };
      // Merge into a batch still waiting in the queue: that is the group commit.
      const tail = this.queue[this.queue.length - 1];
      if (tail !== undefined && tail.kind === 'append') {
        for (const record of records) tail.records.push(record); // no spread: it overflows the stack for huge arrays
        tail.bytes += bytes;
        tail.waiters.push(settle);
      } else {
        this.queue.push({ kind: 'append', first: firstIndex, records, bytes, waiters: [settle] });
      }
      this.kick();
    });
  }

  /**
   * Drops every record with index ≥ fromIndex (Raft: a conflicting suffix); the next append
   * gets fromIndex. Resolves once the cut is durable. A fromIndex beyond lastIndex does nothing.
   */
  truncateSuffix(fromIndex: number): Promise<void> {
    const refused = this.refusal('truncateSuffix');
    if (refused !== null) return Promise.reject(refused);
    if (!Number.isSafeInteger(fromIndex) || fromIndex < this.first) {
      return Promise.reject(
        new RangeError(`truncateSuffix(${fromIndex}): records before ${this.first} are compacted away; only indexes from ${this.first} can be truncated`),
      );
    }
    if (fromIndex <= this.lastIndex) {
      this.terms.length = fromIndex - this.first;
      this.payloads.length = fromIndex - this.first;
    }
    return this.enqueue((settle) => ({ kind: 'truncate', from: fromIndex, settle }));
  }

  /**
   * Forgets records ≤ throughIndex (they are in a snapshot now): firstIndex becomes
   * throughIndex + 1 at once, and on disk every segment whose records are all ≤ throughIndex
   * is deleted, except the last one. After a reopen, firstIndex can therefore be lower than
   * throughIndex + 1; callers skip records their snapshot already covers.
   */
  compactPrefix(throughIndex: number): Promise<void> {
    const refused = this.refusal('compactPrefix');
    if (refused !== null) return Promise.reject(refused);
    if (!Number.isSafeInteger(throughIndex) || throughIndex > this.lastIndex) {
      return Promise.reject(
        new RangeError(
          `compactPrefix(${throughIndex}): the log ends at ${this.lastIndex}; to restart it after a snapshot that is ahead of it, use reset(${throughIndex + 1})`,
        ),
      );
    }
    if (throughIndex >= this.first) {
      const drop = throughIndex - this.first + 1;
      this.terms = this.terms.slice(drop);
      this.payloads = this.payloads.slice(drop);
      this.first = throughIndex + 1;
    }
    return this.enqueue((settle) => ({ kind: 'compact', through: throughIndex, settle }));
  }

  /**
   * Drops every record and makes the log continue at nextIndex (Raft: a snapshot from the
   * leader that is ahead of this log). After a crash during reset the log is some compacted
   * or emptied version of the old one; callers reconcile it with their snapshot on start-up.
   */
  reset(nextIndex: number): Promise<void> {
    const refused = this.refusal('reset');
    if (refused !== null) return Promise.reject(refused);
    if (!Number.isSafeInteger(nextIndex) || nextIndex < 1) {
      return Promise.reject(new RangeError(`reset(${nextIndex}): the next index must be an integer ≥ 1`));
    }
    this.first = nextIndex;
    this.terms = [];
    this.payloads = [];
    return this.enqueue((settle) => ({ kind: 'reset', next: nextIndex, settle }));
  }

  /** Waits for queued operations, then closes the files. Later calls reject with StorageClosedError. */
  close(): Promise<void> {
    if (this.closed === null) this.closed = this.enqueue((settle) => ({ kind: 'close', settle }));
    return this.closed;
  }

  get stats(): LogStats {
    return { ...this.counters };
  }

  private inRange(index: number): boolean {
    return Number.isSafeInteger(index) && index >= this.first && index <= this.lastIndex;
  }

  private refusal(what: string): Error | null {
    if (this.closed !== null) return new StorageClosedError(`${what} on the log in ${this.dir}`);
    return this.failure;
  }

  private enqueue(make: (settle: Settle) => Op): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      this.kick();
    });
  }

  private kick(): void {
    if (!this.pumping) void this.pump();
  }

  /** Runs queued operations one at a time. The first one starts in the caller's tick, so a lone append is not delayed. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let op = this.queue.shift(); op !== undefined; op = this.queue.shift()) {
        if (this.failure !== null && op.kind !== 'close') {
          settleAll(op, this.failure);
          continue;
        }
        try {
          await this.execute(op);
          settleAll(op, null);
          // Writers resolved just now usually append again from their continuations; wait one
          // event-loop turn so those appends join the next batch instead of trickling in one
          // by one behind a batch of a single record.
          if (op.kind === 'append') await new Promise<void>((resolve) => setImmediate(resolve));
        } catch (err) {
          this.failure ??= new StorageFailedError(`${describe(op)} on the log in ${this.dir}`, asError(err));
          settleAll(op, this.failure);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async execute(op: Op): Promise<void> {
    switch (op.kind) {
      case 'append':
        return this.writeBatch(op.first, op.records, op.bytes);
      case 'truncate':
        return this.truncateOnDisk(op.from);
      case 'compact':
        return this.compactOnDisk(op.through);
      case 'reset':
        return this.resetOnDisk(op.next);
      case 'close':
        return this.closeActive();
    }
  }

  private async writeBatch(first: number, records: Buffer[], bytes: number): Promise<void> {
    if (first !== this.diskNext) throw new Error(`internal: batch starts at ${first} but the disk log continues at ${this.diskNext}`);
    let segment = this.segments[this.segments.length - 1];
    let created = false;
    if (segment === undefined || (segment.size >= this.segmentBytes && segment.offsets.length > 0)) {
      // Roll over. The current segment is already durable: every earlier batch was fsync'd.
      await this.closeActive();
      segment = { firstIndex: first, path: segmentPath(this.dir, first), size: 0, offsets: [] };
      this.active = await open(segment.path, 'wx');
      this.segments.push(segment);
      created = true;
    }
    const handle = await this.activeHandle();
    await writeFully(handle, records.length === 1 ? records[0]! : Buffer.concat(records, bytes), segment.size);
    const started = performance.now();
    await handle.datasync();
    this.counters.appendSyncMillis += performance.now() - started;
    this.counters.fsyncs++;
    // The new file's name must be durable too before its records are acknowledged.
    if (created) await this.syncDirectory();
    for (const record of records) {
      segment.offsets.push(segment.size);
      segment.size += record.length;
    }
    this.diskNext = first + records.length;
    this.counters.records += records.length;
    this.counters.batches++;
    this.counters.bytes += bytes;
  }

  private async truncateOnDisk(from: number): Promise<void> {
    if (from >= this.diskNext) return;
    // Delete whole segments from the end, so that a crash part-way leaves a prefix of the log.
    while (this.segments.length > 1 && this.segments[this.segments.length - 1]!.firstIndex > from) {
      const last = this.segments[this.segments.length - 1]!;
      await this.closeActive();
      await unlink(last.path);
      await this.syncDirectory();
      this.segments.pop();
    }
    const segment = this.segments[this.segments.length - 1];
    if (segment === undefined || segment.firstIndex > from) {
      throw new Error(`internal: no segment holds index ${from} (disk log continues at ${this.diskNext})`);
    }
    const keep = from - segment.firstIndex;
    const offset = keep < segment.offsets.length ? segment.offsets[keep]! : segment.size;
    const handle = await this.activeHandle();
    await handle.truncate(offset);
    await handle.datasync();
    this.counters.fsyncs++;
    segment.size = offset;
    segment.offsets.length = keep;
    this.diskNext = from;
  }

  private async compactOnDisk(through: number): Promise<void> {
    // Oldest first, each deletion durable before the next, so the survivors stay contiguous.
    for (let next = this.segments[1]; next !== undefined && next.firstIndex - 1 <= through; next = this.segments[1]) {
      await unlink(this.segments[0]!.path);
      await this.syncDirectory();
      this.segments.shift();
    }
  }

  private async resetOnDisk(next: number): Promise<void> {
    while (this.segments.length > 1) {
      await unlink(this.segments[0]!.path);
      await this.syncDirectory();
      this.segments.shift();
    }
    const segment = this.segments[0];
    if (segment === undefined) {
      const fresh: Segment = { firstIndex: next, path: segmentPath(this.dir, next), size: 0, offsets: [] };
      this.active = await open(fresh.path, 'wx');
      await this.syncDirectory();
      this.segments.push(fresh);
    } else {
      // Empty the file before renaming it: a segment's name must match its first record.
      const handle = await this.activeHandle();
      await handle.truncate(0);
      await handle.datasync();
      this.counters.fsyncs++;
      segment.size = 0;
      segment.offsets = [];
      if (segment.firstIndex !== next) {
        await this.closeActive();
        const renamed = segmentPath(this.dir, next);
        await rename(segment.path, renamed);
        await this.syncDirectory();
        segment.path = renamed;
        segment.firstIndex = next;
      }
    }
    this.diskNext = next;
  }

  private async activeHandle(): Promise<FileHandle> {
    if (this.active === null) {
      const last = this.segments[this.segments.length - 1];
      if (last === undefined) throw new Error('internal: no segment to write to');
      this.active = await open(last.path, 'r+');
    }
    return this.active;
  }

  private async closeActive(): Promise<void> {
    const handle = this.active;
    this.active = null;
    if (handle !== null) await handle.close();
  }

  private async syncDirectory(): Promise<void> {
    await fsyncDirectory(this.dir);
    this.counters.fsyncs++;
  }
}

function isEntryList(input: NewLogEntry | readonly NewLogEntry[]): input is readonly NewLogEntry[] {
  return Array.isArray(input);
}

function checkNewEntry(e: NewLogEntry): string | null {
  if (typeof e !== 'object' || e === null) return 'an entry must be an object { term, payload }';
  if (!Number.isSafeInteger(e.term) || e.term < 0) return `term must be an integer ≥ 0, got ${String(e.term)}`;
  if (!(e.payload instanceof Uint8Array)) return 'payload must be a Buffer or Uint8Array';
  if (e.payload.length > MAX_PAYLOAD_BYTES) return `payload of ${e.payload.length} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES}`;
  return null;
}

function settleAll(op: Op, err: Error | null): void {
  const settles = op.kind === 'append' ? op.waiters : [op.settle];
  for (const s of settles) {
    if (err === null) s.resolve();
    else s.reject(err);
  }
}

function describe(op: Op): string {
  switch (op.kind) {
    case 'append':
      return `writing records ${op.first}..${op.first + op.records.length - 1}`;
    case 'truncate':
      return `truncateSuffix(${op.from})`;
    case 'compact':
      return `compactPrefix(${op.through})`;
    case 'reset':
      return `reset(${op.next})`;
    case 'close':
      return 'close';
  }
}

function segmentPath(dir: string, firstIndex: number): string {
  return path.join(dir, `${String(firstIndex).padStart(20, '0')}.log`);
}

export function encodeRecord(index: number, term: number, payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 4);
  writeUint64(record, 8, index);
  writeUint64(record, 16, term);
  record.set(payload, RECORD_HEADER_BYTES);
  record.writeUInt32LE(crc32(record.subarray(4)), 0);
  return record;
}

type Parsed = { ok: true; index: number; term: number; payload: Buffer; end: number } | { ok: false; reason: string };

/** Decodes the record at `offset`, or says why there is no intact record there. */
function parseRecord(buf: Buffer, offset: number): Parsed {
  const left = buf.length - offset;
  if (left < RECORD_HEADER_BYTES) return { ok: false, reason: `only ${left} bytes left where a ${RECORD_HEADER_BYTES}-byte record header starts` };
  const length = buf.readUInt32LE(offset + 4);
  if (length > MAX_PAYLOAD_BYTES || length > left - RECORD_HEADER_BYTES) {
    return { ok: false, reason: `record header claims ${length} payload bytes but only ${left - RECORD_HEADER_BYTES} follow` };
  }
  const end = offset + RECORD_HEADER_BYTES + length;
  const stored = buf.readUInt32LE(offset);
  const computed = crc32(buf.subarray(offset + 4, end));
  if (stored !== computed) return { ok: false, reason: `checksum mismatch (stored 0x${hex(stored)}, computed 0x${hex(computed)})` };
  return { ok: true, index: readUint64(buf, offset + 8), term: readUint64(buf, offset + 16), payload: buf.subarray(offset + RECORD_HEADER_BYTES, end), end };
}

/** The first offset after `from` that starts an intact record with index ≥ minIndex, if any. */
function findIntactRecordAfter(buf: Buffer, from: number, minIndex: number): { offset: number; index: number } | null {
  for (let offset = from + 1; offset + RECORD_HEADER_BYTES <= buf.length; offset++) {
    // Cheap plausibility checks first: most garbage offsets fail them without a checksum.
    const length = buf.readUInt32LE(offset + 4);
    if (length > buf.length - offset - RECORD_HEADER_BYTES) continue;
    const index = readUint64(buf, offset + 8);
    if (!(index >= minIndex)) continue;
    const parsed = parseRecord(buf, offset);
    if (parsed.ok) return { offset, index };
  }
  return null;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

interface Recovered {
  segments: Segment[];
  firstIndex: number;
  terms: number[];
  payloads: Buffer[];
  tornTail: TornTail | null;
}

const MIDDLE_ADVICE =
  'Refusing to open rather than silently skip records. Restore this directory from a replica or backup; ' +
  'if you accept losing every record from this point on, truncate this file to the byte offset above and delete any later segment files';

async function recover(dir: string): Promise<Recovered> {
  const names = (await readdir(dir))
    .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
    .filter((x): x is { name: string; match: RegExpExecArray } => x.match !== null)
    .map(({ name, match }) => ({ name, firstIndex: Number(match[1]) }))
    .sort((a, b) => a.firstIndex - b.firstIndex);
  const segments: Segment[] = [];
  const terms: number[] = [];
  const payloads: Buffer[] = [];
  let tornTail: TornTail | null = null;
  let expected = names[0]?.firstIndex ?? 1;
  const firstIndex = expected;

  for (const [i, { name, firstIndex: segmentFirst }] of names.entries()) {
    const file = path.join(dir, name);
    if (!Number.isSafeInteger(segmentFirst) || segmentFirst < 1) {
      throw new StorageCorruptionError(file, null, 'segment name is not an index between 1 and 2^53', 'Remove or rename the file');
    }
    if (segmentFirst !== expected) {
      throw new StorageCorruptionError(
        file,
        null,
        `segment starts at index ${segmentFirst} but the previous segment ends at ${expected - 1}, so a segment file is missing, was renamed, or an earlier segment is empty`,
        MIDDLE_ADVICE,
      );
    }
    const isLast = i === names.length - 1;
    const buf = await readFile(file);
    const segment: Segment = { firstIndex: segmentFirst, path: file, size: 0, offsets: [] };
    let offset = 0;
    while (offset < buf.length) {
      const parsed = parseRecord(buf, offset);
      if (!parsed.ok) {
        if (!isLast) {
          throw new StorageCorruptionError(file, offset, `${parsed.reason}, in a segment that newer segments follow, so it is not an unfinished write`, MIDDLE_ADVICE);
        }
        const later = findIntactRecordAfter(buf, offset, expected);
        if (later !== null) {
          throw new StorageCorruptionError(
            file,
            offset,
            `${parsed.reason}, yet an intact record (index ${later.index}) starts later at byte ${later.offset}, so this is damage in the middle of the log, not an unfinished write at its end`,
            MIDDLE_ADVICE,
          );
        }
        tornTail = { file, offset, droppedBytes: buf.length - offset, reason: parsed.reason };
        await truncateFile(file, offset);
        break;
      }
      if (parsed.index !== expected) {
        throw new StorageCorruptionError(
          file,
          offset,
          `record has a valid checksum but index ${parsed.index} where ${expected} was expected; a crash cannot cause that, so the file was altered or written by a bug`,
          MIDDLE_ADVICE,
        );
      }
      segment.offsets.push(offset);
      terms.push(parsed.term);
      payloads.push(parsed.payload);
      offset = parsed.end;
      expected++;
    }
    segment.size = offset;
    segments.push(segment);
  }
  return { segments, firstIndex, terms, payloads, tornTail };
}

async function truncateFile(file: string, length: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(length);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
