/**
 * Stage 2's server: owns one partition of the keyspace and keeps it durable.
 * Mutations go through a replication group of one (a durable log with group
 * commit) and are acknowledged only once fsync'd and applied; reads see applied
 * (hence durable) state. Keys of other partitions are refused with a redirect.
 *
 * The partition count comes from the manager and is saved beside the data, so a
 * restarted server serves at once even while the manager is away.
 *
 * The server holds the storage folder's lock (storage/storage-lock.ts) from before it
 * reads anything there until it closes: a second server on the same folder refuses to start.
 */
import * as path from 'node:path';
import { commandKey, isMutation } from '../kv/command';
import { partitionOf } from '../cluster/partition-map';
import { type Reply, errorReply, okReply } from '../wire/envelope';
import { parseKvRequest } from '../wire/kv-messages';
import { LocalLogGroup } from '../replication/local-log-group';
import { type HardStateCodec, HardStateStore } from '../storage/hard-state';
import { StorageCorruptionError } from '../storage/errors';
import { StorageLock } from '../storage/storage-lock';
import type { ApplyOutcome, KvMutation, KvQuery } from '../state/kv-state-machine';
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../state/kv-log-command';
import { answerScan } from './scan-reply';

export interface PartitionServerOptions {
  partition: number;
  backerPath: string;
  snapshotEvery: number;
  segmentBytes?: number;
  onFatal: (err: Error) => void;
}

interface Membership {
  partition: number;
  partitionCount: number;
}

const membershipCodec: HardStateCodec<Membership | null> = {
  encode: (m) => Buffer.from(JSON.stringify(m)),
  decode: (b) => {
    const v = JSON.parse(b.toString()) as Membership | null;
    if (v !== null && !(Number.isSafeInteger(v.partition) && Number.isSafeInteger(v.partitionCount))) throw new Error('bad membership record');
    return v;
  },
};

export class PartitionServer {
  private partitionCount: number | undefined;

  private constructor(
    readonly partition: number,
    readonly group: LocalLogGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>,
    private readonly membership: HardStateStore<Membership | null>,
    saved: Membership | null,
    private readonly lock: StorageLock,
  ) {
    this.partitionCount = saved?.partitionCount;
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
    const membership = await HardStateStore.open(path.join(options.backerPath, 'membership'), membershipCodec, null);
    const saved = await membership.load();
    if (saved && saved.partition !== options.partition) {
      throw new StorageCorruptionError(
        options.backerPath,
        null,
        `this storage belongs to partition ${saved.partition}, not ${options.partition}`,
        'start the server with its own id, or give it an empty backer path',
      );
    }
    const group = await LocalLogGroup.open<KvLogCommand, ApplyOutcome, KvLogStateMachine>(options.backerPath, new KvLogStateMachine(), kvLogCodec, {
      snapshotEvery: options.snapshotEvery,
      onFatal: options.onFatal,
      heldLock: lock,
      ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
    });
    return new PartitionServer(options.partition, group, membership, saved, lock);
  }

  get knowsPartitioning(): boolean {
    return this.partitionCount !== undefined;
  }

  /** Records the cluster's partition count (from the manager), durably. */
  async setPartitionCount(count: number): Promise<void> {
    if (this.partitionCount === count) return;
    if (this.partition >= count) throw new Error(`partition ${this.partition} does not exist in a cluster of ${count}`);
    await this.membership.save({ partition: this.partition, partitionCount: count });
    this.partitionCount = count;
  }

  handle(body: unknown): Reply | Promise<Reply> {
    const req = parseKvRequest(body);
    if (typeof req === 'string') return errorReply('bad_request', req);
    const count = this.partitionCount;
    if (count === undefined) return errorReply('unavailable', `partition ${this.partition} has not heard from the manager yet`);
    const key = commandKey(req.cmd);
    if (key !== undefined) {
      const owner = partitionOf(key, count);
      if (owner !== this.partition) return errorReply('wrong_partition', `key belongs to partition ${owner}, this is ${this.partition}`, String(owner));
    }
    if (isMutation(req.cmd)) {
      const command: KvLogCommand = req.session ? { cmd: req.cmd as KvMutation, session: req.session } : { cmd: req.cmd as KvMutation };
      return this.group.propose(command).then((outcome) =>
        outcome.kind === 'stale' ? errorReply('bad_request', `sequence ${req.session?.seq} was already acknowledged`) : okReply(outcome.result),
      );
    }
    const query = req.cmd as KvQuery;
    // Each page is one read of applied (so durable) state; the client asks for the next one.
    if (query.op === 'scan') return this.group.read((sm) => answerScan(sm.kv, query, req.page));
    return this.group.read((sm) => okReply(sm.kv.query(query)));
  }

  async close(): Promise<void> {
    try {
      await this.group.close();
    } finally {
      this.lock.release();
    }
  }
}
