/**
 * The plain data the Raft core works with: log entries, the state that must be durable,
 * snapshots, and what the core hands its driver in a Ready.
 */
import type { Message } from './messages';

/** A member of the group. Ids are small integers given at start (membership is static). */
export type NodeId = number;

/** The "no node" value for `vote` and `leader`. */
export const NONE = -1;

/**
 * One log entry. An entry with empty `data` is a leader's no-op (appended on election);
 * proposals must therefore carry at least one byte.
 */
export interface Entry {
  index: number;
  term: number;
  data: Uint8Array;
}

/** What must be durable before a vote is answered or a message that depends on it is sent. */
export interface HardState {
  term: number;
  /** The node voted for in `term`, or NONE. */
  vote: NodeId;
  /**
   * Set while a replica that started with empty storage (new, or wiped) has not yet caught
   * up with a leader: it votes for no candidate with entries until it holds what a leader
   * had committed (raft.ts, abstains). Storage that holds no hard state at all reports it
   * set; absent means false.
   */
  catchingUp?: boolean;
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers. */
  index: number;
  /** That entry's term. */
  term: number;
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state the driver may want to observe; reported in a Ready when it changes. */
export interface SoftState {
  role: Role;
  /** The leader this node knows for its term, or NONE. */
  leader: NodeId;
  term: number;
}

/**
 * A linearizable read the leader has confirmed: once the state machine has applied
 * `index`, the read tagged `ctx` may be served from it.
 */
export interface ReadState {
  index: number;
  ctx: number;
}

/**
 * Everything the core asks of its driver at one point, taken with `ready()` and
 * acknowledged with `advance(ready)`. See the driver's contract in raft.ts.
 */
export interface Ready {
  /** Set when role, leader or term changed since the last Ready. */
  softState: SoftState | null;
  /** Set when term or vote changed: write it durably. */
  hardState: HardState | null;
  /**
   * A snapshot received from the leader: make it durable, then discard the whole local log
   * (the next entry is meta.index + 1), and restore the state machine from it, before
   * anything else in this Ready (`entries` then follow the snapshot).
   */
  snapshot: Snapshot | null;
  /**
   * Entries to append durably. If the first one's index is not after the stored log's last
   * index, the stored suffix from that index on is removed first (a conflicting suffix).
   */
  entries: Entry[];
  /** Send now: they do not depend on anything in this Ready being durable. */
  messages: Message[];
  /** Send only once this Ready's hard state, entries and snapshot are durable. */
  messagesAfterPersist: Message[];
  /** Committed and locally durable entries, in order: apply them before the next `ready()`. */
  committedEntries: Entry[];
  /** Reads confirmed by the leader: serve each once the applied index reaches its index. */
  readStates: ReadState[];
  /** Read requests this node can no longer confirm (it lost leadership or never had it): fail them. */
  droppedReads: number[];
  /** The commit index the core knows of at this point (volatile; for status only). */
  commit: number;
}

/** A source of randomness: a float in [0, 1). Seeded in tests and in the simulator. */
export type RandomSource = () => number;
