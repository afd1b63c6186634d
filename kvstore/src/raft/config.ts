/** The core's settings, with defaults and checks (a wrong setting is refused with a reason). */
import type { NodeId, RandomSource } from './types';

export type ReadMode = 'index' | 'lease';

export interface RaftConfig {
  id: NodeId;
  /** Every voter of the group, this node included. Static: the same list on every node. */
  peers: NodeId[];
  /** A follower that hears no leader for [electionTicks, 2 × electionTicks) ticks campaigns. */
  electionTicks: number;
  /** A leader sends heartbeats every heartbeatTicks. Must be < electionTicks. */
  heartbeatTicks: number;
  /** Raft thesis §9.6: a pre-vote round before raising the term, so a node that was cut off cannot disrupt a working leader when it comes back. */
  preVote: boolean;
  /**
   * Raft thesis §6.2: a leader that has not heard from a majority within an election
   * timeout steps down; and (§4.2.3) a node that heard from a leader within the election
   * timeout ignores vote requests, unless they come from a leadership transfer.
   */
  checkQuorum: boolean;
  /** How linearizable reads are confirmed: a heartbeat round (index), or locally under a lease. */
  readMode: ReadMode;
  /**
   * Lease length in ticks, counted from when the heartbeat round a majority confirmed was
   * sent. At most electionTicks - clockDriftTicks - 2: a follower that received the round
   * refuses other candidates for at least electionTicks - 1 tick intervals (its count
   * starts at its next tick), which leaves one tick of margin (lease mode needs checkQuorum).
   */
  leaseTicks: number;
  /** How far the tick rates of two nodes may drift apart over an election timeout, in ticks. */
  clockDriftTicks: number;
  /** Largest total entry payload in one append. */
  maxMessageBytes: number;
  /** Largest number of entries in one append. */
  maxMessageEntries: number;
  /** Appends in flight to one follower at once (pipelining window). */
  maxInflightMessages: number;
  /** Entry bytes in flight to one follower at once. */
  maxInflightBytes: number;
  /** Largest committed-entry bytes handed out in one Ready (at least one entry). */
  maxApplyBytes: number;
  /** Bytes per InstallSnapshot chunk. */
  snapshotChunkBytes: number;
  /** Seeded in tests; a real node seeds it from its id and the clock. */
  random: RandomSource;
}

export type RaftConfigInput = Pick<RaftConfig, 'id' | 'peers' | 'random'> & Partial<RaftConfig>;

export const DEFAULT_CONFIG: Omit<RaftConfig, 'id' | 'peers' | 'random'> = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  readMode: 'index',
  leaseTicks: 7,
  clockDriftTicks: 1,
  maxMessageBytes: 1024 * 1024,
  maxMessageEntries: 4096,
  maxInflightMessages: 256,
  maxInflightBytes: 32 * 1024 * 1024,
  maxApplyBytes: 16 * 1024 * 1024,
  snapshotChunkBytes: 1024 * 1024,
};

export class RaftConfigError extends Error {
  override name = 'RaftConfigError';
}

export function makeConfig(input: RaftConfigInput): RaftConfig {
  const c: RaftConfig = { ...DEFAULT_CONFIG, ...input };
  const fail = (msg: string): never => {
    throw new RaftConfigError(`raft config: ${msg}`);
  };
  if (new Set(c.peers).size !== c.peers.length) fail(`peers ${JSON.stringify(c.peers)} has duplicates`);
  if (!c.peers.includes(c.id)) fail(`this node's id ${c.id} is not among the peers ${JSON.stringify(c.peers)}`);
  for (const p of c.peers) if (!Number.isSafeInteger(p) || p < 0) fail(`peer id ${p} must be an integer ≥ 0`);
  const positive: Array<keyof RaftConfig> = [
    'electionTicks',
    'heartbeatTicks',
    'leaseTicks',
    'maxMessageBytes',
    'maxMessageEntries',
    'maxInflightMessages',
    'maxInflightBytes',
    'maxApplyBytes',
    'snapshotChunkBytes',
  ];
  for (const k of positive) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(`${k} must be an integer ≥ 1, got ${String(v)}`);
  }
  if (!Number.isSafeInteger(c.clockDriftTicks) || c.clockDriftTicks < 0) fail(`clockDriftTicks must be an integer ≥ 0`);
  if (c.heartbeatTicks >= c.electionTicks) fail(`heartbeatTicks (${c.heartbeatTicks}) must be less than electionTicks (${c.electionTicks})`);
  if (c.readMode !== 'index' && c.readMode !== 'lease') fail(`readMode must be 'index' or 'lease', got ${String(c.readMode)}`);
  if (c.readMode === 'lease') {
    if (!c.checkQuorum) fail('lease reads need checkQuorum (followers that heard from a leader refuse to vote for another)');
    if (c.leaseTicks > c.electionTicks - c.clockDriftTicks - 2) {
      fail(`leaseTicks (${c.leaseTicks}) must be at most electionTicks - clockDriftTicks - 2 (${c.electionTicks - c.clockDriftTicks - 2})`);
    }
  }
  return c;
}
