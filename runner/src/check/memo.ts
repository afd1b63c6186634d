/**
 * The search's memo: the set of configurations known to fail, stored compactly and under a
 * byte budget, so that a hopeless history ends UNKNOWN instead of exhausting memory.
 *
 * A configuration is a record of int32 words (its layout is the search's business) plus two
 * 32-bit hashes. Layout:
 *
 *   records  runs of int32 words in chunks (1 Ki words growing to 1 Mi words = 4 MB); a
 *            record never spans two chunks. A record's reference is chunk * 2^20 + offset.
 *   table    open addressing with linear probing over 2^k slots, three Int32Arrays: the
 *            reference plus one (0 = empty slot) and the two hashes; kept at most half full.
 *
 * Nothing here is a JavaScript object per entry, so the memo costs about 12 bytes per slot
 * plus the records' words, and none of it lives on the V8 heap.
 */

/** Bytes all the memos of one check may hold together. */
export class MemoBudget {
  usedBytes = 0;
  peakBytes = 0;
  /** Records held by all memos, and the most at once. */
  entries = 0;
  peakEntries = 0;

  constructor(readonly capBytes: number) {}

  tryReserve(bytes: number): boolean {
    if (this.usedBytes + bytes > this.capBytes) return false;
    this.usedBytes += bytes;
    if (this.usedBytes > this.peakBytes) this.peakBytes = this.usedBytes;
    return true;
  }

  release(bytes: number): void {
    this.usedBytes -= bytes;
  }
}

/** The owner of the records: it knows their layout and the current configuration. */
export interface MemoRecords {
  /** Does the record at `arena[at…]` describe the current configuration? */
  matches(arena: Int32Array, at: number): boolean;
  /** Write the current configuration's record at `arena[at…]`. */
  write(arena: Int32Array, at: number): void;
}

const CHUNK_BITS = 20;
const MAX_CHUNK = 1 << CHUNK_BITS;
const FIRST_CHUNK = 1024;
const FIRST_SLOTS = 256;

export class ConfigMemo {
  private readonly chunks: Int32Array[] = [];
  private chunk: Int32Array = new Int32Array(0);
  private chunkPos = 0;
  private refs: Int32Array = new Int32Array(0);
  private hashA: Int32Array = new Int32Array(0);
  private hashB: Int32Array = new Int32Array(0);
  private mask = -1;
  entries = 0;
  /** Bytes held (records and table), all reserved from the budget. */
  bytes = 0;

  constructor(private readonly budget: MemoBudget) {}

  /** Is a record with hashes (a, b) that `records` says matches there? */
  has(a: number, b: number, records: MemoRecords): boolean {
    if (this.entries === 0) return false;
    const refs = this.refs;
    const mask = this.mask;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const ref = refs[slot]!;
      if (ref === 0) return false;
      if (this.hashA[slot] === a && this.hashB[slot] === b) {
        const r = ref - 1;
        if (records.matches(this.chunks[r >>> CHUNK_BITS]!, r & (MAX_CHUNK - 1))) return true;
      }
    }
  }

  /** Add a record of `size` words (the caller knows it is not there); false if the budget cannot hold it. */
  add(a: number, b: number, size: number, records: MemoRecords): boolean {
    if (size > MAX_CHUNK) return false;
    if (2 * (this.entries + 1) > this.mask + 1 && !this.resize(Math.max(FIRST_SLOTS, 2 * (this.mask + 1)))) return false;
    if (this.chunkPos + size > this.chunk.length) {
      const length = Math.min(MAX_CHUNK, Math.max(FIRST_CHUNK, this.chunk.length * 2, size));
      if (!this.budget.tryReserve(length * 4)) return false;
      this.bytes += length * 4;
      this.chunk = new Int32Array(length);
      this.chunks.push(this.chunk);
      this.chunkPos = 0;
    }
    const at = this.chunkPos;
    records.write(this.chunk, at);
    this.chunkPos += size;
    const mask = this.mask;
    let slot = a & mask;
    while (this.refs[slot] !== 0) slot = (slot + 1) & mask;
    this.refs[slot] = (this.chunks.length - 1) * MAX_CHUNK + at + 1;
    this.hashA[slot] = a;
    this.hashB[slot] = b;
    this.entries++;
    if (++this.budget.entries > this.budget.peakEntries) this.budget.peakEntries = this.budget.entries;
    return true;
  }

  /** Give every byte back to the budget (the memo is not used afterwards). */
  dispose(): void {
    this.budget.release(this.bytes);
    this.budget.entries -= this.entries;
    this.bytes = 0;
    this.chunks.length = 0;
    this.chunk = new Int32Array(0);
    this.refs = this.hashA = this.hashB = new Int32Array(0);
    this.mask = -1;
    this.entries = 0;
  }

  private resize(slots: number): boolean {
    const tableBytes = slots * 12;
    if (!this.budget.tryReserve(tableBytes)) return false;
    const refs = new Int32Array(slots);
    const hashA = new Int32Array(slots);
    const hashB = new Int32Array(slots);
    const mask = slots - 1;
    for (let s = 0; s <= this.mask; s++) {
      const ref = this.refs[s]!;
      if (ref === 0) continue;
      let t = this.hashA[s]! & mask;
      while (refs[t] !== 0) t = (t + 1) & mask;
      refs[t] = ref;
      hashA[t] = this.hashA[s]!;
      hashB[t] = this.hashB[s]!;
    }
    const oldBytes = (this.mask + 1) * 12;
    this.budget.release(oldBytes);
    this.bytes += tableBytes - oldBytes;
    this.refs = refs;
    this.hashA = hashA;
    this.hashB = hashB;
    this.mask = mask;
    return true;
  }
}
