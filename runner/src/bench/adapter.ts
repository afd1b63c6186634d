/**
 * The template's translation of YCSB operations into client commands (bencher/ycsb.rs):
 * INSERT -> PUT, UPDATE -> SWAP, READ -> GET, SCAN -> SCAN from the start key to the
 * count-th inserted key at or after it (the last inserted key if fewer), read-modify-write ->
 * GET then SWAP. Keys are `<table>_<key>`; a value is the printed field list's tokens after
 * `[`, each prefixed with `_`.
 */
import BTree from 'sorted-btree';
import type { KvCall } from '../clients/protocol';
import { TABLE, type YcsbOp } from './workload';

export type KeySet = BTree<string, true>;

export function newKeySet(): KeySet {
  return new BTree<string, true>();
}

export function kvKey(table: string, key: string): string {
  return `${table}_${key}`;
}

/** What YCSB's basic binding prints between `[ ` and the end of the line for these fields. */
export function printedFields(fields: ReadonlyArray<[string, string]>): string {
  let s = '';
  for (const [f, v] of fields) s += `${f}=${v} `;
  return `${s}]`;
}

/**
 * The value the template's adapter sends: each whitespace-separated token after `[`,
 * prefixed with `_`. YCSB's random bytes include DEL (0x7f); like the template, it is sent
 * unchanged (clients accept it in values).
 */
export function kvValue(printed: string): string {
  // The same as joining '_' + token for every token of printed.split(' '), without the split:
  // every run of spaces between tokens becomes the next token's '_'.
  if (!/[^ ]/.test(printed)) return '';
  let out = printed.replace(/ +/g, '_');
  if (printed.charCodeAt(0) !== 0x20) out = `_${out}`;
  if (printed.charCodeAt(printed.length - 1) === 0x20) out = out.slice(0, -1);
  return out;
}

/** The end key of a SCAN of `count` records from `start`, over the keys inserted so far. */
export function scanEndKey(inserted: KeySet, start: string, count: number): string {
  if (inserted.size === 0) return 'zzzzzzzz';
  let i = 0;
  for (const k of inserted.keys(start)) {
    if (++i >= count) return k;
  }
  return inserted.maxKey()!;
}

/** The client commands for one YCSB operation; INSERTs are added to `inserted`. */
export function toCalls(op: YcsbOp, inserted: KeySet, table = TABLE): KvCall[] {
  const key = kvKey(table, op.key);
  switch (op.op) {
    case 'INSERT':
      inserted.set(key, true);
      return [{ op: 'PUT', key, value: kvValue(printedFields(op.fields)) }];
    case 'UPDATE':
      return [{ op: 'SWAP', key, value: kvValue(printedFields(op.fields)) }];
    case 'READ':
      return [{ op: 'GET', key }];
    case 'SCAN':
      return [{ op: 'SCAN', start: key, end: scanEndKey(inserted, key, op.count) }];
    case 'READ-MODIFY-WRITE':
      return [
        { op: 'GET', key },
        { op: 'SWAP', key, value: kvValue(printedFields(op.fields)) },
      ];
  }
}

/** One line printed by real YCSB's `basic` binding, as an operation (undefined if it is not one). */
export function parseBasicDbLine(line: string): { op: YcsbOp; table: string; printed?: string } | undefined {
  const t = line.trim().split(/\s+/);
  const [verb, table, key] = t;
  if (table === undefined || key === undefined) return undefined;
  const bracket = line.indexOf('[');
  const printed = bracket >= 0 ? line.slice(bracket + 1) : '';
  switch (verb) {
    case 'INSERT':
      return { op: { op: 'INSERT', key, fields: [] }, table, printed };
    case 'UPDATE':
      return { op: { op: 'UPDATE', key, fields: [] }, table, printed };
    case 'READ':
      return { op: { op: 'READ', key }, table };
    case 'SCAN': {
      const count = Number(t[3]);
      if (!Number.isInteger(count) || count < 1) return undefined;
      return { op: { op: 'SCAN', key, count }, table };
    }
    default:
      return undefined;
  }
}

/** Client commands for a line of real YCSB output (values taken from the printed text). */
export function basicDbLineToCalls(line: string, inserted: KeySet): { ycsbOp: YcsbOp['op']; calls: KvCall[] } | undefined {
  const parsed = parseBasicDbLine(line);
  if (parsed === undefined) return undefined;
  const key = kvKey(parsed.table, parsed.op.key);
  const op = parsed.op;
  if (op.op === 'INSERT' || op.op === 'UPDATE') {
    const value = kvValue(parsed.printed ?? '');
    if (op.op === 'INSERT') inserted.set(key, true);
    return { ycsbOp: op.op, calls: [op.op === 'INSERT' ? { op: 'PUT', key, value } : { op: 'SWAP', key, value }] };
  }
  return { ycsbOp: op.op, calls: toCalls(op, inserted, parsed.table) };
}
