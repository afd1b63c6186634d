/**
 * The history file: one JSON object per line, one line per operation (issue 3):
 *
 *   {"client": 0, "op": "PUT", "key": "k1", "value": "v1", "call": 10, "ret": 25, "result": "found"}
 *   {"client": 1, "op": "SCAN", "start": "a", "end": "z", "call": 11, "ret": 30, "result": [["k1", "v1"]]}
 *
 * `ret` is null for an operation that never returned (its result is then ignored).
 */
import * as fs from 'node:fs';

export type HistoryOp =
  | { client: number; op: 'PUT'; key: string; value: string; call: number; ret: number | null; result: 'found' | 'not_found' | null }
  | { client: number; op: 'SWAP'; key: string; value: string; call: number; ret: number | null; result: string | null }
  | { client: number; op: 'GET'; key: string; call: number; ret: number | null; result: string | null }
  | { client: number; op: 'DELETE'; key: string; call: number; ret: number | null; result: 'found' | 'not_found' | null }
  | { client: number; op: 'SCAN'; start: string; end: string; call: number; ret: number | null; result: Array<[string, string]> | null };

export type ParseResult = { ok: true; op: HistoryOp } | { ok: false; message: string };

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isJsonObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A history line as a JSON object, or what is wrong with it. */
export function parseJsonObjectLine(line: string): { ok: true; value: JsonObject } | { ok: false; message: string } {
  let parsed: Json;
  try {
    parsed = JSON.parse(line) as Json;
  } catch (err) {
    return { ok: false, message: `not JSON (${(err as Error).message})` };
  }
  return isJsonObject(parsed) ? { ok: true, value: parsed } : { ok: false, message: 'not a JSON object' };
}

function nonEmpty(v: Json | undefined): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * One line's fields, decoded and checked: a scratch record that every line of a file is
 * decoded into in turn, so reading a file into the checker's columns allocates no object per
 * operation of its own (history-columns.ts); parseHistoryLine builds a HistoryOp from it.
 */
export class DecodedLine {
  client = 0;
  op: HistoryOp['op'] = 'PUT';
  /** The key (PUT, SWAP, GET, DELETE). */
  key = '';
  /** The value written (PUT, SWAP). */
  value = '';
  /** The range (SCAN). */
  start = '';
  end = '';
  call = 0;
  ret: number | null = null;
  /** PUT, DELETE: the answer (null if it never returned and gave none). */
  found: 'found' | 'not_found' | null = null;
  /** GET, SWAP: the value seen (null: absent, or no answer). */
  seen: string | null = null;
  /** SCAN: the pairs (null if it never returned). */
  pairs: Array<[string, string]> | null = null;
}

/** Decode one line of a history file into `d`; a problem is named (for a message with the line number). */
export function decodeHistoryLine(line: string, d: DecodedLine): string | undefined {
  const parsed = parseJsonObjectLine(line);
  if (!parsed.ok) return parsed.message;
  const o = parsed.value;
  const client = o['client'];
  if (typeof client !== 'number' || !Number.isInteger(client)) return '"client" must be an integer';
  const call = o['call'];
  if (typeof call !== 'number' || !Number.isFinite(call)) return '"call" must be a number';
  const ret = o['ret'];
  if (ret !== null && (typeof ret !== 'number' || !Number.isFinite(ret))) return '"ret" must be a number or null';
  if (ret !== null && ret < call) return `"ret" (${ret}) is before "call" (${call})`;
  const result = o['result'] ?? null;
  d.client = client;
  d.call = call;
  d.ret = ret;
  const op = o['op'];
  switch (op) {
    case 'PUT':
    case 'DELETE': {
      const key = nonEmpty(o['key']);
      if (key === undefined) return '"key" must be a non-empty string';
      if (ret !== null && result !== 'found' && result !== 'not_found') return `"result" of ${op} must be "found" or "not_found"`;
      d.op = op;
      d.key = key;
      d.found = result === 'found' || result === 'not_found' ? result : null;
      if (op === 'DELETE') return undefined;
      const value = nonEmpty(o['value']);
      if (value === undefined) return '"value" must be a non-empty string';
      d.value = value;
      return undefined;
    }
    case 'SWAP':
    case 'GET': {
      const key = nonEmpty(o['key']);
      if (key === undefined) return '"key" must be a non-empty string';
      if (result !== null && typeof result !== 'string') return `"result" of ${op} must be a string or null`;
      d.op = op;
      d.key = key;
      d.seen = result;
      if (op === 'GET') return undefined;
      const value = nonEmpty(o['value']);
      if (value === undefined) return '"value" must be a non-empty string';
      d.value = value;
      return undefined;
    }
    case 'SCAN': {
      const start = nonEmpty(o['start']);
      const end = nonEmpty(o['end']);
      if (start === undefined || end === undefined) return '"start" and "end" must be non-empty strings';
      if (result === null && ret !== null) return '"result" of a returned SCAN must be a list of [key, value] pairs';
      if (result !== null) {
        if (!Array.isArray(result)) return '"result" of SCAN must be a list of [key, value] pairs';
        for (let i = 0; i < result.length; i++) {
          const p = result[i]!;
          if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') {
            return '"result" of SCAN must be a list of [key, value] pairs of strings';
          }
        }
      }
      d.op = 'SCAN';
      d.start = start;
      d.end = end;
      // Checked just above: a list of pairs of strings.
      d.pairs = result as Array<[string, string]> | null;
      return undefined;
    }
    default:
      return `"op" must be PUT, SWAP, GET, DELETE or SCAN (got ${JSON.stringify(op ?? null)})`;
  }
}

