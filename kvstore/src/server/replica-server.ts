/**
 * Stage 3's server: one replica of a partition's consensus group. The key-value state
 * machine (with its dedup table) is replicated by a RaftGroup across the partition's
 * replicas; only the leader serves: mutations are acknowledged once committed by a
 * majority and applied, reads are linearizable by read index (or under the leader's lease,
 * by flag). Any other replica answers `not_leader` with the leader's replica id as hint;
 * a command whose leader lost leadership before it committed is answered `unavailable`
 * (the client retries it with the same session sequence and the dedup table answers once).
 * Keys of other partitions are refused with `wrong_partition`.
 *
 * The partition count comes from registering with the manager group (like stage 2's
 * server, beside the data: partition-membership.ts). Admin requests (status,
 * transfer_leader) are answered by every replica.
 *
 *   <backer_path>/LOCK  membership  log/  hard-state  snapshots/
 */
import type { LogFn } from '../common/log';
import { type PartitionMap, partitionCount, replicationFactor } from '../cluster/partition-map';
import type { NodeId } from '../raft/types';
import { notLeaderReply, replyForGroupError } from '../replication/group-error-reply';
import type { RaftGroup } from '../replication/raft-group';
import { openReplicaGroup, stepDownAndClose } from '../replication/replica-launch';
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../state/kv-log-command';
import type { ApplyOutcome } from '../state/kv-state-machine';
import { AdminService } from '../status/admin-service';
import { isAdminRequest } from '../status/node-status';
import { RequestMeter } from '../status/request-meter';
import { StorageLock } from '../storage/storage-lock';
import type { Address } from '../wire/address';
import { type Reply, errorReply } from '../wire/envelope';
import { parseKvRequest } from '../wire/kv-messages';
import { PartitionMembership } from './partition-membership';
import { serveKvRequest } from './serve-kv-request';

export type KvRaftGroup = RaftGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>;

export interface ReplicaServerOptions {
  partition: number;
  replica: NodeId;
  /** The partition's other replicas, by replica id, at their peer addresses. */
  peers: Map<NodeId, Address>;
  /** Where this replica listens for its peers. */
  listen: Address;
  backerPath: string;
  snapshotEvery: number;
  tickMs: number;
  readMode: 'index' | 'lease';
  log: LogFn;
  onFatal: (err: Error) => void;
}

/** The key-value state machine, saying when its whole state is replaced by a snapshot (its own at start-up, or one installed from the leader). */
class ReportingKvStateMachine extends KvLogStateMachine {
  constructor(private readonly onRestore: (keys: number) => void) {
    super();
  }

  override restore(data: Buffer): void {
    super.restore(data);
    this.onRestore(this.kv.size);
  }
}

export class ReplicaServer {
  readonly admin: AdminService;
  /** Client requests answered and their time, for status. */
  readonly meter = new RequestMeter();

  private constructor(
    private readonly options: ReplicaServerOptions,
    readonly group: KvRaftGroup,
    private readonly membership: PartitionMembership,
    private readonly lock: StorageLock,
  ) {
    const node = `s${options.partition}.${options.replica}`;
    this.admin = new AdminService(group, { node, replica: options.replica, replicas: this.replicas, dir: options.backerPath, meter: this.meter });
  }

  /** Locks the replica's storage, checks it is this replica's, recovers it and joins the group. Throws StorageLockedError if another process holds it. */
  static async open(options: ReplicaServerOptions): Promise<ReplicaServer> {
    const lock = await StorageLock.acquire(options.backerPath);
    try {
      const membership = await PartitionMembership.open(options.backerPath, options.partition, options.replica);
      const sm = new ReportingKvStateMachine((keys) => options.log(`state restored from a snapshot: ${keys} keys`));
      const group = await openReplicaGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>(options.backerPath, sm, kvLogCodec, { ...options, heldLock: lock });
      return new ReplicaServer(options, group, membership, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** The holder of a stale lock this replica took over (a process that died without releasing it). */
  get tookOverLockOf(): number | undefined {
    return this.lock.tookOver?.pid;
  }

  /** Replicas in this partition's group. */
  get replicas(): number {
    return this.options.peers.size + 1;
  }

  get knowsPartitioning(): boolean {
    return this.membership.partitionCount !== undefined;
  }

  /**
   * Takes the map the manager group answered a registration with: records the partition
   * count, durably. Throws if the map does not fit this replica (its partition or replica
   * id, or a replication factor other than its group's size): the caller logs it.
   */
  async takeMap(map: PartitionMap): Promise<void> {
    const rf = replicationFactor(map);
    if (rf !== this.replicas) throw new Error(`the manager's map has rf ${rf}, but this partition's group has ${this.replicas} replicas (--peers): check the arguments`);
    await this.membership.setPartitionCount(partitionCount(map));
  }

  handle(body: unknown): Reply | Promise<Reply> {
    if (isAdminRequest(body)) return this.admin.handle(body);
    return this.meter.track(this.serve(body), performance.now());
  }

  private serve(body: unknown): Reply | Promise<Reply> {
    const req = parseKvRequest(body);
    if (typeof req === 'string') return errorReply('bad_request', req);
    const count = this.membership.partitionCount;
    if (count === undefined) {
      if (!this.group.isLeader) return notLeaderReply(this.group.leader);
      return errorReply('unavailable', `partition ${this.options.partition} has not heard from the manager yet`);
    }
    try {
      const reply = serveKvRequest(req, this.group, this.options.partition, count);
      return reply instanceof Promise ? reply.catch(replyForGroupError) : reply;
    } catch (err) {
      return replyForGroupError(err);
    }
  }

  /** A leader first hands leadership on (briefly), then the group and the storage lock are released. */
  async close(): Promise<void> {
    try {
      await stepDownAndClose(this.group, this.replicas, this.options.log);
    } finally {
      this.lock.release();
    }
  }
}
