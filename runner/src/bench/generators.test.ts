import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random';
import { fnvhash64 } from './fnv';
import { AcknowledgedCounterGenerator, DiscreteGenerator, ScrambledZipfianGenerator, SkewedLatestGenerator, UniformLongGenerator, ZipfianGenerator, zetastatic } from './generators';

const THETA = 0.99;

/** Within k standard deviations of a binomial proportion. */
function near(observed: number, p: number, draws: number, k = 4.5): boolean {
  return Math.abs(observed - p) <= k * Math.sqrt((p * (1 - p)) / draws) + 1e-12;
}

test('zeta(10^10) is the constant YCSB precomputes, to the digits we can sum here', () => {
  // Summing 10^10 terms is too slow for a test; check the Euler-Maclaurin estimate instead.
  const n = 1e10;
  const head = zetastatic(0, 1e6, THETA, 0);
  const tail = (Math.pow(n, 1 - THETA) - Math.pow(1e6, 1 - THETA)) / (1 - THETA) + 0.5 * (Math.pow(n, -THETA) - Math.pow(1e6, -THETA));
  assert.ok(Math.abs(head + tail - ScrambledZipfianGenerator.ZETAN) < 1e-6, `${head + tail}`);
});

test('zipfian frequencies follow the closed form', () => {
  const n = 100;
  const draws = 300_000;
  const g = new ZipfianGenerator(new SeededRandom(11), 0, n - 1);
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < draws; i++) {
    const v = g.nextValue();
    assert.ok(v >= 0 && v < n);
    counts[v]!++;
  }
  const zetan = zetastatic(0, n, THETA, 0);
  // Items 0 and 1 are drawn exactly with zipf probability 1/zeta and 2^-theta/zeta.
  assert.ok(near(counts[0]! / draws, 1 / zetan, draws), `item 0: ${counts[0]! / draws}`);
  assert.ok(near(counts[1]! / draws, Math.pow(0.5, THETA) / zetan, draws), `item 1: ${counts[1]! / draws}`);
  // The rest follow Gray et al.'s inverse: item >= k iff u >= 1 - (1 - (k/n)^(1-theta)) / eta.
  const eta = (1 - Math.pow(2 / n, 1 - THETA)) / (1 - zetastatic(0, 2, THETA, 0) / zetan);
  const uMin = (1 + Math.pow(0.5, THETA)) / zetan;
  const atLeast = (k: number): number => 1 - Math.max(uMin, 1 - (1 - Math.pow(k / n, 1 - THETA)) / eta);
  for (let k = 2; k < n; k++) {
    const p = atLeast(k) - (k + 1 < n ? atLeast(k + 1) : 0);
    assert.ok(near(counts[k]! / draws, p, draws), `item ${k}: observed ${counts[k]! / draws}, closed form ${p}`);
  }
  // And the whole stays close to the true zipf law 1/(i+1)^theta / zeta (Gray's is an approximation).
  for (const [a, b] of [
    [2, 9],
    [10, 29],
    [30, 99],
  ] as const) {
    let expected = 0;
    let observed = 0;
    for (let i = a; i <= b; i++) {
      expected += 1 / Math.pow(i + 1, THETA) / zetan;
      observed += counts[i]! / draws;
    }
    assert.ok(Math.abs(observed / expected - 1) < 0.1, `items ${a}..${b}: ${observed} vs ${expected}`);
  }
});

test('scrambled zipfian: hashed into the range, the hash of draw 0 is the hottest item', () => {
  const g = new ScrambledZipfianGenerator(new SeededRandom(5), 0, 1000);
  const counts = new Map<number, number>();
  const draws = 100_000;
  for (let i = 0; i < draws; i++) {
    const v = g.nextValue();
    assert.ok(v >= 0 && v <= 1000);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const hottest = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  assert.equal(hottest[0], Number(fnvhash64(0) % 1001n));
  // P(draw 0) = 1/ZETAN; other draws hashing there add a little.
  const share = hottest[1] / draws;
  assert.ok(share > 1 / ScrambledZipfianGenerator.ZETAN - 0.003 && share < 1 / ScrambledZipfianGenerator.ZETAN + 0.01, `${share}`);
});

test('skewed latest favours the newest record and follows inserts', () => {
  const basis = new AcknowledgedCounterGenerator(1000);
  const g = new SkewedLatestGenerator(new SeededRandom(3), basis);
  let newest = 0;
  for (let i = 0; i < 10_000; i++) {
    const v = g.nextValue();
    assert.ok(v >= 1 && v <= 999, `${v}`);
    if (v === 999) newest++;
  }
  assert.ok(newest / 10_000 > 0.1);
  const k = basis.nextValue();
  basis.acknowledge(k);
  assert.equal(basis.lastValue(), 1000);
  let sawNew = false;
  for (let i = 0; i < 1000; i++) if (g.nextValue() === 1000) sawNew = true;
  assert.ok(sawNew);
});

test('acknowledged counter only advances over contiguous acknowledgements', () => {
  const c = new AcknowledgedCounterGenerator(10);
  const a = c.nextValue();
  const b = c.nextValue();
  c.acknowledge(b);
  assert.equal(c.lastValue(), 9);
  c.acknowledge(a);
  assert.equal(c.lastValue(), 11);
});

test('uniform and discrete generators', () => {
  const rnd = new SeededRandom(9);
  const u = new UniformLongGenerator(rnd, 1, 100);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < 20_000; i++) {
    const v = u.nextValue();
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.deepEqual([min, max], [1, 100]);
  const d = new DiscreteGenerator<string>(rnd);
  d.addValue(0.95, 'READ');
  d.addValue(0.05, 'UPDATE');
  let reads = 0;
  for (let i = 0; i < 20_000; i++) if (d.nextValue() === 'READ') reads++;
  assert.ok(near(reads / 20_000, 0.95, 20_000));
});
