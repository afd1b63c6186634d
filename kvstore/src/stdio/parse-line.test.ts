import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from './parse-line';
import { formatResult, formatSingleOpResult, formatTxnResult } from './format-result';

test('parses every command with its arguments', () => {
  assert.deepEqual(parseLine('PUT k v'), { kind: 'command', command: { op: 'put', key: 'k', value: 'v' } });
  assert.deepEqual(parseLine('SWAP k v'), { kind: 'command', command: { op: 'swap', key: 'k', value: 'v' } });
  assert.deepEqual(parseLine('GET k'), { kind: 'command', command: { op: 'get', key: 'k' } });
  assert.deepEqual(parseLine('DELETE k'), { kind: 'command', command: { op: 'delete', key: 'k' } });
  assert.deepEqual(parseLine('SCAN a z'), { kind: 'command', command: { op: 'scan', start: 'a', end: 'z' } });
  assert.deepEqual(parseLine('STOP'), { kind: 'stop' });
});

test('any run of spaces and tabs separates tokens; a CRLF line ending is tolerated', () => {
  assert.deepEqual(parseLine('  PUT    k   v  '), { kind: 'command', command: { op: 'put', key: 'k', value: 'v' } });
  assert.deepEqual(parseLine('PUT\tk \t v\t'), { kind: 'command', command: { op: 'put', key: 'k', value: 'v' } });
  assert.deepEqual(parseLine('\tSCAN a\t\tz'), { kind: 'command', command: { op: 'scan', start: 'a', end: 'z' } });
  assert.deepEqual(parseLine('GET k\r'), { kind: 'command', command: { op: 'get', key: 'k' } });
});

test('keys and values may be any printable non-space ASCII, as YCSB sends', () => {
  const value = '_!"#$%&\'()*+,-./:;<=>?@[\\]^`{|}~';
  assert.deepEqual(parseLine(`PUT usertable_user6284781860667377211 ${value}`), {
    kind: 'command',
    command: { op: 'put', key: 'usertable_user6284781860667377211', value },
  });
});

test("DEL (0x7f) may appear in keys and values, as in real YCSB 0.17's field values", () => {
  assert.deepEqual(parseLine('PUT k\x7f _a\x7fb\x7f'), { kind: 'command', command: { op: 'put', key: 'k\x7f', value: '_a\x7fb\x7f' } });
  assert.deepEqual(parseLine('GET \x7f'), { kind: 'command', command: { op: 'get', key: '\x7f' } });
});

test('a blank or whitespace-only line is not a command and gets no answer', () => {
  assert.deepEqual(parseLine(''), { kind: 'empty' });
  assert.deepEqual(parseLine('    '), { kind: 'empty' });
  assert.deepEqual(parseLine(' \t \r'), { kind: 'empty' });
});

test('keywords are case-sensitive, with a hint', () => {
  const r = parseLine('put k v');
  assert.equal(r.kind, 'error');
  assert.match((r as { reason: string }).reason, /unknown command 'put'.*PUT/);
  assert.equal(parseLine('Get k').kind, 'error');
  assert.equal(parseLine('FROB k').kind, 'error');
});

test('a wrong number of arguments is an error: extra tokens are never dropped', () => {
  // A value typed with a space in it would otherwise be stored cut short.
  for (const line of ['PUT k', 'PUT k v w', 'PUT k two words', 'PUT k v\tw', 'GET', 'GET a b', 'DELETE', 'SCAN a', 'SCAN a b c', 'STOP now', 'SWAP k']) {
    assert.equal(parseLine(line).kind, 'error', line);
  }
});

test('control characters other than tab, and non-ASCII, are errors, not part of a key', () => {
  assert.equal(parseLine('PUT k v\x00').kind, 'error');
  assert.equal(parseLine('GET k\x1b[0m').kind, 'error');
  assert.equal(parseLine('GET k\x0b').kind, 'error');
  assert.equal(parseLine('GET k\rx').kind, 'error');
  assert.equal(parseLine('GET ké').kind, 'error');
  assert.equal(parseLine('GET k\x80').kind, 'error');
});

test('an over-long token is an error', () => {
  const r = parseLine(`PUT k ${'x'.repeat(70_000)}`);
  assert.equal(r.kind, 'error');
  assert.match((r as { reason: string }).reason, /longer than/);
});

