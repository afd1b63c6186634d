/**
 * A shard's logical clock (M2). `next` is the next value to hand out: every value handed out
 * or installed at this shard is below it, which is what lets the barrier rule treat `next`
 * as a bound no future transaction can go under.
 * - GetClock is post-increment: it hands out `next` and then increments (`clock++`).
 * - Install raises the clock above the installed transaction's component, so a transaction
 *   that later reads or overwrites the version gets a larger clock here.
 */
export class ShardClock {
  private nextValue: number;

  constructor(
    start = 1,
    private readonly preIncrement = false,
  ) {
    this.nextValue = start;
  }

  /** The next value GetClock would hand out. */
  get next(): number {
    return this.nextValue;
  }

  getClock(): number {
    // The mistake: `++clock` hands out a value the clock still counts as not handed out.
    if (this.preIncrement) return ++this.nextValue;
    return this.nextValue++;
  }

  /** Install: keep every installed component below `next`. */
  raise(installed: number): void {
    if (installed + 1 > this.nextValue) this.nextValue = installed + 1;
  }
}
