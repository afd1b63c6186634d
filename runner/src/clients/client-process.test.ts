import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClientCommand } from '../testing/fake-clients';
import { ClientProcess } from './client-process';

test('a client answers calls one at a time and stops on STOP', async () => {
  const c = ClientProcess.start('client 0', { kind: 'shell', command: fakeClientCommand() });
  assert.deepEqual(await c.call({ op: 'PUT', key: 'a', value: '1' }, 10_000), { ok: true, answer: { op: 'PUT', found: false } });
  assert.deepEqual(await c.call({ op: 'PUT', key: 'b', value: '2' }, 10_000), { ok: true, answer: { op: 'PUT', found: false } });
  assert.deepEqual(await c.call({ op: 'SCAN', start: 'a', end: 'z' }, 10_000), { ok: true, answer: { op: 'SCAN', pairs: [['a', '1'], ['b', '2']] } });
  assert.deepEqual(await c.call({ op: 'SWAP', key: 'a', value: '3' }, 10_000), { ok: true, answer: { op: 'SWAP', old: '1' } });
  assert.deepEqual(await c.stop(10_000), { ok: true });
});

test('a malformed answer is a protocol failure', async () => {
  const c = ClientProcess.start('client 0', { kind: 'shell', command: fakeClientCommand(['--mode', 'garbage']) });
  await c.call({ op: 'GET', key: 'a' }, 10_000);
  await c.call({ op: 'GET', key: 'a' }, 10_000);
  const r = await c.call({ op: 'GET', key: 'a' }, 10_000);
  c.kill();
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.failure.kind, 'protocol');
  assert.match(!r.ok ? r.failure.message : '', /HELLO there/);
});

test('a client that exits is reported with its exit code', async () => {
  const c = ClientProcess.start('client 3', { kind: 'shell', command: fakeClientCommand(['--mode', 'die', '--after', '2']) });
  assert.equal((await c.call({ op: 'GET', key: 'a' }, 10_000)).ok, true);
  const r = await c.call({ op: 'GET', key: 'a' }, 10_000);
  assert.equal(!r.ok && r.failure.kind, 'exited');
  assert.match(!r.ok ? r.failure.message : '', /client 3 exited with code 3/);
});

test('a client that stops answering times out and can be killed', async () => {
  const c = ClientProcess.start('client 0', { kind: 'shell', command: fakeClientCommand(['--mode', 'hang', '--after', '1']) });
  const r = await c.call({ op: 'GET', key: 'a' }, 300);
  assert.equal(!r.ok && r.failure.kind, 'timeout');
  c.kill();
  assert.equal(await c.waitExit(5000), true);
});

test('a client program that cannot start is reported', async () => {
  const c = ClientProcess.start('client 0', { kind: 'shell', command: 'exec /nonexistent/client-program' });
  const r = await c.call({ op: 'GET', key: 'a' }, 10_000);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.failure.message : '', /exited with code 127/);
});

test('a client that exits before its last answer has reached us is not a failure: its stdout is read to the end', async () => {
  // The shell exits at once, as soon as it has read the command; its answer, a large SCAN,
  // is written afterwards by a job that inherited stdout: the exit is seen before the answer.
  const pairs = 20_000;
  const command = `read line; (sleep 0.3; printf 'SCAN a z BEGIN\\n'; seq 1 ${pairs} | sed 's/.*/  k& v/'; printf 'SCAN END\\n') & exit 0`;
  const c = ClientProcess.start('client 16', { kind: 'shell', command });
  const r = await c.call({ op: 'SCAN', start: 'a', end: 'z' }, 10_000);
  assert.equal(r.ok, true, !r.ok ? r.failure.message : '');
  assert.equal(r.ok && r.answer.op === 'SCAN' && r.answer.pairs.length, pairs);
  assert.equal(await c.waitExit(5000), true);
  const next = await c.call({ op: 'GET', key: 'a' }, 10_000);
  assert.equal(!next.ok && next.failure.kind, 'exited', 'once its output has ended, an exited client answers nothing more');
});

test('a client that exits without answering fails even while something else holds its stdout open', async () => {
  const c = ClientProcess.start('client 0', { kind: 'shell', command: 'read line; sleep 5 & exit 0' });
  const r = await c.call({ op: 'GET', key: 'a' }, 20_000);
  assert.equal(!r.ok && r.failure.kind, 'exited');
  assert.match(!r.ok ? r.failure.message : '', /client 0 exited with code 0 before answering/);
  process.kill(-c.pid!, 'SIGKILL');
});
