/**
 * Stage 2's server: owns one partition of the keyspace and keeps it durable.
 * Mutations go through a replication group of one (a durable log with group
 * commit) and are acknowledged only once fsync'd and applied; reads see applied
 * (hence durable) state. Keys of other partitions are refused with a redirect.
 *
 * The partition count comes from the manager and is saved beside the data, so a
 * restarted server serves at once even while the manager is away.
 *
 * It answers the status request (status/node-status.ts) as a group of one: always the
 * leader, in term 0, node id `sP`, with its request totals.
 *
 * The server holds the storage folder's lock (storage/storage-lock.ts) from before it
 * reads anything there until it closes: a second server on the same folder refuses to start.
 */
import { parseKvRequest } from '../wire/kv-messages';
import { type Reply, errorReply } from '../wire/envelope';
import { LocalLogGroup } from '../replication/local-log-group';
import { StorageLock } from '../storage/storage-lock';
import type { ApplyOutcome } from '../state/kv-state-machine';
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../state/kv-log-command';
import { PartitionMembership } from './partition-membership';
import { serveKvRequest } from './serve-kv-request';
import { type AdminTarget, AdminService } from '../status/admin-service';
import { isAdminRequest } from '../status/node-status';
import { RequestMeter } from '../status/request-meter';

export interface PartitionServerOptions {
  partition: number;
  backerPath: string;
  snapshotEvery: number;
  segmentBytes?: number;
  onFatal: (err: Error) => void;
}

export class PartitionServer {
  /** Client requests answered and their time, for status. */
  readonly meter = new RequestMeter();
  private readonly admin: AdminService;

  private constructor(
    readonly partition: number,
    readonly group: LocalLogGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>,
    private readonly membership: PartitionMembership,
    private readonly lock: StorageLock,
    dir: string,
  ) {
    // One replica: transfer_leader to replica 0 is done at once, to any other refused as unknown.
    const target: AdminTarget = { status: () => group.status(), isLeader: true, leader: 0, transferLeadership: () => Promise.resolve() };
    this.admin = new AdminService(target, { node: `s${partition}`, replica: 0, replicas: 1, dir, meter: this.meter });
  }

  /** Locks the partition's storage under backerPath, then recovers its state. Throws StorageLockedError if another process holds it. */
  static async open(options: PartitionServerOptions): Promise<PartitionServer> {
    const lock = await StorageLock.acquire(options.backerPath);
    try {
      return await PartitionServer.recover(options, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** The holder of a stale lock this server took over (a server that died without releasing it). */
  get tookOverLockOf(): number | undefined {
    return this.lock.tookOver?.pid;
  }

  private static async recover(options: PartitionServerOptions, lock: StorageLock): Promise<PartitionServer> {
    const membership = await PartitionMembership.open(options.backerPath, options.partition);
    const group = await LocalLogGroup.open<KvLogCommand, ApplyOutcome, KvLogStateMachine>(options.backerPath, new KvLogStateMachine(), kvLogCodec, {
      snapshotEvery: options.snapshotEvery,
      onFatal: options.onFatal,
      heldLock: lock,
      ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
    });
    return new PartitionServer(options.partition, group, membership, lock, options.backerPath);
  }

  get knowsPartitioning(): boolean {
    return this.membership.partitionCount !== undefined;
  }

  /** Records the cluster's partition count (from the manager), durably. */
  setPartitionCount(count: number): Promise<void> {
    return this.membership.setPartitionCount(count);
  }

  /** Reads see applied state, which in stage 2 is durable state. */
  handle(body: unknown): Reply | Promise<Reply> {
    if (isAdminRequest(body)) return this.admin.handle(body);
    return this.meter.track(this.serve(body), performance.now());
  }

  private serve(body: unknown): Reply | Promise<Reply> {
    const req = parseKvRequest(body);
    if (typeof req === 'string') return errorReply('bad_request', req);
    const count = this.membership.partitionCount;
    if (count === undefined) return errorReply('unavailable', `partition ${this.partition} has not heard from the manager yet`);
    return serveKvRequest(req, this.group, this.partition, count);
  }

  async close(): Promise<void> {
    try {
      await this.group.close();
    } finally {
      this.lock.release();
    }
  }
}
