/** The admin requests of a replica, against a stand-in for its RaftGroup: status as the wire shows it, transfer_leader's answers. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RaftNodeStatus } from '../raft/node';
import { NotLeaderError } from '../replication/raft-group';
import { type AdminTarget, AdminService } from './admin-service';
import { parseAdminRequest, parseNodeStatus } from './node-status';
import { RequestMeter } from './request-meter';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-admin-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function target(role: RaftNodeStatus['role'], leader: number, transfer: (to: number) => Promise<void> = () => Promise.resolve()): AdminTarget & { asked: number[] } {
  const asked: number[] = [];
  const status: RaftNodeStatus = { id: 1, role, term: 4, leader, commit: 10, applied: 9, firstIndex: 3, lastIndex: 12, stableIndex: 12, snapshotIndex: 2, logEntries: 10 };
  return {
    asked,
    status: () => status,
    isLeader: role === 'leader',
    leader,
    transferLeadership: (to) => {
      asked.push(to);
      return transfer(to);
    },
  };
}

test('status reports the Raft state under the node id, with the bytes of the log and snapshot files', async () => {
  fs.mkdirSync(path.join(dir, 'log'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'snapshots'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'log', 'seg-1'), Buffer.alloc(1000));
  fs.writeFileSync(path.join(dir, 'log', 'seg-2'), Buffer.alloc(24));
  fs.writeFileSync(path.join(dir, 'snapshots', 'snap'), Buffer.alloc(77));
  const admin = new AdminService(target('preCandidate', -1), { node: 's2.1', replica: 1, replicas: 3, dir });
  const reply = await admin.handle({ type: 'status' });
  assert.ok(reply.ok);
  const s = parseNodeStatus(reply.value);
  assert.deepEqual(s, { node: 's2.1', role: 'precandidate', term: 4, leader: -1, commit: 10, applied: 9, lastIndex: 12, snapshotIndex: 2, logBytes: 1024, snapshotBytes: 77 });
  const fresh = new AdminService(target('follower', 0), { node: 'm.1', replica: 1, replicas: 3, dir: path.join(dir, 'none') });
  const r2 = await fresh.handle({ type: 'status' });
  const s2 = parseNodeStatus(r2.ok ? r2.value : null);
  assert.ok(typeof s2 !== 'string', s2 as string);
  assert.deepEqual([s2.logBytes, s2.snapshotBytes, s2.role], [0, 0, 'follower'], 'no storage yet: zero bytes');
});

test('transfer_leader: done on the leader, refused with the leader as hint elsewhere, bad targets refused', async () => {
  const leader = target('leader', 1);
  const admin = new AdminService(leader, { node: 's0.1', replica: 1, replicas: 3, dir });
  assert.deepEqual(await admin.handle({ type: 'transfer_leader', to: 2 }), { ok: true, value: null });
  assert.deepEqual(await admin.handle({ type: 'transfer_leader', to: 1 }), { ok: true, value: null }, 'to itself: nothing to do');
  assert.deepEqual(leader.asked, [2]);
  const bad = await admin.handle({ type: 'transfer_leader', to: 3 });
  assert.equal(bad.ok ? '' : bad.error.code, 'bad_request');
  const follower = new AdminService(target('follower', 2), { node: 's0.1', replica: 1, replicas: 3, dir });
  const refused = await follower.handle({ type: 'transfer_leader', to: 0 });
  assert.deepEqual(refused.ok ? undefined : [refused.error.code, refused.error.hint], ['not_leader', '2']);
  const unknown = new AdminService(target('candidate', -1), { node: 's0.1', replica: 1, replicas: 3, dir });
  const noHint = await unknown.handle({ type: 'transfer_leader', to: 0 });
  assert.deepEqual(noHint.ok ? undefined : [noHint.error.code, noHint.error.hint], ['not_leader', undefined]);
});

test('a transfer that fails or takes too long is unavailable; leadership lost meanwhile is not_leader', async () => {
  const slow = new AdminService(target('leader', 0, () => new Promise(() => undefined)), { node: 'm.0', replica: 0, replicas: 3, dir, transferTimeoutMs: 50 });
  const late = await slow.handle({ type: 'transfer_leader', to: 1 });
  assert.deepEqual(late.ok ? undefined : late.error, { code: 'unavailable', message: 'leadership did not move to replica 1 within 50 ms' });
  const failing = new AdminService(target('leader', 0, () => Promise.reject(new Error('leadership did not move to node 2 within 1000 ms'))), { node: 'm.0', replica: 0, replicas: 3, dir });
  const failed = await failing.handle({ type: 'transfer_leader', to: 2 });
  assert.equal(failed.ok ? '' : failed.error.code, 'unavailable');
  const lost = new AdminService(target('leader', 0, () => Promise.reject(new NotLeaderError(2))), { node: 'm.0', replica: 0, replicas: 3, dir });
  const moved = await lost.handle({ type: 'transfer_leader', to: 1 });
  assert.deepEqual(moved.ok ? undefined : [moved.error.code, moved.error.hint], ['not_leader', '2']);
});

test('malformed admin requests and status answers are described, not trusted', () => {
  assert.equal(parseAdminRequest({ type: 'transfer_leader' }), 'transfer_leader needs `to`, a replica id');
  assert.equal(parseAdminRequest({ type: 'transfer_leader', to: -1 }), 'transfer_leader needs `to`, a replica id');
  assert.equal(parseAdminRequest([1]), 'not an admin request');
  const good = { node: 'm.0', role: 'leader', term: 1, leader: 0, commit: 1, applied: 1, lastIndex: 1, snapshotIndex: 0, logBytes: 1, snapshotBytes: 0 };
  assert.deepEqual(parseNodeStatus(good), good);
  assert.equal(parseNodeStatus({ ...good, role: 'king' }), 'status has an unknown role "king"');
  assert.equal(parseNodeStatus({ ...good, commit: -1 }), 'status field commit is not a count');
  assert.equal(parseNodeStatus({ ...good, leader: 'x' }), 'status lacks the leader');
  assert.equal(parseNodeStatus({ ...good, node: '' }), 'status lacks the node id');
  assert.equal(parseNodeStatus(null), 'status is not an object');
});

test('status carries the request totals of the node\'s meter when it has one; a bad total is refused', async () => {
  const meter = new RequestMeter();
  meter.record(1.5);
  meter.record(0.25);
  const admin = new AdminService(target('leader', 1), { node: 's0.1', replica: 1, replicas: 3, dir, meter });
  const reply = await admin.handle({ type: 'status' });
  const s = parseNodeStatus(reply.ok ? reply.value : null);
  assert.ok(typeof s !== 'string', s as string);
  assert.deepEqual([s.requests, s.requestMicros], [2, 1750]);
  const good = { node: 'm.0', role: 'leader', term: 1, leader: 0, commit: 1, applied: 1, lastIndex: 1, snapshotIndex: 0, logBytes: 1, snapshotBytes: 0 };
  assert.equal(parseNodeStatus({ ...good, requests: -3 }), 'status field requests is not a count');
  assert.equal(parseNodeStatus({ ...good, requests: 3, requestMicros: 'x' }), 'status field requestMicros is not a count');
  assert.deepEqual(parseNodeStatus({ ...good, requests: 3, requestMicros: 40 }), { ...good, requests: 3, requestMicros: 40 });
});

test('a stage-4 shard leader’s status carries its transaction core’s state; a malformed one is refused', () => {
  const good = { node: 's0.0', role: 'leader', term: 1, leader: 0, commit: 1, applied: 1, lastIndex: 1, snapshotIndex: 0, logBytes: 1, snapshotBytes: 0 };
  const txn = { epoch: 1, coordinating: 2, committing: 1, oldestTicks: 9, lockHolders: 0, parkedReads: 0 };
  assert.deepEqual(parseNodeStatus({ ...good, txn }), { ...good, txn });
  assert.deepEqual(parseNodeStatus({ ...good, txn: { ...txn, epoch: null } }), { ...good, txn: { ...txn, epoch: null } });
  assert.equal(parseNodeStatus({ ...good, txn: { ...txn, parkedReads: -1 } }), 'status field txn.parkedReads is not a count');
  assert.equal(parseNodeStatus({ ...good, txn: { ...txn, epoch: 'x' } }), 'status field txn.epoch is not an epoch or null');
  assert.equal(parseNodeStatus({ ...good, txn: 7 }), 'status field txn is not an object');
  const split = { committed: 4, certifyTicks: 10, waitTicks: 200, ticks: 5000 };
  assert.deepEqual(parseNodeStatus({ ...good, txn: { ...txn, split } }), { ...good, txn: { ...txn, split } });
  assert.equal(parseNodeStatus({ ...good, txn: { ...txn, split: { ...split, waitTicks: 1.5 } } }), 'status field txn.split.waitTicks is not a count');
  assert.equal(parseNodeStatus({ ...good, txn: { ...txn, split: [] } }), 'status field txn.split is not an object');
});
