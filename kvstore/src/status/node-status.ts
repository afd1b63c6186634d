/**
 * A replicated node's status and its admin requests, as they travel on the node's client
 * port (wire/ envelope, msgpack). Every stage-3 node, manager replica or server replica,
 * answers them, leader or not, even before the cluster is ready; a stage-2 partition server
 * answers as a group of one (node `sP`, always the leader, term 0).
 *
 *   { type: 'status' }
 *     -> { node: 'm.0' | 's1.2', role: 'leader' | 'follower' | 'candidate' | 'precandidate',
 *          term, leader: replica id or -1, commit, applied, lastIndex, snapshotIndex,
 *          logBytes, snapshotBytes, requests?, requestMicros?,
 *          txn?: { epoch: number | null, coordinating, committing, oldestTicks, lockHolders,
 *                  parkedReads } }   (a stage-4 shard leader: its transaction core's state)
 *   { type: 'transfer_leader', to: replica id }
 *     -> on the leader: null once `to` leads (an `unavailable` error if it did not within
 *        the time the node allows); elsewhere a `not_leader` error whose hint is the leader's
 *        replica id (absent if unknown)
 *
 * Indexes are the node's Raft log indexes; logBytes and snapshotBytes are what its log and
 * snapshot files take on disk. requests and requestMicros (absent from nodes that do not
 * count) are running totals since the process started: client requests answered, and their
 * summed time from arrival to answer (request-meter.ts); a reader takes differences.
 */
import type { TxnCoreSummary, TxnLatencySplit } from '../txn/core-interface';
import { isRecord } from '../wire/envelope';

export const NODE_ROLES = ['leader', 'follower', 'candidate', 'precandidate'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export interface NodeStatus {
  /** The node id of the template's convention: `m.X` or `sP.R`. */
  node: string;
  role: NodeRole;
  term: number;
  /** The replica id of the leader this node knows, or -1. */
  leader: number;
  commit: number;
  applied: number;
  lastIndex: number;
  snapshotIndex: number;
  logBytes: number;
  snapshotBytes: number;
  /** Client requests answered since the process started (absent: the node does not count them). */
  requests?: number;
  /** Their summed time from arrival to answer, in microseconds. */
  requestMicros?: number;
  /** A stage-4 shard leader's transaction core (txn/core-interface.ts). */
  txn?: TxnCoreSummary;
}

const TXN_COUNTS = ['coordinating', 'committing', 'oldestTicks', 'lockHolders', 'parkedReads'] as const;
const SPLIT_COUNTS = ['committed', 'certifyTicks', 'waitTicks', 'ticks'] as const;

function parseTxnSummary(v: unknown): TxnCoreSummary | string {
  if (!isRecord(v)) return 'status field txn is not an object';
  if (v.epoch !== null && (!Number.isSafeInteger(v.epoch) || (v.epoch as number) < 0)) return 'status field txn.epoch is not an epoch or null';
  for (const k of TXN_COUNTS) if (!Number.isSafeInteger(v[k]) || (v[k] as number) < 0) return `status field txn.${k} is not a count`;
  let split: TxnLatencySplit | undefined;
  if (v.split !== undefined) {
    const sp = v.split;
    if (!isRecord(sp)) return 'status field txn.split is not an object';
    for (const k of SPLIT_COUNTS) if (!Number.isSafeInteger(sp[k]) || (sp[k] as number) < 0) return `status field txn.split.${k} is not a count`;
    split = { committed: sp.committed as number, certifyTicks: sp.certifyTicks as number, waitTicks: sp.waitTicks as number, ticks: sp.ticks as number };
  }
  return {
    epoch: v.epoch as number | null,
    coordinating: v.coordinating as number,
    committing: v.committing as number,
    oldestTicks: v.oldestTicks as number,
    lockHolders: v.lockHolders as number,
    parkedReads: v.parkedReads as number,
    ...(split !== undefined ? { split } : {}),
  };
}

export type AdminRequest = { type: 'status' } | { type: 'transfer_leader'; to: number };

const COUNTERS = ['term', 'commit', 'applied', 'lastIndex', 'snapshotIndex', 'logBytes', 'snapshotBytes'] as const;
const OPTIONAL_COUNTERS = ['requests', 'requestMicros'] as const;

/** Whether a request body is an admin request (which the caller then parses with parseAdminRequest). */
export function isAdminRequest(body: unknown): boolean {
  return isRecord(body) && (body.type === 'status' || body.type === 'transfer_leader');
}

export function parseAdminRequest(body: unknown): AdminRequest | string {
  if (!isRecord(body)) return 'not an admin request';
  if (body.type === 'status') return { type: 'status' };
  if (body.type === 'transfer_leader') {
    if (!Number.isSafeInteger(body.to) || (body.to as number) < 0) return 'transfer_leader needs `to`, a replica id';
    return { type: 'transfer_leader', to: body.to as number };
  }
  return `unknown admin request ${JSON.stringify(body.type)}`;
}

/** Checks a status answer from the network; a string says what is wrong with it. */
export function parseNodeStatus(v: unknown): NodeStatus | string {
  if (!isRecord(v)) return 'status is not an object';
  if (typeof v.node !== 'string' || v.node.length === 0) return 'status lacks the node id';
  if (typeof v.role !== 'string' || !(NODE_ROLES as readonly string[]).includes(v.role)) return `status has an unknown role ${JSON.stringify(v.role)}`;
  if (!Number.isSafeInteger(v.leader) || (v.leader as number) < -1) return 'status lacks the leader';
  for (const k of COUNTERS) {
    const n = v[k];
    if (!Number.isSafeInteger(n) || (n as number) < 0) return `status field ${k} is not a count`;
  }
  for (const k of OPTIONAL_COUNTERS) {
    const n = v[k];
    if (n !== undefined && (!Number.isSafeInteger(n) || (n as number) < 0)) return `status field ${k} is not a count`;
  }
  const txn = v.txn === undefined ? undefined : parseTxnSummary(v.txn);
  if (typeof txn === 'string') return txn;
  return {
    node: v.node,
    role: v.role as NodeRole,
    term: v.term as number,
    leader: v.leader as number,
    commit: v.commit as number,
    applied: v.applied as number,
    lastIndex: v.lastIndex as number,
    snapshotIndex: v.snapshotIndex as number,
    logBytes: v.logBytes as number,
    snapshotBytes: v.snapshotBytes as number,
    ...(v.requests !== undefined ? { requests: v.requests as number } : {}),
    ...(v.requestMicros !== undefined ? { requestMicros: v.requestMicros as number } : {}),
    ...(txn !== undefined ? { txn } : {}),
  };
}
