/** The bench's latency summary: nearest-rank percentiles, for any number of samples. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencySummary } from './txn-bench';

test('latency summary: p50/p99 by nearest rank, mean and max; none without samples', () => {
  assert.equal(latencySummary([]), null);
  assert.deepEqual(latencySummary([5]), { p50: 5, p99: 5, avg: 5, max: 5 });
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
  assert.deepEqual(latencySummary(hundred), { p50: 50, p99: 99, avg: 50.5, max: 100 });
});

test('latency summary: a million samples (more than a call can take as arguments)', () => {
  const many = Array.from({ length: 1_000_000 }, (_, i) => (i % 1000) + 0.5);
  const s = latencySummary(many)!;
  assert.equal(s.max, 999.5);
  assert.equal(s.p50, 499.5);
  assert.equal(s.p99, 989.5);
});
