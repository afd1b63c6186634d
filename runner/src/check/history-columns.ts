/**
 * A history as the checker reads it: columns (typed arrays, and arrays of the strings), one
 * entry per operation in history order, then split into one register history per key.
 *
 * `runner check` reads its file straight into these columns (readHistoryColumns): each line is
 * decoded into one scratch record (history.ts's DecodedLine, same checks and messages as
 * parseHistoryLine) and copied into the columns, so no object per operation is built, kept
 * or collected. A history already in memory (a fuzz run, tests) is copied in by columnsOf.
 *
 * Columns, entry i = operation i (line i + 1 of the file, blank lines aside):
 *
 *   code    CODE_PUT, CODE_SWAP, CODE_GET, CODE_DELETE (kv-model.ts) or CODE_SCAN
 *   call    call time;  ret: return time, Infinity if it never returned
 *   key     key id (keyNames[id]); a SCAN's start;  end: a SCAN's end
 *   answer  PUT, DELETE: 1 found, 0 not found, UNKNOWN if it never returned
 *   value   PUT, SWAP: the value written;  seen: GET, SWAP: the value seen (null: absent)
 *   pairs   SCAN: its pairs (null if it never returned)
 */
import { HistoryFormatError, DecodedLine, type HistoryOp, decodeHistoryLine, parseHistoryLine } from './history';
import { ABSENT, CODE_DELETE, CODE_GET, CODE_PUT, CODE_READ, CODE_SWAP, type KeyHistory, KeyOps, UNKNOWN, ValueTable } from './kv-model';
import type { Violation } from './witness';

export const CODE_SCAN = 5;

export class HistoryColumns {
  length = 0;
  readonly code: Uint8Array;
  readonly call: Float64Array;
  readonly ret: Float64Array;
  readonly key: Int32Array;
  readonly end: Int32Array;
  readonly answer: Int8Array;
  readonly value: Array<string | null>;
  readonly seen: Array<string | null>;
  readonly pairs: Array<Array<[string, string]> | null>;
  /** Key names by id, in the order they first appear; how many single-key operations each has; SCANs. */
  readonly keyNames: string[] = [];
  readonly keyOps: number[] = [];
  scans = 0;
  private readonly keyIds = new Map<string, number>();
  /** Where each operation came from, to build it as an object again (operationsAt). */
  private source: { lines: readonly string[]; lineOf: Int32Array } | readonly HistoryOp[] = [];

  /** Room for `capacity` operations (the caller knows how many there are at most). */
  constructor(readonly capacity: number) {
    this.code = new Uint8Array(capacity);
    this.call = new Float64Array(capacity);
    this.ret = new Float64Array(capacity);
    this.key = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.answer = new Int8Array(capacity);
    this.value = new Array<string | null>(capacity).fill(null);
    this.seen = new Array<string | null>(capacity).fill(null);
    this.pairs = new Array<Array<[string, string]> | null>(capacity).fill(null);
  }

  /** Append a decoded line. */
  add(d: DecodedLine): void {
    const i = this.length++;
    this.call[i] = d.call;
    this.ret[i] = d.ret ?? Infinity;
    const pending = d.ret === null;
    switch (d.op) {
      case 'PUT':
      case 'DELETE':
        this.code[i] = d.op === 'PUT' ? CODE_PUT : CODE_DELETE;
        this.key[i] = this.keyOp(d.key);
        this.answer[i] = pending ? UNKNOWN : d.found === 'found' ? 1 : 0;
        if (d.op === 'PUT') this.value[i] = d.value;
        break;
      case 'SWAP':
        this.code[i] = CODE_SWAP;
        this.key[i] = this.keyOp(d.key);
        this.value[i] = d.value;
        this.seen[i] = d.seen;
        break;
      case 'GET':
        this.code[i] = CODE_GET;
        this.key[i] = this.keyOp(d.key);
        this.seen[i] = d.seen;
        break;
      case 'SCAN':
        this.code[i] = CODE_SCAN;
        this.key[i] = this.keyId(d.start);
        this.end[i] = this.keyId(d.end);
        this.pairs[i] = d.pairs;
        this.scans++;
        break;
    }
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
        const { lines, lineOf } = source as { lines: readonly string[]; lineOf: Int32Array };
        const r = parseHistoryLine(lines[lineOf[i]!]!);
        // The line was decoded once already; it cannot fail now.
        if (!r.ok) throw new Error(`history line ${lineOf[i]! + 1}: ${r.message}`);
        out[i] = r.op;
      }
    }
    return out;
  }

  /** Remember where the operations came from (readHistoryColumns, columnsOf). */
  setSource(source: { lines: readonly string[]; lineOf: Int32Array } | readonly HistoryOp[]): void {
    this.source = source;
  }

  private keyId(name: string): number {
    let id = this.keyIds.get(name);
    if (id === undefined) {
      id = this.keyNames.length;
      this.keyIds.set(name, id);
      this.keyNames.push(name);
      this.keyOps.push(0);
    }
    return id;
  }

  /** The id of the key of a single-key operation, counted. */
  private keyOp(name: string): number {
    const id = this.keyId(name);
    this.keyOps[id]!++;
    return id;
  }
}

