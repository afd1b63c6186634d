/** Short builders for transactional histories in tests: `txn(client, call, ret, append('x', '1'), read('x', '1,2'))`. */
import type { TxnHistoryOp, TxnOutcome, TxnRecord } from '../check/txn/txn-history';

export const append = (key: string, elem: string): TxnHistoryOp => ({ op: 'APPEND', key, elem });
/** A GET and what it read: the list's elements joined by commas, or null for a missing key. */
export const read = (key: string, result: string | null): TxnHistoryOp => ({ op: 'GET', key, result });
export const incr = (key: string, delta: number): TxnHistoryOp => ({ op: 'INCR', key, delta });

export function txn(client: number, call: number, ret: number | null, ...ops: TxnHistoryOp[]): TxnRecord {
  return { client, call, ret, outcome: 'committed', ops };
}

/** The same transaction with another outcome; reads of a transaction that did not commit carry no result. */
export function withOutcome(t: TxnRecord, outcome: TxnOutcome, reason?: string): TxnRecord {
  const ops = outcome === 'committed' ? t.ops : t.ops.map((op): TxnHistoryOp => (op.op === 'GET' ? { op: 'GET', key: op.key } : op));
  const r: TxnRecord = { ...t, outcome, ops };
  if (reason !== undefined) r.reason = reason;
  return r;
}
