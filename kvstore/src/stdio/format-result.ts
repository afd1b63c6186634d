/**
 * Formatting a command's result as the stdout protocol's answer lines.
 * A SCAN answer spans several lines; it is returned as one string so it is
 * written in one piece and never half-printed.
 */
import type { KvCommand, KvResult } from '../kv/command';

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
      let out = `SCAN ${c.start} ${c.end} BEGIN\n`;
      for (const [k, v] of result.pairs) out += `  ${k} ${v}\n`;
      return out + 'SCAN END\n';
    }
  }
}

export function formatError(reason: string): string {
  return `ERROR ${reason.replace(/[\r\n]+/g, ' ')}\n`;
}

function keyOf(cmd: KvCommand): string {
  return cmd.op === 'scan' ? cmd.start : cmd.key;
}
