import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TXN_OPS, type TxnOp } from '../kv/txn-op';
import { TXN_UNSUPPORTED, parseKvRequest } from './kv-messages';
import { parseTxnReply, parseTxnRequest, toReason } from './txn-messages';

const every: TxnOp[] = [
  { op: 'get', key: 'a' },
  { op: 'put', key: 'b', value: 'v' },
  { op: 'swap', key: 'c', value: 'w' },
  { op: 'delete', key: 'd' },
  { op: 'incr', key: 'e', delta: -3 },
  { op: 'append', key: 'f', elem: 'x' },
];

test('a request with every kind of operation is accepted as it was sent', () => {
  assert.deepEqual(parseTxnRequest({ type: 'txn', ops: every }), { type: 'txn', ops: every });
});

test('unknown fields are dropped, so what reaches the core is exactly the validated shape', () => {
  assert.deepEqual(parseTxnRequest({ type: 'txn', ops: [{ op: 'get', key: 'a', value: 'junk', extra: 1 }] }), { type: 'txn', ops: [{ op: 'get', key: 'a' }] });
});

test('malformed requests are refused with a reason naming the operation', () => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /not a txn/],
    [{ type: 'kv', ops: [] }, /not a txn/],
    [{ type: 'txn' }, /array ops/],
    [{ type: 'txn', ops: [] }, /1 to 64/],
    [{ type: 'txn', ops: Array.from({ length: MAX_TXN_OPS + 1 }, () => ({ op: 'get', key: 'a' })) }, /1 to 64/],
    [{ type: 'txn', ops: [{ op: 'get' }] }, /operation 1: get needs a key/],
    [{ type: 'txn', ops: [{ op: 'get', key: 'a b' }] }, /needs a key/],
    [{ type: 'txn', ops: [{ op: 'get', key: 'a' }, { op: 'put', key: 'b' }] }, /operation 2: put needs a value/],
    [{ type: 'txn', ops: [{ op: 'swap', key: 'b', value: '' }] }, /swap needs a value/],
    [{ type: 'txn', ops: [{ op: 'incr', key: 'b', delta: 1.5 }] }, /integer delta/],
    [{ type: 'txn', ops: [{ op: 'incr', key: 'b', delta: '1' }] }, /integer delta/],
    [{ type: 'txn', ops: [{ op: 'incr', key: 'b', delta: 2 ** 53 }] }, /integer delta/],
    [{ type: 'txn', ops: [{ op: 'append', key: 'b', elem: 'x,y' }] }, /without commas/],
    [{ type: 'txn', ops: [{ op: 'scan', key: 'b' }] }, /unknown op "scan"/],
    [{ type: 'txn', ops: ['get a'] }, /not an object/],
  ];
  for (const [body, why] of bad) {
    const r = parseTxnRequest(body);
    assert.equal(typeof r, 'string', JSON.stringify(body)?.slice(0, 80));
    assert.match(r as string, why);
  }
});

test('a stage 1-3 server refuses a transaction with a reason that says what is needed', () => {
  assert.equal(parseKvRequest({ type: 'txn', ops: every }), TXN_UNSUPPORTED);
  assert.match(TXN_UNSUPPORTED, /stage-4/);
});

test('a committed reply is accepted only with one matching result per operation, in order', () => {
  const results = [
    { op: 'get', key: 'a', value: null },
    { op: 'put', key: 'b' },
    { op: 'swap', key: 'c', old: 'o' },
    { op: 'delete', key: 'd', existed: true },
    { op: 'incr', key: 'e', value: 7 },
    { op: 'append', key: 'f' },
  ];
  assert.deepEqual(parseTxnReply({ outcome: 'committed', results }, every), { outcome: 'committed', results });
  const swapped = [results[1], results[0], ...results.slice(2)];
  assert.match(parseTxnReply({ outcome: 'committed', results: swapped }, every) as string, /result 1: does not answer get a/);
  assert.match(parseTxnReply({ outcome: 'committed', results: results.slice(1) }, every) as string, /needs 6 results/);
  const wrongKey = [{ ...results[0], key: 'z' }, ...results.slice(1)];
  assert.match(parseTxnReply({ outcome: 'committed', results: wrongKey }, every) as string, /does not answer/);
  const badIncr = [...results.slice(0, 4), { op: 'incr', key: 'e', value: '7' }, results[5]];
  assert.match(parseTxnReply({ outcome: 'committed', results: badIncr }, every) as string, /integer value/);
  const badDelete = [...results.slice(0, 3), { op: 'delete', key: 'd' }, ...results.slice(4)];
  assert.match(parseTxnReply({ outcome: 'committed', results: badDelete }, every) as string, /existed/);
});

test('aborted and unknown replies need a one-token reason, so the answer line stays one line', () => {
  assert.deepEqual(parseTxnReply({ outcome: 'aborted', reason: 'lock_conflict' }, every), { outcome: 'aborted', reason: 'lock_conflict' });
  assert.deepEqual(parseTxnReply({ outcome: 'unknown', reason: 'leader_lost' }, every), { outcome: 'unknown', reason: 'leader_lost' });
  for (const reason of ['', 'two words', 'line\nbreak', 'x'.repeat(65), 7, undefined]) {
    assert.equal(typeof parseTxnReply({ outcome: 'aborted', reason }, every), 'string', JSON.stringify(reason));
  }
  assert.equal(typeof parseTxnReply({ outcome: 'maybe' }, every), 'string');
  assert.equal(typeof parseTxnReply('committed', every), 'string');
});

test('toReason makes any text a valid reason', () => {
  assert.equal(toReason('Shard 2 Unavailable!'), 'shard_2_unavailable_');
  assert.equal(toReason(''), 'unspecified');
  assert.equal(toReason('x'.repeat(100)).length, 64);
});
