/** The topology at the top of p3 logs: from a local cluster's layout, or from the managers' map; never a hang. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listenOnPort } from '../../../kvstore/src/testing/listen-on-port';
import { freePort } from '../../../kvstore/src/testing/spawn-node';
import { errorReply, isRecord, okReply } from '../../../kvstore/src/wire/envelope';
import type { RpcServer } from '../../../kvstore/src/wire/rpc-server';
import type { ClusterLayout } from '../cluster/layout';
import { discoverTopology, localClusterTopology, matchingLocalCluster, rfMismatch, topologyLines, whereIs } from './topology';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-topology-test-'));
const servers: RpcServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

function layout(clusterDir: string, managers: string[]): ClusterLayout {
  return {
    stage: 'p3',
    dir: clusterDir,
    host: '127.0.0.1',
    kind: 'p3',
    p3: {
      managers: managers.length,
      partitions: 2,
      rf: 1,
      managerAddresses: managers,
      serverAddresses: ['127.0.0.1:3777', '127.0.0.1:3778'],
      groups: [],
      proxyControl: '127.0.0.1:4666',
    },
    nodes: [],
    processes: { 'm.0': { pid: process.pid, startTime: 'x' }, 's0.0': { pid: 999_999_999, startTime: 'x' }, 's1.0': { pid: process.pid, startTime: 'x', paused: true } },
  };
}

test('a local cluster: every node with its address and process (down when its pid is gone), the proxy too', async () => {
  const t = localClusterTopology(layout('/tmp/c', ['127.0.0.1:3666']));
  assert.equal(t.host, os.hostname());
  assert.equal(t.source, 'local cluster /tmp/c: 1 managers, 2 partitions x rf 1, link proxies');
  assert.deepEqual(t.nodes, [
    { id: 'm.0', address: '127.0.0.1:3666', state: `pid ${process.pid}` },
    { id: 's0.0', address: '127.0.0.1:3777', state: 'down' },
    { id: 's1.0', address: '127.0.0.1:3778', state: `pid ${process.pid} paused` },
    { id: 'proxy', address: '127.0.0.1:4666', state: 'down' },
  ]);
  const lines = await topologyLines(t);
  assert.equal(lines[0], `Topology:  host ${os.hostname()}  (local cluster /tmp/c: 1 managers, 2 partitions x rf 1, link proxies)`);
  assert.equal(lines[1], `  m.0    127.0.0.1:3666  this host  pid ${process.pid}`);
  assert.equal(lines[2], '  s0.0   127.0.0.1:3777  this host  down');
  for (const l of lines) {
    assert.ok(!l.includes('Throughput') && !l.endsWith(' us'), `the template's bench parser would read: ${l}`);
    assert.deepEqual(l.startsWith('  ') ? l.trim().split(/\s{2,}/).length >= 3 : true, true, l);
  }
});

test('the local cluster is used only when its managers are the ones given (loopback names alike)', () => {
  const c = path.join(dir, 'cluster');
  fs.mkdirSync(c);
  fs.writeFileSync(path.join(c, 'cluster.json'), JSON.stringify(layout('relative/dir', ['127.0.0.1:3666', '127.0.0.1:3667'])));
  assert.equal(matchingLocalCluster(c, ['127.0.0.1:3666', '127.0.0.1:3667'])?.dir, c, 'the folder as given, resolved');
  assert.ok(matchingLocalCluster(c, ['localhost:3666', '127.0.0.1:3667']) !== undefined);
  assert.equal(matchingLocalCluster(c, ['127.0.0.1:3666']), undefined);
  assert.equal(matchingLocalCluster(c, ['127.0.0.1:3667', '127.0.0.1:3666']), undefined, 'replica ids follow the order');
  assert.equal(matchingLocalCluster(c, ['10.9.9.9:3666', '127.0.0.1:3667']), undefined);
  assert.equal(matchingLocalCluster(path.join(dir, 'none'), ['127.0.0.1:3666']), undefined);
  fs.writeFileSync(path.join(c, 'cluster.json'), '{ torn');
  assert.equal(matchingLocalCluster(c, ['127.0.0.1:3666', '127.0.0.1:3667']), undefined, 'a damaged layout is no match, not a crash');
});

test('no local cluster: the servers come from the map of the manager group, following a redirect to its leader', async () => {
  const ports = [await freePort(), await freePort()];
  const managers = ports.map((p) => `127.0.0.1:${p}`);
  const map = { servers: ['10.0.0.8:3777', '10.0.0.9:3778', '127.0.0.1:3779', '127.0.0.1:3780', '127.0.0.1:3781', '127.0.0.1:3782'], rf: 3 };
  servers.push(await listenOnPort(() => errorReply('not_leader', 'ask 1', '1'), '127.0.0.1', ports[0]!));
  servers.push(await listenOnPort((b) => (isRecord(b) && b.type === 'get_map' ? okReply({ map }) : errorReply('bad_request', 'no')), '127.0.0.1', ports[1]!));
  const t = await discoverTopology(managers, path.join(dir, 'nothing-here'));
  assert.equal(t.source, "managers given; servers from the manager group's map: 2 partitions x rf 3");
  assert.deepEqual(t.nodes.map((n) => `${n.id}=${n.address}`), [`m.0=${managers[0]}`, `m.1=${managers[1]}`, 's0.0=10.0.0.8:3777', 's0.1=10.0.0.9:3778', 's0.2=127.0.0.1:3779', 's1.0=127.0.0.1:3780', 's1.1=127.0.0.1:3781', 's1.2=127.0.0.1:3782']);
});

test('managers that do not answer: the topology says the servers are unknown, within its time', async () => {
  const port = await freePort();
  const started = Date.now();
  const t = await discoverTopology([`127.0.0.1:${port}`], path.join(dir, 'nothing-here'), 1000);
  assert.ok(Date.now() - started < 3000);
  assert.match(t.source, /^managers given; servers unknown: 127\.0\.0\.1:\d+: /);
  assert.deepEqual(t.nodes, [{ id: 'm.0', address: `127.0.0.1:${port}` }]);
});

test('where a node runs: this host for loopback and this machine\'s names, else the host and its IP', async () => {
  assert.equal(await whereIs('127.0.0.1:1'), 'this host');
  assert.equal(await whereIs('localhost:1'), 'this host');
  assert.equal(await whereIs(`${os.hostname()}:1`), 'this host');
  assert.match(await whereIs('192.0.2.7:1', 300), /^host \S+ \(192\.0\.2\.7\)$/);
  assert.match(await whereIs('no-such-host.invalid:1', 300), /^host no-such-host\.invalid \(unresolved\)$/);
  assert.equal(await whereIs('garbage'), 'unknown host');
});

test('a run labelled with another replication factor than the cluster has is refused, naming both; an unknown or dead cluster is not judged', () => {
  const live = localClusterTopology(layout('/tmp/c', ['127.0.0.1:3666']));
  assert.equal(rfMismatch(1, live), undefined);
  assert.match(rfMismatch(5, live)!, /^server_rf is 5, but the cluster \(local cluster \/tmp\/c: .*\) has rf 1: .*pass server_rf=1, or start a cluster with rf 5$/);
  const dead = localClusterTopology(layout('/tmp/c', ['127.0.0.1:3666']), () => false);
  assert.equal(rfMismatch(5, dead), undefined, 'a layout whose processes are gone');
  assert.equal(rfMismatch(5, { host: 'h', source: 'managers given; servers unknown: timeout', nodes: [] }), undefined);
  assert.match(rfMismatch(3, { host: 'h', source: "managers given; servers from the manager group's map: 2 partitions x rf 5", nodes: [], rf: 5 })!, /server_rf is 3, .* has rf 5/);
});
