/** The manager's rules, without sockets: who gets the map, when, and what a registration may say. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Reply } from '../wire/envelope';
import { ManagerConfigError, ManagerService } from './manager-service';

const SERVERS = ['127.0.0.1:3777', '127.0.0.1:3778', '127.0.0.1:3779'];

function errorOf(reply: Reply): { code: string; message: string } {
  assert.equal(reply.ok, false, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.ok ? { code: '', message: '' } : reply.error;
}

test('the map is the server list in order: partition i is the i-th server', () => {
  const m = new ManagerService(SERVERS);
  assert.deepEqual(m.map, { servers: SERVERS });
  assert.equal(m.partitionCount, 3);
});

test('clients wait until every server has registered, and are told who is missing', () => {
  const m = new ManagerService(SERVERS);
  let e = errorOf(m.handle({ type: 'get_map' }));
  assert.equal(e.code, 'unavailable');
  assert.equal(e.message, 'waiting for servers: 0 of 3 registered (missing s0 at 127.0.0.1:3777, s1 at 127.0.0.1:3778, s2 at 127.0.0.1:3779)');

  m.handle({ type: 'register', partition: 0, address: '0.0.0.0:3777' });
  m.handle({ type: 'register', partition: 2, address: '0.0.0.0:3779' });
  e = errorOf(m.handle({ type: 'get_map' }));
  assert.equal(e.code, 'unavailable');
  assert.equal(e.message, 'waiting for servers: 2 of 3 registered (missing s1 at 127.0.0.1:3778)');
  assert.deepEqual(m.missing, [1]);
  assert.equal(m.ready, false);

  m.handle({ type: 'register', partition: 1, address: '0.0.0.0:3778' });
  assert.deepEqual(m.handle({ type: 'get_map' }), { ok: true, value: { map: { servers: SERVERS } } });
  assert.equal(m.ready, true);
});

test('a long missing list is abbreviated', () => {
  const servers = Array.from({ length: 50 }, (_, i) => `127.0.0.1:${4000 + i}`);
  const e = errorOf(new ManagerService(servers).handle({ type: 'get_map' }));
  assert.match(e.message, /^waiting for servers: 0 of 50 registered \(missing s0 at 127\.0\.0\.1:4000, .* s4 at 127\.0\.0\.1:4004, 45 more\)$/);
});

test('registering answers with the map at once, before the others have registered', () => {
  const m = new ManagerService(SERVERS);
  assert.deepEqual(m.handle({ type: 'register', partition: 1, address: '0.0.0.0:3778' }), { ok: true, value: { map: { servers: SERVERS } } });
});

test('registration is idempotent: heartbeats change nothing and are counted once', () => {
  const logged: string[] = [];
  const m = new ManagerService(SERVERS, (l) => logged.push(l));
  for (let beat = 0; beat < 5; beat++) {
    const r = m.handle({ type: 'register', partition: 0, address: '0.0.0.0:3777' });
    assert.deepEqual(r, { ok: true, value: { map: { servers: SERVERS } } });
  }
  assert.deepEqual(m.missing, [1, 2]);
  assert.equal(errorOf(m.handle({ type: 'get_map' })).message, 'waiting for servers: 1 of 3 registered (missing s1 at 127.0.0.1:3778, s2 at 127.0.0.1:3779)');
  assert.equal(logged.filter((l) => l.startsWith('s0 registered')).length, 1, 'the first registration is news; heartbeats are not');
});

test('a partition id outside the list is refused, and counts for nothing', () => {
  const m = new ManagerService(SERVERS);
  const e = errorOf(m.handle({ type: 'register', partition: 3, address: '0.0.0.0:3780' }));
  assert.equal(e.code, 'bad_request');
  assert.equal(e.message, 'partition 3 does not exist: this manager has 3 servers (partitions 0..2)');
  assert.equal(errorOf(m.handle({ type: 'register', partition: -1, address: 'x' })).code, 'bad_request');
  assert.deepEqual(m.missing, [0, 1, 2]);
});

test('malformed requests are bad requests', () => {
  const m = new ManagerService(SERVERS);
  for (const body of [null, 'get_map', { type: 'frob' }, { type: 'register', partition: 0 }, { type: 'register', partition: 1.5, address: 'a:1' }]) {
    assert.equal(errorOf(m.handle(body)).code, 'bad_request', JSON.stringify(body));
  }
});

test('a server reporting another port than its list entry is warned about once, and still registered', () => {
  const logged: string[] = [];
  const m = new ManagerService(SERVERS, (l) => logged.push(l));
  m.handle({ type: 'register', partition: 1, address: '0.0.0.0:3777' });
  m.handle({ type: 'register', partition: 1, address: '0.0.0.0:3777' });
  assert.equal(logged.filter((l) => l.startsWith('warning: s1')).length, 1);
  assert.deepEqual(m.missing, [0, 2]);
});

test('the map handed out is a copy: changing it does not change the manager', () => {
  const m = new ManagerService(SERVERS);
  m.map.servers.push('127.0.0.1:1');
  assert.deepEqual(m.map.servers, SERVERS);
});

test('a server list that cannot make a cluster is refused at construction', () => {
  assert.throws(() => new ManagerService([]), ManagerConfigError);
  assert.throws(() => new ManagerService(Array.from({ length: 51 }, (_, i) => `127.0.0.1:${4000 + i}`)), /51 servers listed; a cluster has at most 50/);
  assert.throws(() => new ManagerService(['127.0.0.1:1', 'nonsense']), /server 1: bad address 'nonsense'/);
  assert.throws(() => new ManagerService(['127.0.0.1:1', '127.0.0.1:1']), /listed twice/);
  assert.equal(new ManagerService(Array.from({ length: 50 }, (_, i) => `127.0.0.1:${4000 + i}`)).partitionCount, 50);
});
