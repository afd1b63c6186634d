/**
 * A small seeded pseudo-random generator (SplitMix32-style mixing of a 32-bit counter):
 * the same seed gives the same sequence on every machine, which is what makes a simulator
 * run replayable from its seed. Not for anything that needs unpredictability.
 */
import type { RandomSource } from './types';

export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  };
}

/** Helpers over a RandomSource. */
export class Rng {
  constructor(readonly next: RandomSource) {}

  static seeded(seed: number): Rng {
    return new Rng(seededRandom(seed));
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi], both inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** A new independent generator derived from this one (for a sub-component). */
  fork(): Rng {
    return Rng.seeded(Math.floor(this.next() * 0x1_0000_0000));
  }
}
