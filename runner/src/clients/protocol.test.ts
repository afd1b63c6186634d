import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCall, parseAnswerLine, parseScanLine } from './protocol';

test('commands are formatted one per line', () => {
  assert.equal(formatCall({ op: 'PUT', key: 'k', value: 'v' }), 'PUT k v\n');
  assert.equal(formatCall({ op: 'SCAN', start: 'a', end: 'z' }), 'SCAN a z\n');
});

test('answers are parsed for the command in flight', () => {
  assert.deepEqual(parseAnswerLine({ op: 'PUT', key: 'k', value: 'v' }, 'PUT k found'), { kind: 'answer', answer: { op: 'PUT', found: true } });
  assert.deepEqual(parseAnswerLine({ op: 'DELETE', key: 'k' }, 'DELETE  k  not_found\r'), { kind: 'answer', answer: { op: 'DELETE', found: false } });
  assert.deepEqual(parseAnswerLine({ op: 'SWAP', key: 'k', value: 'v' }, 'SWAP k null'), { kind: 'answer', answer: { op: 'SWAP', old: null } });
  assert.deepEqual(parseAnswerLine({ op: 'GET', key: 'k' }, 'GET k v1'), { kind: 'answer', answer: { op: 'GET', value: 'v1' } });
  assert.deepEqual(parseAnswerLine({ op: 'SCAN', start: 'a', end: 'z' }, 'SCAN a z BEGIN'), { kind: 'scan-begun' });
  assert.deepEqual(parseAnswerLine({ op: 'GET', key: 'k' }, '   '), { kind: 'skip' });
});

test('SCAN pair lines may be indented; SCAN END closes', () => {
  assert.deepEqual(parseScanLine('  k1 v1'), { kind: 'pair', pair: ['k1', 'v1'] });
  assert.deepEqual(parseScanLine('k1 v1'), { kind: 'pair', pair: ['k1', 'v1'] });
  assert.deepEqual(parseScanLine('SCAN END'), { kind: 'end' });
  assert.equal(parseScanLine('a b c').kind, 'error');
});

test('ERROR lines and answers to another command are client failures with a clear message', () => {
  const e = parseAnswerLine({ op: 'GET', key: 'k' }, 'ERROR bad key');
  assert.equal(e.kind, 'error');
  assert.match(e.kind === 'error' ? e.message : '', /client answered 'ERROR bad key' to 'GET k'/);
  assert.equal(parseAnswerLine({ op: 'GET', key: 'k' }, 'GET other v').kind, 'error');
  assert.equal(parseAnswerLine({ op: 'PUT', key: 'k', value: 'v' }, 'PUT k maybe').kind, 'error');
  assert.equal(parseAnswerLine({ op: 'SCAN', start: 'a', end: 'z' }, 'SCAN a y BEGIN').kind, 'error');
});
