/**
 * The transactional history file (stage 4): JSON lines like the single-operation history
 * (../history.ts), but one line per whole transaction:
 *
 *   {"client": 0, "call": 10, "ret": 25, "outcome": "committed", "ops": [{"op": "APPEND", "key": "x", "elem": "7"}, {"op": "GET", "key": "y", "result": "1,2"}]}
 *   {"client": 1, "call": 12, "ret": 30, "outcome": "aborted", "reason": "lock_conflict", "ops": [{"op": "APPEND", "key": "x", "elem": "8"}]}
 *   {"client": 2, "call": 14, "ret": 40, "outcome": "unknown", "reason": "connection_lost", "ops": [{"op": "INCR", "key": "a0", "delta": -5}, {"op": "INCR", "key": "a1", "delta": 5}]}
 *   {"client": 3, "call": 15, "ret": null, "outcome": "unknown", "ops": [{"op": "GET", "key": "x"}]}
 *
 * - `outcome`: "committed" (`TXN COMMITTED`), "aborted" (`TXN ABORTED <reason>`: no effect) or
 *   "unknown" (`TXN UNKNOWN <reason>`, or no answer at all: `ret` null). An unknown transaction
 *   may have taken effect at any time after `call`, even after its `ret`.
 * - `reason`: optional text of an aborted or unknown answer.
 * - `ops`, in order: GET key; PUT key value; SWAP key value; DELETE key; INCR key delta (an
 *   integer); APPEND key elem (no comma in elem). `result` is given for committed transactions
 *   only: GET's value read (string, or null for a missing key; a list is its elements joined
 *   by commas) is required, the others' are optional (SWAP: old value or null; DELETE: "found"
 *   or "not_found"; INCR: the new value; PUT and APPEND: "ok").
 * - An APPEND's element is unique per key over the whole history (what makes every read
 *   name its writers).
 * - An optional first line declares a bank workload, whose invariant is checked too:
 *     {"bank": {"accounts": ["a0", "a1", "a2"], "total": 300}}
 *   `total` is what the accounts hold together (missing accounts count as 0) before the first
 *   recorded transaction; only INCR and GET may touch an account, and every transaction's INCRs
 *   of accounts add up to 0 (transfers).
 *
 * Blank lines are skipped. Timestamps are numbers in one unit (the fuzzer writes microseconds).
 */
import * as fs from 'node:fs';
import { type Json, isJsonObject as isObject, parseJsonObjectLine } from '../history';

export type TxnOutcome = 'committed' | 'aborted' | 'unknown';

export type TxnHistoryOp =
  | { op: 'GET'; key: string; result?: string | null }
  | { op: 'PUT'; key: string; value: string }
  | { op: 'SWAP'; key: string; value: string; result?: string | null }
  | { op: 'DELETE'; key: string; result?: 'found' | 'not_found' }
  | { op: 'INCR'; key: string; delta: number; result?: number }
  | { op: 'APPEND'; key: string; elem: string };

export interface TxnRecord {
  client: number;
  call: number;
  ret: number | null;
  outcome: TxnOutcome;
  reason?: string;
  ops: TxnHistoryOp[];
}

export interface BankSpec {
  accounts: string[];
  total: number;
}

export interface TxnHistory {
  txns: TxnRecord[];
  /** Line of the file each transaction came from (1-based), for reports. */
  lines: number[];
  bank?: BankSpec;
}

export class TxnHistoryError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

