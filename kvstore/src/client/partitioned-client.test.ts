/**
 * The stage-2 client against a whole cluster in this process: a manager
 * (ManagerService behind an RpcServer) and partition servers that are stage 1's
 * KvService behind an ownership check, each registering through the manager link.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { commandKey, isMutation } from '../kv/command';
import { keysOnPartition, partitionOf } from '../cluster/partition-map';
import { ManagerService } from '../cluster/manager-service';
import { registerWithManager } from '../cluster/manager-link';
import { listenOnPort } from '../testing/listen-on-port';
import { KvService } from '../server/kv-service';
import { freePort } from '../testing/spawn-node';
import { type Reply, errorReply } from '../wire/envelope';
import { parseKvRequest } from '../wire/kv-messages';
import { RpcServer } from '../wire/rpc-server';
import type { KvClient } from './kv-client';
import { PartitionedClient } from './partitioned-client';
import { partitionPageLimits } from './scan-pages';
import type { RetryPolicy } from './retry-policy';

const FAST_BACKOFF = { initialMs: 10, maxMs: 50 };
const HOST = '127.0.0.1';

/**
 * A partition server for tests: stage 1's in-memory service, answering only
 * for keys of its own partition (`wrong_partition` otherwise, as the real
 * server does), and remembering every key that reached it.
 */
class FakePartitionServer {
  /** Kept across stop/start, like a durable server's state across a restart. */
  readonly service = new KvService();
  readonly keysSeen = new Set<string>();
  readonly sessionClients = new Set<string>();
  requests = 0;
  scanRequests = 0;
  refused = 0;
  /** Apply the next mutation, then drop the connection instead of replying (a crash between apply and reply). */
  loseNextMutationReply = false;
  lostReplies = 0;
  private rpc: RpcServer | undefined;
  private stopLink: (() => void) | undefined;

  constructor(readonly partition: number, readonly partitionCount: number, readonly port: number) {}

  get address(): string {
    return `${HOST}:${this.port}`;
  }

  handle(body: unknown): Reply | Promise<Reply> {
    this.requests++;
    const req = parseKvRequest(body);
    const key = typeof req === 'string' ? undefined : commandKey(req.cmd);
    if (key !== undefined) {
      const owner = partitionOf(key, this.partitionCount);
      if (owner !== this.partition) {
        this.refused++;
        return errorReply('wrong_partition', `key belongs to partition ${owner}, this is ${this.partition}`, String(owner));
      }
      this.keysSeen.add(key);
    }
    if (typeof req !== 'string' && req.session) this.sessionClients.add(req.session.client);
    if (typeof req !== 'string' && req.cmd.op === 'scan') this.scanRequests++;
    if (this.loseNextMutationReply && typeof req !== 'string' && isMutation(req.cmd)) {
      this.loseNextMutationReply = false;
      this.lostReplies++;
      this.service.handle(body);
      setImmediate(() => void this.restartListener());
      return new Promise<Reply>(() => undefined);
    }
    return this.service.handle(body);
  }

  /** Drops every connection (closing the listener destroys them) and listens again on the same port. */
  private async restartListener(): Promise<void> {
    await this.rpc?.close();
    await this.start();
  }

  async start(): Promise<void> {
    this.rpc = await listenOnPort((b) => this.handle(b), HOST, this.port);
  }

  /** Starts registering with the manager (retrying until it is up, then heartbeating). */
  register(managerPort: number): void {
    this.stopLink = registerWithManager({ host: HOST, port: managerPort }, this.partition, `0.0.0.0:${this.port}`, { heartbeatMs: 100, backoff: FAST_BACKOFF, callTimeoutMs: 1000 });
  }

  async stop(): Promise<void> {
    this.stopLink?.();
    this.stopLink = undefined;
    await this.rpc?.close();
    this.rpc = undefined;
  }
}

class TestManager {
  private constructor(readonly service: ManagerService, private readonly rpc: RpcServer) {}

  static async start(port: number, servers: string[]): Promise<TestManager> {
    const service = new ManagerService(servers);
    return new TestManager(service, await listenOnPort((b) => service.handle(b), HOST, port));
  }

