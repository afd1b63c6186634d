/**
 * Formatting a command's result as the stdout protocol's answer lines. A SCAN
 * answer spans several lines: its first line, its pairs (formatted a page at a
 * time as pages arrive) and its last line. A transaction's answer is
 * `TXN COMMITTED`, one line per operation, `TXN END`; or one `TXN ABORTED <reason>`
 * or `TXN UNKNOWN <reason>` line.
 */
import type { KvCommand, KvPair, KvResult } from '../kv/command';
import type { TxnOp, TxnOpResult } from '../kv/txn-op';
import type { TxnResult } from '../client/txn-retry';

export function formatResult(cmd: KvCommand, result: KvResult): string {
  if (cmd.op !== result.op) throw new Error(`result ${result.op} does not answer ${cmd.op}`);
  switch (result.op) {
    case 'put':
      return `PUT ${keyOf(cmd)} ${result.found ? 'found' : 'not_found'}\n`;
    case 'swap':
      return `SWAP ${keyOf(cmd)} ${result.old ?? 'null'}\n`;
    case 'get':
      return `GET ${keyOf(cmd)} ${result.value ?? 'null'}\n`;
    case 'delete':
      return `DELETE ${keyOf(cmd)} ${result.found ? 'found' : 'not_found'}\n`;
    case 'scan': {
      const c = cmd as Extract<KvCommand, { op: 'scan' }>;
      return formatScanBegin(c.start, c.end) + formatScanPairs(result.pairs) + SCAN_END;
    }
  }
}

export function formatScanBegin(start: string, end: string): string {
  return `SCAN ${start} ${end} BEGIN\n`;
}

export function formatScanPairs(pairs: readonly KvPair[]): string {
  let out = '';
  for (const [k, v] of pairs) out += `  ${k} ${v}\n`;
  return out;
}

export const SCAN_END = 'SCAN END\n';

export function formatError(reason: string): string {
  return `ERROR ${reason.replace(/[\r\n]+/g, ' ')}\n`;
}

function keyOf(cmd: KvCommand): string {
  return cmd.op === 'scan' ? cmd.start : cmd.key;
}

/** One operation's line inside a transaction's answer (PUT and APPEND answer `ok`). */
export function formatTxnOpResult(r: TxnOpResult): string {
  switch (r.op) {
    case 'get':
      return `GET ${r.key} ${r.value ?? 'null'}\n`;
    case 'put':
      return `PUT ${r.key} ok\n`;
    case 'swap':
      return `SWAP ${r.key} ${r.old ?? 'null'}\n`;
    case 'delete':
      return `DELETE ${r.key} ${r.existed ? 'found' : 'not_found'}\n`;
    case 'incr':
      return `INCR ${r.key} ${r.value}\n`;
    case 'append':
      return `APPEND ${r.key} ok\n`;
  }
}

export function formatTxnResult(result: TxnResult): string {
  switch (result.outcome) {
    case 'committed':
      return `TXN COMMITTED\n${result.results.map(formatTxnOpResult).join('')}TXN END\n`;
    case 'aborted':
      return `TXN ABORTED ${result.reason}\n`;
    case 'unknown':
      return `TXN UNKNOWN ${result.reason}\n`;
  }
}

/** INCR or APPEND outside a TXN block: answered like a single command, or an ERROR line. */
export function formatSingleOpResult(op: TxnOp, result: TxnResult): string {
  const what = `${op.op.toUpperCase()} ${op.key}`;
  switch (result.outcome) {
    case 'committed':
      return formatTxnOpResult(result.results[0]!);
    case 'aborted':
      return formatError(`${what} aborted: ${result.reason}${result.tries > 1 ? ` (after ${result.tries} tries)` : ''}`);
    case 'unknown':
      return formatError(`${what} outcome unknown (${result.reason}): it may have been applied`);
  }
}
