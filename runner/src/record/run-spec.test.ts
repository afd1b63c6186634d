/** Recorded runs: arguments checked before anything is touched, log names from the labels, commands from the stage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type RunContext, type RunPlan, planRun } from './run-spec';

const ctx: RunContext = { results: '/r/madkv-p1', root: '/kit', node: 'node', just: 'just', runnerArgs: [] };
const p2: RunContext = { ...ctx, results: '/r/madkv-p2' };
const RUNNER = ['node', '/kit/dist/runner/src/main.js'];

function plan(stage: string, kind: string, args: string[], c = ctx): RunPlan {
  const p = planRun(stage, kind, args, c);
  assert.ok(typeof p !== 'string', p as string);
  return p;
}

test('p1 runs: log names and commands', () => {
  assert.deepEqual(plan('p1', 'testcase', ['3', '127.0.0.1:3777']), {
    logFile: '/r/madkv-p1/tests/test3.log',
    command: ['just', 'p1::test3', '127.0.0.1:3777'],
    notes: [],
    verdict: /testcase 3: (PASSED|FAILED)/,
  });
  assert.deepEqual(plan('p1', 'bench', ['10', 'e', '10.0.0.1:3777']), {
    logFile: '/r/madkv-p1/bench/bench-10-e.log',
    command: [...RUNNER, 'bench', '--num-clis', '10', '--workload', 'e', '--client-just-args', 'p1::client', '10.0.0.1:3777'],
    notes: [],
  });
  assert.deepEqual(plan('p1', 'fuzz', ['1', 'no', '127.0.0.1:3777']), {
    logFile: '/r/madkv-p1/fuzz/fuzz-1-no.log',
    command: [...RUNNER, 'fuzz', '--num-clis', '1', '--client-just-args', 'p1::client', '127.0.0.1:3777'],
    notes: ['conflict: no (each client has its own random keys)'],
    verdict: /Fuzz testing result:/,
  });
});

test('conflict: anything but no means shared keys, as in the template; odd values are logged under yes, saying so', () => {
  const yes = plan('p1', 'fuzz', ['3', 'yes', '127.0.0.1:3777']);
  assert.equal(yes.logFile, '/r/madkv-p1/fuzz/fuzz-3-yes.log');
  assert.ok(yes.command.includes('--conflict'));
  assert.deepEqual(yes.notes, ['conflict: shared keys key00000..key00004']);
  const maybe = plan('p1', 'fuzz', ['3', 'maybe', '127.0.0.1:3777']);
  assert.equal(maybe.logFile, '/r/madkv-p1/fuzz/fuzz-3-yes.log');
  assert.ok(maybe.command.includes('--conflict'));
  assert.deepEqual(maybe.notes, ["conflict: shared keys key00000..key00004 ('maybe' is not 'no'; logged as yes)"]);
  assert.equal(plan('p1', 'fuzz', ['3', 'No', '127.0.0.1:3777']).logFile, '/r/madkv-p1/fuzz/fuzz-3-yes.log', 'only no is no');
});

test('p2 runs: fuzz reads the default local cluster\'s fault journal', () => {
  assert.deepEqual(plan('p2', 'fuzz', ['3', 'yes', '127.0.0.1:3666'], p2), {
    logFile: '/r/madkv-p2/fuzz/fuzz-3-yes.log',
    command: [...RUNNER, 'fuzz', '--num-clis', '5', '--conflict', '--fault-journal', '/r/madkv-p2/cluster/faults.jsonl', '--client-just-args', 'p2::client', '127.0.0.1:3666'],
    notes: [],
    verdict: /Fuzz testing result:/,
  });
  assert.deepEqual(plan('p2', 'bench', ['10', 'a', '3', '127.0.0.1:3666'], p2).logFile, '/r/madkv-p2/bench/bench-10-a-3.log');
  assert.deepEqual(plan('p2', 'testcase', [], p2), {
    logFile: '/r/madkv-p2/tests/test-crash.log',
    command: ['node', '/kit/dist/runner/src/scenarios/p2-crash-testcase.js'],
    notes: [],
    verdict: /p2 crash testcase: (PASSED|FAILED)/,
  });
});

test('p3 runs: logs named by replication factor; clients get the managers list; fuzz reads the default local cluster\'s fault journal', () => {
  const p3: RunContext = { ...ctx, results: '/r/madkv-p3' };
  const managers = '127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668';
  assert.deepEqual(plan('p3', 'fuzz', ['5', 'yes', managers], p3), {
    logFile: '/r/madkv-p3/fuzz/fuzz-5-yes.log',
    command: [...RUNNER, 'fuzz', '--num-clis', '5', '--conflict', '--fault-journal', '/r/madkv-p3/cluster/faults.jsonl', '--client-just-args', 'p3::client', managers],
    notes: [],
    verdict: /Fuzz testing result:/,
    topology: { managers: managers.split(','), clusterDir: '/r/madkv-p3/cluster', rf: 5 },
  });
  assert.deepEqual(plan('p3', 'bench', ['10', 'a', '1', managers], p3), {
    logFile: '/r/madkv-p3/bench/bench-10-a-1.log',
    command: [...RUNNER, 'bench', '--num-clis', '10', '--workload', 'a', '--client-just-args', 'p3::client', managers],
    notes: [],
    topology: { managers: managers.split(','), clusterDir: '/r/madkv-p3/cluster', rf: 1 },
  });
  assert.equal(plan('p3', 'bench', ['30', 'e', '5', '10.0.0.1:3666'], p3).logFile, '/r/madkv-p3/bench/bench-30-e-5.log');
});

test('p3 runs in another cluster folder: its fault journal and its layout (for the topology)', () => {
  const p3: RunContext = { ...ctx, results: '/r/madkv-p3', clusterDir: '/c/mine' };
  const fuzz = plan('p3', 'fuzz', ['3', 'yes', '127.0.0.1:4666'], p3);
  assert.ok(fuzz.command.includes('/c/mine/faults.jsonl'));
  assert.deepEqual(fuzz.topology, { managers: ['127.0.0.1:4666'], clusterDir: '/c/mine', rf: 3 });
  assert.equal(plan('p3', 'bench', ['1', 'b', '3', '127.0.0.1:4666'], p3).topology?.clusterDir, '/c/mine');
});

test('p3 testcase <num>: its own program, tests/test<num>.log, complete once it prints its verdict', () => {
  const p3: RunContext = { ...ctx, results: '/r/madkv-p3' };
  assert.deepEqual(plan('p3', 'testcase', ['2'], p3), {
    logFile: '/r/madkv-p3/tests/test2.log',
    command: ['node', '/kit/dist/runner/src/scenarios/p3-testcase.js', '2'],
    notes: [],
    verdict: /p3 testcase 2: (PASSED|FAILED)/,
  });
});

test('p3 nemesis: log named by duration and seed (a fresh one when none is given), on the cluster folder, with the fuzz run beside it', () => {
  const p3: RunContext = { ...ctx, results: '/r/madkv-p3', freshSeed: 4242 };
  assert.deepEqual(plan('p3', 'nemesis', ['300', 'kill,pause,cut,delay', '17'], p3), {
    logFile: '/r/madkv-p3/nemesis/nemesis-300s-17.log',
    command: [...RUNNER, 'nemesis', '--cluster', '/r/madkv-p3/cluster', '--duration', '300', '--faults', 'kill,pause,cut,delay', '--seed', '17'],
    notes: [],
    verdict: /nemesis done:/,
    topology: { managers: [], clusterDir: '/r/madkv-p3/cluster' },
    fuzzBeside: { clusterDir: '/r/madkv-p3/cluster', fuzzDir: '/r/madkv-p3/fuzz' },
  });
  const fresh = plan('p3', 'nemesis', ['60', 'kill', ''], p3);
  assert.equal(fresh.logFile, '/r/madkv-p3/nemesis/nemesis-60s-4242.log');
  assert.deepEqual(fresh.command.slice(-2), ['--seed', '4242']);
});

test('p4 nemesis: as p3\'s, on the stage-4 results and cluster folder', () => {
  const p4: RunContext = { ...ctx, results: '/r/madkv-p4', freshSeed: 9 };
  const r = plan('p4', 'nemesis', ['30', 'kill,pause', ''], p4);
  assert.equal(r.logFile, '/r/madkv-p4/nemesis/nemesis-30s-9.log');
  assert.deepEqual(r.command.slice(2), ['nemesis', '--cluster', '/r/madkv-p4/cluster', '--duration', '30', '--faults', 'kill,pause', '--seed', '9']);
  assert.deepEqual(r.fuzzBeside, { clusterDir: '/r/madkv-p4/cluster', fuzzDir: '/r/madkv-p4/fuzz' });
});

test('numbers are written plainly in log names; extra runner flags go before the client arguments', () => {
  assert.equal(plan('p1', 'bench', ['010', 'a', '127.0.0.1:3777']).logFile, '/r/madkv-p1/bench/bench-10-a.log');
  const seeded = plan('p1', 'bench', ['2', 'c', '127.0.0.1:3777'], { ...ctx, runnerArgs: ['--seed', '7'] });
  assert.deepEqual(seeded.command.slice(2), ['bench', '--num-clis', '2', '--workload', 'c', '--seed', '7', '--client-just-args', 'p1::client', '127.0.0.1:3777']);
});

test('every bad argument is a one-line message', () => {
  const bad: Array<[string, string, string[], string]> = [
    ['p1', 'bench', ['ten', 'a', '127.0.0.1:3777'], "nclis must be a positive integer, got 'ten'"],
    ['p1', 'bench', ['0', 'a', '127.0.0.1:3777'], "nclis must be a positive integer, got '0'"],
    ['p1', 'bench', ['-3', 'a', '127.0.0.1:3777'], "nclis must be a positive integer, got '-3'"],
    ['p1', 'bench', ['2.5', 'a', '127.0.0.1:3777'], "nclis must be a positive integer, got '2.5'"],
    ['p1', 'bench', ['10', 'z', '127.0.0.1:3777'], "wload must be one of a, b, c, d, e, f, got 'z'"],
    ['p1', 'bench', ['10', 'A', '127.0.0.1:3777'], "wload must be one of a, b, c, d, e, f, got 'A'"],
    ['p1', 'bench', ['10', 'a', 'localhost'], "server: bad address 'localhost': expected host:port"],
    ['p1', 'bench', ['10', 'a', '127.0.0.1:0'], "server: bad address '127.0.0.1:0': port 0 cannot be connected to"],
    ['p1', 'testcase', ['9', '127.0.0.1:3777'], "num must be an integer from 1 to 5, got '9'"],
    ['p1', 'testcase', ['x', '127.0.0.1:3777'], "num must be an integer from 1 to 5, got 'x'"],
    ['p1', 'fuzz', ['', 'yes', '127.0.0.1:3777'], "nclis must be a positive integer, got ''"],
    ['p1', 'fuzz', ['3', 'yes'], 'p1 fuzz takes 3 arguments (nclis conflict server), got 2'],
    ['p2', 'fuzz', ['3', 'maybe', '127.0.0.1:3666'], "crashing must be yes or no, got 'maybe'"],
    ['p2', 'fuzz', ['51', 'no', '127.0.0.1:3666'], "nservers must be an integer from 1 to 50, got '51'"],
    ['p2', 'bench', ['10', 'a', 'three', '127.0.0.1:3666'], "nservers must be an integer from 1 to 50, got 'three'"],
    ['p2', 'bench', ['10', 'a', '3', '127.0.0.1:99999'], "manager: bad address '127.0.0.1:99999': port 99999 is out of range"],
    ['p2', 'testcase', ['1'], 'p2 testcase takes 0 arguments (none), got 1'],
    ['p2', 'report', [], 'unknown run \'report\' for p2: expected testcase, fuzz, bench'],
    ['p9', 'fuzz', [], "unknown stage 'p9': expected p1, p2, p3 or p4"],
    ['p3', 'fuzz', ['4', 'no', '127.0.0.1:3666'], "server_rf must be one of 1, 3, 5, 7, 9, got '4'"],
    ['p3', 'fuzz', ['05', 'no', '127.0.0.1:3666'], "server_rf must be one of 1, 3, 5, 7, 9, got '05'"],
    ['p3', 'fuzz', ['5', 'sometimes', '127.0.0.1:3666'], "crashing must be yes or no, got 'sometimes'"],
    ['p3', 'fuzz', ['5', 'no', '127.0.0.1:3666,127.0.0.1'], "managers: bad address '127.0.0.1': expected host:port"],
    ['p3', 'fuzz', ['5', 'no', '127.0.0.1:3666,,127.0.0.1:3668'], "managers: expected comma-separated host:port addresses, got '127.0.0.1:3666,,127.0.0.1:3668'"],
    ['p3', 'bench', ['10', 'g', '3', '127.0.0.1:3666'], "wload must be one of a, b, c, d, e, f, got 'g'"],
    ['p3', 'bench', ['10', 'a', 'three', '127.0.0.1:3666'], "server_rf must be one of 1, 3, 5, 7, 9, got 'three'"],
    ['p3', 'bench', ['10', 'a', '3'], 'p3 bench takes 4 arguments (nclis wload server_rf managers), got 3'],
    ['p3', 'testcase', ['5'], "num must be an integer from 1 to 4, got '5'"],
    ['p3', 'testcase', [], 'p3 testcase takes 1 argument (num), got 0'],
    ['p3', 'nemesis', ['0', 'kill', '1'], "duration must be a positive integer, got '0'"],
    ['p3', 'nemesis', ['60', 'kill,explode', '1'], "faults: expected a comma-separated list of kill, pause, cut, delay, got 'kill,explode'"],
    ['p3', 'nemesis', ['60', 'kill', '-1'], "seed must be a non-negative integer (or empty for a random one), got '-1'"],
    ['p3', 'report', [], 'unknown run \'report\' for p3: expected fuzz, bench, testcase, nemesis'],
  ];
  for (const [stage, kind, args, message] of bad) assert.equal(planRun(stage, kind, args, ctx), message, `${stage} ${kind} ${args.join(' ')}`);
});

test('p4 fuzz: filed under its txn mode and crashing; the local cluster, when it is the managers\', gets the crash', () => {
  const p4: RunContext = { ...ctx, results: '/r/madkv-p4', clusterDir: '/c' };
  const p = plan('p4', 'fuzz', ['5', 'yes', '2pc', '127.0.0.1:3666,127.0.0.1:3667'], p4);
  assert.equal(p.logFile, '/r/madkv-p4/fuzz/fuzz-2pc-yes.log');
  const base = [...RUNNER, 'txn-fuzz', '--num-clis', '5', '--txn-mode', '2pc', '--duration', '20', '--history', '/r/madkv-p4/fuzz/fuzz-2pc-yes.history.jsonl'];
  const client = ['--client-just-args', 'p4::client', '127.0.0.1:3666,127.0.0.1:3667'];
  assert.deepEqual(p.command, [...base, ...client]);
  assert.deepEqual(p.localCluster?.commandWithCluster, [...base, '--cluster', '/c', '--crash', ...client]);
  assert.deepEqual(p.localCluster?.managers, ['127.0.0.1:3666', '127.0.0.1:3667']);
  assert.match(p.localCluster?.required ?? '', /^crashing=yes needs the local cluster in \/c/);
  assert.match(p.verdict?.source ?? '', /Fuzz testing result/);

  const calm = plan('p4', 'fuzz', ['3', 'no', 'mako', '127.0.0.1:3666'], { ...p4, runnerArgs: ['--duration', '3'] });
  assert.equal(calm.logFile, '/r/madkv-p4/fuzz/fuzz-mako-no.log');
  assert.deepEqual(calm.command.slice(2, 11), ['txn-fuzz', '--num-clis', '3', '--txn-mode', 'mako', '--history', '/r/madkv-p4/fuzz/fuzz-mako-no.history.jsonl', '--duration', '3'], 'the runner args give the duration, once');
  assert.equal(calm.command.filter((a) => a === '--duration').length, 1);
  assert.equal(calm.localCluster?.required, undefined, 'crashing=no runs against any cluster');
  assert.equal(planRun('p4', 'fuzz', ['3', 'no', 'raft', '127.0.0.1:3666'], p4), "txn_mode must be mako or 2pc, got 'raft'");
});