/** Parse one line of a history file. Every problem is named, for a message with the line number. */
export function parseHistoryLine(line: string): ParseResult {
  const d = new DecodedLine();
  const problem = decodeHistoryLine(line, d);
  if (problem !== undefined) return { ok: false, message: problem };
  const { client, call, ret } = d;
  switch (d.op) {
    case 'PUT':
      return { ok: true, op: { client, op: 'PUT', key: d.key, value: d.value, call, ret, result: d.found } };
    case 'DELETE':
      return { ok: true, op: { client, op: 'DELETE', key: d.key, call, ret, result: d.found } };
    case 'SWAP':
      return { ok: true, op: { client, op: 'SWAP', key: d.key, value: d.value, call, ret, result: d.seen } };
    case 'GET':
      return { ok: true, op: { client, op: 'GET', key: d.key, call, ret, result: d.seen } };
    case 'SCAN':
      return { ok: true, op: { client, op: 'SCAN', start: d.start, end: d.end, call, ret, result: d.pairs } };
  }
}

/** One history line, fields in the documented order. */
export function formatHistoryLine(op: HistoryOp): string {
  switch (op.op) {
    case 'PUT':
    case 'SWAP':
      return JSON.stringify({ client: op.client, op: op.op, key: op.key, value: op.value, call: op.call, ret: op.ret, result: op.result });
    case 'GET':
    case 'DELETE':
      return JSON.stringify({ client: op.client, op: op.op, key: op.key, call: op.call, ret: op.ret, result: op.result });
    case 'SCAN':
      return JSON.stringify({ client: op.client, op: op.op, start: op.start, end: op.end, call: op.call, ret: op.ret, result: op.result });
  }
}

export class HistoryFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

/** Parse a whole history text; blank lines are skipped. Throws HistoryFormatError on the first bad line. */
export function parseHistoryText(text: string, file: string): HistoryOp[] {
  const ops: HistoryOp[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const r = parseHistoryLine(line);
    if (!r.ok) throw new HistoryFormatError(file, i + 1, r.message);
    ops.push(r.op);
  }
  return ops;
}

export function readHistoryFile(file: string): HistoryOp[] {
  return parseHistoryText(fs.readFileSync(file, 'utf8'), file);
}

/** Appends history lines to a file as operations complete, so a crashed run still leaves them. */
export class HistoryWriter {
  private readonly fd: number;
  private buffered: string[] = [];
  // An interrupted run (Ctrl-C) still leaves every operation recorded so far.
  private readonly flushOnExit = (): void => this.flush();

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
    process.on('exit', this.flushOnExit);
  }

  append(op: HistoryOp): void {
    this.appendLine(formatHistoryLine(op));
  }

  /** A line already formatted (a transactional history's, check/txn/txn-history.ts). */
  appendLine(line: string): void {
    this.buffered.push(line);
    if (this.buffered.length >= 512) this.flush();
  }

  flush(): void {
    if (this.buffered.length === 0) return;
    fs.writeSync(this.fd, this.buffered.join('\n') + '\n');
    this.buffered = [];
  }

  close(): void {
    this.flush();
    process.off('exit', this.flushOnExit);
    fs.closeSync(this.fd);
  }
}
