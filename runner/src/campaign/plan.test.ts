import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  type CampaignStage, FULL_SETTINGS, type Manifest, type PlanOptions, QUICK_SETTINGS, crashSchedule, estimateSeconds, formatDuration, isShortened,
  planCampaign, runShape, secondsLeft,
} from './plan';
import type { ReportRun, RunStatus } from './run-list';
import { MEASURED_CAMPAIGNS } from './measured-campaigns';

function run(kind: ReportRun['kind'], relpath: string, args: string[], status: RunStatus = 'missing'): ReportRun {
  return { kind, relpath, label: `${kind} ${args.join(' ')}`, args, status, reason: status === 'unparseable' ? 'no result line' : '' };
}

const P1_RUNS: ReportRun[] = [
  run('testcase', 'tests/test1.log', ['1'], 'present'),
  run('fuzz', 'fuzz/fuzz-3-yes.log', ['3', 'yes'], 'missing'),
  run('bench', 'bench/bench-1-a.log', ['1', 'a'], 'unparseable'),
  run('bench', 'bench/bench-85-e.log', ['85', 'e'], 'present'),
];

const opts = (o: Partial<PlanOptions> = {}): PlanOptions => ({ all: false, only: [], settings: FULL_SETTINGS, manifest: {}, ...o });

describe('which runs a campaign does', () => {
  test('runs the missing and unparseable logs, in the report\'s order, and skips the present ones', () => {
    const plan = planCampaign('p1', P1_RUNS, opts());
    assert.deepEqual(plan.todo.map((p) => [p.run.relpath, p.reason]), [
      ['fuzz/fuzz-3-yes.log', 'missing'],
      ['bench/bench-1-a.log', 'unparseable'],
    ]);
    assert.deepEqual(plan.skipped.map((r) => r.relpath), ['tests/test1.log', 'bench/bench-85-e.log']);
    assert.deepEqual(plan.excluded, []);
  });

  test('--all runs every configuration, present or not', () => {
    const plan = planCampaign('p1', P1_RUNS, opts({ all: true }));
    assert.deepEqual(plan.todo.map((p) => p.reason), ['all', 'missing', 'unparseable', 'all']);
    assert.equal(plan.skipped.length, 0);
  });

  test('a complete results folder leaves nothing to do', () => {
    const plan = planCampaign('p1', P1_RUNS.map((r) => ({ ...r, status: 'present' as const })), opts());
    assert.equal(plan.todo.length, 0);
    assert.equal(plan.skipped.length, P1_RUNS.length);
  });

  test('--only keeps runs whose log path or label contains one of the texts', () => {
    const plan = planCampaign('p1', P1_RUNS, opts({ only: ['fuzz/', 'bench 1 a'] }));
    assert.deepEqual(plan.todo.map((p) => p.run.relpath), ['fuzz/fuzz-3-yes.log', 'bench/bench-1-a.log']);
    assert.deepEqual(plan.excluded.map((r) => r.relpath), ['tests/test1.log', 'bench/bench-85-e.log']);
  });

  test('a full campaign redoes the logs a quick look recorded; another quick look keeps them', () => {
    const manifest: Manifest = {
      'tests/test1.log': { shortened: true, settings: QUICK_SETTINGS, at: '2026-12-02T10:00:00Z' },
      'bench/bench-85-e.log': { shortened: false, settings: FULL_SETTINGS, at: '2026-12-02T10:00:00Z' },
    };
    const full = planCampaign('p1', P1_RUNS, opts({ manifest }));
    assert.deepEqual(full.todo.map((p) => [p.run.relpath, p.reason]), [
      ['tests/test1.log', 'shortened'],
      ['fuzz/fuzz-3-yes.log', 'missing'],
      ['bench/bench-1-a.log', 'unparseable'],
    ]);
    const quick = planCampaign('p1', P1_RUNS, opts({ manifest, settings: QUICK_SETTINGS }));
    assert.deepEqual(quick.skipped.map((r) => r.relpath), ['tests/test1.log', 'bench/bench-85-e.log']);
  });

  test('settings below the full ones in any way are shortened', () => {
    assert.equal(isShortened('p2', FULL_SETTINGS), false);
    assert.equal(isShortened('p2', QUICK_SETTINGS), true);
    assert.equal(isShortened('p2', { ...FULL_SETTINGS, crashSecs: FULL_SETTINGS.crashSecs - 1 }), true);
    assert.equal(isShortened('p2', { ...FULL_SETTINGS, benchOps: 20_000 }), false);
  });

  test("only the settings a stage's runs use count: p4's are its fuzz and bench seconds", () => {
    assert.equal(isShortened('p4', { ...FULL_SETTINGS, benchOps: 300 }), false);
    assert.equal(isShortened('p4', { ...FULL_SETTINGS, txnBenchSecs: 4 }), true);
    assert.equal(isShortened('p4', QUICK_SETTINGS), true);
    assert.equal(isShortened('p1', { ...FULL_SETTINGS, txnFuzzSecs: 5 }), false);
  });
});

