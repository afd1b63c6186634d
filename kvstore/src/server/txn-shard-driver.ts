/**
 * The I/O side of one shard replica's transaction core (txn/core-interface.ts's driver
 * contract), without sockets: the shard server gives it functions to propose to the shard's
 * Raft group, to reach other shard leaders and the manager, and tells it of leadership
 * changes, ticks, peer messages and applied entries.
 *
 * - A core exists only while this replica leads its shard: created on becoming leader (from
 *   the state machine as applied so far), dropped on losing leadership; the requests it
 *   still owed an answer are answered `unknown` (they may have been certified).
 * - After every input, everything the core has ready goes out at once, in order: proposals
 *   (issued in order, none awaited before the next: the barrier rule needs a barrier after
 *   the writes proposed before it), then peer messages, manager reports, client replies.
 * - Applied entries reach the core in log order, never inside the Raft node's apply call
 *   (the core may propose in answer): they are queued and handed over on the next turn.
 *   Entries applied before the core was created are already in its state machine and are
 *   not handed over again.
 */
import type { LogFn } from '../common/log';
import type { TxnOp } from '../kv/txn-op';
import type { TxnCoreSummary, TxnShardCore } from '../txn/core-interface';
import type { TxnLogEntry } from '../txn/log-entry';
import type { FromManager, PeerMessage, ToManager } from '../txn/messages';
import type { ShardId } from '../txn/types';
import type { TxnReply } from '../wire/txn-messages';

export interface ShardDriverIo {
  propose(entry: TxnLogEntry): Promise<unknown>;
  /** Best effort: the core times out what it waits for. */
  sendPeer(to: ShardId, msg: PeerMessage): void;
  sendManager(msg: ToManager): void;
  log: LogFn;
}

export class TxnShardDriver {
  private core: TxnShardCore | undefined;
  private nextRequest = 1;
  private readonly waiting = new Map<number, (reply: TxnReply) => void>();
  private appliedQueue: TxnLogEntry[] = [];
  private drainScheduled = false;

  constructor(
    private readonly io: ShardDriverIo,
    private readonly makeCore: () => TxnShardCore,
  ) {}

  get leading(): boolean {
    return this.core !== undefined;
  }

  /** The core's state for the status RPC; undefined when this replica does not lead. */
  summary(): TxnCoreSummary | undefined {
    return this.core?.summary();
  }

  /** Call whenever leadership may have changed (e.g. every tick); only changes act. */
  setLeader(leader: boolean): void {
    if (leader && this.core === undefined) {
      // What is queued is already in the state machine the new core starts from.
      this.appliedQueue = [];
      this.core = this.makeCore();
      this.flush();
    } else if (!leader && this.core !== undefined) {
      this.core = undefined;
      const owed = [...this.waiting.values()];
      this.waiting.clear();
      for (const answer of owed) answer({ outcome: 'unknown', reason: 'leader_lost' });
    }
  }

  /** A client's transaction; undefined when this replica does not lead (the caller redirects). */
  request(ops: TxnOp[]): Promise<TxnReply> | undefined {
    const core = this.core;
    if (core === undefined) return undefined;
    const id = this.nextRequest++;
    const reply = new Promise<TxnReply>((resolve) => this.waiting.set(id, resolve));
    core.clientRequest(id, ops);
    this.flush();
    return reply;
  }

  step(from: ShardId, msg: PeerMessage): void {
    if (this.core === undefined) return;
    this.core.step(from, msg);
    this.flush();
  }

  fromManager(msg: FromManager): void {
    if (this.core === undefined) return;
    this.core.fromManager(msg);
    this.flush();
  }

  tick(): void {
    if (this.core === undefined) return;
    this.core.tick();
    this.flush();
  }

  /** The shard's state machine applied `entry` (called from inside the apply). */
  applied(entry: TxnLogEntry): void {
    if (this.core === undefined) return;
    this.appliedQueue.push(entry);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => this.drainApplied());
    }
  }

  private drainApplied(): void {
    this.drainScheduled = false;
    const entries = this.appliedQueue;
    this.appliedQueue = [];
    for (const e of entries) {
      if (this.core === undefined) return;
      this.core.applied(e);
    }
    this.flush();
  }

  private flush(): void {
    const core = this.core;
    if (core === undefined) return;
    while (core.hasReady()) {
      const r = core.ready();
      for (const entry of r.propose) {
        // A lost proposal (leadership lost, storage failure) is the core's to time out.
        this.io.propose(entry).catch((err: unknown) => this.io.log(`proposal not committed: ${(err as Error).message}`));
      }
      for (const m of r.messages) this.io.sendPeer(m.to, m.msg);
      for (const m of r.toManager) this.io.sendManager(m);
      for (const { requestId, outcome } of r.replies) {
        const answer = this.waiting.get(requestId);
        this.waiting.delete(requestId);
        answer?.(outcome);
      }
    }
  }
}
