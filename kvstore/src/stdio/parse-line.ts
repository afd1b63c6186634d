/**
 * Parsing one line of the client's stdin protocol into a command, or a reason
 * why it is not one. Pure: no I/O, so the client and tests share it.
 * A `TXN <n>` line only opens a block; command-reader.ts collects its n lines.
 */
import { type KvCommand, MAX_TOKEN_LENGTH } from '../kv/command';
import { type TxnOp, isValidElement } from '../kv/txn-op';

export type ParsedLine =
  | { kind: 'command'; command: KvCommand }
  /** INCR or APPEND: operations a transaction adds (outside a TXN block, a transaction of one). */
  | { kind: 'txnOp'; op: TxnOp }
  /** `TXN <n>`: the next n command lines form one transaction. */
  | { kind: 'txnBegin'; count: number }
  | { kind: 'stop' }
  | { kind: 'empty' }
  | { kind: 'error'; reason: string };

const ARITY: Record<string, number> = { PUT: 2, SWAP: 2, GET: 1, DELETE: 1, SCAN: 2, INCR: 2, APPEND: 2, TXN: 1, STOP: 0 };

const DELTA = /^[+-]?[0-9]+$/;

export function parseLine(rawLine: string): ParsedLine {
  // Tolerate CRLF input. Tabs separate tokens like spaces (the template's demo client splits on
  // whitespace); DEL is a token character (real YCSB's values contain it); other control characters are errors.
  const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  // One pass checks every character and cuts the tokens.
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      if (start >= 0) tokens.push(line.slice(start, i));
      start = -1;
      continue;
    }
    if (c < 0x20) return { kind: 'error', reason: `control character 0x${c.toString(16).padStart(2, '0')} at column ${i + 1}` };
    if (c > 0x7f) return { kind: 'error', reason: `non-ASCII character at column ${i + 1}` };
    if (start < 0) start = i;
  }
  if (start >= 0) tokens.push(line.slice(start));
  if (tokens.length === 0) return { kind: 'empty' };
  const [keyword, ...args] = tokens as [string, ...string[]];
  const arity = ARITY[keyword];
  if (arity === undefined) {
    const hint = ARITY[keyword.toUpperCase()] !== undefined ? ` (keywords are upper-case: ${keyword.toUpperCase()})` : '';
    return { kind: 'error', reason: `unknown command '${clip(keyword)}'${hint}` };
  }
  if (args.length !== arity) {
    return { kind: 'error', reason: `${keyword} takes ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}` };
  }
  for (const arg of args) {
    if (arg.length > MAX_TOKEN_LENGTH) return { kind: 'error', reason: `token longer than ${MAX_TOKEN_LENGTH} bytes` };
  }
  switch (keyword) {
    case 'PUT':
      return { kind: 'command', command: { op: 'put', key: args[0]!, value: args[1]! } };
    case 'SWAP':
      return { kind: 'command', command: { op: 'swap', key: args[0]!, value: args[1]! } };
    case 'GET':
      return { kind: 'command', command: { op: 'get', key: args[0]! } };
    case 'DELETE':
      return { kind: 'command', command: { op: 'delete', key: args[0]! } };
    case 'SCAN':
      return { kind: 'command', command: { op: 'scan', start: args[0]!, end: args[1]! } };
    case 'INCR': {
      const delta = DELTA.test(args[1]!) ? Number(args[1]) : NaN;
      if (!Number.isSafeInteger(delta)) return { kind: 'error', reason: `INCR needs an integer delta within ±(2^53-1), got '${clip(args[1]!)}'` };
      return { kind: 'txnOp', op: { op: 'incr', key: args[0]!, delta: delta === 0 ? 0 : delta } };
    }
    case 'APPEND':
      if (!isValidElement(args[1]!)) return { kind: 'error', reason: 'APPEND element may not contain a comma (the list separator)' };
      return { kind: 'txnOp', op: { op: 'append', key: args[0]!, elem: args[1]! } };
    case 'TXN': {
      if (!/^[0-9]{1,9}$/.test(args[0]!)) return { kind: 'error', reason: `TXN needs the number of its operation lines, got '${clip(args[0]!)}'` };
      return { kind: 'txnBegin', count: Number(args[0]) };
    }
    default:
      return { kind: 'stop' };
  }
}

function clip(s: string): string {
  return s.length > 32 ? `${s.slice(0, 32)}…` : s;
}
