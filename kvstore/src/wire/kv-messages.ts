/**
 * The key-value request body and its validation. Everything arriving from the
 * network is `unknown` until one of these parsers says otherwise.
 */
import { type KvCommand, type KvResult, isValidToken } from '../kv/command';
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
}

export function parseKvRequest(body: unknown): KvRequest | string {
  if (!isRecord(body) || body.type !== 'kv') return 'not a kv request';
  const cmd = parseKvCommand(body.cmd);
  if (typeof cmd === 'string') return cmd;
  if (body.session === undefined || body.session === null) return { type: 'kv', cmd };
  const s = body.session;
  if (!isRecord(s) || typeof s.client !== 'string' || s.client.length === 0 || s.client.length > 128) return 'bad session tag';
  if (!Number.isSafeInteger(s.seq) || !Number.isSafeInteger(s.ack) || (s.ack as number) > (s.seq as number) + 1) return 'bad session sequence';
  return { type: 'kv', cmd, session: { client: s.client, seq: s.seq as number, ack: s.ack as number } };
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
      if (key === undefined || value === undefined) return `${v.op} needs a printable key and value`;
      return { op: v.op, key, value };
    }
    case 'get':
    case 'delete': {
      const key = tok('key');
      if (key === undefined) return `${v.op} needs a printable key`;
      return { op: v.op, key };
    }
    case 'scan': {
      const start = tok('start');
      const end = tok('end');
      if (start === undefined || end === undefined) return 'scan needs printable start and end keys';
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
