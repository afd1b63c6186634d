/** The stage-3 layout: the template's node ids, ports and peer lists; links through proxies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkShape, linkPairs, p3Layout, portsFromBase } from './p3-layout';

const shape = { managers: 3, partitions: 2, rf: 3 };

function argOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

test('base 3666 without proxies gives the template\'s default ports and peer lists', () => {
  const { nodes, info } = p3Layout({ stage: 'p3', dir: '/c', host: '127.0.0.1', shape, ports: portsFromBase(shape, 3666, false), proxies: false });
  assert.deepEqual(
    nodes.map((n) => n.id),
    ['m.0', 'm.1', 'm.2', 's0.0', 's0.1', 's0.2', 's1.0', 's1.1', 's1.2'],
  );
  assert.deepEqual(info.managerAddresses, ['127.0.0.1:3666', '127.0.0.1:3667', '127.0.0.1:3668']);
  assert.deepEqual(info.serverAddresses, ['3777', '3778', '3779', '3780', '3781', '3782'].map((p) => `127.0.0.1:${p}`));
  const m0 = nodes[0]!;
  assert.equal(m0.program, 'dist/kvstore/src/bin/replicated-manager.js');
  assert.deepEqual(m0.args, [
    '--rep-id', '0', '--port', '3666', '--p2p-port', '3606', '--peers', '127.0.0.1:3607,127.0.0.1:3608', '--server-rf', '3',
    '--servers', info.serverAddresses.join(','), '--backer-path', '/c/backer.m.0', '--listen-host', '127.0.0.1', '--stage', 'p3',
  ]);
  const s01 = nodes.find((n) => n.id === 's0.1')!;
  assert.equal(s01.program, 'dist/kvstore/src/bin/replica-server.js');
  assert.deepEqual(s01.args, [
    '--part-id', '0', '--rep-id', '1', '--managers', info.managerAddresses.join(','), '--api-port', '3778', '--p2p-port', '3708',
    '--peers', '127.0.0.1:3707,127.0.0.1:3709', '--backer-path', '/c/backer.s0.1', '--listen-host', '127.0.0.1', '--stage', 'p3',
  ]);
  assert.equal(argOf(nodes.find((n) => n.id === 's1.2')!.args, '--peers'), '127.0.0.1:3710,127.0.0.1:3711', 'peers by replica id, own id left out');
  assert.equal(s01.storage, 'backer.s0.1');
  assert.deepEqual(info.groups.map((g) => [g.id, g.members]), [
    ['m', ['m.0', 'm.1', 'm.2']],
    ['0', ['s0.0', 's0.1', 's0.2']],
    ['1', ['s1.0', 's1.1', 's1.2']],
  ]);
});

test('with proxies, each node reaches each peer at the port of its own link, and the link forwards to the peer\'s p2p port', () => {
  const { nodes, info, links } = p3Layout({ stage: 'p3', dir: '/c', host: '127.0.0.1', shape, ports: portsFromBase(shape, 3666, true), proxies: true });
  assert.equal(nodes[0]!.id, 'proxy', 'the proxy starts first');
  assert.deepEqual(nodes[0]!.args, ['--control', '127.0.0.1:4666', '--links', '/c/links.json', '--stage', 'p3']);
  assert.equal(info.proxyControl, '127.0.0.1:4666');
  assert.equal(links.length, 3 * 2 + 2 * 3 * 2, 'one link per ordered pair in each group');
  const link = (from: string, to: string) => links.find((l) => l.from === from && l.to === to)!;
  assert.deepEqual(link('m.0', 'm.1'), { from: 'm.0', to: 'm.1', listen: '127.0.0.1:4667', target: '127.0.0.1:3607' });
  assert.equal(link('s1.2', 's1.0').target, '127.0.0.1:3710');
  for (const n of nodes.filter((x) => x.id !== 'proxy')) {
    const others = info.groups.find((g) => g.members.includes(n.id))!.members.filter((m) => m !== n.id);
    assert.equal(argOf(n.args, '--peers'), others.map((o) => link(n.id, o).listen).join(','), n.id);
  }
  assert.equal(links.find((l) => l.from.startsWith('m') !== l.to.startsWith('m')), undefined, 'no link crosses groups');
});

test('a group of one has the literal none as its peers', () => {
  const one = { managers: 1, partitions: 3, rf: 1 };
  const { nodes, links } = p3Layout({ stage: 'p3', dir: '/c', host: '127.0.0.1', shape: one, ports: portsFromBase(one, 3666, true), proxies: true });
  for (const n of nodes.filter((x) => x.id !== 'proxy')) assert.equal(argOf(n.args, '--peers'), 'none', n.id);
  assert.deepEqual(links, []);
  assert.deepEqual(linkPairs(one), []);
});

test('shapes the store cannot run, and ports that do not fit, are refused with a reason', () => {
  assert.match(checkShape({ managers: 2, partitions: 1, rf: 3 })!, /managers must be one of 1, 3, 5, 7, 9/);
  assert.match(checkShape({ managers: 3, partitions: 1, rf: 4 })!, /rf must be one of/);
  assert.match(checkShape({ managers: 3, partitions: 0, rf: 3 })!, /partitions must be 1\.\.50/);
  assert.match(checkShape({ managers: 3, partitions: 15, rf: 5 })!, /75 server replicas; a local cluster has at most 70/);
  assert.equal(checkShape({ managers: 9, partitions: 14, rf: 5 }), undefined);
  assert.throws(() => portsFromBase(shape, 40, false), /base port 40 puts ports at -20\.\.156/);
  assert.throws(() => portsFromBase(shape, 65000, true), /must be within 1\.\.65535/);
  assert.throws(
    () => p3Layout({ stage: 'p3', dir: '/c', host: '127.0.0.1', shape, ports: { ...portsFromBase(shape, 3666, false), managerP2p: [3777, 3607, 3608] }, proxies: false }),
    /port 3777 is given to both m\.0 p2p and s0\.0/,
  );
});

test('a stage-4 layout runs transactional shards with their protocol and replication RTT; the managers are unchanged', () => {
  const plain = p3Layout({ stage: 'p4', dir: '/c', host: '127.0.0.1', shape, ports: portsFromBase(shape, 3666, false), proxies: false });
  const { nodes, info } = p3Layout({ stage: 'p4', dir: '/c', host: '127.0.0.1', shape, ports: portsFromBase(shape, 3666, false), proxies: false, txn: { mode: '2pc', replRttMs: 40 } });
  assert.deepEqual(info.txn, { mode: '2pc', replRttMs: 40 });
  const s10 = nodes.find((n) => n.id === 's1.0')!;
  assert.equal(s10.program, 'dist/kvstore/src/bin/txn-shard-server.js');
  assert.equal(argOf(s10.args, '--txn-mode'), '2pc');
  assert.equal(argOf(s10.args, '--repl-rtt-ms'), '40');
  assert.deepEqual(s10.args.filter((a) => !['--txn-mode', '2pc', '--repl-rtt-ms', '40'].includes(a)), plain.nodes.find((n) => n.id === 's1.0')!.args);
  assert.deepEqual(nodes.find((n) => n.id === 'm.0'), plain.nodes.find((n) => n.id === 'm.0'));
  assert.equal(plain.info.txn, undefined);
});
