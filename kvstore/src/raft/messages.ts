/**
 * The messages Raft nodes exchange. Each is a small plain object, so it crosses the wire
 * as one msgpack map and the simulator can copy, drop, delay and reorder it.
 *
 *   vote            candidate → all: "vote for me in `term`"; `pre` for a pre-vote, which
 *                   changes no state (term is then the term the sender would campaign in);
 *                   `transfer` when campaigning on a leader's TimeoutNow
 *   voteResp        the answer; a granted pre-vote carries the term asked about
 *   append          leader → follower: entries after (prevIndex, prevTerm), and the commit index
 *   appendResp      success: the follower's log matches the leader's through `index`;
 *                   rejection of the append after `index`, with a hint (hintIndex, hintTerm):
 *                   the follower's log has no entry matching past that point
 *   heartbeat       leader → follower: "I am leader in `term`" with the commit index (never
 *                   above the follower's known match) and a round number echoed back
 *   heartbeatResp   echo of the round: confirms leadership for read index and leases
 *   snapshot        one chunk of the leader's snapshot (bytes offset .. offset + data.length
 *                   of `total`), for a follower whose next entry was compacted away
 *   snapshotResp    `done`: the snapshot is installed and durable (the follower's log now
 *                   matches through `index`); otherwise the offset of the next chunk it expects
 *   timeoutNow      leader → transfer target: "campaign now" (leadership transfer)
 */
import type { Entry, NodeId } from './types';

interface Envelope {
  from: NodeId;
  to: NodeId;
  term: number;
}

export interface VoteRequest extends Envelope {
  type: 'vote';
  lastIndex: number;
  lastTerm: number;
  pre: boolean;
  transfer: boolean;
  /** The candidate has not caught up since its storage began (new or wiped): see raft.ts, abstains. */
  catchingUp: boolean;
}

export interface VoteResponse extends Envelope {
  type: 'voteResp';
  pre: boolean;
  granted: boolean;
}

export interface AppendRequest extends Envelope {
  type: 'append';
  prevIndex: number;
  prevTerm: number;
  entries: Entry[];
  commit: number;
}

export interface AppendResponse extends Envelope {
  type: 'appendResp';
  success: boolean;
  index: number;
  hintIndex: number;
  hintTerm: number;
}

export interface Heartbeat extends Envelope {
  type: 'heartbeat';
  commit: number;
  round: number;
}

export interface HeartbeatResponse extends Envelope {
  type: 'heartbeatResp';
  round: number;
}

export interface SnapshotChunk extends Envelope {
  type: 'snapshot';
  index: number;
  snapTerm: number;
  offset: number;
  total: number;
  data: Uint8Array;
}

export interface SnapshotResponse extends Envelope {
  type: 'snapshotResp';
  index: number;
  offset: number;
  done: boolean;
}

export interface TimeoutNow extends Envelope {
  type: 'timeoutNow';
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | SnapshotChunk
  | SnapshotResponse
  | TimeoutNow;

export type MessageType = Message['type'];

/** Approximate bytes of an entry on the wire and in flow-control windows. */
export function entryBytes(e: Entry): number {
  return e.data.length + 16;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isNodeId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= -1;
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

const INDEX_FIELDS: Record<MessageType, readonly string[]> = {
  vote: ['lastIndex', 'lastTerm'],
  voteResp: [],
  append: ['prevIndex', 'prevTerm', 'commit'],
  appendResp: ['index', 'hintIndex', 'hintTerm'],
  heartbeat: ['commit', 'round'],
  heartbeatResp: ['round'],
  snapshot: ['index', 'snapTerm', 'offset', 'total'],
  snapshotResp: ['index', 'offset'],
  timeoutNow: [],
};

const BOOLEAN_FIELDS: Record<MessageType, readonly string[]> = {
  vote: ['pre', 'transfer', 'catchingUp'],
  voteResp: ['pre', 'granted'],
  append: [],
  appendResp: ['success'],
  heartbeat: [],
  heartbeatResp: [],
  snapshot: [],
  snapshotResp: ['done'],
  timeoutNow: [],
};

/**
 * Checks a message received from the network (already msgpack-decoded). Returns the
 * message, or a sentence saying what is wrong with it. Entries' data and snapshot chunks
 * arrive as Buffers (views into the received frame; not copied).
 */
export function parseMessage(v: unknown): Message | string {
  if (!isObject(v)) return 'a raft message must be a map';
  const type = v.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(INDEX_FIELDS, type)) return `unknown raft message type ${JSON.stringify(type)}`;
  const t = type as MessageType;
  if (!isNodeId(v.from) || !isNodeId(v.to)) return `${t}: from and to must be node ids`;
  if (!isIndex(v.term)) return `${t}: term must be an integer ≥ 0`;
  for (const f of INDEX_FIELDS[t]) if (!isIndex(v[f])) return `${t}: ${f} must be an integer ≥ 0`;
  for (const f of BOOLEAN_FIELDS[t]) if (typeof v[f] !== 'boolean') return `${t}: ${f} must be a boolean`;
  if (t === 'append') {
    const entries = v.entries;
    if (!Array.isArray(entries)) return 'append: entries must be a list';
    let expected = (v.prevIndex as number) + 1;
    for (const e of entries) {
      if (!isObject(e) || !isIndex(e.index) || !isIndex(e.term) || !isBytes(e.data)) return 'append: each entry must be { index, term, data: bytes }';
      if (e.index !== expected) return `append: entry index ${e.index} where ${expected} was expected`;
      expected++;
    }
  }
  if (t === 'snapshot') {
    if (!isBytes(v.data)) return 'snapshot: data must be bytes';
    if ((v.offset as number) + v.data.length > (v.total as number)) return 'snapshot: chunk goes past the snapshot size';
  }
  return v as unknown as Message;
}
