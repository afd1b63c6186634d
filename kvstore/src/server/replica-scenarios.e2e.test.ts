/**
 * Stage 3 end to end: a cluster of 3 manager replicas and 2 partitions × rf 3, every node
 * its own process on loopback (testing/p3-test-cluster.ts): the stdin/stdout client, status
 * and redirects, leadership transfer, then the stage's four fault scenarios
 * (testcases/p3-scenarios.ts, which `p3::testcase` also runs), each with kill -9, each
 * passing only if every one of its checks holds.
 * Raft ticks are 20 ms here: elections after 200–400 ms of silence.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KvClient } from '../client/kv-client';
import { P3TestCluster } from '../testing/p3-test-cluster';
import { binPath, runToCompletion } from '../testing/spawn-node';
import { queryStatus, transferLeader } from '../status/query-status';
import { KvRequestError } from '../client/errors';
import { RpcConnection } from '../wire/rpc-connection';
import { parseAddress } from '../wire/address';
import { CaseLog } from '../testcases/case-runner';
import { P3_SCENARIOS, caughtUp as groupCaughtUp, keysOn, runScenario } from '../testcases/p3-scenarios';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p3-scenarios-'));
let c: P3TestCluster;
const clients: KvClient[] = [];

before(async () => {
  c = await P3TestCluster.start({ dir, managers: 3, partitions: 2, rf: 3 });
});

after(async () => {
  for (const cl of clients) cl.close();
  await c?.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

function client(): KvClient {
  const cl = c.client();
  clients.push(cl);
  return cl;
}

/** Waits until every running replica of the group has applied what its leader had committed when asked. */
const caughtUp = (group: 'm' | number): Promise<void> => groupCaughtUp(c, group);

test('put, get and scan through the stdin/stdout client, which finds the cluster from --managers alone', async () => {
  const input = 'PUT apple 1\nPUT banana 2\nPUT cherry 3\nSWAP banana 22\nGET banana\nDELETE cherry\nSCAN a z\nSTOP\n';
  const r = await runToCompletion(process.execPath, [binPath('client'), '--managers', c.args.managers], input, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'PUT apple not_found\nPUT banana not_found\nPUT cherry not_found\nSWAP banana 2\nGET banana 22\nDELETE cherry found\nSCAN a z BEGIN\n  apple 1\n  banana 22\nSCAN END\nSTOP\n');
});

test('every node answers status; each group has one leader that the others follow; followers redirect to it', async () => {
  for (const group of ['m', 0, 1] as const) {
    const leader = await c.leaderOf(group);
    await caughtUp(group);
    const statuses = await Promise.all(c.groupNodes(group).map((n) => queryStatus(c.address(n), 2000)));
    const leaderId = Number(leader.split('.')[1]);
    for (const s of statuses) {
      assert.equal(s.leader, leaderId, JSON.stringify(s));
      assert.equal(s.role, s.node === leader ? 'leader' : 'follower');
      assert.ok(s.logBytes > 0 && s.commit > 0 && s.lastIndex >= s.commit, JSON.stringify(s));
    }
    const follower = c.groupNodes(group).find((n) => n !== leader)!;
    const conn = await RpcConnection.connect(parseAddress(c.address(follower)));
    const body = group === 'm' ? { type: 'get_map' } : { type: 'kv', cmd: { op: 'get', key: keysOn(group, 1, 'r-')[0] } };
    const reply = await conn.call(body, 2000);
    conn.close();
    assert.deepEqual(reply.ok ? undefined : { code: reply.error.code, hint: reply.error.hint }, { code: 'not_leader', hint: String(leaderId) }, `${follower} redirects`);
  }
});

test('transfer_leader on the leader moves leadership; on a follower it is refused with the leader as hint', async () => {
  const leader = await c.leaderOf(0);
  const target = c.groupNodes(0).find((n) => n !== leader)!;
  const to = Number(target.split('.')[1]);
  await assert.rejects(transferLeader(c.address(target), to, 5000), (err: unknown) => err instanceof KvRequestError && err.wire.code === 'not_leader' && err.wire.hint === leader.split('.')[1]);
  await transferLeader(c.address(leader), to, 5000);
  assert.equal(await c.leaderOf(0), target);
  const cl = client();
  assert.equal(await cl.put('after-transfer', 'x'), false);
  assert.equal(await cl.get('after-transfer'), 'x');
});

for (const scenario of P3_SCENARIOS) {
  test(`scenario ${scenario.num}: ${scenario.title}`, async (t) => {
    const lines: string[] = [];
    const log = new CaseLog((line) => lines.push(line));
    const outcome = await runScenario(scenario, { cluster: c, log, client });
    for (const l of lines.filter((l) => /ms after the kill|FAIL/.test(l))) t.diagnostic(l);
    assert.ok(outcome.passed, `scenario ${scenario.num} failed:\n${lines.join('\n')}`);
  });
}
