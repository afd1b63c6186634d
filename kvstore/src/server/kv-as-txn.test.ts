import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kvCommandAsTxnOp, txnReplyAsKvResult } from './kv-as-txn';

test('PUT runs as a SWAP so its answer can say whether the key existed', () => {
  const put = { op: 'put' as const, key: 'k', value: 'v' };
  assert.deepEqual(kvCommandAsTxnOp(put), { op: 'swap', key: 'k', value: 'v' });
  assert.deepEqual(txnReplyAsKvResult(put, { outcome: 'committed', results: [{ op: 'swap', key: 'k', old: null }] }), { op: 'put', found: false });
  assert.deepEqual(txnReplyAsKvResult(put, { outcome: 'committed', results: [{ op: 'swap', key: 'k', old: 'o' }] }), { op: 'put', found: true });
});

test('GET, SWAP and DELETE map one to one', () => {
  const get = { op: 'get' as const, key: 'k' };
  const swap = { op: 'swap' as const, key: 'k', value: 'v' };
  const del = { op: 'delete' as const, key: 'k' };
  assert.deepEqual(kvCommandAsTxnOp(get), get);
  assert.deepEqual(kvCommandAsTxnOp(swap), swap);
  assert.deepEqual(kvCommandAsTxnOp(del), del);
  assert.deepEqual(txnReplyAsKvResult(get, { outcome: 'committed', results: [{ op: 'get', key: 'k', value: 'x' }] }), { op: 'get', value: 'x' });
  assert.deepEqual(txnReplyAsKvResult(swap, { outcome: 'committed', results: [{ op: 'swap', key: 'k', old: 'o' }] }), { op: 'swap', old: 'o' });
  assert.deepEqual(txnReplyAsKvResult(del, { outcome: 'committed', results: [{ op: 'delete', key: 'k', existed: true }] }), { op: 'delete', found: true });
});

test('an abort or an unknown outcome is passed on with its reason; a mismatched result is a bug, not an answer', () => {
  const get = { op: 'get' as const, key: 'k' };
  assert.deepEqual(txnReplyAsKvResult(get, { outcome: 'aborted', reason: 'epoch_changed' }), { failed: 'aborted', reason: 'epoch_changed' });
  assert.deepEqual(txnReplyAsKvResult(get, { outcome: 'unknown', reason: 'leader_lost' }), { failed: 'unknown', reason: 'leader_lost' });
  assert.throws(() => txnReplyAsKvResult(get, { outcome: 'committed', results: [{ op: 'put', key: 'k' }] }), /answered with a put result/);
  assert.throws(() => txnReplyAsKvResult(get, { outcome: 'committed', results: [{ op: 'get', key: 'other', value: null }] }), /was answered/);
  assert.throws(() => txnReplyAsKvResult(get, { outcome: 'committed', results: [] }), /was answered/);
});
