import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random';
import { sortIndicesBy } from './sort-indices';

test('sortIndicesBy orders indices by key, ties in index order (stable), nearly sorted or not', () => {
  const rnd = new SeededRandom(5);
  for (let iter = 0; iter < 300; iter++) {
    const n = iter % 50 === 0 ? 3000 : rnd.nextInt(60);
    const keys = Float64Array.from({ length: n }, () => (iter % 3 === 0 ? rnd.nextInt(5) : rnd.nextDouble() * 100));
    if (iter % 4 === 1) keys.sort();
    if (iter % 4 === 2) keys.sort().reverse();
    const got = Array.from(sortIndicesBy(keys));
    const expected = Array.from({ length: n }, (_, i) => i).sort((x, y) => keys[x]! - keys[y]! || x - y);
    assert.deepEqual(got, expected, `keys ${Array.from(keys).join(',')}`);
  }
  assert.deepEqual(Array.from(sortIndicesBy(Float64Array.of(3, Infinity, 1, Infinity, 2))), [2, 4, 0, 1, 3]);
});

test('sortIndicesBy: far stragglers at the end (operations that never returned, written last) are merged in stably', () => {
  const rnd = new SeededRandom(9);
  for (let iter = 0; iter < 200; iter++) {
    const n = 50 + rnd.nextInt(400);
    // Nearly sorted, as call times in return order, with ties; then a few stragglers from anywhere.
    const keys = Float64Array.from({ length: n }, (_, i) => Math.max(0, i - rnd.nextInt(8)) >> 1);
    const stragglers = iter % 5 === 0 ? n : rnd.nextInt(30);
    for (let s = 0; s < stragglers && s < n; s++) keys[n - 1 - s] = rnd.nextInt(n >> 1);
    const got = Array.from(sortIndicesBy(keys));
    const expected = Array.from({ length: n }, (_, i) => i).sort((x, y) => keys[x]! - keys[y]! || x - y);
    assert.deepEqual(got, expected, `iteration ${iter}`);
  }
});
