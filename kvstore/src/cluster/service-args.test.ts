/** The `p2::service` node-id convention: which recipe a node runs, with which arguments. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceCommand } from './service-args';

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
