import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ABSENT, CODE_PUT, CODE_READ, KeyOps, UNKNOWN } from './kv-model';

test('a copy of a key\'s columns holds the same operations and grows on its own', () => {
  const ops = new KeyOps(1);
  ops.push(1, 5, CODE_PUT, 3, 0, 0, 0);
  ops.push(2, Infinity, CODE_PUT, 4, UNKNOWN, 1, 0);
  const copy = ops.copy(1);
  assert.deepEqual(copy.toArray(), ops.toArray());
  copy.push(6, 6, CODE_READ, ABSENT, 3, -1, 0);
  copy.push(7, 8, CODE_READ, ABSENT, 4, -1, 1);
  assert.equal(copy.length, 4);
  assert.equal(ops.length, 2);
  assert.deepEqual(copy.op(3), { call: 7, ret: 8, op: { kind: 'READ', arg: ABSENT, out: 4, source: -1 }, optional: true });
});
