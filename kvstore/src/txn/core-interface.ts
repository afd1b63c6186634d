/**
 * The driver-facing face of a shard leader's transaction core (Mako or the 2PC baseline):
 * pure and deterministic, in the style of etcd raft's Step/Ready/Advance.
 *
 * ## Inputs
 *   clientRequest(requestId, ops)  a one-shot transaction from a client (this shard coordinates it)
 *   step(from, msg)                a message from another shard leader (never from itself)
 *   fromManager(msg)               epochChange / fvw from the configuration manager
 *   applied(entry)                 the shard's state machine on this replica applied a committed entry
 *   tick()                         one tick of abstract time (the shell ticks every ~1 ms)
 *
 * ## Output: ready() drains everything produced since the last call
 *   propose    log entries to propose to this shard's Raft group, IN THIS ORDER (the barrier
 *              rule relies on a barrier being after the writes proposed before it)
 *   messages   to other shard leaders (`to` is a shard id: send to its current leader)
 *   toManager  reports for the configuration manager
 *   replies    outcomes for client requests, by requestId
 *
 * ## Driver contract
 * After every input call ready() and, in order: propose the entries (one propose call each,
 * issued in order, without awaiting one before the next), send the messages, send the
 * manager reports, answer the clients. Feed every committed entry to the state machine and
 * then to applied(), in log order. Create the core with the shard's state machine when this
 * replica becomes leader; drop it when leadership is lost (answer the core's pending client
 * requests with an unknown outcome: the transaction may have been certified). Messages may be
 * lost, delayed and reordered; the core times out what it waits for.
 */
import type { FromManager, PeerMessage, ToManager, TxnOutcome } from './messages';
import type { TxnLogEntry } from './log-entry';
import type { MistakeSwitches } from './mistakes';
import type { ShardId, ShardOf, TxnOp } from './types';

export interface TxnReady {
  propose: TxnLogEntry[];
  messages: Array<{ to: ShardId; msg: PeerMessage }>;
  toManager: ToManager[];
  replies: Array<{ requestId: number; outcome: TxnOutcome }>;
}

export interface TxnShardCore {
  clientRequest(requestId: number, ops: TxnOp[]): void;
  step(from: ShardId, msg: PeerMessage): void;
  fromManager(msg: FromManager): void;
  applied(entry: TxnLogEntry): void;
  tick(): void;
  hasReady(): boolean;
  ready(): TxnReady;
  /** What the leader holds now, for the status RPC (a stuck transaction shows here). */
  summary(): TxnCoreSummary;
}

/** A shard leader's transaction state at a glance. */
export interface TxnCoreSummary {
  /** The epoch served (Mako); null before the manager named one, and always for 2PC. */
  epoch: number | null;
  /** Transactions this leader coordinates and has not answered. */
  coordinating: number;
  /** Of those, the ones past their commit point (installing, waiting for the watermark, deciding). */
  committing: number;
  /** Ticks since the oldest of them began (0 when none). */
  oldestTicks: number;
  /** Transactions holding locks here as a participant (2PC: prepared and undecided). */
  lockHolders: number;
  /** Reads waiting for an old epoch's fate (Mako's M7). */
  parkedReads: number;
  /**
   * Where the time of the transactions this leader coordinated and committed went, summed
   * since it took over (absent from nodes that do not count it): `certifyTicks` from the
   * request to the second phase (Mako: read, lock, clock, validate and install among the
   * leaders; 2PC: reads, then every participant's prepare replicated), `waitTicks` from there
   * to the reply (Mako: the watermark wait, i.e. replication; 2PC: the decision replicated).
   * `ticks` is the core's clock, read with them (nominally 1 ms a tick; a busy process ticks
   * slower, so a reader calibrates ticks against wall time between two summaries).
   */
  split?: TxnLatencySplit;
}

export interface TxnLatencySplit {
  committed: number;
  certifyTicks: number;
  waitTicks: number;
  ticks: number;
}

/** Sums the phases of committed transactions for `TxnCoreSummary.split`. */
export class LatencySplitCounter {
  private committed = 0;
  private certifyTicks = 0;
  private waitTicks = 0;

  /** A transaction that began at `began`, entered its second phase at `second` (undefined: it had none) and committed at `now`. */
  committedTxn(began: number, second: number | undefined, now: number): void {
    const mid = second ?? now;
    this.committed++;
    this.certifyTicks += mid - began;
    this.waitTicks += now - mid;
  }

  summary(ticks: number): TxnLatencySplit {
    return { committed: this.committed, certifyTicks: this.certifyTicks, waitTicks: this.waitTicks, ticks };
  }
}

/**
 * What begins the id of every transaction a leader coordinates: its shard and its leadership.
 * Unique cluster-wide, because participants key their locks and prepared records by id
 * (replica 2 in term 1 of two different shards is the same `leader` string).
 */
export function txnIdPrefix(cfg: Pick<TxnCoreConfig, 'shard' | 'leader'>): string {
  return `s${cfg.shard}:${cfg.leader}.`;
}

export function emptyReady(): TxnReady {
  return { propose: [], messages: [], toManager: [], replies: [] };
}

export function readyHasOutput(r: TxnReady): boolean {
  return r.propose.length + r.messages.length + r.toManager.length + r.replies.length > 0;
}

/** The coordinator part of a summary: how many transactions, how many past their commit point, the oldest's age. */
export function coordinatorSummary(txns: Iterable<{ began: number; committing: boolean }>, now: number): Pick<TxnCoreSummary, 'coordinating' | 'committing' | 'oldestTicks'> {
  let coordinating = 0;
  let committing = 0;
  let oldest = now;
  for (const t of txns) {
    coordinating++;
    if (t.committing) committing++;
    oldest = Math.min(oldest, t.began);
  }
  return { coordinating, committing, oldestTicks: now - oldest };
}

/** What both cores are built with (next to the shard's state machine). */
export interface TxnCoreConfig {
  shard: ShardId;
  shards: number;
  shardOf: ShardOf;
  /** Unique per leadership of this shard (e.g. `<replicaId>@<raftTerm>`): names this leader to the manager and, after the shard, prefixes its transaction ids. */
  leader: string;
  mistakes?: MistakeSwitches;
  /** Ticks between watermark broadcasts to the other shard leaders (default 1). */
  watermarkEveryTicks?: number;
  /** Ticks between write batches and barriers appended to the log (default 2). */
  barrierEveryTicks?: number;
  /** Ticks a coordinator waits for a shard before the commit point (default 200); also the leaderReport resend period. */
  requestTimeoutTicks?: number;
}
