/** The reference client as a process: the protocol's edge cases, answered as the README says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runToCompletion } from '../../kvstore/src/testing/spawn-node';

const refcli = path.join(__dirname, 'refcli.js');

test('tabs separate tokens, DEL is part of a value, blank lines get no answer', async () => {
  const r = await runToCompletion(process.execPath, [refcli], 'PUT\tk \t v\x7f\n\n \t \nGET k\r\nSCAN a\tz\nSTOP\nGET k\n');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'PUT k not_found\nGET k v\x7f\nSCAN a z BEGIN\n  k v\x7f\nSCAN END\nSTOP\n');
});

test('extra tokens, control characters and non-ASCII get one ERROR line each', async () => {
  const bad = ['PUT k two words', 'GET k\x01', 'GET k\x1b[0m', 'GET ké', 'put k v', 'STOP now'];
  const r = await runToCompletion(process.execPath, [refcli], bad.join('\n') + '\n');
  assert.equal(r.code, 0);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, bad.length, r.stdout);
  lines.forEach((l, i) => assert.match(l, /^ERROR \S/, bad[i]));
});

test('a TXN block runs all or nothing: committed answers between TXN COMMITTED and TXN END', async () => {
  const input = ['PUT n 10', 'TXN 6', 'INCR n 5', 'APPEND l a', 'APPEND l b', 'PUT p q', 'SWAP p r', 'DELETE gone', 'GET n', 'GET l', 'GET p', 'STOP'].join('\n') + '\n';
  const r = await runToCompletion(process.execPath, [refcli], input);
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    'PUT n not_found\nTXN COMMITTED\nINCR n 15\nAPPEND l ok\nAPPEND l ok\nPUT p ok\nSWAP p q\nDELETE gone not_found\nTXN END\nGET n 15\nGET l a,b\nGET p r\nSTOP\n',
  );
});

test('an aborted transaction leaves no trace of its earlier operations', async () => {
  const input = ['PUT s text', 'PUT n 1', 'TXN 3', 'INCR n 1', 'PUT new v', 'INCR s 1', 'GET n', 'GET new', 'INCR s 1', 'INCR n 9007199254740991', 'GET n'].join('\n') + '\n';
  const r = await runToCompletion(process.execPath, [refcli], input);
  assert.equal(
    r.stdout,
    'PUT s not_found\nPUT n not_found\nTXN ABORTED not_integer\nGET n 1\nGET new null\nERROR INCR s aborted: not_integer\nERROR INCR n aborted: out_of_range\nGET n 1\n',
  );
});

test('a malformed TXN block gets one ERROR line and none of it runs', async () => {
  const input = ['TXN 2', 'PUT a 1', 'SCAN a z', 'TXN 2', 'PUT a 1', 'INCR a x', 'TXN 0', 'TXN x', 'GET a', 'TXN 2', 'PUT a 1', 'STOP'].join('\n') + '\n';
  const r = await runToCompletion(process.execPath, [refcli], input);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.deepEqual(
    lines.map((l) => l.split(' ')[0]),
    ['ERROR', 'ERROR', 'ERROR', 'ERROR', 'GET', 'ERROR', 'STOP'],
    r.stdout,
  );
  assert.equal(lines[4], 'GET a null');
  const eof = await runToCompletion(process.execPath, [refcli], 'TXN 2\nPUT a 1\n');
  assert.match(eof.stdout, /^ERROR input ended inside a TXN block/);
});
