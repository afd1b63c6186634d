/**
 * YCSB's number generators, following the Java sources (site.ycsb.generator.*) step by step
 * so the distributions match, including their quirks (noted where kept on purpose). Each
 * takes a random source so runs are reproducible from a seed.
 */
import { fnvhash64 } from './fnv';

export interface RandomSource {
  /** A double in [0, 1). */
  nextDouble(): number;
}

export const ZIPFIAN_CONSTANT = 0.99;

/** ZipfianGenerator.zetastatic(st, n, theta, initialsum): sum over i in [st, n) of 1/(i+1)^theta. */
export function zetastatic(st: number, n: number, theta: number, initialsum: number): number {
  let sum = initialsum;
  for (let i = st; i < n; i++) sum += 1 / Math.pow(i + 1, theta);
  return sum;
}

export interface NumberGenerator {
  nextValue(): number;
}

/** Items in [min, max] with popularity falling as a zipfian (Gray et al., SIGMOD 1994): min the most popular. */
export class ZipfianGenerator implements NumberGenerator {
  private readonly items: number;
  private readonly base: number;
  private readonly theta: number;
  private readonly zeta2theta: number;
  private readonly alpha: number;
  private zetan: number;
  private eta: number;
  private countforzeta: number;

  constructor(
    private readonly random: RandomSource,
    min: number,
    max: number,
    zipfianconstant = ZIPFIAN_CONSTANT,
    zetan?: number,
  ) {
    this.items = max - min + 1;
    this.base = min;
    this.theta = zipfianconstant;
    this.zeta2theta = zetastatic(0, 2, this.theta, 0);
    this.alpha = 1.0 / (1.0 - this.theta);
    this.zetan = zetan ?? zetastatic(0, this.items, this.theta, 0);
    this.countforzeta = this.items;
    this.eta = (1 - Math.pow(2.0 / this.items, 1 - this.theta)) / (1 - this.zeta2theta / this.zetan);
    this.nextValue();
  }

  /** The next item of a distribution over `itemcount` items (grows zeta incrementally when it grows). */
  nextLong(itemcount: number): number {
    if (itemcount > this.countforzeta) {
      this.zetan = zetastatic(this.countforzeta, itemcount, this.theta, this.zetan);
      this.countforzeta = itemcount;
      // YCSB recomputes eta with the original item count, not the new one; kept as is.
      this.eta = (1 - Math.pow(2.0 / this.items, 1 - this.theta)) / (1 - this.zeta2theta / this.zetan);
    }
    const u = this.random.nextDouble();
    const uz = u * this.zetan;
    if (uz < 1.0) return this.base;
    if (uz < 1.0 + Math.pow(0.5, this.theta)) return this.base + 1;
    return this.base + Math.trunc(itemcount * Math.pow(this.eta * u - this.eta + 1, this.alpha));
  }

  nextValue(): number {
    return this.nextLong(this.items);
  }
}

/** ScrambledZipfianGenerator: a zipfian draw over 10^10 items, hashed into [min, max]. */
export class ScrambledZipfianGenerator implements NumberGenerator {
  static readonly ZETAN = 26.46902820178302;
  static readonly ITEM_COUNT = 10_000_000_000;
  private readonly gen: ZipfianGenerator;
  private readonly itemcount: bigint;

  constructor(
    random: RandomSource,
    private readonly min: number,
    max: number,
  ) {
    this.itemcount = BigInt(max - min + 1);
    this.gen = new ZipfianGenerator(random, 0, ScrambledZipfianGenerator.ITEM_COUNT, ZIPFIAN_CONSTANT, ScrambledZipfianGenerator.ZETAN);
  }

  nextValue(): number {
    const ret = this.gen.nextValue();
    // Java's % keeps the dividend's sign; fnvhash64 is non-negative except for Long.MIN_VALUE.
    return this.min + Number(fnvhash64(ret) % this.itemcount);
  }
}

/** UniformLongGenerator: lb + (long)(nextDouble * (ub - lb + 1)). */
export class UniformLongGenerator implements NumberGenerator {
  constructor(
    private readonly random: RandomSource,
    private readonly lb: number,
    private readonly ub: number,
  ) {}

  nextValue(): number {
    return this.lb + Math.trunc(this.random.nextDouble() * (this.ub - this.lb + 1));
  }
}

/** CounterGenerator: countstart, countstart + 1, … */
export class CounterGenerator implements NumberGenerator {
  protected counter: number;

  constructor(countstart: number) {
    this.counter = countstart;
  }

  nextValue(): number {
    return this.counter++;
  }

  lastValue(): number {
    return this.counter - 1;
  }
}

/**
 * AcknowledgedCounterGenerator: lastValue() is the highest value acknowledged without gaps.
 * (YCSB's window of 2^20 slots is a bound on outstanding values; a map does the same here.)
 */
export class AcknowledgedCounterGenerator extends CounterGenerator {
  private limit: number;
  private readonly acked = new Set<number>();

  constructor(countstart: number) {
    super(countstart);
    this.limit = countstart - 1;
  }

  override lastValue(): number {
    return this.limit;
  }

  acknowledge(value: number): void {
    this.acked.add(value);
    while (this.acked.has(this.limit + 1)) {
      this.acked.delete(this.limit + 1);
      this.limit++;
    }
  }
}

/** SkewedLatestGenerator: zipfian over the records inserted so far, favouring the newest. */
export class SkewedLatestGenerator implements NumberGenerator {
  private readonly zipfian: ZipfianGenerator;

  constructor(
    random: RandomSource,
    private readonly basis: CounterGenerator,
  ) {
    this.zipfian = new ZipfianGenerator(random, 0, this.basis.lastValue() - 1);
    this.nextValue();
  }

  nextValue(): number {
    const max = this.basis.lastValue();
    return max - this.zipfian.nextLong(max);
  }
}

/** DiscreteGenerator: one of a few labels, by weight, in the order they were added. */
export class DiscreteGenerator<T> {
  private readonly values: Array<{ weight: number; value: T }> = [];

  constructor(private readonly random: RandomSource) {}

  addValue(weight: number, value: T): void {
    this.values.push({ weight, value });
  }

  nextValue(): T {
    let sum = 0;
    for (const p of this.values) sum += p.weight;
    let val = this.random.nextDouble();
    for (const p of this.values) {
      const pw = p.weight / sum;
      if (val < pw) return p.value;
      val -= pw;
    }
    throw new Error('DiscreteGenerator: weights do not cover [0, 1)');
  }
}
