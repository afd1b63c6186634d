/** A server's registration loop against a real (in-process) manager on loopback. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../testing/spawn-node';
import { listenOnPort } from '../testing/listen-on-port';
import { RegistrationRefusedError, registerOnce, registerWithManager } from './manager-link';
import { ManagerService } from './manager-service';
import type { PartitionMap } from './partition-map';

const SERVERS = ['127.0.0.1:3777', '127.0.0.1:3778'];
const FAST = { heartbeatMs: 50, backoff: { initialMs: 10, maxMs: 50 }, callTimeoutMs: 1000 };

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A manager that counts the registrations reaching it. */
async function manager(port: number): Promise<{ service: ManagerService; registrations: () => number }> {
  const service = new ManagerService(SERVERS);
  let count = 0;
  const rpc = await listenOnPort(
    (b) => {
      count++;
      return service.handle(b);
    },
    '127.0.0.1',
    port,
  );
  cleanups.push(() => rpc.close());
  return { service, registrations: () => count };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('registering before the manager is up retries until it is, then resolves with the map', async () => {
  const port = await freePort();
  const registered = registerOnce({ host: '127.0.0.1', port }, 1, '0.0.0.0:3778', FAST);
  await sleep(200);
  const m = await manager(port);
  assert.deepEqual(await registered, { servers: SERVERS });
  assert.deepEqual(m.service.missing, [0]);
});

test('a partition id the manager does not have is refused, not retried forever', async () => {
  const port = await freePort();
  await manager(port);
  await assert.rejects(registerOnce({ host: '127.0.0.1', port }, 2, '0.0.0.0:3779', FAST), RegistrationRefusedError);
});

test('the heartbeat re-registers until stopped and hands over the map once', async () => {
  const port = await freePort();
  const m = await manager(port);
  const maps: PartitionMap[] = [];
  const stop = registerWithManager({ host: '127.0.0.1', port }, 0, '0.0.0.0:3777', { ...FAST, onMap: (map) => void maps.push(map) });
  await sleep(400);
  stop();
  const atStop = m.registrations();
  assert.ok(atStop >= 4, `heartbeats kept coming (${atStop})`);
  assert.deepEqual(maps, [{ servers: SERVERS }], 'the same map is delivered once, not at every heartbeat');
  await sleep(200);
  assert.ok(m.registrations() <= atStop + 1, 'no heartbeats after stop (one may have been in flight)');
});

test('a map the server cannot take is offered again at the next heartbeat', async () => {
  const port = await freePort();
  await manager(port);
  let offers = 0;
  const stop = registerWithManager({ host: '127.0.0.1', port }, 0, '0.0.0.0:3777', {
    ...FAST,
    log: () => undefined,
    onMap: () => {
      if (++offers === 1) throw new Error('disk full');
    },
  });
  await sleep(300);
  stop();
  assert.equal(offers, 2, 'refused once, taken the second time, then not offered again');
});

test('a refused registration is reported and retried at the heartbeat pace', async () => {
  const port = await freePort();
  await manager(port);
  const refusals: string[] = [];
  const logged: string[] = [];
  const stop = registerWithManager({ host: '127.0.0.1', port }, 5, '0.0.0.0:3782', { ...FAST, onRefused: (m) => refusals.push(m), log: (l) => logged.push(l) });
  await sleep(300);
  stop();
  assert.ok(refusals.length >= 2, `kept trying (${refusals.length})`);
  assert.match(refusals[0]!, /refused partition 5: partition 5 does not exist: this manager has 2 servers/);
  assert.equal(logged.filter((l) => l.includes('refused')).length, 1, 'logged once, not at every heartbeat');
});