/** Whether a history text holds transactions (its first record has `ops` or `bank`), judged by shape alone. */
export function isTxnHistoryText(text: string): boolean {
  for (const line of text.split('\n', 1000)) {
    if (line.trim() === '') continue;
    const p = parseJsonObjectLine(line);
    return p.ok && ('ops' in p.value || 'bank' in p.value);
  }
  return false;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const nonEmpty = (v: Json | undefined): v is string => typeof v === 'string' && v.length > 0;

function parseOp(o: Json, committed: boolean): Parsed<TxnHistoryOp> {
  if (!isObject(o)) return { ok: false, message: 'not a JSON object' };
  const fail = (message: string): Parsed<TxnHistoryOp> => ({ ok: false, message });
  const key = o['key'];
  if (!nonEmpty(key)) return fail('"key" must be a non-empty string');
  const has = 'result' in o && committed;
  const result = o['result'];
  switch (o['op']) {
    case 'GET':
      if (!committed) return { ok: true, value: { op: 'GET', key } };
      if (result === undefined) return fail('a committed GET needs its "result" (a string, or null)');
      if (result !== null && typeof result !== 'string') return fail('"result" of GET must be a string or null');
      return { ok: true, value: { op: 'GET', key, result } };
    case 'PUT':
    case 'SWAP': {
      const value = o['value'];
      if (!nonEmpty(value)) return fail('"value" must be a non-empty string');
      if (o['op'] === 'PUT') return { ok: true, value: { op: 'PUT', key, value } };
      if (!has) return { ok: true, value: { op: 'SWAP', key, value } };
      if (result !== null && typeof result !== 'string') return fail('"result" of SWAP must be a string or null');
      return { ok: true, value: { op: 'SWAP', key, value, result: result ?? null } };
    }
    case 'DELETE':
      if (!has) return { ok: true, value: { op: 'DELETE', key } };
      if (result !== 'found' && result !== 'not_found') return fail('"result" of DELETE must be "found" or "not_found"');
      return { ok: true, value: { op: 'DELETE', key, result } };
    case 'INCR': {
      const delta = o['delta'];
      if (typeof delta !== 'number' || !Number.isSafeInteger(delta)) return fail('"delta" of INCR must be an integer');
      if (!has) return { ok: true, value: { op: 'INCR', key, delta } };
      if (typeof result !== 'number' || !Number.isSafeInteger(result)) return fail('"result" of INCR must be an integer');
      return { ok: true, value: { op: 'INCR', key, delta, result } };
    }
    case 'APPEND': {
      const elem = o['elem'];
      if (!nonEmpty(elem) || elem.includes(',')) return fail('"elem" of APPEND must be a non-empty string without commas');
      return { ok: true, value: { op: 'APPEND', key, elem } };
    }
    default:
      return fail(`"op" must be GET, PUT, SWAP, DELETE, INCR or APPEND (got ${JSON.stringify(o['op'] ?? null)})`);
  }
}

/** Parse one transaction line. Every problem is named, for a message with the line number. */
export function parseTxnLine(line: string): Parsed<TxnRecord> {
  const parsed = parseJsonObjectLine(line);
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  const fail = (message: string): Parsed<TxnRecord> => ({ ok: false, message });
  if ('op' in o) return fail('a single-operation record ("op") in a transactional history');
  const client = o['client'];
  if (typeof client !== 'number' || !Number.isInteger(client)) return fail('"client" must be an integer');
  const call = o['call'];
  if (typeof call !== 'number' || !Number.isFinite(call)) return fail('"call" must be a number');
  const ret = o['ret'] ?? null;
  if (ret !== null && (typeof ret !== 'number' || !Number.isFinite(ret))) return fail('"ret" must be a number or null');
  if (ret !== null && ret < call) return fail(`"ret" (${ret}) is before "call" (${call})`);
  const outcome = o['outcome'];
  if (outcome !== 'committed' && outcome !== 'aborted' && outcome !== 'unknown') return fail('"outcome" must be "committed", "aborted" or "unknown"');
  if (ret === null && outcome !== 'unknown') return fail(`a transaction without "ret" never answered: its outcome is "unknown", not "${outcome}"`);
  const reason = o['reason'];
  if (reason !== undefined && reason !== null && typeof reason !== 'string') return fail('"reason" must be a string');
  const rawOps = o['ops'];
  if (!Array.isArray(rawOps) || rawOps.length === 0) return fail('"ops" must be a non-empty list of operations');
  const ops: TxnHistoryOp[] = [];
  for (let i = 0; i < rawOps.length; i++) {
    const r = parseOp(rawOps[i]!, outcome === 'committed');
    if (!r.ok) return fail(`operation ${i + 1}: ${r.message}`);
    ops.push(r.value);
  }
  const rec: TxnRecord = { client, call, ret, outcome, ops };
  if (typeof reason === 'string') rec.reason = reason;
  return { ok: true, value: rec };
}

function parseBank(o: { [k: string]: Json }): Parsed<BankSpec> {
  const b = o['bank'];
  const fail = (message: string): Parsed<BankSpec> => ({ ok: false, message });
  if (!isObject(b)) return fail('"bank" must be an object with "accounts" and "total"');
  const accounts = b['accounts'];
  if (!Array.isArray(accounts) || accounts.length === 0 || !accounts.every(nonEmpty)) return fail('"accounts" of the bank must be a non-empty list of keys');
  if (new Set(accounts).size !== accounts.length) return fail('"accounts" of the bank names an account twice');
  const total = b['total'];
  if (typeof total !== 'number' || !Number.isSafeInteger(total)) return fail('"total" of the bank must be an integer');
  return { ok: true, value: { accounts: accounts as string[], total } };
}

/**
 * Parse a whole transactional history; throws TxnHistoryError (file:line) on the first bad line,
 * and on an element appended twice to one key (reads could no longer name their writers).
 */
export function parseTxnHistoryText(text: string, file: string): TxnHistory {
  const history: TxnHistory = { txns: [], lines: [] };
  const appended = new Map<string, number>(); // key + NUL + elem -> line
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    if (history.txns.length === 0 && history.bank === undefined && line.includes('"bank"')) {
      const header = parseJsonObjectLine(line);
      if (header.ok && 'bank' in header.value) {
        const b = parseBank(header.value);
        if (!b.ok) throw new TxnHistoryError(file, lineNo, b.message);
        history.bank = b.value;
        continue;
      }
    }
    const r = parseTxnLine(line);
    if (!r.ok) throw new TxnHistoryError(file, lineNo, r.message);
    for (const op of r.value.ops) {
      if (op.op !== 'APPEND') continue;
      const id = `${op.key}\0${op.elem}`;
      const first = appended.get(id);
      if (first !== undefined) throw new TxnHistoryError(file, lineNo, `element ${op.elem} is appended to ${op.key} again (first on line ${first}); elements must be unique per key`);
      appended.set(id, lineNo);
    }
    history.txns.push(r.value);
    history.lines.push(lineNo);
  }
  return history;
}

export function readTxnHistoryFile(file: string): TxnHistory {
  return parseTxnHistoryText(fs.readFileSync(file, 'utf8'), file);
}

/** One history line, fields in the documented order. */
export function formatTxnLine(t: TxnRecord): string {
  const rec: { [k: string]: unknown } = { client: t.client, call: t.call, ret: t.ret, outcome: t.outcome };
  if (t.reason !== undefined) rec['reason'] = t.reason;
  rec['ops'] = t.ops;
  return JSON.stringify(rec);
}

export function formatBankLine(spec: BankSpec): string {
  return JSON.stringify({ bank: spec });
}

/** A history built in code (tests, generators): lines numbered as the file would number them. */
export function txnHistory(txns: TxnRecord[], bank?: BankSpec): TxnHistory {
  const first = bank === undefined ? 1 : 2;
  const h: TxnHistory = { txns, lines: txns.map((_, i) => i + first) };
  if (bank !== undefined) h.bank = bank;
  return h;
}
