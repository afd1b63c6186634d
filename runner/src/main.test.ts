import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitJustArgs } from './main';
import { serviceRole } from './service';

test('--client-just-args (or --just-args) takes the rest of the command line', () => {
  assert.deepEqual(splitJustArgs(['fuzz', '--num-clis', '3', '--conflict', '--client-just-args', 'p1::client', '127.0.0.1:3777']), {
    rest: ['fuzz', '--num-clis', '3', '--conflict'],
    justArgs: ['p1::client', '127.0.0.1:3777'],
  });
  assert.deepEqual(splitJustArgs(['bench', '--just-args', 'p2::client', '--weird']), { rest: ['bench'], justArgs: ['p2::client', '--weird'] });
  assert.deepEqual(splitJustArgs(['fuzz', '--client-just-args=p1::client', 'x']), { rest: ['fuzz'], justArgs: ['p1::client', 'x'] });
  assert.deepEqual(splitJustArgs(['check', 'f.jsonl']), { rest: ['check', 'f.jsonl'], justArgs: undefined });
});

test('service picks the recipe from the node id', () => {
  const c = { serverJustArgs: ['p2::server', '0'], managerJustArgs: ['p2::manager', '3666'] };
  assert.deepEqual(serviceRole({ ...c, nodeId: 'm' }), { role: 'manager', args: ['p2::manager', '3666'] });
  assert.deepEqual(serviceRole({ ...c, nodeId: 'm.1' }), { role: 'manager', args: ['p2::manager', '3666'] });
  assert.deepEqual(serviceRole({ ...c, nodeId: 's2.0' }), { role: 'server', args: ['p2::server', '0'] });
  assert.deepEqual(serviceRole({ ...c, nodeId: 'none' }), { role: 'none' });
  assert.deepEqual(serviceRole({ ...c, nodeId: 's0', serverJustArgs: ['none'] }), { role: 'none' });
  assert.ok('error' in serviceRole({ ...c, nodeId: 'x1' }));
});
