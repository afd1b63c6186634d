/**
 * The transactional fuzz workload (list-append, what the transactional checker reads): a
 * small key set spread evenly over the shards, fresh names each run (a run-specific prefix,
 * so no earlier run's lists show up as elements nobody appended); every transaction is 1–6
 * operations, each an APPEND (half of them) of an element unique in the run, `<client>-<seq>`,
 * or a GET. A share of the transactions (`crossShare`) take their keys from two or more
 * shards; the others from one shard. Pure: randomness comes from the seeded generator.
 */
import { keysOnPartition } from '../../../kvstore/src/cluster/partition-map';
import type { TxnCallOp } from '../clients/txn-protocol';
import type { SeededRandom } from '../random';

export const MAX_TXN_OPS = 6;

/** `keysPerShard` keys on each shard (by the store's partitioning), named `<prefix>k<shard>.<n>`. */
export function txnFuzzKeys(prefix: string, shards: number, keysPerShard: number): string[][] {
  return Array.from({ length: shards }, (_, shard) => keysOnPartition(`${prefix}k${shard}.`, shard, shards, keysPerShard));
}

export class TxnCounts {
  txns = 0;
  crossShard = 0;
  get = 0;
  append = 0;
  committed = 0;
  aborted = 0;
  unknown = 0;

  /** The operations line (the report scripts sum its numbers as the operations run). */
  opsLine(): string {
    return `  Ops stats:  Get ${this.get}  Append ${this.append}`;
  }

  txnsLine(): string {
    return `  Txns stats:  Committed ${this.committed}  Aborted ${this.aborted}  Unknown ${this.unknown}  (of ${this.txns}, ${this.crossShard} across shards)`;
  }
}

/** One client's stream of random transactions. */
export class TxnSource {
  private seq = 0;

  constructor(
    private readonly client: number,
    /** Keys by shard. */
    private readonly keys: readonly (readonly string[])[],
    private readonly crossShare: number,
    private readonly rnd: SeededRandom,
  ) {}

  /** The next transaction and whether its keys span more than one shard. */
  next(): { ops: TxnCallOp[]; cross: boolean } {
    const size = 1 + this.rnd.nextInt(MAX_TXN_OPS);
    const shards = this.keys.length;
    const wantCross = shards > 1 && this.rnd.nextInt(1_000_000) < this.crossShare * 1_000_000;
    // A transaction across shards needs two operations at least: one per shard.
    const n = wantCross ? Math.max(size, 2) : size;
    const home = this.rnd.nextInt(shards);
    const other = (home + 1 + this.rnd.nextInt(Math.max(shards - 1, 1))) % shards;
    const ops: TxnCallOp[] = [];
    const used = new Set<number>();
    for (let i = 0; i < n; i++) {
      // Across shards: the first two operations go to two different shards, the rest anywhere.
      const shard = !wantCross ? home : i === 0 ? home : i === 1 ? other : this.rnd.nextInt(shards);
      used.add(shard);
      const onShard = this.keys[shard]!;
      const key = onShard[this.rnd.nextInt(onShard.length)]!;
      if (this.rnd.nextInt(2) === 0) ops.push({ op: 'APPEND', key, elem: `${this.client}-${this.seq++}` });
      else ops.push({ op: 'GET', key });
    }
    return { ops, cross: used.size > 1 };
  }
}
