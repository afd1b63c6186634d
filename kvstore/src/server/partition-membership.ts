/**
 * Which partition a server's storage belongs to, and the cluster's partition count once
 * the manager has told it, kept in `<backer_path>/membership` (HardStateStore: temp file,
 * fsync, rename) so a restarted server serves at once, even while the manager is away.
 *
 *   { partition, partitionCount }             stage 2
 *   { partition, replica, partitionCount }    stage 3: also which replica of the partition
 *
 * Opening storage that records another partition (or replica) is refused: a server
 * started with the wrong id must not serve, or replicate, someone else's data.
 */
import * as path from 'node:path';
import { type HardStateCodec, HardStateStore } from '../storage/hard-state';
import { StorageCorruptionError } from '../storage/errors';

interface Membership {
  partition: number;
  replica?: number;
  partitionCount: number;
}

const membershipCodec: HardStateCodec<Membership | null> = {
  encode: (m) => Buffer.from(JSON.stringify(m)),
  decode: (b) => {
    const v = JSON.parse(b.toString()) as Membership | null;
    if (v !== null && !(Number.isSafeInteger(v.partition) && Number.isSafeInteger(v.partitionCount) && (v.replica === undefined || Number.isSafeInteger(v.replica)))) {
      throw new Error('bad membership record');
    }
    return v;
  },
};

export class PartitionMembership {
  private constructor(
    readonly partition: number,
    readonly replica: number | undefined,
    private readonly store: HardStateStore<Membership | null>,
    private count: number | undefined,
  ) {}

  /** Opens the record under `backerPath`; throws StorageCorruptionError if it names another partition or replica. */
  static async open(backerPath: string, partition: number, replica?: number): Promise<PartitionMembership> {
    const store = await HardStateStore.open(path.join(backerPath, 'membership'), membershipCodec, null);
    const saved = await store.load();
    const fix = 'start the server with its own ids, or give it an empty backer path';
    if (saved && saved.partition !== partition) {
      throw new StorageCorruptionError(backerPath, null, `this storage belongs to partition ${saved.partition}, not ${partition}`, fix);
    }
    if (saved && replica !== undefined && saved.replica !== undefined && saved.replica !== replica) {
      throw new StorageCorruptionError(backerPath, null, `this storage belongs to replica ${saved.replica} of partition ${partition}, not replica ${replica}`, fix);
    }
    return new PartitionMembership(partition, replica, store, saved?.partitionCount);
  }

  /** The cluster's partition count, once known. */
  get partitionCount(): number | undefined {
    return this.count;
  }

  /** Records the cluster's partition count (from the manager), durably. */
  async setPartitionCount(count: number): Promise<void> {
    if (this.count === count) return;
    if (this.partition >= count) throw new Error(`partition ${this.partition} does not exist in a cluster of ${count}`);
    await this.store.save(this.replica === undefined ? { partition: this.partition, partitionCount: count } : { partition: this.partition, replica: this.replica, partitionCount: count });
    this.count = count;
  }
}
