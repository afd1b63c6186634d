/**
 * The replicated client's routing, against fake groups in this process: a group's replicas
 * share one state (stage 1's KvService, dedup table included, standing for the replicated
 * state machine); the replica the test names leader serves, the others answer `not_leader`
 * with a hint (or without one), and replicas can be stopped and started on their ports.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { keysOnPartition, partitionOf } from '../cluster/partition-map';
import { KvService } from '../server/kv-service';
import { listenOnPort } from '../testing/listen-on-port';
import { freePort } from '../testing/spawn-node';
import { type Reply, errorReply, isRecord, okReply } from '../wire/envelope';
import { parseKvRequest } from '../wire/kv-messages';
import type { RpcServer } from '../wire/rpc-server';
import { parseAddress } from '../wire/address';
import { MAX_QUICK_REDIRECTS } from './call-with-retry';
import { ReplicatedClient } from './replicated-client';
import type { RetryPolicy } from './retry-policy';

const HOST = '127.0.0.1';
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The promise's value, or 'pending' if it has not settled within ms. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

type Serve = (body: unknown) => Reply;

function isMutationRequest(body: unknown): boolean {
  const req = parseKvRequest(body);
  return typeof req !== 'string' && req.session !== undefined;
}

/** A group of replicas on fixed ports; `leader` serves, the others redirect. */
class FakeGroup {
  /** The replica id that serves, or undefined while the group has no leader. */
  leader: number | undefined = 0;
  /** Followers answer not_leader without naming the leader. */
  hintless = false;
  /** Replicas answer `unavailable` (e.g. the leader lost its quorum). */
  unavailable = new Set<number>();
  /** Per replica: a hint it gives instead of the true leader (a stale follower). */
  readonly staleHints = new Map<number, number>();
  /** The leader applies the next mutation, then dies before answering, and this replica leads. */
  crashAfterNextMutation: number | undefined;
  crashes = 0;
  readonly requests: number[];
  private readonly rpcs: (RpcServer | undefined)[];

  constructor(readonly ports: number[], private readonly serve: Serve) {
    this.requests = ports.map(() => 0);
    this.rpcs = ports.map(() => undefined);
    cleanups.push(() => Promise.all(this.ports.map((_, i) => this.stop(i))).then(() => undefined));
  }

  static async start(replicas: number, serve: Serve): Promise<FakeGroup> {
    const g = new FakeGroup(await Promise.all(Array.from({ length: replicas }, () => freePort())), serve);
    for (let i = 0; i < replicas; i++) await g.startReplica(i);
    return g;
  }

  get addresses(): string[] {
    return this.ports.map((p) => `${HOST}:${p}`);
  }

  async startReplica(i: number): Promise<void> {
    this.rpcs[i] = await listenOnPort((b) => this.handle(i, b), HOST, this.ports[i]!);
  }

  /** Closes the replica's listener and every connection to it. */
  async stop(i: number): Promise<void> {
    const rpc = this.rpcs[i];
    this.rpcs[i] = undefined;
    await rpc?.close();
  }

  private handle(i: number, body: unknown): Reply | Promise<Reply> {
    this.requests[i]!++;
    const next = this.crashAfterNextMutation;
    if (next !== undefined && this.leader === i && isMutationRequest(body)) {
      this.crashAfterNextMutation = undefined;
      this.crashes++;
      this.serve(body);
      this.leader = next;
      // Closing the listener drops the connection this request came on: its reply is lost.
      setImmediate(() => void this.stop(i));
      return new Promise<Reply>(() => undefined);
    }
    if (this.unavailable.has(i)) return errorReply('unavailable', `replica ${i} cannot serve now`);
    if (this.leader !== i) {
      const hint = this.staleHints.get(i) ?? (this.hintless ? undefined : this.leader);
      return errorReply('not_leader', `replica ${i} is not the leader`, hint === undefined ? undefined : String(hint));
    }
    return this.serve(body);
  }
}

/** A partition's replicas: one shared state, and the ownership check of a real server. */
function partitionServe(state: KvService, partition: number, partitions: number): Serve {
  return (body) => {
    const req = parseKvRequest(body);
    if (typeof req !== 'string' && req.cmd.op !== 'scan' && partitionOf(req.cmd.key, partitions) !== partition) {
      return errorReply('wrong_partition', 'not this partition', String(partitionOf(req.cmd.key, partitions)));
    }
    return state.handle(body);
  };
}