describe('what a run is, from the report\'s recipe arguments', () => {
  test('p1: clients and workload; fuzz clients', () => {
    assert.deepEqual(runShape('p1', run('bench', 'bench/bench-40-c.log', ['40', 'c'])), { clients: 40, workload: 'c', size: 1, crashing: false });
    assert.deepEqual(runShape('p1', run('fuzz', 'fuzz/fuzz-3-yes.log', ['3', 'yes'])), { clients: 3, size: 1, crashing: false });
  });

  test('p2/p3: the cluster size is the last bench argument and the first fuzz one; fuzz runs 5 clients', () => {
    assert.deepEqual(runShape('p2', run('bench', 'bench/bench-20-a-5.log', ['20', 'a', '5'])), { clients: 20, workload: 'a', size: 5, crashing: false });
    assert.deepEqual(runShape('p2', run('fuzz', 'fuzz/fuzz-5-yes.log', ['5', 'yes'])), { clients: 5, size: 5, crashing: true });
    assert.deepEqual(runShape('p3', run('fuzz', 'fuzz/fuzz-5-no.log', ['5', 'no'])), { clients: 5, size: 5, crashing: false });
  });

  test('p4: a fuzz run is clients, crashing and txn mode on 3 shards × rf 3; a bench point is workload, mode and RTT at 256 clients', () => {
    assert.deepEqual(runShape('p4', run('txnfuzz', 'fuzz/fuzz-2pc-yes.log', ['5', 'yes', '2pc'])), { clients: 5, size: 3, crashing: true, txnMode: '2pc' });
    assert.deepEqual(runShape('p4', run('txnbench', 'bench/bench-bank-mako-50ms-c256.log', ['bank', 'mako', '50'])), { clients: 256, workload: 'bank', size: 3, crashing: false, txnMode: 'mako', rttMs: 50 });
    assert.deepEqual(runShape('p4', run('txnbench', 'bench/bench-micro-5-rf1-c256.log', ['micro-5', 'rf1'])), { clients: 256, workload: 'micro-5', size: 1, crashing: false, txnMode: 'rf1' });
  });

  test('a malformed argument is an error naming the run', () => {
    assert.throws(() => runShape('p2', run('bench', 'bench/x.log', ['ten', 'a', '3'])), /bench\/x\.log: expected a positive integer argument, got 'ten'/);
    assert.throws(() => runShape('p4', run('txnfuzz', 'fuzz/x.log', ['5', 'no', 'paxos'])), /fuzz\/x\.log: expected txn mode mako or 2pc, got 'paxos'/);
    assert.throws(() => runShape('p4', run('txnbench', 'bench/y.log', ['bank', 'mako', 'far'])), /bench\/y\.log: expected an RTT in ms, got 'far'/);
  });
});

describe('estimated times', () => {
  const bench = (n: number, w: string): ReportRun => run('bench', `bench/bench-${n}-${w}.log`, [String(n), w]);

  test('more clients, more operations and scans take longer; the quick settings are far shorter', () => {
    assert.ok(estimateSeconds('p1', bench(85, 'a'), FULL_SETTINGS) > estimateSeconds('p1', bench(10, 'a'), FULL_SETTINGS));
    assert.ok(estimateSeconds('p1', bench(10, 'e'), FULL_SETTINGS) > estimateSeconds('p1', bench(10, 'a'), FULL_SETTINGS));
    assert.ok(estimateSeconds('p1', bench(85, 'a'), QUICK_SETTINGS) * 3 < estimateSeconds('p1', bench(85, 'a'), FULL_SETTINGS));
  });

  test('a crashing fuzz run lasts at least its set duration', () => {
    const fuzz = run('fuzz', 'fuzz/fuzz-3-yes.log', ['3', 'yes']);
    assert.ok(estimateSeconds('p2', fuzz, FULL_SETTINGS) >= FULL_SETTINGS.crashSecs);
    assert.ok(estimateSeconds('p2', fuzz, QUICK_SETTINGS) >= QUICK_SETTINGS.crashSecs);
  });

  test('the plan carries each run\'s estimate', () => {
    const plan = planCampaign('p1', [bench(10, 'a')], opts());
    assert.equal(plan.todo[0]!.estimate, estimateSeconds('p1', bench(10, 'a'), FULL_SETTINGS));
  });
});

describe('time left', () => {
  test('before any run finishes, the sum of the estimates', () => {
    assert.equal(secondsLeft([10, 20, 30], []), 60);
  });

  test('scaled by how long the finished runs took against their estimates', () => {
    assert.equal(secondsLeft([10, 20], [{ estimate: 10, actual: 20 }, { estimate: 30, actual: 60 }]), 60);
    assert.equal(secondsLeft([100], [{ estimate: 40, actual: 10 }]), 25);
  });

  test('the scale stays within 1/5..5, so one odd run cannot swing it wildly', () => {
    assert.equal(secondsLeft([10], [{ estimate: 1, actual: 100 }]), 50);
    assert.equal(secondsLeft([10], [{ estimate: 100, actual: 1 }]), 2);
  });

  test('nothing left is no time', () => {
    assert.equal(secondsLeft([], [{ estimate: 5, actual: 7 }]), 0);
  });

  test('durations read as seconds, minutes or hours', () => {
    assert.equal(formatDuration(42.4), '42 s');
    assert.equal(formatDuration(185), '3 min 05 s');
    assert.equal(formatDuration(3720), '1 h 02 min');
    assert.equal(formatDuration(-3), '0 s');
  });
});