  stop(): Promise<void> {
    return this.rpc.close();
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface TestCluster {
  managerPort: number;
  servers: FakePartitionServer[];
  manager: TestManager | undefined;
  startManager: (order?: string[]) => Promise<TestManager>;
}

/** Ports are fixed up front, so a server can come back on the same one and the manager's list stays right. */
async function cluster(n: number, options: { manager?: boolean; servers?: number[] } = {}): Promise<TestCluster> {
  const managerPort = await freePort();
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const servers = ports.map((port, i) => new FakePartitionServer(i, n, port));
  const c: TestCluster = {
    managerPort,
    servers,
    manager: undefined,
    startManager: async (order = servers.map((s) => s.address)) => {
      const m = await TestManager.start(managerPort, order);
      c.manager = m;
      cleanups.push(() => m.stop());
      return m;
    },
  };
  for (const i of options.servers ?? servers.map((_, i) => i)) {
    await servers[i]!.start();
    servers[i]!.register(managerPort);
  }
  cleanups.push(() => Promise.all(servers.map((s) => s.stop())).then(() => undefined));
  if (options.manager ?? true) await c.startManager();
  return c;
}

function client(c: TestCluster, reasons: string[] = []): KvClient {
  const policy: RetryPolicy = { callTimeoutMs: 1000, backoff: FAST_BACKOFF, onRetry: (_, why) => reasons.push(why) };
  const cl = new PartitionedClient({ host: HOST, port: c.managerPort }, policy);
  cleanups.push(() => cl.close());
  return cl;
}

/** The first key of the form `<prefix><i>` that hashes to `partition`. */
function keyOn(partition: number, count: number, prefix = 'k'): string {
  return keysOnPartition(prefix, partition, count, 1)[0]!;
}

/** The promise's value, or 'pending' if it has not settled within ms. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

test('each operation goes to the server owning its key, and only there', async () => {
  const c = await cluster(3);
  const cl = client(c);
  const keys = Array.from({ length: 60 }, (_, i) => `user${i}`);
  for (const k of keys) assert.equal(await cl.put(k, `v-${k}`), false);
  for (const k of keys) assert.equal(await cl.get(k), `v-${k}`);
  for (const k of keys.slice(0, 20)) assert.equal(await cl.swap(k, 'w'), `v-${k}`);
  for (const k of keys.slice(20, 30)) assert.equal(await cl.delete(k), true);
  assert.equal(await cl.get(keys[25]!), null);
  for (const s of c.servers) {
    assert.equal(s.refused, 0, `s${s.partition} was never asked for a key it does not own`);
    assert.ok(s.keysSeen.size > 0, `s${s.partition} got some of the keys`);
    for (const k of s.keysSeen) assert.equal(partitionOf(k, 3), s.partition, `${k} reached s${s.partition}`);
  }
  assert.equal(c.servers.reduce((n, s) => n + s.keysSeen.size, 0), keys.length);
});

test('SCAN gathers every partition and merges into one sorted list with inclusive bounds', async () => {
  const c = await cluster(3);
  const cl = client(c);
  const keys = ['a', 'b', 'ba', 'c', 'd1', 'd2', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm'];
  await Promise.all(keys.map((k) => cl.put(k, k.toUpperCase())));
  assert.ok(new Set(keys.map((k) => partitionOf(k, 3))).size === 3, 'the keys span all three partitions');
  assert.deepEqual(await cl.scan('a', 'm'), keys.map((k) => [k, k.toUpperCase()]));
  assert.deepEqual(await cl.scan('b', 'd2'), [['b', 'B'], ['ba', 'BA'], ['c', 'C'], ['d1', 'D1'], ['d2', 'D2']]);
  assert.deepEqual(await cl.scan('bb', 'bz'), []);
  assert.deepEqual(await cl.scan('m', 'm'), [['m', 'M']]);
  // Byte order, not locale order: upper case sorts before lower case.
  await cl.put('Z', 'upper');
  assert.deepEqual((await cl.scan('A', 'b')).map(([k]) => k), ['Z', 'a', 'b']);
});

test('SCAN with start after end is empty and asks no one', async () => {
  // No manager and no server exist: any request would block.
  const c = await cluster(2, { manager: false, servers: [] });
  const cl = client(c);
  assert.deepEqual(await within(cl.scan('z', 'a'), 1000), []);
  assert.equal(c.servers.reduce((n, s) => n + s.requests, 0), 0);
});

test('a client started before the manager waits for it', async () => {
  const c = await cluster(3, { manager: false });
  const reasons: string[] = [];
  const cl = client(c, reasons);
  const put = cl.put('early', '1');
  assert.equal(await within(put, 300), 'pending');
  assert.ok(reasons.some((r) => /cannot connect/.test(r)), `retried connecting: ${reasons.join('; ')}`);
  await c.startManager();
  assert.equal(await put, false);
  assert.equal(await cl.get('early'), '1');
});

test('a client waits while not every server has registered, and says which are missing', async () => {
  const c = await cluster(3, { servers: [0, 1] });
  const reasons: string[] = [];
  const cl = client(c, reasons);
  const key = keyOn(0, 3);
  const put = cl.put(key, 'v');
  assert.equal(await within(put, 300), 'pending');
  assert.equal(c.servers[0]!.requests, 0, 'no server is asked before the map is known');
  const s2 = c.servers[2]!;
  assert.ok(reasons.includes(`${HOST}:${c.managerPort}: waiting for servers: 2 of 3 registered (missing s2 at ${s2.address})`), reasons.join('; '));
  await s2.start();
  s2.register(c.managerPort);
  assert.equal(await put, false);
});

test('an operation on a stopped partition blocks until its server is back on the same port; other partitions keep serving', async () => {
  const c = await cluster(3);
  const cl = client(c);
  const [k0, k1, k2] = [0, 1, 2].map((p) => keyOn(p, 3));
  await cl.put(k0!, 'a');
  await cl.put(k1!, 'b');
  await cl.put(k2!, 'c');
  const k1b = keyOn(1, 3, 'other');
  await cl.put(k1b, 'x');
  const s1 = c.servers[1]!;
  await s1.stop();

  const blockedGet = cl.get(k1!);
  const blockedSwap = cl.swap(k1b, 'x2');
  const blockedScan = cl.scan(k0! < k1! ? k0! : k1!, k0! < k1! ? k1! : k0!);
  assert.equal(await within(blockedGet, 400), 'pending');
  assert.equal(await within(blockedSwap, 10), 'pending');
  assert.equal(await within(blockedScan, 10), 'pending', 'a SCAN needs every partition');
  assert.equal(await cl.get(k0!), 'a');
  assert.equal(await cl.swap(k2!, 'c2'), 'c');
  assert.equal(await cl.delete(k2!), true);

  await s1.start();
  assert.equal(await blockedGet, 'b');
  assert.equal(await blockedSwap, 'x');
  assert.equal(await cl.get(k1b), 'x2');
  assert.deepEqual((await blockedScan).map(([k]) => k), [k0!, k1!].sort());
});

test('a mutation whose reply was lost is retried and applied once; one session spans the partitions', async () => {
  const c = await cluster(2);
  const cl = client(c);
  const keys = [keyOn(0, 2), keyOn(1, 2)];
  for (const k of keys) await cl.put(k, '1');
  for (const s of c.servers) s.loseNextMutationReply = true;
  // Each SWAP is applied, its reply lost with the connection; the retry must get the saved answer.
  assert.deepEqual(await Promise.all(keys.map((k) => cl.swap(k, '2'))), ['1', '1']);
  for (const k of keys) assert.equal(await cl.get(k), '2');
  assert.ok(c.servers.every((s) => s.lostReplies === 1), 'each server lost one reply');
  const ids = c.servers.map((s) => [...s.sessionClients]);
  assert.deepEqual(ids[0], ids[1], 'both partitions saw the same client session');
  assert.equal(ids[0]!.length, 1);
});

test('a wrong_partition answer makes the client fetch the map again', async () => {
  const c = await cluster(2, { manager: false });
  // A manager with the servers swapped: every single-key request lands on the wrong server.
  const wrong = await c.startManager([c.servers[1]!.address, c.servers[0]!.address]);
  const cl = client(c);
  const put = cl.put(keyOn(0, 2), 'v');
  assert.equal(await within(put, 300), 'pending');
  assert.ok(c.servers[1]!.refused > 0, 'the server refused a key it does not own');
  await wrong.stop();
  await c.startManager();
  assert.equal(await put, false);
  assert.equal(await cl.get(keyOn(0, 2)), 'v');
});

test('a restarted manager relearns the servers from their heartbeats', async () => {
  const c = await cluster(2);
  await client(c).put('before', '1');
  await c.manager!.stop();
  const m = await c.startManager();
  const cl = client(c);
  assert.equal(await cl.get('before'), '1');
  assert.equal(m.service.ready, true);
});

test('a SCAN larger than a page is fetched page by page from every partition and merged in key order', async () => {
  const c = await cluster(3);
  const cl = client(c);
  const value = 'v'.repeat(4000);
  const keys = Array.from({ length: 1000 }, (_, i) => `big${String(i).padStart(5, '0')}`);
  await Promise.all(keys.map((k) => cl.put(k, value)));
  const got: string[] = [];
  for await (const page of cl.scanPages('big', 'big99999')) for (const [k, v] of page) if (v === value) got.push(k);
  assert.deepEqual(got, keys);
  // About 1.3 MB a partition, against pages of at most 1 MiB.
  for (const s of c.servers) assert.ok(s.scanRequests >= 2, `partition ${s.partition} was asked ${s.scanRequests} times`);
  assert.deepEqual(await cl.scan('big00500', 'big00502'), keys.slice(500, 503).map((k) => [k, value]));
});

test('with many partitions each is asked for smaller pages, so all their pages together stay bounded', () => {
  assert.deepEqual(partitionPageLimits(1), { maxPairs: 10_000, maxBytes: 1024 * 1024 });
  assert.deepEqual(partitionPageLimits(3), { maxPairs: 10_000, maxBytes: 1024 * 1024 });
  assert.equal(partitionPageLimits(50).maxBytes, Math.floor((8 * 1024 * 1024) / 100));
  assert.equal(partitionPageLimits(500).maxBytes, 64 * 1024, 'but never tiny');
});
