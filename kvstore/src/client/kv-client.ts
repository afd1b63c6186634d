/**
 * The client library's one API, used by the stdin/stdout client, the testcases,
 * the runner and the benchmarks. Every stage's client implements `execute`;
 * the typed helpers come for free.
 */
import type { KvCommand, KvPair, KvResultOf } from '../kv/command';
import { type TxnOp, isReadOnly } from '../kv/txn-op';
import { parseKvResult } from '../wire/kv-messages';
import { type TxnReply, type TxnRequest, parseTxnReply, parseTxnRequest } from '../wire/txn-messages';
import { KvRequestError, OutcomeUnknownError } from './errors';
import { DEFAULT_TXN_RETRY, type TxnResult, type TxnRetryPolicy, runWithRetries } from './txn-retry';

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
  /**
   * Runs a one-shot transaction (stage 4): the operations in order, all or nothing. An
   * aborted run is rerun with backoff, up to the policy's `txn.maxTries` runs. `unknown`:
   * the connection broke after a transaction that writes was sent, so it may have committed
   * and is not rerun. A stage 1–3 server refuses it (KvRequestError, bad_request); invalid
   * operations are refused before anything is sent (KvRequestError, bad_request).
   */
  txn(ops: readonly TxnOp[]): Promise<TxnResult>;
  close(): void;
}

export abstract class KvClientBase implements KvClient {
  abstract execute<C extends KvCommand>(cmd: C): Promise<KvResultOf<C>>;
  abstract scanPages(start: string, end: string): AsyncIterable<KvPair[]>;
  abstract close(): void;
  /** Sends a transaction to its coordinator (`resendAfterLoss`: see RetryHooks) and returns the reply's value. */
  protected abstract callTxn(request: TxnRequest, resendAfterLoss: boolean): Promise<unknown>;
  protected abstract readonly txnRetryPolicy: TxnRetryPolicy | undefined;

  async txn(ops: readonly TxnOp[]): Promise<TxnResult> {
    const request = parseTxnRequest({ type: 'txn', ops });
    if (typeof request === 'string') throw new KvRequestError({ code: 'bad_request', message: request });
    // Only a read-only transaction may be sent again after a lost reply: it changes nothing.
    const resend = isReadOnly(request.ops);
    const attempt = async (): Promise<TxnReply> => {
      let value: unknown;
      try {
        value = await this.callTxn(request, resend);
      } catch (err) {
        if (err instanceof OutcomeUnknownError) return { outcome: 'unknown', reason: err.reason };
        throw err;
      }
      const reply = parseTxnReply(value, request.ops);
      if (typeof reply === 'string') throw new KvRequestError({ code: 'internal', message: `malformed transaction reply: ${reply}` });
      return reply;
    };
    return runWithRetries(attempt, this.txnRetryPolicy ?? DEFAULT_TXN_RETRY);
  }

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
