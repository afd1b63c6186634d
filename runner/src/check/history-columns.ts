/**
 * A history as the checker reads it: one register history per key (kv-model.ts's KeyOps
 * columns, typed arrays), filled as the history is read, one operation at a time.
 *
 * `runner check` reads its file straight into these columns (readHistoryColumns): each line is
 * decoded into one scratch record (history.ts's DecodedLine, same checks and messages as
 * parseHistoryLine) and its operation goes at once to its key's columns, its values interned
 * (and marked written or read) in the key's ValueTable. So reading is the only pass over the
 * operations before each key's own encoding, and no object per operation is built, kept or
 * collected. A history already in memory (a fuzz run, tests) is copied in by columnsOf.
 *
 * Operation i is line i + 1 of the file, blank lines aside; a key's operations keep their i
 * (`source`). Reads that never returned are dropped (they constrain nothing; their key is still
 * known); writes that never returned keep an unknown result and a return time of Infinity.
 * A SCAN is one read per known key in its range, and which keys are known is only certain
 * once the whole history is read: its reads are added then (splitByKey), in history order.
 */
import { HistoryFormatError, DecodedLine, type HistoryOp, decodeHistoryLine, parseHistoryLine } from './history';
import { ABSENT, CODE_DELETE, CODE_GET, CODE_PUT, CODE_READ, CODE_SWAP, type KeyHistory, KeyOps, UNKNOWN, ValueTable } from './kv-model';
import type { Violation } from './witness';

/** A history file's text, and where each operation's line starts in it (and its line number, from 0). */
interface FileSource {
  text: string;
  at: LineIndex;
}

class LineIndex {
  start: Int32Array;
  line: Int32Array;

  constructor(textLength: number) {
    // About one operation per 64 characters to begin with; doubled when passed.
    this.start = new Int32Array(Math.max(16, textLength >>> 6));
    this.line = new Int32Array(this.start.length);
  }

  add(i: number, start: number, line: number): void {
    if (i === this.start.length) {
      const grown = new Int32Array(2 * i);
      grown.set(this.start);
      this.start = grown;
      const lines = new Int32Array(2 * i);
      lines.set(this.line);
      this.line = lines;
    }
    this.start[i] = start;
    this.line[i] = line;
  }
}

/** A SCAN that returned, kept until every key is known. */
interface PendingScan {
  source: number;
  start: number;
  end: number;
  call: number;
  ret: number;
  pairs: Array<[string, string]>;
}

export class HistoryColumns {
  /** Operations read. */
  length = 0;
  /** Key names by id, in the order they first appear, and each key's register history. */
  readonly keyNames: string[] = [];
  private readonly perKey: KeyHistory[] = [];
  private readonly keyIds = new Map<string, number>();
  private readonly scanList: PendingScan[] = [];
  private split: SplitHistory | undefined;
  /** Where each operation came from, to build it as an object again (operationsAt). */
  private source: FileSource | readonly HistoryOp[] = [];

  /** Append a decoded line (columnsOf; readText does the same work in its own loop: keep the two alike). */
  add(d: DecodedLine): void {
    const source = this.length++;
    const op = d.op;
    const pending = d.ret === null;
    if (op === 'SCAN') {
      this.addScan(d, source);
      return;
    }
    const kh = this.perKey[this.keyId(d.key)]!;
    if (op === 'GET' && pending) return;
    const values = kh.values;
    // The value written, if any, is interned before the value seen: a key's value ids are
    // numbered in history order.
    let code: number;
    let arg = ABSENT;
    let out: number;
    if (op === 'PUT' || op === 'DELETE') {
      code = op === 'PUT' ? CODE_PUT : CODE_DELETE;
      if (op === 'PUT') arg = values.written(d.value);
      out = pending ? UNKNOWN : d.found === 'found' ? 1 : 0;
    } else if (op === 'SWAP') {
      code = CODE_SWAP;
      arg = values.written(d.value);
      out = pending ? UNKNOWN : values.read(d.seen);
    } else {
      code = CODE_GET;
      out = values.read(d.seen);
    }
    kh.ops.push(d.call, pending ? Infinity : d.ret!, code, arg, out, source, 0);
  }