interface FakeCluster {
  managers: FakeGroup;
  partitions: FakeGroup[];
  states: KvService[];
}

async function cluster(partitions: number, rf: number, managers = 3): Promise<FakeCluster> {
  const states = Array.from({ length: partitions }, () => new KvService());
  const groups = await Promise.all(states.map((s, p) => FakeGroup.start(rf, partitionServe(s, p, partitions))));
  const servers = groups.flatMap((g) => g.addresses);
  const m = await FakeGroup.start(managers, (body) => (isRecord(body) && body.type === 'get_map' ? okReply({ map: { servers, rf } }) : errorReply('bad_request', 'not a manager request')));
  return { managers: m, partitions: groups, states };
}

function client(c: FakeCluster, retries: string[] = [], policy: Partial<RetryPolicy> = {}): ReplicatedClient {
  const cl = new ReplicatedClient(c.managers.addresses.map(parseAddress), { callTimeoutMs: 1000, backoff: { initialMs: 10, maxMs: 40 }, onRetry: (_, why) => retries.push(why), ...policy });
  cleanups.push(() => cl.close());
  return cl;
}

/** The first key of the form `<prefix><i>` that hashes to `partition`. */
function keyOn(partition: number, count: number, prefix = 'k'): string {
  return keysOnPartition(prefix, partition, count, 1)[0]!;
}

test('the client finds the manager leader: past a replica that is down and one that redirects, then sticks to it', async () => {
  const c = await cluster(1, 1);
  c.managers.leader = 2;
  await c.managers.stop(0);
  const retries: string[] = [];
  const cl = client(c, retries);
  assert.equal(await cl.put('a', '1'), false);
  assert.deepEqual(await cl.partitionMap(), { servers: c.partitions[0]!.addresses, rf: 1 });
  assert.deepEqual(c.managers.requests, [0, 1, 1], 'm.0 refused the connection, m.1 redirected, m.2 answered');
  assert.equal(retries.length, 1, `one backoff (for the replica that was down), none for the redirect: ${retries.join('; ')}`);
  // Later operations reuse the map.
  await cl.get('a');
  assert.deepEqual(c.managers.requests, [0, 1, 1], 'the map is fetched once');
});

test('a not_leader hint is followed at once, and the client sticks to the leader it names', async () => {
  const c = await cluster(1, 3);
  const g = c.partitions[0]!;
  g.leader = 2;
  const retries: string[] = [];
  const cl = client(c, retries);
  for (let i = 0; i < 10; i++) await cl.put(`k${i}`, 'v');
  assert.deepEqual(g.requests, [1, 0, 10], 'one redirect from replica 0, then every request straight to 2');
  assert.deepEqual(retries, [], 'no backoff for a redirect that names the leader');
  assert.deepEqual(await cl.leaderGuesses(), [2]);
});

test('a leader that goes down: the client moves on to the next replica, following hints, until the new leader serves', async () => {
  const c = await cluster(1, 3);
  const g = c.partitions[0]!;
  const cl = client(c);
  await cl.put('x', '1');
  await g.stop(0);
  g.leader = undefined; // an election is running: followers know no leader
  g.hintless = true;
  const put = cl.put('x', '2');
  assert.equal(await within(put, 200), 'pending', 'no leader: the operation waits (and keeps trying)');
  g.leader = 2;
  g.hintless = false;
  assert.equal(await put, true);
  assert.equal(await cl.get('x'), '2');
  assert.deepEqual(await cl.leaderGuesses(), [2]);
});

test('while a group elects, the client looks for the new leader with the short leader-search backoff, not the long one', async () => {
  const c = await cluster(1, 3);
  const g = c.partitions[0]!;
  // The long backoff would pause 2.5 to 7.5 s: the put could not finish in time with it.
  const cl = client(c, [], { backoff: { initialMs: 5000, maxMs: 5000 }, leaderSearch: { initialMs: 10, maxMs: 50 } });
  await cl.put('x', '1');
  await g.stop(0);
  g.leader = undefined;
  g.hintless = true;
  const put = cl.put('x', '2');
  await sleep(300);
  g.leader = 2;
  g.hintless = false;
  assert.equal(await within(put, 2000), true, 'the new leader is found within a short pause');
});

