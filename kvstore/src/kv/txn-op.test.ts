import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TOKEN_LENGTH } from './command';
import { FINAL_ABORT_REASONS, appendValue, incrementValue, isReadOnly, isValidElement, parseInteger } from './txn-op';

test('integers are decimal text without leading zeros or plus sign, within ±(2^53-1)', () => {
  assert.equal(parseInteger('0'), 0);
  assert.equal(parseInteger('-7'), -7);
  assert.equal(parseInteger('42'), 42);
  assert.equal(parseInteger(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  assert.equal(parseInteger(String(-Number.MAX_SAFE_INTEGER)), -Number.MAX_SAFE_INTEGER);
  for (const not of ['', '-', '-0', '007', '+5', '1.5', '1e3', ' 1', '0x10', 'abc', '9007199254740992', '99999999999999999']) {
    assert.equal(parseInteger(not), undefined, not);
  }
});

test('INCR counts a missing key as 0 and adds the delta; a non-integer or an overflow aborts for good', () => {
  assert.equal(incrementValue(null, 5), 5);
  assert.equal(incrementValue('10', -15), -5);
  assert.equal(incrementValue('abc', 1), 'not_integer');
  assert.equal(incrementValue('1,2', 1), 'not_integer');
  assert.equal(incrementValue(String(Number.MAX_SAFE_INTEGER), 1), 'out_of_range');
  assert.ok(FINAL_ABORT_REASONS.has('not_integer') && FINAL_ABORT_REASONS.has('out_of_range'));
});

test('APPEND starts a list on a missing key and joins with commas; a result past the token limit aborts', () => {
  assert.equal(appendValue(null, 'a'), 'a');
  assert.equal(appendValue('a', 'b'), 'a,b');
  assert.equal(appendValue('x'.repeat(MAX_TOKEN_LENGTH - 1), 'b'), 'too_long');
  assert.ok(FINAL_ABORT_REASONS.has('too_long'));
  assert.ok(isValidElement('b_1'));
  assert.ok(!isValidElement('a,b'));
  assert.ok(!isValidElement(''));
});

test('only a transaction of GETs is read-only', () => {
  assert.ok(isReadOnly([{ op: 'get', key: 'a' }, { op: 'get', key: 'b' }]));
  assert.ok(!isReadOnly([{ op: 'get', key: 'a' }, { op: 'incr', key: 'b', delta: 1 }]));
});