  /**
   * Read a history file's text (readHistoryColumns), line by line. The loop does add()'s work itself rather
   * than calling it: V8 then optimises one function for the whole read, once, instead of add
   * on its own first and again inside the loop (a read of a few thousand lines is mostly
   * such compiling). Throws HistoryFormatError on the first bad line.
   */
  readText(text: string, file: string): void {
    // Each line is cut from the text as it is read and dropped once decoded: the lines are not
    // kept (as an array of them would be, through every garbage collection of the read), only
    // where each operation's line starts, for operationsAt.
    const at = new LineIndex(text.length);
    const d = new DecodedLine();
    const perKey = this.perKey;
    for (let pos = 0, l = 0; pos < text.length; l++) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = text.length;
      const line = text.slice(pos, end);
      const start = pos;
      pos = end + 1;
      if (line.length === 0 || line.trim() === '') continue;
      const problem = decodeHistoryLine(line, d);
      if (problem !== undefined) throw new HistoryFormatError(file, l + 1, problem);
      const source = this.length++;
      at.add(source, start, l);
      const op = d.op;
      const pending = d.ret === null;
      if (op === 'SCAN') {
        this.addScan(d, source);
        continue;
      }
      const kh = perKey[this.keyId(d.key)]!;
      if (op === 'GET' && pending) continue;
      const values = kh.values;
      let code: number;
      let arg = ABSENT;
      let out: number;
      if (op === 'PUT' || op === 'DELETE') {
        code = op === 'PUT' ? CODE_PUT : CODE_DELETE;
        if (op === 'PUT') arg = values.written(d.value);
        out = pending ? UNKNOWN : d.found === 'found' ? 1 : 0;
      } else if (op === 'SWAP') {
        code = CODE_SWAP;
        arg = values.written(d.value);
        out = pending ? UNKNOWN : values.read(d.seen);
      } else {
        code = CODE_GET;
        out = values.read(d.seen);
      }
      kh.ops.push(d.call, pending ? Infinity : d.ret!, code, arg, out, source, 0);
    }
    this.setSource({ text, at });
  }

  /**
   * The operations at these indices as objects, in an array of the history's length that
   * holds only them (for a report that shows a few operations of a big history).
   */
  operationsAt(indices: Iterable<number>): HistoryOp[] {
    const out = new Array<HistoryOp>(this.length);
    const source = this.source;
    for (const i of indices) {
      if (Array.isArray(source)) {
        out[i] = source[i]!;
      } else {
        const { text, at } = source as FileSource;
        const start = at.start[i]!;
        const end = text.indexOf('\n', start);
        const r = parseHistoryLine(text.slice(start, end < 0 ? text.length : end));
        // The line was decoded once already; it cannot fail now.
        if (!r.ok) throw new Error(`history line ${at.line[i]! + 1}: ${r.message}`);
        out[i] = r.op;
      }
    }
    return out;
  }

  /** Remember where the operations came from (readHistoryColumns, columnsOf). */
  setSource(source: FileSource | readonly HistoryOp[]): void {
    this.source = source;
  }

  /** The keys with their register histories, SCANs' reads added (once; see splitByKey). */
  splitByKey(): SplitHistory {
    this.split ??= splitColumns(this.keyNames, this.perKey, this.scanList);
    return this.split;
  }

  /** A SCAN's bounds are known keys; its reads wait until every key is known (splitByKey). */
  private addScan(d: DecodedLine, source: number): void {
    const start = this.keyId(d.start);
    const end = this.keyId(d.end);
    if (d.ret !== null && d.pairs !== null) this.scanList.push({ source, start, end, call: d.call, ret: d.ret, pairs: d.pairs });
  }

  private keyId(name: string): number {
    let id = this.keyIds.get(name);
    if (id === undefined) {
      id = this.keyNames.length;
      this.keyIds.set(name, id);
      this.keyNames.push(name);
      this.perKey.push({ key: name, values: new ValueTable(), ops: new KeyOps() });
    }
    return id;
  }
}

/** Read a whole history text into columns; blank lines are skipped. Throws HistoryFormatError on the first bad line. */
export function readHistoryColumns(text: string, file: string): HistoryColumns {
  const columns = new HistoryColumns();
  columns.readText(text, file);
  return columns;
}

/** The columns of a history already in memory. */
export function columnsOf(history: readonly HistoryOp[]): HistoryColumns {
  const columns = new HistoryColumns();
  const d = new DecodedLine();
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    d.client = op.client;
    d.call = op.call;
    d.ret = op.ret;
    d.op = op.op;
    if (op.op === 'SCAN') {
      d.start = op.start;
      d.end = op.end;
      d.pairs = op.result;
    } else {
      d.key = op.key;
      if (op.op === 'PUT' || op.op === 'SWAP') d.value = op.value;
      if (op.op === 'PUT' || op.op === 'DELETE') d.found = op.result;
      else d.seen = op.result;
    }
    columns.add(d);
  }
  columns.setSource(history);
  return columns;
}