describe('faults of the crashing fuzz scenarios', () => {
  test('p2, 3 partitions: server 1 killed a third of the way in, restarted past the middle', () => {
    assert.deepEqual(crashSchedule('p2', 3), [
      { at: 0.35, do: 'kill-server', node: 's1' },
      { at: 0.6, do: 'restart', step: 0 },
    ]);
  });

  test('p2, 5 partitions: servers 1 and 2 killed and restarted', () => {
    const steps = crashSchedule('p2', 5);
    assert.deepEqual(steps.filter((s) => s.do === 'kill-server').map((s) => (s.do === 'kill-server' ? s.node : '')), ['s1', 's2']);
    assert.deepEqual(steps.filter((s) => s.do === 'restart').map((s) => (s.do === 'restart' ? s.step : -1)), [0, 1]);
  });

  test('p3, rf 5: partition 0\'s leader, then a follower, killed gradually, then each restarted', () => {
    const steps = crashSchedule('p3', 5);
    assert.deepEqual(steps.map((s) => s.do), ['kill-leader', 'kill-follower', 'restart', 'restart']);
    const times = steps.map((s) => s.at);
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in time order');
    assert.ok(times.every((t) => t > 0 && t < 1), 'all within the run');
    assert.ok(times[times.length - 1]! <= 0.5, 'the run has its second half to recover');
  });

  test('p3: never more than f = (rf-1)/2 replicas down at once (at least one killed)', () => {
    for (const rf of [1, 3, 5, 7]) {
      let down = 0;
      let most = 0;
      for (const s of crashSchedule('p3', rf)) {
        down += s.do === 'restart' ? -1 : 1;
        most = Math.max(most, down);
      }
      assert.equal(down, 0, `rf ${rf}: every killed replica restarts`);
      assert.equal(most, Math.max(1, Math.min(2, (rf - 1) / 2)), `rf ${rf}`);
    }
  });

  test('every restart names an earlier kill', () => {
    for (const [stage, size] of [['p2', 1], ['p2', 3], ['p2', 5], ['p3', 3], ['p3', 5]] as const) {
      crashSchedule(stage, size).forEach((s, i, all) => {
        if (s.do === 'restart') assert.ok(s.step < i && all[s.step]!.do !== 'restart', `${stage} ${size} step ${i}`);
      });
    }
  });

  test('p1 has no crashing runs', () => {
    assert.deepEqual(crashSchedule('p1', 3), []);
  });
});

describe('estimates against full campaigns measured from a fresh clone on a quiet 2-core machine', () => {
  /** A report log's recipe arguments, from its path (the report generator's naming). */
  const fromPath = (relpath: string): ReportRun => {
    const tf = /^fuzz\/fuzz-(mako|2pc)-(yes|no)\.log$/.exec(relpath);
    if (tf) return run('txnfuzz', relpath, ['5', tf[2]!, tf[1]!]);
    const tb = /^bench\/bench-(micro-\d+|bank)-(mako|2pc|rf1)(?:-(\d+)ms)?-c256\.log$/.exec(relpath);
    if (tb) return run('txnbench', relpath, [tb[1]!, tb[2]!, ...(tb[3] !== undefined ? [tb[3]] : [])]);
    const t = /^tests\/test(\d+)\.log$/.exec(relpath);
    if (t) return run('testcase', relpath, [t[1]!]);
    const f = /^fuzz\/fuzz-(\d+)-(yes|no)\.log$/.exec(relpath);
    if (f) return run('fuzz', relpath, [f[1]!, f[2]!]);
    const b = /^bench\/bench-(\d+)-([a-f])(?:-(\d+))?\.log$/.exec(relpath);
    assert.ok(b, relpath);
    return run('bench', relpath, [b[1]!, b[2]!, ...(b[3] !== undefined ? [b[3]] : [])]);
  };
  for (const [stage, runs] of Object.entries(MEASURED_CAMPAIGNS) as Array<[CampaignStage, Array<[string, number]>]>) {
    test(`${stage}: the whole campaign within a fifth of what it took, each run of 10 s or more within a factor of 2`, () => {
      let took = 0;
      let estimated = 0;
      for (const [relpath, secs] of runs) {
        const e = estimateSeconds(stage, fromPath(relpath), FULL_SETTINGS);
        took += secs;
        estimated += e;
        if (secs >= 10) assert.ok(e >= secs / 2 && e <= secs * 2, `${relpath}: estimated ${e.toFixed(0)} s, took ${secs} s`);
      }
      assert.ok(Math.abs(estimated - took) <= took / 5, `estimated ${estimated.toFixed(0)} s in all, took ${took} s`);
    });
  }
});
