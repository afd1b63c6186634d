import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random';
import { type KvCall, formatCall, parseAnswerLine, parseAnswerTokens, parseScanLine } from './protocol';

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

test('the quick reading of an answer agrees with the token-by-token one on any line', () => {
  const calls: KvCall[] = [
    { op: 'PUT', key: 'k', value: 'v' },
    { op: 'SWAP', key: 'k', value: 'v' },
    { op: 'GET', key: 'k' },
    { op: 'DELETE', key: 'k' },
    { op: 'GET', key: 'usertable_user1' },
  ];
  const parts = ['PUT', 'SWAP', 'GET', 'DELETE', 'ERROR', 'k', 'kk', 'usertable_user1', 'found', 'not_found', 'null', 'v1', ' ', '  ', '\r', '\t', 'x\ry', ''];
  const rnd = new SeededRandom(11);
  let answers = 0;
  for (let i = 0; i < 20_000; i++) {
    // Mostly lines shaped like answers: an operation, a key, then anything.
    let line = `${parts[rnd.nextInt(5)]} ${parts[5 + rnd.nextInt(3)]}${rnd.nextInt(4) === 0 ? '' : ' '}`;
    const n = rnd.nextInt(3);
    for (let j = 0; j < n; j++) line += parts[rnd.nextInt(parts.length)]! + (rnd.nextInt(3) === 0 ? '' : ' ');
    if (rnd.nextInt(2) === 0) line = line.trimEnd();
    for (const call of calls) {
      const quick = parseAnswerLine(call, line);
      assert.deepEqual(quick, parseAnswerTokens(call, line), `${JSON.stringify(line)} for ${call.op} ${'key' in call ? call.key : ''}`);
      if (quick.kind === 'answer') answers++;
    }
  }
  assert.ok(answers > 1000, `only ${answers} lines were answers`);
});
