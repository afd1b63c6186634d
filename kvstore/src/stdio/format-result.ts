/**
 * Formatting a command's result as the stdout protocol's answer lines. A SCAN
 * answer spans several lines: its first line, its pairs (formatted a page at a
 * time as pages arrive) and its last line.
 */
import type { KvCommand, KvPair, KvResult } from '../kv/command';

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
