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
