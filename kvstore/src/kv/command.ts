/**
 * The key-value commands and results every layer speaks: the stdin/stdout
 * protocol parses into them, the wire carries them, the state machine applies them.
 */

export type KvCommand =
  | { op: 'put'; key: string; value: string }
  | { op: 'swap'; key: string; value: string }
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'scan'; start: string; end: string };

export type KvOp = KvCommand['op'];

export type KvPair = [key: string, value: string];

export type KvResult =
  | { op: 'put'; found: boolean }
  | { op: 'swap'; old: string | null }
  | { op: 'get'; value: string | null }
  | { op: 'delete'; found: boolean }
  | { op: 'scan'; pairs: KvPair[] };

/**
 * One page of a SCAN's answer: pairs in key order, and `next`, the key the following page
 * starts at (inclusive), absent once the range is complete.
 */
export interface ScanPage {
  pairs: KvPair[];
  next?: string;
}

/** How large a page may be: at most `maxPairs` pairs, and keys plus values within `maxBytes` (but never less than one pair). */
export interface PageLimits {
  maxPairs: number;
  maxBytes: number;
}

/** Result type matching a command type, so callers keep precise types. */
export type KvResultOf<C extends KvCommand> = Extract<KvResult, { op: C['op'] }>;

export function isMutation(cmd: KvCommand): boolean {
  return cmd.op === 'put' || cmd.op === 'swap' || cmd.op === 'delete';
}

/** The key a single-key command touches (undefined for SCAN). */
export function commandKey(cmd: KvCommand): string | undefined {
  return cmd.op === 'scan' ? undefined : cmd.key;
}

/** Longest key or value the protocol accepts, in bytes (ASCII: one byte a character). */
export const MAX_TOKEN_LENGTH = 64 * 1024;

/**
 * Printable, non-space ASCII, and DEL (0x7f): what YCSB and the fuzzer send as keys and
 * values (YCSB 0.17's random field bytes run from space to DEL; spaces separate tokens).
 */
export function isValidToken(s: string): boolean {
  if (s.length === 0 || s.length > MAX_TOKEN_LENGTH) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7f) return false;
  }
  return true;
}

/** Byte-order comparison; for ASCII it equals UTF-16 code-unit order. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
