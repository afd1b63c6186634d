/**
 * Asking a stage-3 node how it is (the `status` RPC every manager and server replica answers
 * on its client port, leader or not, ready or not) and asking a leader to hand over
 * (`transfer_leader`). The messages, as P3-PLAN.md fixes them:
 *
 *   {type: 'status'} -> {node: 'm.0' | 's1.2', role: 'leader' | 'follower' | 'candidate' |
 *                        'precandidate', term, leader: <replica id, -1 if unknown>, commit,
 *                        applied, lastIndex, snapshotIndex, logBytes, snapshotBytes}
 *   {type: 'transfer_leader', to: <replica id>} -> ok once `to` leads; on a follower
 *                        `not_leader` with the leader's replica id as hint
 *
 * The only place the runner speaks these messages.
 */
import { type Address } from '../../../kvstore/src/wire/address';
import { isRecord } from '../../../kvstore/src/wire/envelope';
import { RpcConnection } from '../../../kvstore/src/wire/rpc-connection';

export const ROLES = ['leader', 'follower', 'candidate', 'precandidate'] as const;
export type Role = (typeof ROLES)[number];

export interface NodeStatus {
  node: string;
  role: Role;
  term: number;
  /** The leader's replica id as this node knows it, -1 if none. */
  leader: number;
  commit: number;
  applied: number;
  lastIndex: number;
  snapshotIndex: number;
  logBytes: number;
  snapshotBytes: number;
}

const COUNTS = ['term', 'commit', 'applied', 'lastIndex', 'snapshotIndex', 'logBytes', 'snapshotBytes'] as const;

/** The status, or what is wrong with the answer. */
export function parseNodeStatus(v: unknown): NodeStatus | string {
  if (!isRecord(v)) return 'a status is a record';
  if (typeof v.node !== 'string' || !/^\S{1,64}$/.test(v.node)) return 'status.node must be a node id';
  if (!(ROLES as readonly unknown[]).includes(v.role)) return `status.role must be one of ${ROLES.join(', ')}`;
  if (!Number.isSafeInteger(v.leader) || (v.leader as number) < -1) return 'status.leader must be a replica id or -1';
  const out: Record<string, unknown> = { node: v.node, role: v.role, leader: v.leader };
  for (const k of COUNTS) {
    if (!Number.isSafeInteger(v[k]) || (v[k] as number) < 0) return `status.${k} must be a count (0 or more)`;
    out[k] = v[k];
  }
  return out as unknown as NodeStatus;
}

async function withConnection<T>(address: Address, timeoutMs: number, use: (c: RpcConnection) => Promise<T>): Promise<T> {
  const conn = await RpcConnection.connect(address, timeoutMs);
  try {
    return await use(conn);
  } finally {
    conn.close();
  }
}

/** The node's status; throws if it does not answer within `timeoutMs` or answers nonsense. */
export function queryStatus(address: Address, timeoutMs = 1000): Promise<NodeStatus> {
  return withConnection(address, timeoutMs, async (conn) => {
    const reply = await conn.call({ type: 'status' }, timeoutMs);
    if (!reply.ok) throw new Error(`status refused: ${reply.error.message}`);
    const s = parseNodeStatus(reply.value);
    if (typeof s === 'string') throw new Error(`bad status answer: ${s}`);
    return s;
  });
}

export type TransferAnswer = { ok: true } | { ok: false; code: string; message: string; hint?: string };

/** Asks the node (which should be its group's leader) to hand leadership to replica `to`. */
export function requestTransfer(address: Address, to: number, timeoutMs = 10_000): Promise<TransferAnswer> {
  return withConnection(address, Math.min(timeoutMs, 2000), async (conn) => {
    const reply = await conn.call({ type: 'transfer_leader', to }, timeoutMs);
    if (reply.ok) return { ok: true };
    return { ok: false, code: reply.error.code, message: reply.error.message, ...(reply.error.hint !== undefined ? { hint: reply.error.hint } : {}) };
  });
}
