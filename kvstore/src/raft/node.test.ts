/**
 * The driver keeps the core's contract: nothing that depends on a write leaves before the
 * write is durable. In-memory storage with manual fsync holds writes in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNetwork } from './memory-transport';
import { MemoryStorage } from './memory-storage';
import { RaftNode, type RaftFsm } from './node';
import { NotLeaderError } from './errors';
import type { Entry } from './types';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A state machine that records what it applied. */
function recorder(): RaftFsm<string> & { applied: string[] } {
  const applied: string[] = [];
  return {
    applied,
    apply: (e: Entry) => {
      const s = Buffer.from(e.data).toString();
      applied.push(s);
      return `applied ${s}`;
    },
    snapshot: () => Buffer.from(JSON.stringify(applied)),
    restore: (data) => {
      applied.length = 0;
      applied.push(...(JSON.parse(Buffer.from(data).toString()) as string[]));
    },
  };
}

/** Closes nodes whose manual-sync storage may still hold writes (close waits for them). */
async function closeAll(nodes: RaftNode<string>[], storages: MemoryStorage[]): Promise<void> {
  const syncing = setInterval(() => storages.forEach((s) => s.sync()), 5);
  try {
    await Promise.all(nodes.map((n) => n.close()));
  } finally {
    clearInterval(syncing);
  }
}

async function pair(manual: [boolean, boolean]): Promise<{ nodes: RaftNode<string>[]; storages: MemoryStorage[]; fsms: Array<ReturnType<typeof recorder>> }> {
  const net = new MemoryNetwork();
  const storages = manual.map((m) => new MemoryStorage(m));
  const fsms = [recorder(), recorder()];
  const nodes = await Promise.all(
    [1, 2].map((id, i) =>
      RaftNode.start<string>({ id, peers: [1, 2], storage: storages[i]!, transport: net.transport(id), fsm: fsms[i]!, tickMs: 10, raft: { electionTicks: 1000, heartbeatTicks: 5 } }),
    ),
  );
  return { nodes, storages, fsms };
}

test('driver: a vote is sent only once it is durable', async () => {
  const { nodes, storages } = await pair([false, true]);
  try {
    nodes[0]!.campaign();
    await sleep(100);
    assert.equal(nodes[0]!.isLeader, false, 'elected with a vote that was not durable yet');
    assert.ok(storages[1]!.pendingWrites > 0);
    storages[1]!.sync();
    await nodes[0]!.waitForLeader((l) => l === 1, 2000);
  } finally {
    await closeAll(nodes, storages);
  }
});

test('driver: a follower acknowledges entries only once they are durable, so nothing commits before', async () => {
  const { nodes, storages, fsms } = await pair([false, true]);
  try {
    nodes[0]!.campaign();
    // Node 2's vote is held until synced: sync it once it is written (however busy the machine).
    for (let i = 0; i < 400 && storages[1]!.pendingWrites === 0; i++) await sleep(5);
    storages[1]!.sync();
    await nodes[0]!.waitForLeader((l) => l === 1, 2000);
    // Let the leader's no-op commit.
    for (let i = 0; i < 20 && storages[1]!.pendingWrites === 0; i++) await sleep(5);
    storages[1]!.sync();
    await nodes[0]!.readBarrier();
    let done = false;
    const p = nodes[0]!.propose(Buffer.from('x')).then((r) => {
      done = true;
      return r;
    });
    await sleep(100);
    assert.equal(done, false, 'a proposal committed with one of two replicas durable');
    assert.deepEqual(fsms[0]!.applied, []);
    storages[1]!.sync();
    assert.equal(await p, 'applied x');
  } finally {
    await closeAll(nodes, storages);
  }
});

test('driver: a group of one leads at once and applies only what is durable', async () => {
  const storage = new MemoryStorage(true);
  const fsm = recorder();
  const node = await RaftNode.start<string>({ id: 1, peers: [1], storage, transport: new MemoryNetwork().transport(1), fsm, tickMs: 10 });
  try {
    await sleep(20);
    assert.equal(node.isLeader, true);
    storage.sync();
    let done = false;
    const p = node.propose(Buffer.from('solo')).then((r) => ((done = true), r));
    await sleep(50);
    assert.equal(done, false, 'applied before the write was durable');
    storage.sync();
    assert.equal(await p, 'applied solo');
  } finally {
    await closeAll([node], [storage]);
  }
});

test('driver: proposals to a follower fail at once with the leader named', async () => {
  const { nodes } = await pair([false, false]);
  try {
    nodes[0]!.campaign();
    await nodes[1]!.waitForLeader((l) => l === 1, 2000);
    await assert.rejects(nodes[1]!.propose(Buffer.from('y')), (err: unknown) => err instanceof NotLeaderError && err.leader === 1);
    await assert.rejects(nodes[1]!.readBarrier(), NotLeaderError);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
});

test('driver: a restarted node recovers its state machine from the snapshot and its log', async () => {
  const storage = new MemoryStorage(false);
  const net = new MemoryNetwork();
  const fsm = recorder();
  const node = await RaftNode.start<string>({ id: 1, peers: [1], storage, transport: net.transport(1), fsm, tickMs: 10, snapshotEvery: 10, snapshotMargin: 2 });
  for (let i = 0; i < 25; i++) await node.propose(Buffer.from(`c${i}`));
  await sleep(50);
  const before = node.status();
  assert.ok(before.snapshotIndex >= 20, `snapshot at ${before.snapshotIndex}`);
  assert.ok(before.logEntries < 15, `${before.logEntries} entries kept after compaction`);
  await node.close();
  const fsm2 = recorder();
  const again = await RaftNode.start<string>({ id: 1, peers: [1], storage, transport: net.transport(1), fsm: fsm2, tickMs: 10, snapshotEvery: 10 });
  try {
    await again.readBarrier();
    assert.deepEqual(fsm2.applied, fsm.applied);
  } finally {
    await again.close();
  }
});
