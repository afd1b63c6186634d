/** The `pN::service` node-id conventions: which recipe a node runs, with which arguments. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { p3ServiceCommand, parseP3Node, serviceCommand } from './service-args';

const MANAGER = '127.0.0.1:3666';
const SERVERS = '127.0.0.1:3777,127.0.0.1:3778,127.0.0.1:3779';

test('m runs the manager on the port of the manager address, for the whole server list', () => {
  assert.deepEqual(serviceCommand('m', MANAGER, SERVERS, './backer'), { recipe: 'manager', args: ['3666', SERVERS] });
  assert.deepEqual(serviceCommand('m', '10.0.0.5:4000', SERVERS, './backer'), { recipe: 'manager', args: ['4000', SERVERS] });
});

test('sX runs server X on the port of the X-th server address, storing under <prefix>.sX', () => {
  assert.deepEqual(serviceCommand('s0', MANAGER, SERVERS, './backer'), { recipe: 'server', args: ['0', MANAGER, '3777', './backer.s0'] });
  assert.deepEqual(serviceCommand('s1', MANAGER, SERVERS, './backer'), { recipe: 'server', args: ['1', MANAGER, '3778', './backer.s1'] });
  assert.deepEqual(serviceCommand('s2', MANAGER, SERVERS, '/data/kv'), { recipe: 'server', args: ['2', MANAGER, '3779', '/data/kv.s2'] });
});

test('ports come from the list as written, whatever the hosts', () => {
  const servers = '10.0.0.1:5000, 10.0.0.2:5000 ,[::1]:6001';
  assert.deepEqual(serviceCommand('s2', MANAGER, servers, 'b'), { recipe: 'server', args: ['2', MANAGER, '6001', 'b.s2'] });
  assert.deepEqual(serviceCommand('m', MANAGER, servers, 'b'), { recipe: 'manager', args: ['3666', '10.0.0.1:5000,10.0.0.2:5000,[::1]:6001'] });
});

test('a node id that is not m or a listed server is refused, naming the valid ids', () => {
  for (const node of ['s3', 'x', 'S0', 's', 's01', 's-1', 'm0', '', ' s0']) {
    const r = serviceCommand(node, MANAGER, SERVERS, './backer');
    assert.equal(typeof r, 'string', node);
    assert.equal(r, `unknown node '${node}': valid nodes are m (the manager) and s0, s1, s2 (one per address in the server list; m.0 and sX.0 name the same nodes)`);
  }
  const many = Array.from({ length: 10 }, (_, i) => `127.0.0.1:${4000 + i}`).join(',');
  assert.match(serviceCommand('s10', MANAGER, many, 'b') as string, /valid nodes are m \(the manager\) and s0 … s9/);
  assert.deepEqual(serviceCommand('s9', MANAGER, many, 'b'), { recipe: 'server', args: ['9', MANAGER, '4009', 'b.s9'] });
});

test('malformed addresses and impossible lists are one-line errors', () => {
  assert.equal(serviceCommand('s0', 'nope', SERVERS, 'b'), "bad address 'nope': expected host:port");
  assert.equal(serviceCommand('s0', MANAGER, '127.0.0.1:3777,bad', 'b'), "bad address 'bad': expected host:port");
  assert.match(serviceCommand('m', MANAGER, '', 'b') as string, /server list is empty/);
  const tooMany = Array.from({ length: 51 }, (_, i) => `127.0.0.1:${4000 + i}`).join(',');
  assert.match(serviceCommand('m', MANAGER, tooMany, 'b') as string, /at most 50/);
});

test("the template's replica ids: m.0 is m and sP.0 is sP (p2 has one replica of each)", () => {
  assert.deepEqual(serviceCommand('m.0', MANAGER, SERVERS, './backer'), serviceCommand('m', MANAGER, SERVERS, './backer'));
  assert.deepEqual(serviceCommand('s1.0', MANAGER, SERVERS, './backer'), { recipe: 'server', args: ['1', MANAGER, '3778', './backer.s1'] });
  assert.deepEqual(serviceCommand('s0.0', MANAGER, SERVERS, '/data/kv'), { recipe: 'server', args: ['0', MANAGER, '3777', '/data/kv.s0'] });
});

test('other replica ids are refused: p2 has no replicas', () => {
  assert.equal(serviceCommand('m.1', MANAGER, SERVERS, './backer'), "node 'm.1' is manager replica 1, but p2 has no replicas: use m (or m.0)");
  assert.equal(serviceCommand('s2.3', MANAGER, SERVERS, './backer'), "node 's2.3' is replica 3 of partition 2, but p2 has no replicas: use s2 (or s2.0)");
  for (const node of ['s3.0', 'm.', 's1.', 's1.x', 'm.-1', 's1.0.0']) {
    assert.match(serviceCommand(node, MANAGER, SERVERS, './backer') as string, new RegExp(`^unknown node '${node.replace(/\./g, '\\.')}': valid nodes are`), node);
  }
});

// ───────────── p3 ─────────────

const P3 = {
  managers: '127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668',
  managerP2ps: '127.0.0.1:3606,127.0.0.1:3607,127.0.0.1:3608',
  serverRf: '3',
  servers: '127.0.0.1:3777,127.0.0.1:3778,127.0.0.1:3779,127.0.0.1:3780,127.0.0.1:3781,127.0.0.1:3782',
  serverP2ps: '127.0.0.1:3707,127.0.0.1:3708,127.0.0.1:3709,127.0.0.1:3710,127.0.0.1:3711,127.0.0.1:3712',
  backerPrefix: './backer',
};

test('p3: m.X is manager replica X: its ports at index X, the other managers as peers in replica order', () => {
  assert.deepEqual(p3ServiceCommand('m.0', P3), {
    recipe: 'manager',
    args: ['0', '3666', '3606', '127.0.0.1:3607,127.0.0.1:3608', '3', P3.servers, './backer.m.0'],
  });
  assert.deepEqual(p3ServiceCommand('m.1', P3), {
    recipe: 'manager',
    args: ['1', '3667', '3607', '127.0.0.1:3606,127.0.0.1:3608', '3', P3.servers, './backer.m.1'],
  });
  assert.deepEqual(p3ServiceCommand('m.2', P3), {
    recipe: 'manager',
    args: ['2', '3668', '3608', '127.0.0.1:3606,127.0.0.1:3607', '3', P3.servers, './backer.m.2'],
  });
  assert.deepEqual(p3ServiceCommand('m', P3), p3ServiceCommand('m.0', P3), 'm is m.0');
});

test('p3: sP.R is replica R of partition P: ports at index P*rf+R, the partition\'s other replicas as peers', () => {
  assert.deepEqual(p3ServiceCommand('s0.0', P3), {
    recipe: 'server',
    args: ['0', '0', P3.managers, '3777', '3707', '127.0.0.1:3708,127.0.0.1:3709', './backer.s0.0'],
  });
  assert.deepEqual(p3ServiceCommand('s1.2', P3), {
    recipe: 'server',
    args: ['1', '2', P3.managers, '3782', '3712', '127.0.0.1:3710,127.0.0.1:3711', './backer.s1.2'],
  });
  assert.deepEqual(p3ServiceCommand('s1.1', P3), {
    recipe: 'server',
    args: ['1', '1', P3.managers, '3781', '3711', '127.0.0.1:3710,127.0.0.1:3712', './backer.s1.1'],
  });
  assert.deepEqual(p3ServiceCommand('s1', P3), p3ServiceCommand('s1.0', P3), 'sP is sP.0');
});

test('p3: a group of one has the peers none; rf 1 makes one partition per server', () => {
  const single = { ...P3, managers: '10.0.0.1:4000', managerP2ps: '10.0.0.1:4001', serverRf: '1', servers: '10.0.0.2:5000,10.0.0.3:5000', serverP2ps: '10.0.0.2:5001,10.0.0.3:5001', backerPrefix: '/data/kv' };
  assert.deepEqual(p3ServiceCommand('m', single), { recipe: 'manager', args: ['0', '4000', '4001', 'none', '1', '10.0.0.2:5000,10.0.0.3:5000', '/data/kv.m.0'] });
  assert.deepEqual(p3ServiceCommand('s1', single), { recipe: 'server', args: ['1', '0', '10.0.0.1:4000', '5000', '5001', 'none', '/data/kv.s1.0'] });
  const five = { ...P3, serverRf: '5', servers: Array.from({ length: 10 }, (_, i) => `h${i}:${6000 + i}`).join(','), serverP2ps: Array.from({ length: 10 }, (_, i) => `h${i}:${7000 + i}`).join(',') };
  assert.deepEqual(p3ServiceCommand('s1.3', five), { recipe: 'server', args: ['1', '3', P3.managers, '6008', '7008', 'h5:7005,h6:7006,h7:7007,h9:7009', './backer.s1.3'] });
});

test('p3: lists are taken as written, spaces trimmed', () => {
  const spaced = { ...P3, managers: ' 127.0.0.1:3666 , 127.0.0.1:3667,127.0.0.1:3668 ' };
  const r = p3ServiceCommand('s0.1', spaced);
  assert.ok(typeof r !== 'string');
  assert.equal(r.args[2], P3.managers);
});

test('p3: node ids of other shapes or out of range are refused, naming the valid ones', () => {
  for (const node of ['m.3', 's2.0', 's0.3', 'x', 'S0.0', 's', 's01.0', 's0.01', 'm.', 's0.', 'm0', '', ' s0.0', 's0.0.0', 's-1.0']) {
    const r = p3ServiceCommand(node, P3);
    assert.equal(typeof r, 'string', node);
    assert.match(r as string, new RegExp(`^unknown node '${node.replace(/[.]/g, '\\.')}': .*valid nodes are m\\.0 … m\\.2 \\(manager replicas\\) and sP\\.R for partition P < 2, replica R < 3; m means m\\.0 and sP means sP\\.0$`), node);
  }
  assert.match(p3ServiceCommand('s0.3', P3) as string, /there are 2 partitions of 3 replicas/);
  assert.match(p3ServiceCommand('m.3', P3) as string, /there are 3 manager replicas/);
});

test('p3: lists that cannot make a cluster are one-line errors', () => {
  const cases: Array<[Partial<typeof P3>, string]> = [
    [{ serverRf: '2' }, "server_rf must be one of 1, 3, 5, 7, 9, got '2'"],
    [{ serverRf: 'three' }, "server_rf must be one of 1, 3, 5, 7, 9, got 'three'"],
    [{ servers: '127.0.0.1:1,127.0.0.1:2', serverP2ps: '127.0.0.1:3,127.0.0.1:4' }, 'servers lists 2 addresses, not a multiple of server_rf 3 (one address per replica of every partition)'],
    [{ serverP2ps: '127.0.0.1:1' }, 'servers lists 6 addresses but server_p2ps lists 1: give one peer address per server replica'],
    [{ managerP2ps: '127.0.0.1:1' }, 'managers lists 3 replicas but manager_p2ps lists 1: give one peer address per manager replica'],
    [{ managers: '' }, 'managers is empty: give comma-separated host:port addresses'],
    [{ servers: '127.0.0.1:1,nope' }, "servers: bad address 'nope': expected host:port"],
    [{ managerP2ps: 'a:1,b:2,c' }, "manager_p2ps: bad address 'c': expected host:port"],
  ];
  for (const [change, message] of cases) assert.equal(p3ServiceCommand('s0.0', { ...P3, ...change }), message, JSON.stringify(change));
  const many = Array.from({ length: 51 }, (_, i) => `h:${4000 + i}`).join(',');
  assert.equal(p3ServiceCommand('s0', { ...P3, serverRf: '1', servers: many, serverP2ps: many }), '51 partitions (51 servers / rf 1); a cluster has at most 50');
  const tenManagers = Array.from({ length: 10 }, (_, i) => `h:${4000 + i}`).join(',');
  assert.equal(p3ServiceCommand('m.0', { ...P3, managers: tenManagers, managerP2ps: tenManagers }), '10 managers listed; the manager group has at most 9 replicas');
});

test('p3 node ids parse into group and replica', () => {
  assert.deepEqual(parseP3Node('m'), { group: 'm', replica: 0 });
  assert.deepEqual(parseP3Node('m.4'), { group: 'm', replica: 4 });
  assert.deepEqual(parseP3Node('s12'), { group: 's', partition: 12, replica: 0 });
  assert.deepEqual(parseP3Node('s3.2'), { group: 's', partition: 3, replica: 2 });
  assert.equal(parseP3Node('s3.2.1'), undefined);
  assert.equal(parseP3Node('s1234.0'), undefined);
});