/** The keys of a history, each with its register history, and what is wrong with its SCANs' shapes. */
export interface SplitHistory {
  /** One per known key, sorted by key. */
  keys: KeyHistory[];
  /** SCANs whose pairs are out of range, repeated or unsorted, in history order. */
  scanShapes: Violation[];
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A history split into one register history per known key (a key of a single-key operation
 * or a bound of a SCAN; a SCAN may return other keys, left in the store by earlier runs, and
 * those are not checked), sorted by key. The same columns give the same split each time.
 */
export function splitByKey(h: HistoryColumns): SplitHistory {
  return h.splitByKey();
}

function splitColumns(names: readonly string[], byId: readonly KeyHistory[], scans: readonly PendingScan[]): SplitHistory {
  const sorted = names.map((_, id) => id).sort((a, b) => compareKeys(names[a]!, names[b]!));
  const keys = sorted.map((id) => byId[id]!);
  const scanShapes: Violation[] = [];
  if (scans.length > 0) {
    // rank[id]: the key's place in sorted order; a SCAN's range is the ranks from its start's to its end's.
    const rank = new Int32Array(names.length);
    for (let r = 0; r < sorted.length; r++) rank[sorted[r]!] = r;
    // Each key's SCAN reads, in history order, then merged into its operations by history index.
    const reads = keys.map(() => new KeyOps());
    for (const s of scans) {
      const start = names[s.start]!;
      const end = names[s.end]!;
      const shape = scanShapeViolation(s.source, start, end, s.pairs);
      if (shape !== undefined) scanShapes.push(shape);
      if (start > end) continue;
      scanReads(keys, reads, rank[s.start]!, rank[s.end]!, s.pairs, s.call, s.ret, s.source);
    }
    for (let r = 0; r < keys.length; r++) if (reads[r]!.length > 0) keys[r] = { ...keys[r]!, ops: mergeBySource(keys[r]!.ops, reads[r]!) };
  }
  return { keys, scanShapes };
}

/** Two keys' operation lists, each in history order, merged into one in history order. */
function mergeBySource(a: KeyOps, b: KeyOps): KeyOps {
  const out = new KeyOps(a.length + b.length);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const fromA = j >= b.length || (i < a.length && a.source[i]! < b.source[j]!);
    const src = fromA ? a : b;
    const x = fromA ? i++ : j++;
    out.push(src.call[x]!, src.ret[x]!, src.code[x]!, src.arg[x]!, src.out[x]!, src.source[x]!, src.optional[x]!);
  }
  return out;
}

/** A SCAN's reads of the known keys ranked `from` to `to`, each seeing its pair's value or absent (into `reads`, by rank). */
function scanReads(keys: KeyHistory[], reads: KeyOps[], from: number, to: number, pairs: Array<[string, string]>, call: number, ret: number, source: number): void {
  // Pairs come sorted by key (a SCAN that breaks this is reported on its own): one walk
  // along both lists finds each known key's pair. Unsorted ones are looked up instead.
  const returned = isSortedByKey(pairs) ? undefined : new Map(pairs);
  let p = 0;
  for (let r = from; r <= to; r++) {
    const kh = keys[r]!;
    const key = kh.key;
    let value: string | null = null;
    if (returned !== undefined) {
      value = returned.get(key) ?? null;
    } else {
      while (p < pairs.length && pairs[p]![0] < key) p++;
      if (p < pairs.length && pairs[p]![0] === key) value = pairs[p]![1];
    }
    reads[r]!.push(call, ret, CODE_READ, ABSENT, kh.values.read(value), source, 0);
  }
}

function isSortedByKey(pairs: ReadonlyArray<readonly [string, string]>): boolean {
  for (let i = 1; i < pairs.length; i++) if (!(pairs[i - 1]![0] < pairs[i]![0])) return false;
  return true;
}

/** A SCAN's pairs must be inside its inclusive range, in ascending key order, each key once. */
function scanShapeViolation(source: number, start: string, end: string, pairs: Array<[string, string]>): Violation | undefined {
  let previous: string | undefined;
  for (const [key] of pairs) {
    let summary: string | undefined;
    if (key < start || key > end) summary = `SCAN ${start} ${end} returned key ${key}, outside its range`;
    else if (previous !== undefined && key === previous) summary = `SCAN ${start} ${end} returned key ${key} twice`;
    else if (previous !== undefined && key < previous) summary = `SCAN ${start} ${end} returned key ${key} after ${previous} (pairs must be sorted by key)`;
    if (summary !== undefined) return { key, summary, ops: [source], context: [], priorValues: [], explanation: [] };
    previous = key;
  }
  return undefined;
}
