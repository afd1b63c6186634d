/**
 * The vector watermark (M5): per epoch, one watermark per shard, learned from the shards'
 * periodic exchange and from replies. Reports only raise a component (a shard's watermark
 * is monotone within an epoch; late, older reports change nothing). A transaction of epoch e
 * is covered, and may be acknowledged, only when its vector clock ≤ the combination of the
 * shard watermarks, component by component: the combined bound is limited by the lowest
 * shard for that shard's component, never lifted by a faster shard.
 */
import { clockLeq, type Epoch, type ShardId, type VClock } from './types';

export class VectorWatermark {
  private readonly byEpoch = new Map<Epoch, number[]>();

  constructor(
    readonly shards: number,
    /** The mistake: combine shard watermarks with max (each component becomes the highest shard watermark). */
    private readonly combineWithMax = false,
  ) {}

  /** Raises shard's component for epoch; returns true if it changed. */
  report(shard: ShardId, epoch: Epoch, w: number): boolean {
    let v = this.byEpoch.get(epoch);
    if (v === undefined) this.byEpoch.set(epoch, (v = new Array<number>(this.shards).fill(0)));
    if (w <= v[shard]!) return false;
    v[shard] = w;
    return true;
  }

  /** Shard watermarks as reported (a copy). */
  reported(epoch: Epoch): number[] {
    return (this.byEpoch.get(epoch) ?? new Array<number>(this.shards).fill(0)).slice();
  }

  /** The combined bound a transaction's vector clock is compared with. */
  combined(epoch: Epoch): VClock {
    const v = this.reported(epoch);
    if (!this.combineWithMax) return v;
    const top = Math.max(...v);
    return v.map(() => top);
  }

  covers(epoch: Epoch, vclock: readonly number[]): boolean {
    return clockLeq(vclock, this.combined(epoch));
  }

  forget(epochsBelow: Epoch): void {
    for (const e of [...this.byEpoch.keys()]) if (e < epochsBelow) this.byEpoch.delete(e);
  }
}
