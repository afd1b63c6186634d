/**
 * The transaction request a client sends to a coordinator (the leader of the shard of the
 * transaction's first key, stage 4) and the coordinator's answer. Everything arriving from
 * the network is `unknown` until one of these parsers says otherwise.
 *
 * Request body (inside the envelope's `body`):
 *   { type: 'txn', ops: op[] }              1 to 64 operations, run in order
 *   op: { op: 'get' | 'delete', key } | { op: 'put' | 'swap', key, value }
 *     | { op: 'incr', key, delta } | { op: 'append', key, elem }
 *   keys, values, elems: 1 to 64 KiB of ASCII 0x21..0x7f; elem without ','; delta a safe integer.
 * Result (the envelope's `value`):
 *   { outcome: 'committed', results: result[] }   one per op, same order, same op and key
 *   { outcome: 'aborted', reason }                 nothing of it took effect
 *   { outcome: 'unknown', reason }                 the coordinator lost track (e.g. its leadership)
 *                                                  after the commit point may have been passed
 *   result: { op: 'get', key, value: string | null } | { op: 'put' | 'append', key }
 *     | { op: 'swap', key, old: string | null } | { op: 'delete', key, existed: boolean }
 *     | { op: 'incr', key, value: safe integer }
 *   reason: 1 to 64 characters of [a-z0-9_] (e.g. lock_conflict, validation_failed).
 * Routing refusals use the envelope's errors as for single-key requests (not_leader with the
 * leader's replica id as hint, wrong_partition, unavailable): the transaction did not start.
 */
import { isValidToken } from '../kv/command';
import { MAX_TXN_OPS, type TxnOp, type TxnOpResult, isValidElement } from '../kv/txn-op';
import { isRecord } from './envelope';

export interface TxnRequest {
  type: 'txn';
  ops: TxnOp[];
}

export type TxnReply =
  | { outcome: 'committed'; results: TxnOpResult[] }
  | { outcome: 'aborted'; reason: string }
  | { outcome: 'unknown'; reason: string };

const REASON = /^[a-z0-9_]{1,64}$/;

export function isTxnRequestBody(body: unknown): boolean {
  return isRecord(body) && body.type === 'txn';
}

export function parseTxnRequest(body: unknown): TxnRequest | string {
  if (!isRecord(body) || body.type !== 'txn') return 'not a txn request';
  if (!Array.isArray(body.ops)) return 'txn needs an array ops';
  if (body.ops.length === 0 || body.ops.length > MAX_TXN_OPS) return `txn needs 1 to ${MAX_TXN_OPS} operations, got ${body.ops.length}`;
  const ops: TxnOp[] = [];
  for (let i = 0; i < body.ops.length; i++) {
    const op = parseTxnOp(body.ops[i]);
    if (typeof op === 'string') return `operation ${i + 1}: ${op}`;
    ops.push(op);
  }
  return { type: 'txn', ops };
}

export function parseTxnOp(v: unknown): TxnOp | string {
  if (!isRecord(v)) return 'operation is not an object';
  const key = typeof v.key === 'string' && isValidToken(v.key) ? v.key : undefined;
  if (key === undefined) return `${String(v.op).slice(0, 16)} needs a key (1 to 65536 characters of ASCII 0x21..0x7f)`;
  switch (v.op) {
    case 'get':
    case 'delete':
      return { op: v.op, key };
    case 'put':
    case 'swap':
      if (typeof v.value !== 'string' || !isValidToken(v.value)) return `${v.op} needs a value (1 to 65536 characters of ASCII 0x21..0x7f)`;
      return { op: v.op, key, value: v.value };
    case 'incr':
      if (!Number.isSafeInteger(v.delta)) return 'incr needs an integer delta within ±(2^53-1)';
      return { op: 'incr', key, delta: v.delta as number };
    case 'append':
      if (typeof v.elem !== 'string' || !isValidElement(v.elem)) return 'append needs an elem (ASCII 0x21..0x7f without commas)';
      return { op: 'append', key, elem: v.elem };
    default:
      return `unknown op ${JSON.stringify(v.op)?.slice(0, 32)}`;
  }
}

/** Checks a coordinator's answer against the operations it answers. */
export function parseTxnReply(v: unknown, ops: readonly TxnOp[]): TxnReply | string {
  if (!isRecord(v)) return 'reply is not an object';
  switch (v.outcome) {
    case 'aborted':
    case 'unknown':
      if (typeof v.reason !== 'string' || !REASON.test(v.reason)) return `${v.outcome} reply lacks a reason of [a-z0-9_]`;
      return { outcome: v.outcome, reason: v.reason };
    case 'committed': {
      if (!Array.isArray(v.results) || v.results.length !== ops.length) return `committed reply needs ${ops.length} results`;
      const results: TxnOpResult[] = [];
      for (let i = 0; i < ops.length; i++) {
        const r = parseTxnOpResult(v.results[i], ops[i]!);
        if (typeof r === 'string') return `result ${i + 1}: ${r}`;
        results.push(r);
      }
      return { outcome: 'committed', results };
    }
    default:
      return 'reply has no outcome';
  }
}

function parseTxnOpResult(v: unknown, op: TxnOp): TxnOpResult | string {
  if (!isRecord(v) || v.op !== op.op || v.key !== op.key) return `does not answer ${op.op} ${op.key.slice(0, 40)}`;
  const key = op.key;
  const strOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string';
  switch (op.op) {
    case 'get':
      return strOrNull(v.value) ? { op: 'get', key, value: v.value } : 'get lacks value';
    case 'put':
    case 'append':
      return { op: op.op, key };
    case 'swap':
      return strOrNull(v.old) ? { op: 'swap', key, old: v.old } : 'swap lacks old';
    case 'delete':
      return typeof v.existed === 'boolean' ? { op: 'delete', key, existed: v.existed } : 'delete lacks existed';
    case 'incr':
      return Number.isSafeInteger(v.value) ? { op: 'incr', key, value: v.value as number } : 'incr lacks an integer value';
  }
}

/** A reason for the wire from any text: lower-cased, other characters as '_', clipped. */
export function toReason(text: string): string {
  const r = text.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 64);
  return r.length > 0 ? r : 'unspecified';
}
