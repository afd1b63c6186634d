/**
 * A replication group of rf ≥ 1 replicas kept consistent by Raft (raft/): the same
 * `ReplicationGroup` interface as LocalLogGroup, so the partition server and the manager
 * run on it unchanged, whatever their state machine.
 *
 * - propose(command) resolves with the state machine's result once the command is
 *   committed by a majority (durable on each of them) and applied here. On a replica that
 *   is not the leader it rejects at once with NotLeaderError naming the leader it knows
 *   (the server turns that into a `not_leader` reply with a hint). If the leader loses its
 *   leadership before the command commits, it rejects with ProposalDroppedError: the
 *   command may or may not be applied; the client retries it with the same session
 *   sequence and the state machine's dedup table answers it exactly once.
 * - read(query) runs the query once the leader confirmed it is still leader (read index,
 *   or its lease) and applied everything committed before the call: linearizable, and
 *   nothing is written to the log. Followers reject with NotLeaderError.
 *
 * Storage lives under `dir` (raft/disk-storage.ts), held by this process (StorageLock) until close.
 */
import type { LogFn } from '../common/log';
import { openDiskStorage } from '../raft/disk-storage';
import { RaftNode, type RaftNodeOptions, type RaftNodeStatus } from '../raft/node';
import type { RaftTransport } from '../raft/transport';
import type { NodeId } from '../raft/types';
import type { StorageLock } from '../storage/storage-lock';
import type { CommandCodec, ReplicationGroup, StateMachine } from './state-machine';

export { NotLeaderError, ProposalDroppedError, RaftClosedError } from '../raft/errors';

export interface RaftGroupOptions {
  id: NodeId;
  /** Every replica of the group, this one included. */
  peers: NodeId[];
  transport: RaftTransport;
  tickMs?: number;
  raft?: RaftNodeOptions<unknown>['raft'];
  /** Snapshot and compact after this many applied commands. */
  snapshotEvery: number;
  snapshotMargin?: number;
  segmentBytes?: number;
  /** Called when storage fails: the group refuses further work; the process should stop (and be restarted to recover). */
  onFatal: (err: Error) => void;
  log?: LogFn;
  /** The caller already holds the lock on `dir` (and releases it); otherwise the group takes it and releases it on close. */
  heldLock?: StorageLock;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export class RaftGroup<C, R, S extends StateMachine<C, R>> implements ReplicationGroup<C, R, S> {
  private constructor(
    readonly node: RaftNode<R>,
    private readonly sm: S,
    private readonly codec: CommandCodec<C>,
  ) {}

  /** Opens (or creates) this replica's storage under `dir`, rebuilds `sm` from its snapshot, and joins the group. */
  static async open<C, R, S extends StateMachine<C, R>>(dir: string, sm: S, codec: CommandCodec<C>, options: RaftGroupOptions): Promise<RaftGroup<C, R, S>> {
    const log = options.log ?? (() => undefined);
    const storage = await openDiskStorage(dir, {
      ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
      ...(options.heldLock === undefined ? {} : { heldLock: options.heldLock }),
      onRepair: (what) => log(`storage in ${dir}: ${what}`),
    });
    let node: RaftNode<R>;
    try {
      node = await RaftNode.start<R>({
        id: options.id,
        peers: options.peers,
        storage,
        transport: options.transport,
        fsm: {
          apply: (entry) => sm.apply(codec.decode(asBuffer(entry.data))),
          snapshot: () => sm.snapshot(),
          restore: (data) => sm.restore(asBuffer(data)),
        },
        snapshotEvery: options.snapshotEvery,
        log,
        onFatal: options.onFatal,
        ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
        ...(options.raft === undefined ? {} : { raft: options.raft }),
        ...(options.snapshotMargin === undefined ? {} : { snapshotMargin: options.snapshotMargin }),
      });
    } catch (err) {
      await storage.close();
      throw err;
    }
    return new RaftGroup(node, sm, codec);
  }

  propose(command: C): Promise<R> {
    return this.node.propose(this.codec.encode(command));
  }

  read<T>(query: (state: S) => T): Promise<T> {
    return this.node.readBarrier().then(() => query(this.sm));
  }

  close(): Promise<void> {
    return this.node.close();
  }

  get isLeader(): boolean {
    return this.node.isLeader;
  }

  /** The leader this replica knows (NONE = -1 if none). */
  get leader(): NodeId {
    return this.node.leader;
  }

  status(): RaftNodeStatus {
    return this.node.status();
  }

  transferLeadership(to: NodeId): Promise<void> {
    return this.node.transferLeadership(to);
  }
}
