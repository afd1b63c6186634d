/** A scenario's verdict: PASSED only when it ran checks and every one held; an error fails it, named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { P3TestCluster } from '../testing/p3-test-cluster';
import { CaseLog } from './case-runner';
import { type P3Scenario, P3_SCENARIOS, type ScenarioEnv, keysOn, runScenario } from './p3-scenarios';
import { partitionOf } from '../cluster/partition-map';

function env(lines: string[]): ScenarioEnv {
  // These scenarios never touch a cluster or a client.
  const none = (): never => {
    throw new Error('not used');
  };
  return { cluster: {} as unknown as P3TestCluster, log: new CaseLog((l) => lines.push(l)), client: none };
}

function scenario(run: P3Scenario['run']): P3Scenario {
  return { num: 1, title: 'stand-in', run };
}

test('a scenario whose checks all hold PASSES, and its lines say so', async () => {
  const lines: string[] = [];
  const o = await runScenario(scenario(async ({ log }) => log.check('one', true)), env(lines));
  assert.deepEqual(o, { num: 1, passed: true, ok: 1, steps: 1 });
  assert.deepEqual(lines, ['scenario 1: stand-in', '  ok    one', 'scenario 1: PASSED  (1/1 checks ok)']);
});

test('one failed check FAILS the scenario; so does an error (named in the log) or a scenario that checked nothing', async () => {
  const lines: string[] = [];
  const failed = await runScenario(scenario(async ({ log }) => {
    log.check('one', true);
    log.check('two', false, 'got 3');
  }), env(lines));
  assert.equal(failed.passed, false);
  assert.ok(lines.includes('  FAIL  two  (got 3)'));
  assert.equal(lines.at(-1), 'scenario 1: FAILED  (1/2 checks ok)');

  const thrown = await runScenario(scenario(async () => {
    throw new Error('no leader in group 0 within 15000 ms');
  }), env([]));
  assert.equal(thrown.passed, false);
  assert.equal(thrown.error, 'Error: no leader in group 0 within 15000 ms');

  assert.equal((await runScenario(scenario(async () => undefined), env([]))).passed, false);
});

test('the four scenarios of the stage, numbered 1 to 4; their keys land on the partition they are meant for', () => {
  assert.deepEqual(P3_SCENARIOS.map((s) => s.num), [1, 2, 3, 4]);
  for (const p of [0, 1]) for (const k of keysOn(p, 5, 'x-')) assert.equal(partitionOf(k, 2), p);
});
