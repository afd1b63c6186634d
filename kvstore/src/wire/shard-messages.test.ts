import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerMessage } from '../txn/messages';
import { parseEpochNotice, parsePeerEnvelope, parseTxnReport } from './shard-messages';

const SHARDS = 3;
const tag = { txn: '0.0.1', epoch: 0, vclock: [1, 0, 2] };

/** One of every peer message the cores send, as they send it. */
const every: PeerMessage[] = [
  { type: 'read', txn: '0.0.1', epoch: 0, keys: ['a', 'b'] },
  { type: 'readReply', txn: '0.0.1', wm: { epoch: 0, w: 4 }, ok: true, reads: [{ key: 'a', value: 'v', version: tag }, { key: 'b', value: null, version: null }] },
  { type: 'readReply', txn: '0.0.1', wm: null, ok: false, reason: 'higher_epoch_read' },
  { type: 'lock', txn: '0.0.1', epoch: 0, keys: ['a'] },
  { type: 'lockReply', txn: '0.0.1', wm: null, ok: true },
  { type: 'lockReply', txn: '0.0.1', wm: null, ok: false, reason: 'lock_conflict' },
  { type: 'getClock', txn: '0.0.1', epoch: 0, writes: true },
  { type: 'clockReply', txn: '0.0.1', wm: { epoch: 1, w: 0 }, ok: true, clock: 7 },
  { type: 'clockReply', txn: '0.0.1', wm: null, ok: false, reason: 'epoch_changed' },
  { type: 'validate', txn: '0.0.1', epoch: 0, reads: [{ key: 'a', writer: '1.0.4' }, { key: 'b', writer: null }] },
  { type: 'validateReply', txn: '0.0.1', wm: null, ok: false, reason: 'validation_failed' },
  { type: 'install', txn: '0.0.1', epoch: 0, vclock: [1, 2, 3], writes: [{ key: 'a', value: 'x' }, { key: 'b', value: null }] },
  { type: 'installReply', txn: '0.0.1', wm: { epoch: 0, w: 9 }, ok: true },
  { type: 'abort', txn: '0.0.1', epoch: 0 },
  { type: 'watermark', epoch: 0, w: 12 },
  { type: 'prepare', txn: '0.0.1', reads: [{ key: 'a', writer: null }], writes: [{ key: 'a', value: '1' }] },
  { type: 'prepareReply', txn: '0.0.1', ok: true },
  { type: 'decide', txn: '0.0.1', commit: false },
  { type: 'decideReply', txn: '0.0.1' },
  { type: 'decisionQuery', txn: '0.0.1' },
  // The 2PC baseline's versions carry an empty vector clock.
  { type: 'readReply', txn: '0.0.1', wm: null, ok: true, reads: [{ key: 'a', value: 'v', version: { txn: '1@1.4', epoch: 0, vclock: [] } }] },
];

test('every peer message the cores send passes unchanged', () => {
  for (const msg of every) assert.deepEqual(parsePeerEnvelope({ type: 'peer', from: 2, msg }, SHARDS), { type: 'peer', from: 2, msg }, msg.type);
});

test('malformed peer messages are refused with a reason', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ type: 'peer', from: 3, msg: every[0] }, /from names shard 3/],
    [{ type: 'peer', from: -1, msg: every[0] }, /from is not/],
    [{ type: 'peer', from: 0, msg: { ...every[0], keys: ['a b'] } }, /key is not a token/],
    [{ type: 'peer', from: 0, msg: { ...every[0], keys: Array.from({ length: 65 }, () => 'k') } }, /at most 64/],
    [{ type: 'peer', from: 0, msg: { ...every[0], txn: '' } }, /txn is not an id/],
    [{ type: 'peer', from: 0, msg: { ...every[11], vclock: [1, 2] } }, /needs 3 components/],
    [{ type: 'peer', from: 0, msg: { ...every[11], vclock: [1, 2, -1] } }, /clock component/],
    [{ type: 'peer', from: 0, msg: { ...every[5], reason: 'Lock Conflict' } }, /reason/],
    [{ type: 'peer', from: 0, msg: { ...every[4], ok: 'yes' } }, /ok is not a boolean/],
    [{ type: 'peer', from: 0, msg: { ...every[4], wm: { epoch: 0 } } }, /wm.w/],
    [{ type: 'peer', from: 0, msg: { ...every[1], reads: [{ key: 'a', value: 'v', version: { txn: 't', epoch: 0, vclock: [1] } }] } }, /needs 3 components/],
    [{ type: 'peer', from: 0, msg: { ...every[17], commit: 1 } }, /commit is not a boolean/],
    [{ type: 'peer', from: 0, msg: { type: 'gossip' } }, /unknown peer message type/],
    [{ type: 'peer', from: 0, msg: null }, /not an object/],
    [{ type: 'kv', from: 0, msg: every[0] }, /not a peer message/],
  ];
  for (const [body, why] of bad) {
    const r = parsePeerEnvelope(body, SHARDS);
    assert.equal(typeof r, 'string', JSON.stringify(body).slice(0, 100));
    assert.match(r as string, why);
  }
});

test('manager reports and notices are checked the same way', () => {
  const report = { type: 'leaderReport', shard: 1, leader: '2@7', epoch: 0, fresh: false };
  assert.deepEqual(parseTxnReport({ type: 'txnReport', msg: report }, SHARDS), report);
  const closed = { type: 'epochClosed', shard: 0, epoch: 1, watermark: 5 };
  assert.deepEqual(parseTxnReport({ type: 'txnReport', msg: closed }, SHARDS), closed);
  assert.match(parseTxnReport({ type: 'txnReport', msg: { ...report, shard: 3 } }, SHARDS) as string, /does not exist/);
  assert.match(parseTxnReport({ type: 'txnReport', msg: { ...report, fresh: 'no' } }, SHARDS) as string, /fresh/);
  assert.match(parseTxnReport({ type: 'txnReport', msg: { ...report, leader: '' } }, SHARDS) as string, /leader/);
  assert.deepEqual(parseEpochNotice({ type: 'epoch', msg: { type: 'epochChange', epoch: 2 } }, SHARDS), { type: 'epochChange', epoch: 2 });
  assert.deepEqual(parseEpochNotice({ type: 'epoch', msg: { type: 'fvw', epoch: 1, fvw: [3, 0, 9] } }, SHARDS), { type: 'fvw', epoch: 1, fvw: [3, 0, 9] });
  assert.match(parseEpochNotice({ type: 'epoch', msg: { type: 'fvw', epoch: 1, fvw: [3] } }, SHARDS) as string, /3 components/);
  assert.match(parseEpochNotice({ type: 'epoch', msg: { type: 'reboot' } }, SHARDS) as string, /unknown notice/);
});
