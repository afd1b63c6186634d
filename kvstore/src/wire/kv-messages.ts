/**
 * The key-value request body and its validation. Everything arriving from the
 * network is `unknown` until one of these parsers says otherwise.
 *
 * Request body (inside the envelope's `body`):
 *   { type: 'kv', cmd: <command>, session?: { client, seq, ack }, page?: { maxPairs, maxBytes } }
 *   command: { op: 'put' | 'swap', key, value } | { op: 'get' | 'delete', key } | { op: 'scan', start, end }
 *   keys and values: 1 to 64 KiB of ASCII 0x21..0x7f; `session` only on mutations.
 * Result (the envelope's `value`):
 *   put, delete: { op, found: boolean }    swap: { op, old: string | null }    get: { op, value: string | null }
 *   scan:        { op: 'scan', pairs: [key, value][], next?: key }
 *
 * SCAN paging: `page` (scan only) asks for one page, at most `maxPairs` pairs and
 * `maxBytes` of keys plus values (positive integers; the server may cap both lower).
 * The answer holds the range's first pairs in key order and, if the range goes on,
 * `next`: the key to ask from next, inclusive (so `scan next..end` continues it).
 * A scan without `page` (the first version of this format) is answered whole when
 * it fits in one page of the server's own size, and refused (bad_request) otherwise.
 */
import { type KvCommand, type KvResult, type PageLimits, type ScanPage, compareKeys, isValidToken } from '../kv/command';
import { isRecord } from './envelope';

/**
 * Identifies a client's mutation so a retry is answered from the saved result
 * instead of being applied twice. `ack`: every seq below it has been answered
 * and will not be retried, so the server may forget those results.
 */
export interface SessionTag {
  client: string;
  seq: number;
  ack: number;
}

export interface KvRequest {
  type: 'kv';
  cmd: KvCommand;
  session?: SessionTag;
  /** SCAN only: answer one page of at most these sizes. */
  page?: PageLimits;
}

/**
 * What a stage 1–3 server answers a transaction (stage 4's `{ type: 'txn' }`), so a client
 * pointed at the wrong cluster hears why instead of retrying.
 */
export const TXN_UNSUPPORTED = 'this server does not run transactions (TXN, INCR, APPEND need a stage-4 cluster)';

export function parseKvRequest(body: unknown): KvRequest | string {
  if (isRecord(body) && body.type === 'txn') return TXN_UNSUPPORTED;
  if (!isRecord(body) || body.type !== 'kv') return 'not a kv request';
  const cmd = parseKvCommand(body.cmd);
  if (typeof cmd === 'string') return cmd;
  const request: KvRequest = { type: 'kv', cmd };
  if (body.session !== undefined && body.session !== null) {
    const s = body.session;
    if (!isRecord(s) || typeof s.client !== 'string' || s.client.length === 0 || s.client.length > 128) return 'bad session tag';
    if (!Number.isSafeInteger(s.seq) || !Number.isSafeInteger(s.ack) || (s.ack as number) > (s.seq as number) + 1) return 'bad session sequence';
    request.session = { client: s.client, seq: s.seq as number, ack: s.ack as number };
  }
  if (body.page !== undefined && body.page !== null) {
    const p = body.page;
    if (cmd.op !== 'scan') return 'page applies to scan only';
    if (!isRecord(p) || !isPositiveInteger(p.maxPairs) || !isPositiveInteger(p.maxBytes)) return 'page needs positive integers maxPairs and maxBytes';
    request.page = { maxPairs: p.maxPairs, maxBytes: p.maxBytes };
  }
  return request;
}

function isPositiveInteger(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) > 0;
}

export function parseKvCommand(v: unknown): KvCommand | string {
  if (!isRecord(v)) return 'command is not an object';
  const tok = (name: string): string | undefined => {
    const t = v[name];
    return typeof t === 'string' && isValidToken(t) ? t : undefined;
  };
  switch (v.op) {
    case 'put':
    case 'swap': {
      const key = tok('key');
      const value = tok('value');
      if (key === undefined || value === undefined) return `${v.op} needs a key and a value (1 to 65536 characters of ASCII 0x21..0x7f)`;
      return { op: v.op, key, value };
    }
    case 'get':
    case 'delete': {
      const key = tok('key');
      if (key === undefined) return `${v.op} needs a key (1 to 65536 characters of ASCII 0x21..0x7f)`;
      return { op: v.op, key };
    }
    case 'scan': {
      const start = tok('start');
      const end = tok('end');
      if (start === undefined || end === undefined) return 'scan needs start and end keys (1 to 65536 characters of ASCII 0x21..0x7f)';
      return { op: 'scan', start, end };
    }
    default:
      return `unknown op ${JSON.stringify(v.op)}`;
  }
}

/** Checks a result received from a server against the command it answers. */
export function parseKvResult(cmd: KvCommand, v: unknown): KvResult | string {
  if (!isRecord(v) || v.op !== cmd.op) return `reply does not answer ${cmd.op}`;
  const strOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string';
  switch (cmd.op) {
    case 'put':
    case 'delete':
      return typeof v.found === 'boolean' ? { op: cmd.op, found: v.found } : 'reply lacks found';
    case 'swap':
      return strOrNull(v.old) ? { op: 'swap', old: v.old } : 'reply lacks old';
    case 'get':
      return strOrNull(v.value) ? { op: 'get', value: v.value } : 'reply lacks value';
    case 'scan': {
      if (!Array.isArray(v.pairs)) return 'reply lacks pairs';
      for (const p of v.pairs) {
        if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') return 'bad scan pair';
      }
      return { op: 'scan', pairs: v.pairs as [string, string][] };
    }
  }
}

/**
 * Checks a SCAN page received from a server against the range it was asked for: pairs
 * valid, strictly increasing and within start..end; `next` after them and within the range.
 * So a client following `next` always moves forward and never leaves its range.
 */
export function parseScanPage(v: unknown, start: string, end: string): ScanPage | string {
  if (!isRecord(v) || v.op !== 'scan' || !Array.isArray(v.pairs)) return 'reply is not a scan page';
  let prev: string | undefined;
  for (const p of v.pairs) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') return 'bad scan pair';
    const key = p[0];
    if (compareKeys(key, start) < 0 || compareKeys(key, end) > 0) return `key ${JSON.stringify(key.slice(0, 40))} is outside the range asked for`;
    if (prev !== undefined && compareKeys(prev, key) >= 0) return 'pairs are not in increasing key order';
    prev = key;
  }
  const pairs = v.pairs as [string, string][];
  if (v.next === undefined || v.next === null) return { pairs };
  const next = v.next;
  if (typeof next !== 'string' || !isValidToken(next)) return 'bad next key';
  if (compareKeys(next, start) <= 0 || compareKeys(next, end) > 0 || (prev !== undefined && compareKeys(next, prev) <= 0)) return 'next key does not move forward within the range';
  return { pairs, next };
}
