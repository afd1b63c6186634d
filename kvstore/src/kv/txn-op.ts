/**
 * One-shot transactions as every layer speaks them (stage 4): the stdin protocol parses a
 * `TXN <n>` block into a list of operations, the wire carries them to a coordinator, and
 * the shards apply them. Also the meaning of the two operations that only transactions
 * add, INCR and APPEND, so every implementation (the store, refcli, tests) agrees on it.
 *
 * Operations run in order; a later operation sees the transaction's own earlier writes.
 *
 *   get    key                 -> value or null
 *   put    key value           -> ok (a blind write: it reads nothing, so it adds no read to validate)
 *   swap   key value           -> old value or null
 *   delete key                 -> whether the key existed
 *   incr   key delta           -> the new value; a missing key counts as 0
 *   append key elem            -> ok; the value becomes `old,elem`, or `elem` for a missing key
 *
 * Integers are decimal text without leading zeros or a plus sign (`0`, `-7`, `42`) within
 * ±(2^53 − 1). INCR of a value that is not such an integer, or whose sum leaves that range,
 * aborts the transaction (`not_integer`, `out_of_range`); an APPEND whose result would pass
 * the token limit aborts it (`too_long`). Those aborts are final: retrying gives the same.
 */
import { MAX_TOKEN_LENGTH, isValidToken } from './command';

export type TxnOp =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: string }
  | { op: 'swap'; key: string; value: string }
  | { op: 'delete'; key: string }
  | { op: 'incr'; key: string; delta: number }
  | { op: 'append'; key: string; elem: string };

export type TxnOpKind = TxnOp['op'];

/** The answer to one operation, naming its key. */
export type TxnOpResult =
  | { op: 'get'; key: string; value: string | null }
  | { op: 'put'; key: string }
  | { op: 'swap'; key: string; old: string | null }
  | { op: 'delete'; key: string; existed: boolean }
  | { op: 'incr'; key: string; value: number }
  | { op: 'append'; key: string };

/** Most operations one transaction may hold (a one-shot transaction is small by design). */
export const MAX_TXN_OPS = 64;

/** Abort reasons that retrying cannot cure: the transaction itself is at fault. */
export const FINAL_ABORT_REASONS: ReadonlySet<string> = new Set(['not_integer', 'out_of_range', 'too_long']);

const INTEGER = /^-?(0|[1-9][0-9]{0,15})$/;

/** The integer a value holds, or undefined if it is not one in the protocol's sense. */
export function parseInteger(text: string): number | undefined {
  if (!INTEGER.test(text) || text === '-0') return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The value INCR leaves: the new integer, or why the transaction aborts. */
export function incrementValue(old: string | null, delta: number): number | 'not_integer' | 'out_of_range' {
  const base = old === null ? 0 : parseInteger(old);
  if (base === undefined) return 'not_integer';
  const sum = base + delta;
  return Number.isSafeInteger(sum) ? sum : 'out_of_range';
}

/** The value APPEND leaves, or why the transaction aborts. */
export function appendValue(old: string | null, elem: string): string | 'too_long' {
  const next = old === null ? elem : `${old},${elem}`;
  return next.length > MAX_TOKEN_LENGTH ? 'too_long' : next;
}

/** An APPEND element: a token without commas (a comma would split it into two elements). */
export function isValidElement(s: string): boolean {
  return isValidToken(s) && !s.includes(',');
}

/** Whether running the operations can change the store (false: resending after a lost reply is harmless). */
export function isReadOnly(ops: readonly TxnOp[]): boolean {
  return ops.every((o) => o.op === 'get');
}
