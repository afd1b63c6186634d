/**
 * RaftGroup passes the suite every replication group passes (group-suite.ts), with one
 * replica and with three (in one process, over loopback TCP), plus what only a replicated
 * group does: followers redirect, a leader change loses nothing acknowledged.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../state/kv-log-command';
import type { ApplyOutcome } from '../state/kv-state-machine';
import { TcpTransport } from '../raft/tcp-transport';
import type { NodeId } from '../raft/types';
import { groupSuite, type GroupHandle } from './group-suite';
import { NotLeaderError, RaftGroup } from './raft-group';

type KvRaftGroup = RaftGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>;

export interface TestCluster {
  groups: KvRaftGroup[];
  transports: TcpTransport[];
  leader(): Promise<KvRaftGroup>;
  close(): Promise<void>;
}

/** Opens n replicas under dir/n<id>, each listening on a fresh loopback port. */
async function openCluster(dir: string, n: number, snapshotEvery: number): Promise<TestCluster> {
  const ids: NodeId[] = Array.from({ length: n }, (_, i) => i + 1);
  const transports = ids.map((id) => new TcpTransport(id, new Map(ids.map((p) => [p, null])), { log: () => undefined }));
  const addresses = await Promise.all(transports.map((t) => t.listen({ host: '127.0.0.1', port: 0 })));
  transports.forEach((t, i) => ids.forEach((p, j) => p !== ids[i] && t.setPeerAddress(p, addresses[j]!)));
  const opened = await Promise.allSettled(
    ids.map((id, i) =>
      RaftGroup.open<KvLogCommand, ApplyOutcome, KvLogStateMachine>(path.join(dir, `n${id}`), new KvLogStateMachine(), kvLogCodec, {
        id,
        peers: ids,
        transport: transports[i]!,
        tickMs: 20,
        snapshotEvery,
        snapshotMargin: 10,
        onFatal: (err) => assert.fail(err),
      }),
    ),
  );
  const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    // Leave nothing listening or locked behind.
    await Promise.all(opened.map((r, i) => (r.status === 'fulfilled' ? r.value.close() : transports[i]!.close())));
    throw failed.reason;
  }
  const groups = opened.map((r) => (r as PromiseFulfilledResult<KvRaftGroup>).value);
  const leader = async (): Promise<KvRaftGroup> => {
    for (let waited = 0; waited < 10_000; waited += 10) {
      const l = groups.find((g) => g.isLeader);
      // A leader serves once it committed an entry of its term: a read confirms that.
      if (l !== undefined && (await l.read(() => true).catch(() => false))) return l;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no leader within 10 s');
  };
  return { groups, transports, leader, close: async () => void (await Promise.all(groups.map((g) => g.close()))) };
}

function handleFor(n: number): (dir: string, o: { snapshotEvery: number }) => Promise<GroupHandle> {
  return async (dir, { snapshotEvery }) => {
    const c = await openCluster(dir, n, snapshotEvery);
    const snapshotAtOpen = new Map(c.groups.map((g) => [g, g.status().snapshotIndex]));
    const l = await c.leader();
    const applied = l.status().applied;
    return {
      group: l,
      logSyncs: () => l.node.stats().logSyncs,
      recovery: () => ({ snapshotIndex: snapshotAtOpen.get(l)!, replayed: applied - snapshotAtOpen.get(l)! }),
      close: () => c.close(),
    };
  };
}

groupSuite('RaftGroup rf 1', handleFor(1));
groupSuite('RaftGroup rf 3', handleFor(3));

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function scratch(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-raftgroup-'));
  dirs.push(d);
  return d;
}

test('RaftGroup rf 3: a follower refuses proposals and reads at once, naming the leader', async () => {
  const c = await openCluster(scratch(), 3, 1_000_000);
  try {
    const l = await c.leader();
    const f = c.groups.find((g) => g !== l)!;
    await assert.rejects(f.propose({ cmd: { op: 'put', key: 'k', value: 'v' } }), (err: unknown) => err instanceof NotLeaderError && err.leader === l.node.id);
    await assert.rejects(f.read((sm) => sm.kv.get('k')), NotLeaderError);
  } finally {
    await c.close();
  }
});

test('RaftGroup rf 3: after the leader is closed, the others elect a new one and keep every acknowledged write', async () => {
  const c = await openCluster(scratch(), 3, 50);
  try {
    const l = await c.leader();
    for (let i = 0; i < 120; i++) await l.propose({ cmd: { op: 'put', key: `k${i}`, value: String(i) } });
    await l.close();
    const rest = c.groups.filter((g) => g !== l);
    let l2: KvRaftGroup | undefined;
    for (let waited = 0; waited < 5000 && l2 === undefined; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
      const cand = rest.find((g) => g.isLeader);
      if (cand !== undefined && (await cand.read(() => true).catch(() => false))) l2 = cand;
    }
    assert.ok(l2, 'no new leader');
    assert.equal(await l2.read((sm) => sm.kv.size), 120);
    assert.equal(await l2.read((sm) => sm.kv.get('k119')), '119');
    await l2.propose({ cmd: { op: 'put', key: 'after', value: 'x' } });
    await Promise.all(rest.map((g) => g.close()));
  } finally {
    await c.close().catch(() => undefined);
  }
});

test('RaftGroup rf 3: leadership transfer moves the leader and the group keeps serving', async () => {
  const c = await openCluster(scratch(), 3, 1_000_000);
  try {
    const l = await c.leader();
    await l.propose({ cmd: { op: 'put', key: 'a', value: '1' } });
    const target = c.groups.find((g) => g !== l)!;
    await l.transferLeadership(target.node.id);
    const l2 = await c.leader();
    assert.equal(l2, target);
    assert.equal(await l2.read((sm) => sm.kv.get('a')), '1');
  } finally {
    await c.close();
  }
});
