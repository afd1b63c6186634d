import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadOnlyQueue } from './read-only';

test('read-only: a read waits for a round sent after it arrived', () => {
  const q = new ReadOnlyQueue();
  const r1 = q.startRound(0);
  q.add(7, 42);
  assert.equal(q.needsRound, true, 'the read needs a round newer than the one already out');
  assert.deepEqual(q.confirm(r1), [], 'a round sent before the read cannot confirm it');
  const r2 = q.startRound(1);
  assert.equal(q.needsRound, false);
  assert.deepEqual(q.confirm(r2), [{ ctx: 7, index: 42, round: r2 }]);
});

test('read-only: one round confirms every read waiting on it or an older one, in order', () => {
  const q = new ReadOnlyQueue();
  q.add(1, 10);
  q.add(2, 10);
  q.startRound(0);
  q.add(3, 11);
  const r = q.startRound(1);
  assert.deepEqual(q.confirm(r).map((x) => x.ctx), [1, 2, 3]);
  assert.equal(q.size, 0);
});

test('read-only: reads parked until the leader commits in its term come out together', () => {
  const q = new ReadOnlyQueue();
  q.waitForCommit(5);
  q.waitForCommit(6);
  assert.deepEqual(q.takeWaitingForCommit(), [5, 6]);
  assert.deepEqual(q.takeWaitingForCommit(), []);
});

test('read-only: a leader stepping down drains every unconfirmed read', () => {
  const q = new ReadOnlyQueue();
  q.waitForCommit(1);
  q.add(2, 3);
  q.startRound(0);
  assert.deepEqual(q.drain().sort(), [1, 2]);
  assert.equal(q.size, 0);
  assert.equal(q.round, 0);
});

test('read-only: the send time of the confirmed round is kept (the lease is counted from it)', () => {
  const q = new ReadOnlyQueue();
  q.startRound(3);
  const r = q.startRound(8);
  q.confirm(r);
  assert.equal(q.roundSentAt(r), 8);
  assert.equal(q.roundSentAt(r - 1), undefined, 'older rounds are forgotten');
});
