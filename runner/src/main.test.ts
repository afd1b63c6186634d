import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitJustArgs } from './main';
import { serviceRole } from './service';
import { runRunner } from './testing/runner-cli';

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

test('a bad argument to bench or fuzz is one line on stderr (no stack trace) and exit status 2', async () => {
  const cases: Array<[string[], string]> = [
    [['bench', '--num-clis', 'ten', '--workload', 'a', '--client-just-args', 'p1::client', '127.0.0.1:3777'], 'error: --num-clis must be a positive integer (see --help)\n'],
    [['bench', '--num-clis', '2', '--workload', 'z', '--client-just-args', 'p1::client'], 'error: Invalid values: Argument: workload, Given: "z", Choices: "a", "b", "c", "d", "e", "f" (see --help)\n'],
    [['fuzz', '--num-clis', '0', '--client-cmd', 'true'], 'error: --num-clis must be a positive integer (see --help)\n'],
    [['fuzz', '--bogus'], 'error: Unknown argument: bogus (see --help)\n'],
    [['bench', '--num-clis', '2'], 'error: give the client as --client-just-args <recipe args…> or --client-cmd "<command>" (see --help)\n'],
  ];
  for (const [args, expected] of cases) {
    const r = await runRunner(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr, expected, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});
