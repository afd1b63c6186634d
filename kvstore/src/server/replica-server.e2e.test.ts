/**
 * A partition's replicas as processes (one manager replica, peers `none`; one partition ×
 * rf 3, reads under the leader lease, a snapshot every 300 commands): a replica killed with
 * kill -9 rejoins from its own log and snapshots, a replica whose storage was wiped
 * catches up by InstallSnapshot, and a manager replica started with other arguments than
 * its group's configuration says so instead of handing out a map.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KvClient } from '../client/kv-client';
import { P3TestCluster } from '../testing/p3-test-cluster';
import { binPath, startListening } from '../testing/spawn-node';
import { transferLeader } from '../status/query-status';
import { RpcConnection } from '../wire/rpc-connection';
import { parseAddress } from '../wire/address';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p3-replicas-'));
let c: P3TestCluster;
let cl: KvClient;

before(async () => {
  c = await P3TestCluster.start({ dir, managers: 1, partitions: 1, rf: 3, serverArgs: ['--snapshot-every', '300', '--read-mode', 'lease'] });
  cl = c.client();
});

after(async () => {
  cl?.close();
  await c?.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const key = (i: number): string => `key${String(i).padStart(5, '0')}`;

/** Writes keys [from, to) with their index as value, 50 at a time. */
async function write(from: number, to: number, tag: string): Promise<void> {
  for (let base = from; base < to; base += 50) {
    await Promise.all(Array.from({ length: Math.min(50, to - base) }, (_, j) => cl.put(key(base + j), `${tag}${base + j}`)));
  }
}

async function waitApplied(node: string, index: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await c.status(node);
    if (s !== undefined && s.applied >= index) return;
    if (Date.now() > deadline) throw new Error(`${node} applied ${s?.applied} of ${index} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Makes `node` the partition's leader, then reads every key through it. */
async function readAllThrough(node: string, n: number, tagOf: (i: number) => string): Promise<void> {
  // A transfer gives up after two election timeouts (400 ms here): on a busy machine, ask again.
  for (let attempt = 1; ; attempt++) {
    const leader = await c.leaderOf(0);
    if (leader === node) break;
    try {
      await transferLeader(c.address(leader), Number(node.split('.')[1]), 5000);
    } catch (err) {
      if (attempt === 5) throw err;
    }
  }
  const pairs = await cl.scan(key(0), key(99999));
  assert.equal(pairs.length, n);
  pairs.forEach(([k, v], i) => assert.deepEqual([k, v], [key(i), `${tagOf(i)}${i}`]));
}

test('a replica killed with kill -9 rejoins from its own snapshot and log, then catches up with the rest', async () => {
  await write(0, 1000, 'a');
  const leader = await c.leaderOf(0);
  const victim = c.groupNodes(0).find((n) => n !== leader)!;
  await waitApplied(victim, (await c.status(leader))!.commit);
  const before = (await c.status(victim))!;
  assert.ok(before.snapshotIndex >= 600, `the replica snapshotted as it applied: ${JSON.stringify(before)}`);
  await c.kill(victim);
  await write(1000, 1200, 'b');
  await c.startNode(victim);
  assert.match(c.stderr(victim), /state restored from a snapshot: \d{3,4} keys/, 'the replica restored its own snapshot at start-up');
  const after = (await c.status(victim))!;
  assert.ok(after.snapshotIndex >= before.snapshotIndex && after.applied >= before.snapshotIndex, `from its own storage: ${JSON.stringify(after)}`);
  await waitApplied(victim, (await c.status(await c.leaderOf(0)))!.commit);
  await readAllThrough(victim, 1200, (i) => (i < 1000 ? 'a' : 'b'));
});

test('a replica whose storage was wiped catches up by InstallSnapshot', async () => {
  const leader = await c.leaderOf(0);
  const victim = c.groupNodes(0).find((n) => n !== leader)!;
  await c.kill(victim);
  c.wipe(victim);
  // Enough that the leader's log no longer starts at 1 (it keeps 1,000 entries behind a snapshot).
  await write(0, 1500, 'c');
  await c.startNode(victim);
  const startedWith = c.stderr(victim);
  assert.doesNotMatch(startedWith, /state restored from a snapshot/, 'nothing to restore at start-up');
  await waitApplied(victim, (await c.status(leader))!.commit);
  assert.match(c.stderr(victim).slice(startedWith.length), /state restored from a snapshot: \d{4} keys/, 'the leader sent its snapshot');
  await readAllThrough(victim, 1500, () => 'c');
});

test('a leader stopped with SIGTERM hands leadership on before it exits 0', async () => {
  const leader = await c.leaderOf(0);
  const stopped = await c.kill(leader, 'SIGTERM');
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stderr, /handed leadership to replica \d/);
  const next = await c.leaderOf(0, 2000);
  assert.notEqual(next, leader);
  assert.equal(await cl.get(key(3)), 'c3');
  await c.startNode(leader);
});

test('a manager replica started with another server list than its group\'s configuration reports it and hands out no map', async () => {
  await c.kill('m.0');
  const servers = c.args.servers.split(',');
  const wrong = [...servers.slice(1), servers[0]!].join(',');
  const m = c.args.managers.split(',')[0]!;
  const p2p = c.args.managerP2ps.split(',')[0]!;
  const bad = await startListening(
    binPath('replicated-manager'),
    ['--rep-id', '0', '--port', String(parseAddress(m).port), '--p2p-port', String(parseAddress(p2p).port), '--peers', 'none', '--server-rf', '3', '--servers', wrong, '--backer-path', c.backerPath('m.0'), '--listen-host', '127.0.0.1', '--stage', 'test-p3', '--tick-ms', '20'],
    { MADKV_RUN_DIR: path.join(dir, 'run') },
  );
  try {
    const conn = await RpcConnection.connect(parseAddress(m));
    let reply = await conn.call({ type: 'get_map' }, 2000);
    for (let i = 0; i < 40 && !reply.ok && reply.error.code !== 'bad_request'; i++) {
      await sleep(50);
      reply = await conn.call({ type: 'get_map' }, 2000);
    }
    const status = await conn.call({ type: 'status' }, 2000);
    conn.close();
    assert.equal(reply.ok, false);
    assert.equal(reply.ok ? '' : reply.error.code, 'bad_request');
    assert.match(reply.ok ? '' : reply.error.message, new RegExp(`^manager replica m\\.0 was started with 1 partition × rf 3 \\(servers ${wrong}\\), but the manager group's configuration is 1 partition × rf 3 \\(servers ${c.args.servers}\\)`));
    assert.ok(status.ok, 'status is still answered');
    assert.match(bad.stderr(), /error: manager replica m\.0 was started with/);
  } finally {
    await bad.stop('SIGKILL');
  }
  await c.startNode('m.0');
  const fresh = c.client();
  try {
    assert.equal(await fresh.get(key(7)), 'c7', 'restarted with its own arguments, it serves the map again');
  } finally {
    fresh.close();
  }
});
