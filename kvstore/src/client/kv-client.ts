/**
 * The client library's one API, used by the stdin/stdout client, the testcases,
 * the runner and the benchmarks. Every stage's client implements `execute`;
 * the typed helpers come for free.
 */
import type { KvCommand, KvPair, KvResultOf } from '../kv/command';
import { parseKvResult } from '../wire/kv-messages';
import { KvRequestError } from './errors';

export interface KvClient {
  execute<C extends KvCommand>(cmd: C): Promise<KvResultOf<C>>;
  /** Sets key to value; true if the key existed. */
  put(key: string, value: string): Promise<boolean>;
  /** Sets key to value; returns the previous value or null. */
  swap(key: string, value: string): Promise<string | null>;
  get(key: string): Promise<string | null>;
  /** Removes key; true if it existed. */
  delete(key: string): Promise<boolean>;
  /** Pairs with start <= key <= end, sorted by key, all at once (`execute` of a SCAN does the same). */
  scan(start: string, end: string): Promise<KvPair[]>;
  /**
   * The same pairs as a stream of pages, in key order, fetched as the caller consumes them:
   * any range in bounded memory. Each page is read at one instant; see the README's SCAN
   * guarantee for what holds across pages.
   */
  scanPages(start: string, end: string): AsyncIterable<KvPair[]>;
  close(): void;
}

export abstract class KvClientBase implements KvClient {
  abstract execute<C extends KvCommand>(cmd: C): Promise<KvResultOf<C>>;
  abstract scanPages(start: string, end: string): AsyncIterable<KvPair[]>;
  abstract close(): void;

  async put(key: string, value: string): Promise<boolean> {
    return (await this.execute({ op: 'put', key, value })).found;
  }

  async swap(key: string, value: string): Promise<string | null> {
    return (await this.execute({ op: 'swap', key, value })).old;
  }

  async get(key: string): Promise<string | null> {
    return (await this.execute({ op: 'get', key })).value;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.execute({ op: 'delete', key })).found;
  }

  async scan(start: string, end: string): Promise<KvPair[]> {
    return (await this.execute({ op: 'scan', start, end })).pairs;
  }
}

/** Validates a server's answer against the command it answers. */
export function checkedResult<C extends KvCommand>(cmd: C, value: unknown): KvResultOf<C> {
  const result = parseKvResult(cmd, value);
  if (typeof result === 'string') throw new KvRequestError({ code: 'internal', message: `malformed reply: ${result}` });
  return result as KvResultOf<C>;
}
