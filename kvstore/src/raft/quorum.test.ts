import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMajority, majority, majorityValue, voteResult } from './quorum';

test('a majority is more than half of the voters', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(majority), [1, 2, 2, 3, 3, 4, 4]);
});

test('commit index: the highest index stored on a majority of voters', () => {
  const match = (m: Record<number, number>) => (id: number) => m[id] ?? 0;
  assert.equal(majorityValue([1], match({ 1: 7 })), 7);
  assert.equal(majorityValue([1, 2, 3], match({ 1: 5, 2: 3, 3: 9 })), 5);
  assert.equal(majorityValue([1, 2, 3], match({ 1: 5 })), 0, 'one of three is not a majority');
  assert.equal(majorityValue([1, 2, 3, 4], match({ 1: 8, 2: 8, 3: 2, 4: 1 })), 2, 'four voters need three');
  assert.equal(majorityValue([1, 2, 3, 4, 5], match({ 1: 10, 2: 9, 3: 8, 4: 1, 5: 1 })), 8);
  assert.equal(majorityValue([1, 2, 3, 4, 5], match({ 1: 10, 2: 9, 3: 1, 4: 1, 5: 1 })), 1);
  assert.equal(majorityValue([], match({})), 0);
});

test('vote counting: won at a majority of grants, lost once a majority is out of reach', () => {
  const votes = (entries: Array<[number, boolean]>) => new Map(entries);
  assert.equal(voteResult([1], votes([[1, true]])), 'won');
  assert.equal(voteResult([1, 2, 3], votes([[1, true]])), 'pending');
  assert.equal(voteResult([1, 2, 3], votes([[1, true], [2, true]])), 'won');
  assert.equal(voteResult([1, 2, 3], votes([[1, true], [2, false]])), 'pending');
  assert.equal(voteResult([1, 2, 3], votes([[1, true], [2, false], [3, false]])), 'lost');
  assert.equal(voteResult([1, 2, 3, 4], votes([[1, true], [2, true]])), 'pending', 'a tie is not a win');
  assert.equal(voteResult([1, 2, 3, 4], votes([[1, true], [2, false], [3, false]])), 'lost');
  assert.equal(voteResult([1, 2, 3, 4, 5], votes([[1, true], [2, true], [9, true]])), 'pending', 'a non-voter does not count');
});

test('a majority of active voters', () => {
  assert.equal(isMajority([1, 2, 3], (id) => id !== 3), true);
  assert.equal(isMajority([1, 2, 3], (id) => id === 1), false);
  assert.equal(isMajority([1, 2, 3, 4], (id) => id <= 2), false);
});