test('a replica answering unavailable (leadership lost before commit) is left for the next one', async () => {
  const c = await cluster(1, 3);
  const g = c.partitions[0]!;
  const cl = client(c);
  await cl.put('x', '1');
  g.unavailable.add(0);
  g.leader = 1;
  assert.equal(await cl.swap('x', '2'), '1');
  assert.equal(g.requests[0], 2, 'asked once more, then left');
});

test('exactly once across a leader change: a mutation applied by a leader that died before answering is answered from the dedup table by the next', async () => {
  const c = await cluster(2, 3);
  const cl = client(c);
  const keys = [keyOn(0, 2), keyOn(1, 2)];
  for (const k of keys) await cl.put(k, 'a');
  const g = c.partitions[0]!;
  g.crashAfterNextMutation = 1;
  assert.equal(await cl.swap(keys[0]!, 'b'), 'a', 'the retry at the new leader gets the first answer');
  assert.equal(g.crashes, 1, 'the old leader applied the SWAP and died without answering');
  assert.equal(await cl.get(keys[0]!), 'b');
  assert.equal(await cl.swap(keys[0]!, 'c'), 'b', 'applied once: had the retry applied again, the old value would be b and this c');
  assert.equal(await cl.swap(keys[1]!, 'z'), 'a', 'the session spans partitions');
  assert.deepEqual(await cl.leaderGuesses(), [1, 0]);
});

test('redirect loops between confused replicas back off instead of spinning', async () => {
  const c = await cluster(1, 3);
  const g = c.partitions[0]!;
  g.leader = undefined;
  g.staleHints.set(0, 1);
  g.staleHints.set(1, 0);
  g.staleHints.set(2, 0);
  const cl = client(c, [], { backoff: { initialMs: 50, maxMs: 50 } });
  const put = cl.put('x', '1');
  await sleep(500);
  const asked = g.requests.reduce((a, b) => a + b, 0);
  // At most MAX_QUICK_REDIRECTS + 1 requests per 50 ms pause: about 40 in 500 ms, against thousands if it spun.
  assert.ok(asked <= (MAX_QUICK_REDIRECTS + 1) * 12, `${asked} requests in 500 ms`);
  g.leader = 2;
  g.staleHints.clear();
  assert.equal(await put, false);
});

test('retries forever: a partition without a leader stalls its operations only, and they finish once it has one', async () => {
  const c = await cluster(2, 3);
  const cl = client(c);
  const k0 = keyOn(0, 2);
  const k1 = keyOn(1, 2);
  await cl.put(k0, '0');
  await cl.put(k1, '1');
  const g1 = c.partitions[1]!;
  g1.leader = undefined;
  g1.hintless = true;
  const blocked = cl.swap(k1, '1b');
  const scan = cl.scan('k', 'l');
  assert.equal(await within(blocked, 300), 'pending');
  assert.equal(await cl.swap(k0, '0b'), '0', 'the other partition serves meanwhile');
  g1.leader = 1;
  g1.hintless = false;
  assert.equal(await blocked, '1');
  assert.deepEqual((await scan).map(([k]) => k), [k0, k1].sort());
});

test('a SCAN fans out to every partition\'s leader, wherever each is, and merges in key order', async () => {
  const c = await cluster(3, 3);
  c.partitions[0]!.leader = 1;
  c.partitions[2]!.leader = 2;
  const cl = client(c);
  const keys = Array.from({ length: 60 }, (_, i) => `user${String(i).padStart(3, '0')}`);
  await Promise.all(keys.map((k) => cl.put(k, `v${k}`)));
  assert.deepEqual(await cl.scan('user010', 'user019'), keys.slice(10, 20).map((k) => [k, `v${k}`]));
  assert.deepEqual(await cl.leaderGuesses(), [1, 0, 2]);
});

test('a hint that is not a replica id of the group is taken as no hint', async () => {
  const c = await cluster(1, 3);
  const g = c.partitions[0]!;
  g.leader = 1;
  g.staleHints.set(0, 7);
  const cl = client(c);
  assert.equal(await cl.put('x', '1'), false);
  assert.deepEqual(await cl.leaderGuesses(), [1]);
});
