/**
 * Stage 4 serves the single-key commands as transactions of one operation (the
 * single-shard fast path), so they take part in the same concurrency control, versions and
 * epochs as every transaction. PUT runs as a SWAP so its answer can say whether the key
 * existed (`PUT k found|not_found`); GET, SWAP and DELETE map one to one. SCAN is not a
 * transaction: the shard answers it from its certified versions.
 */
import type { KvCommand, KvResult } from '../kv/command';
import type { TxnOp } from '../kv/txn-op';
import type { TxnReply } from '../wire/txn-messages';

export type SingleKeyCommand = Exclude<KvCommand, { op: 'scan' }>;

export function kvCommandAsTxnOp(cmd: SingleKeyCommand): TxnOp {
  return cmd.op === 'put' ? { op: 'swap', key: cmd.key, value: cmd.value } : cmd;
}

/**
 * The single-key answer a committed one-operation transaction gives; for an abort or an
 * unknown outcome, the reason (the server answers `unavailable` so the client retries, or
 * reports it).
 */
export function txnReplyAsKvResult(cmd: SingleKeyCommand, reply: TxnReply): KvResult | { failed: 'aborted' | 'unknown'; reason: string } {
  if (reply.outcome !== 'committed') return { failed: reply.outcome, reason: reply.reason };
  const r = reply.results[0];
  if (r === undefined || r.key !== cmd.key) throw new Error(`a one-operation transaction on ${cmd.key} was answered ${JSON.stringify(r)}`);
  switch (cmd.op) {
    case 'put':
      if (r.op !== 'swap') break;
      return { op: 'put', found: r.old !== null };
    case 'swap':
      if (r.op !== 'swap') break;
      return { op: 'swap', old: r.old };
    case 'get':
      if (r.op !== 'get') break;
      return { op: 'get', value: r.value };
    case 'delete':
      if (r.op !== 'delete') break;
      return { op: 'delete', found: r.existed };
  }
  throw new Error(`${cmd.op} ${cmd.key} was answered with a ${r.op} result`);
}
