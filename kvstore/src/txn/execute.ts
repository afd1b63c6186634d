/**
 * Runs a one-shot transaction's operations, in order, over the values it read (M1 OCC
 * execution): later operations see the transaction's own earlier writes. Returns the answers
 * and the final value of every written key (null deletes), or 'not_integer' for an INCR of
 * a value that is not an integer.
 */
import type { KeyWrite, TxnOp, TxnOpResult } from './types';

/** Keys whose stored value the transaction observes: every key whose first operation is not a blind PUT. */
export function keysToRead(ops: readonly TxnOp[]): string[] {
  const seen = new Set<string>();
  const read: string[] = [];
  for (const op of ops) {
    if (seen.has(op.key)) continue;
    seen.add(op.key);
    if (op.op !== 'put') read.push(op.key);
  }
  return read;
}

/** Keys some operation writes (a DELETE of an absent key still writes its absence). */
export function keysWritten(ops: readonly TxnOp[]): string[] {
  return [...new Set(ops.filter((o) => o.op !== 'get').map((o) => o.key))];
}

export interface Execution {
  results: TxnOpResult[];
  writes: KeyWrite[];
}

export function executeOps(ops: readonly TxnOp[], stored: (key: string) => string | null): Execution | 'not_integer' {
  const local = new Map<string, string | null>();
  const current = (key: string): string | null => (local.has(key) ? local.get(key)! : stored(key));
  const results: TxnOpResult[] = [];
  for (const op of ops) {
    switch (op.op) {
      case 'get':
        results.push({ op: 'get', key: op.key, value: current(op.key) });
        break;
      case 'put':
        local.set(op.key, op.value);
        results.push({ op: 'put', key: op.key });
        break;
      case 'swap':
        results.push({ op: 'swap', key: op.key, old: current(op.key) });
        local.set(op.key, op.value);
        break;
      case 'delete':
        results.push({ op: 'delete', key: op.key, existed: current(op.key) !== null });
        local.set(op.key, null);
        break;
      case 'incr': {
        const cur = current(op.key);
        const base = cur === null ? 0 : /^-?\d+$/.test(cur) ? Number(cur) : Number.NaN;
        if (!Number.isSafeInteger(base)) return 'not_integer';
        const value = base + op.delta;
        local.set(op.key, String(value));
        results.push({ op: 'incr', key: op.key, value });
        break;
      }
      case 'append': {
        const cur = current(op.key);
        local.set(op.key, cur === null || cur === '' ? op.elem : `${cur},${op.elem}`);
        results.push({ op: 'append', key: op.key });
        break;
      }
    }
  }
  return { results, writes: [...local].map(([key, value]) => ({ key, value })) };
}
