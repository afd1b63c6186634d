/** Reading a cluster's state from its nodes' status answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type NodeAnswer, formatProxyRow, formatStatusRows, groupLeader } from './cluster-status';
import type { NodeStatus } from '../../../kvstore/src/status/node-status';

const group = { id: '0', members: ['s0.0', 's0.1', 's0.2'] };

function status(node: string, role: NodeStatus['role'], term: number, leader: number): NodeAnswer {
  return { state: 'up', status: { node, role, term, leader, commit: 10, applied: 9, lastIndex: 11, snapshotIndex: 0, logBytes: 100, snapshotBytes: 0 } };
}

test('the leader is the replica leading in the highest term: an old leader cut off from the rest does not count', () => {
  const answers = new Map<string, NodeAnswer>([
    ['s0.0', status('s0.0', 'leader', 3, 0)],
    ['s0.1', status('s0.1', 'leader', 4, 1)],
    ['s0.2', status('s0.2', 'follower', 4, 1)],
  ]);
  assert.equal(groupLeader(group, answers), 's0.1');
  assert.equal(groupLeader(group, new Map([['s0.0', { state: 'down' }], ['s0.1', status('s0.1', 'candidate', 5, -1)]])), undefined);
});

test('one line per node: role, term, indexes and the leader it follows by node id; down and paused nodes say so', () => {
  const lines = formatStatusRows([
    { node: 's0.0', address: '127.0.0.1:3777', pid: 11, answer: status('s0.0', 'follower', 4, 1), group },
    { node: 's0.1', address: '127.0.0.1:3778', pid: 12, answer: status('s0.1', 'leader', 4, 1), group },
    { node: 's0.2', address: '127.0.0.1:3779', pid: undefined, answer: { state: 'down' }, group },
    { node: 's1.0', address: '127.0.0.1:3780', pid: 14, answer: { state: 'paused' }, group },
    { node: 's1.1', address: '127.0.0.1:3781', pid: 15, answer: status('s1.1', 'candidate', 2, -1), group },
  ]);
  assert.match(lines[0]!, /^s0\.0 +127\.0\.0\.1:3777 +follower +term 4 +commit 10 +applied 9 +leader s0\.1 +pid 11$/);
  assert.match(lines[1]!, /^s0\.1 +127\.0\.0\.1:3778 +leader +term 4 .*leader s0\.1 +pid 12$/);
  assert.match(lines[2]!, /^s0\.2 +127\.0\.0\.1:3779 +down$/);
  assert.match(lines[3]!, /^s1\.0 +127\.0\.0\.1:3780 +paused \(SIGSTOP\) +pid 14$/);
  assert.match(lines[4]!, /candidate +term 2 .*leader - +pid 15$/);
  assert.match(
    formatProxyRow('127.0.0.1:4666', 9, [
      { from: 'a', to: 'b', listen: '', target: '', cut: true, delayMs: 0, connections: 0, bytesForward: 0, bytesBack: 0 },
      { from: 'b', to: 'a', listen: '', target: '', cut: false, delayMs: 200, connections: 1, bytesForward: 0, bytesBack: 0 },
    ]),
    /^proxy +127\.0\.0\.1:4666 +2 links; cut: a->b; delayed: b->a 200 ms +pid 9$/,
  );
});


test('a stage-4 shard leader’s line also says what its transaction core holds', () => {
  const answer = status('s0.1', 'leader', 4, 1);
  if (answer.state !== 'up') throw new Error('unreachable');
  answer.status.txn = { epoch: 2, coordinating: 3, committing: 1, oldestTicks: 40, lockHolders: 2, parkedReads: 1 };
  const [line] = formatStatusRows([{ node: 's0.1', address: '127.0.0.1:3778', pid: 12, answer, group }]);
  assert.match(line!, /pid 12 +txn: epoch 2, 3 in flight \(1 committing, oldest 40 ticks\), 2 holding locks, 1 reads parked$/);
  answer.status.txn = { epoch: null, coordinating: 0, committing: 0, oldestTicks: 0, lockHolders: 0, parkedReads: 0 };
  assert.match(formatStatusRows([{ node: 's0.1', address: '127.0.0.1:3778', pid: 12, answer, group }])[0]!, /txn: none in flight, 0 holding locks, 0 reads parked$/);
});
