import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Inflights, Progress } from './progress';

test('inflights: a window bounded by messages and by bytes, freed by acknowledgements', () => {
  const w = new Inflights(3, 1000);
  w.add(10, 100, 1);
  w.add(20, 100, 1);
  assert.equal(w.full, false);
  w.add(30, 100, 2);
  assert.equal(w.full, true, 'three messages fill a window of three');
  w.freeThrough(20);
  assert.equal(w.count, 1);
  assert.equal(w.bytes, 100);
  assert.equal(w.oldestSentAt, 2);
  w.add(40, 950, 3);
  assert.equal(w.full, true, '1050 bytes exceed a window of 1000');
  w.freeThrough(100);
  assert.equal(w.count, 0);
  assert.equal(w.oldestSentAt, undefined);
});

test('inflights: freeing many keeps it compact and correct', () => {
  const w = new Inflights(10_000, 1e9);
  for (let i = 1; i <= 1000; i++) w.add(i, 1, i);
  w.freeThrough(900);
  assert.equal(w.count, 100);
  assert.equal(w.oldestSentAt, 901);
  w.add(1001, 1, 1001);
  w.freeThrough(1001);
  assert.equal(w.count, 0);
});

test('progress, probe: one append at a time until an answer', () => {
  const p = new Progress(11, 8, 1e6);
  assert.equal(p.canSend, true);
  p.sentEntries(15, 50, 0);
  assert.equal(p.canSend, false, 'a probe waits for its answer');
  assert.equal(p.next, 11, 'a probe does not advance next');
  p.acknowledge(15);
  assert.equal(p.match, 15);
  assert.equal(p.next, 16);
  assert.equal(p.canSend, true);
});

test('progress, replicate: appends stream optimistically up to the window', () => {
  const p = new Progress(1, 2, 1e6);
  p.match = 10;
  p.becomeReplicate();
  assert.equal(p.next, 11);
  p.sentEntries(20, 10, 0);
  assert.equal(p.next, 21, 'next runs ahead of match');
  p.sentEntries(30, 10, 0);
  assert.equal(p.canSend, false, 'two appends in flight fill a window of two');
  assert.equal(p.acknowledge(20), true);
  assert.equal(p.canSend, true);
  assert.equal(p.acknowledge(15), false, 'an older acknowledgement is not news');
  assert.equal(p.match, 20);
});

test('progress: a rejection in replicate state falls back to probing where the logs may match', () => {
  const p = new Progress(1, 8, 1e6);
  p.match = 10;
  p.becomeReplicate();
  p.sentEntries(20, 10, 0);
  p.sentEntries(30, 10, 0);
  assert.equal(p.reject(5, 3), false, 'a rejection at or below match is stale');
  assert.equal(p.reject(20, 14), true);
  assert.equal(p.state, 'probe');
  assert.equal(p.next, 15, 'retry after the hinted match point');
  assert.equal(p.reject(20, 12), false, 'in probe state only the answer to the current probe counts');
  assert.equal(p.reject(14, 12), true);
  assert.equal(p.next, 13);
});

test('progress: a probe rejected below what the follower acknowledged means it lost its log (a wiped replica)', () => {
  const p = new Progress(51, 8, 1e6);
  p.match = 50;
  assert.equal(p.reject(50, 0), true);
  assert.equal(p.match, 0);
  assert.equal(p.next, 1);
});

test('progress: stalled when the oldest append in flight has gone unanswered for long enough', () => {
  const p = new Progress(1, 8, 1e6);
  p.becomeReplicate();
  p.sentEntries(5, 10, 100);
  assert.equal(p.stalled(102, 3), false);
  assert.equal(p.stalled(103, 3), true);
  p.acknowledge(5);
  assert.equal(p.stalled(200, 3), false, 'nothing in flight, nothing stalled');
});

test('progress: after a snapshot, probing starts after its last entry', () => {
  const p = new Progress(1, 8, 1e6);
  p.becomeSnapshot({ meta: { index: 100, term: 3 }, data: new Uint8Array(10) });
  assert.equal(p.canSend, false, 'no appends during a snapshot transfer');
  p.becomeProbe();
  assert.equal(p.next, 101);
});