/** Read a whole history text into columns; blank lines are skipped. Throws HistoryFormatError on the first bad line. */
export function readHistoryColumns(text: string, file: string): HistoryColumns {
  const lines = text.split('\n');
  const columns = new HistoryColumns(lines.length);
  const lineOf = new Int32Array(lines.length);
  const d = new DecodedLine();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const problem = decodeHistoryLine(line, d);
    if (problem !== undefined) throw new HistoryFormatError(file, i + 1, problem);
    lineOf[columns.length] = i;
    columns.add(d);
  }
  columns.setSource({ lines, lineOf });
  return columns;
}

/** The columns of a history already in memory. */
export function columnsOf(history: readonly HistoryOp[]): HistoryColumns {
  const columns = new HistoryColumns(history.length);
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
 * Split a history into one sub-history per known key (a key of a single-key operation or a
 * bound of a SCAN; a SCAN may return other keys, left in the store by earlier runs, and those
 * are not checked). Reads that never returned are dropped (they constrain nothing); writes
 * that never returned stay, with an unknown result and a return time of Infinity. A SCAN is
 * one read per known key in its range.
 */
export function splitByKey(h: HistoryColumns): SplitHistory {
  const names = h.keyNames;
  const sorted = names.map((_, id) => id).sort((a, b) => compareKeys(names[a]!, names[b]!));
  // rank[id]: the key's place in sorted order; a SCAN's range is the ranks from its start's to its end's.
  const rank = new Int32Array(names.length);
  for (let r = 0; r < sorted.length; r++) rank[sorted[r]!] = r;
  // Room for each key's operations up front (a SCAN may add one to every key; past a bound the columns grow).
  const perKey: KeyHistory[] = sorted.map((id) => ({ key: names[id]!, values: new ValueTable(), ops: new KeyOps(h.keyOps[id]! + Math.min(h.scans, 1024)) }));
  const scanShapes: Violation[] = [];
  const { code, call, ret: rets, key: keyOf, answer, value, seen } = h;
  for (let source = 0; source < h.length; source++) {
    const c = code[source]!;
    const ret = rets[source]!;
    const pending = ret === Infinity;
    if (c === CODE_SCAN) {
      const pairs = h.pairs[source]!;
      if (pending || pairs === null) continue;
      const start = names[keyOf[source]!]!;
      const end = names[h.end[source]!]!;
      const shape = scanShapeViolation(source, start, end, pairs);
      if (shape !== undefined) scanShapes.push(shape);
      if (start > end) continue;
      scanReads(perKey, rank[keyOf[source]!]!, rank[h.end[source]!]!, pairs, call[source]!, ret, source);
      continue;
    }
    // One call of each kind per operation (no copy per kind): the value written, if any, is
    // interned before the value seen, as a key's value ids are numbered in history order.
    const kh = perKey[rank[keyOf[source]!]!]!;
    if (c === CODE_GET && pending) continue;
    const arg = c === CODE_PUT || c === CODE_SWAP ? kh.values.id(value[source]!) : ABSENT;
    const out = c === CODE_PUT || c === CODE_DELETE ? answer[source]! : pending ? UNKNOWN : kh.values.id(seen[source]!);
    kh.ops.push(call[source]!, ret, c, arg, out, source, 0);
  }
  return { keys: perKey, scanShapes };
}

/** A SCAN's reads of the known keys ranked `from` to `to`, each seeing its pair's value or absent. */
function scanReads(perKey: KeyHistory[], from: number, to: number, pairs: Array<[string, string]>, call: number, ret: number, source: number): void {
  // Pairs come sorted by key (a SCAN that breaks this is reported on its own): one walk
  // along both lists finds each known key's pair. Unsorted ones are looked up instead.
  const returned = isSortedByKey(pairs) ? undefined : new Map(pairs);
  let p = 0;
  for (let r = from; r <= to; r++) {
    const kh = perKey[r]!;
    const key = kh.key;
    let value: string | null = null;
    if (returned !== undefined) {
      value = returned.get(key) ?? null;
    } else {
      while (p < pairs.length && pairs[p]![0] < key) p++;
      if (p < pairs.length && pairs[p]![0] === key) value = pairs[p]![1];
    }
    kh.ops.push(call, ret, CODE_READ, ABSENT, kh.values.id(value), source, 0);
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