test('results print in the protocol format', () => {
  assert.equal(formatResult({ op: 'put', key: 'k', value: 'v' }, { op: 'put', found: false }), 'PUT k not_found\n');
  assert.equal(formatResult({ op: 'put', key: 'k', value: 'v' }, { op: 'put', found: true }), 'PUT k found\n');
  assert.equal(formatResult({ op: 'swap', key: 'k', value: 'v' }, { op: 'swap', old: null }), 'SWAP k null\n');
  assert.equal(formatResult({ op: 'swap', key: 'k', value: 'v' }, { op: 'swap', old: 'o' }), 'SWAP k o\n');
  assert.equal(formatResult({ op: 'get', key: 'k' }, { op: 'get', value: null }), 'GET k null\n');
  assert.equal(formatResult({ op: 'delete', key: 'k' }, { op: 'delete', found: false }), 'DELETE k not_found\n');
  assert.equal(
    formatResult({ op: 'scan', start: 'a', end: 'c' }, { op: 'scan', pairs: [['a', '1'], ['b', '2']] }),
    'SCAN a c BEGIN\n  a 1\n  b 2\nSCAN END\n',
  );
  assert.equal(formatResult({ op: 'scan', start: 'a', end: 'c' }, { op: 'scan', pairs: [] }), 'SCAN a c BEGIN\nSCAN END\n');
});

test('INCR takes a signed integer delta and APPEND a comma-free element', () => {
  assert.deepEqual(parseLine('INCR n 5'), { kind: 'txnOp', op: { op: 'incr', key: 'n', delta: 5 } });
  assert.deepEqual(parseLine('INCR n -12'), { kind: 'txnOp', op: { op: 'incr', key: 'n', delta: -12 } });
  assert.deepEqual(parseLine('INCR n +3'), { kind: 'txnOp', op: { op: 'incr', key: 'n', delta: 3 } });
  assert.deepEqual(parseLine('INCR n -0'), { kind: 'txnOp', op: { op: 'incr', key: 'n', delta: 0 } });
  assert.deepEqual(parseLine('APPEND l e_1'), { kind: 'txnOp', op: { op: 'append', key: 'l', elem: 'e_1' } });
  for (const bad of ['INCR n', 'INCR n 1.5', 'INCR n 1e3', 'INCR n x', 'INCR n 9007199254740992', 'APPEND l a,b', 'APPEND l', 'incr n 1']) {
    assert.equal(parseLine(bad).kind, 'error', bad);
  }
});

test('TXN takes its line count', () => {
  assert.deepEqual(parseLine('TXN 3'), { kind: 'txnBegin', count: 3 });
  for (const bad of ['TXN', 'TXN 3 4', 'TXN x', 'TXN -1', 'TXN 1234567890']) assert.equal(parseLine(bad).kind, 'error', bad);
});

test('a committed transaction prints its answers between TXN COMMITTED and TXN END; PUT and APPEND answer ok', () => {
  const results = [
    { op: 'get' as const, key: 'a', value: null },
    { op: 'put' as const, key: 'b' },
    { op: 'swap' as const, key: 'c', old: 'o' },
    { op: 'delete' as const, key: 'd', existed: false },
    { op: 'incr' as const, key: 'e', value: -2 },
    { op: 'append' as const, key: 'f' },
  ];
  assert.equal(
    formatTxnResult({ outcome: 'committed', results, tries: 1 }),
    'TXN COMMITTED\nGET a null\nPUT b ok\nSWAP c o\nDELETE d not_found\nINCR e -2\nAPPEND f ok\nTXN END\n',
  );
  assert.equal(formatTxnResult({ outcome: 'aborted', reason: 'lock_conflict', tries: 10 }), 'TXN ABORTED lock_conflict\n');
  assert.equal(formatTxnResult({ outcome: 'unknown', reason: 'connection_lost', tries: 1 }), 'TXN UNKNOWN connection_lost\n');
});

test('INCR and APPEND outside TXN answer like single commands, or with one ERROR line', () => {
  const op = { op: 'incr' as const, key: 'n', delta: 1 };
  assert.equal(formatSingleOpResult(op, { outcome: 'committed', results: [{ op: 'incr', key: 'n', value: 8 }], tries: 2 }), 'INCR n 8\n');
  assert.equal(formatSingleOpResult(op, { outcome: 'aborted', reason: 'not_integer', tries: 1 }), 'ERROR INCR n aborted: not_integer\n');
  assert.match(formatSingleOpResult(op, { outcome: 'unknown', reason: 'timeout', tries: 1 }), /^ERROR INCR n outcome unknown \(timeout\)/);
});
