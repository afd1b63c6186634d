/**
 * Asking one node about itself, for tools (the local cluster's `p3::status`, `p3::leader`,
 * `p3::transfer`), tests and the runner. Each call opens its own connection and closes it.
 *
 *   const s = await queryStatus('127.0.0.1:3666', 1000);   // NodeStatus, or it rejects
 *   await transferLeader('127.0.0.1:3666', 2, 5000);       // on the leader: replica 2 leads
 */
import { KvRequestError } from '../client/errors';
import { parseAddress } from '../wire/address';
import { RpcConnection } from '../wire/rpc-connection';
import type { AdminRequest, NodeStatus } from './node-status';
import { parseNodeStatus } from './node-status';

/** A node answered, but not with what the request asks for (a node of another kind or version). */
export class BadStatusReplyError extends Error {
  override name = 'BadStatusReplyError';
}

async function ask(address: string, request: AdminRequest, timeoutMs: number): Promise<unknown> {
  const started = Date.now();
  const conn = await RpcConnection.connect(parseAddress(address), timeoutMs);
  try {
    const reply = await conn.call(request, Math.max(1, timeoutMs - (Date.now() - started)));
    if (!reply.ok) throw new KvRequestError(reply.error);
    return reply.value;
  } finally {
    conn.close();
  }
}

/**
 * The status of the node at `address` (`host:port` of its client port). Rejects with
 * ConnectionLostError if it cannot be reached, CallTimeoutError if it does not answer within
 * `timeoutMs` (a paused process), AddressError for a malformed address, KvRequestError if it
 * refuses, and BadStatusReplyError if the answer is not a status.
 */
export async function queryStatus(address: string, timeoutMs: number): Promise<NodeStatus> {
  const value = await ask(address, { type: 'status' }, timeoutMs);
  const status = parseNodeStatus(value);
  if (typeof status === 'string') throw new BadStatusReplyError(`${address}: ${status}`);
  return status;
}

/**
 * Asks the leader at `address` to hand leadership to replica `to` of its group; resolves
 * once `to` leads. A node that is not the leader rejects with KvRequestError of code
 * `not_leader` whose `wire.hint` is the leader's replica id (if it knows one); a transfer
 * that did not complete in the node's time rejects with code `unavailable`.
 */
export async function transferLeader(address: string, to: number, timeoutMs: number): Promise<void> {
  await ask(address, { type: 'transfer_leader', to }, timeoutMs);
}
