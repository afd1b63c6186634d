/**
 * Stage 3's four fault scenarios, each a sequence of steps on a running cluster of 3 manager
 * replicas and 2 partitions × rf 3 (testing/p3-test-cluster.ts), every step printed with
 * what it observed through a CaseLog; a scenario passes when none of its checks failed:
 *   1. followers fail (kill -9) in both partitions: operations continue everywhere;
 *   2. a partition leader fails under load: a new leader serves within the election timeout
 *      (a loose bound on a shared machine), and no acknowledged write is lost;
 *   3. a manager replica (the leader) fails while new clients join: they find the cluster;
 *   4. more than f replicas of a partition fail: its operations wait (seen as a time-out),
 *      the other partition serves, nothing wrong is returned; once they are back all resumes.
 * Each scenario leaves the cluster whole again (its victims restarted and caught up), so
 * they can run one after another on one cluster. The `p3::testcase` program and the e2e
 * test (server/replica-scenarios.e2e.test.ts) both run these.
 *
 * Every wait is bounded: an operation that should complete but does not within its bound is
 * an error (the scenario fails), never a hang.
 */
import type { KvClient } from '../client/kv-client';
import { keysOnPartition } from '../cluster/partition-map';
import { P3TestCluster } from '../testing/p3-test-cluster';
import { binPath, runToCompletion } from '../testing/spawn-node';
import type { CaseLog } from './case-runner';

export const SCENARIO_SHAPE = { managers: 3, partitions: 2, rf: 3 } as const;

export interface ScenarioEnv {
  cluster: P3TestCluster;
  log: CaseLog;
  /** A client of the cluster, closed by whoever owns the environment. */
  client(): KvClient;
}

export interface P3Scenario {
  num: 1 | 2 | 3 | 4;
  title: string;
  run(env: ScenarioEnv): Promise<void>;
}

/** How long an operation that must complete may take before the scenario gives up on it. */
const OP_BOUND_MS = 30_000;
/** The scenario-2 bound from kill -9 to the first acknowledged write on the new leader. */
const FAILOVER_BOUND_MS = 5000;
/** How long an operation that must wait is watched. */
const WAIT_WATCH_MS = 1500;
/** A whole scenario, should some wait inside it not be bounded on its own. */
const SCENARIO_BOUND_MS = 180_000;

class ScenarioTimeout extends Error {
  override name = 'ScenarioTimeout';
}

/** The promise's value, or a ScenarioTimeout naming `what` after ms. */
function bounded<T>(what: string, p: Promise<T>, ms = OP_BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScenarioTimeout(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The promise's value, or 'pending' if it has not settled within ms. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((r) => {
    timer = setTimeout(() => r('pending'), ms);
  });
  return Promise.race([p, pending]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `n` keys with `prefix` that live on `partition` (of the scenario cluster's 2). */
export function keysOn(partition: number, n: number, prefix: string): string[] {
  return keysOnPartition(prefix, partition, SCENARIO_SHAPE.partitions, n);
}

/** Waits until every running replica of the group has applied what its leader had committed when asked. */
export async function caughtUp(c: P3TestCluster, group: 'm' | number, timeoutMs = 20_000): Promise<void> {
  const leader = await c.leaderOf(group, timeoutMs);
  const target = (await c.status(leader))?.commit ?? 0;
  const deadline = Date.now() + timeoutMs;
  for (const n of c.groupNodes(group).filter((n) => c.isUp(n))) {
    for (;;) {
      const s = await c.status(n);
      if (s !== undefined && s.applied >= target) break;
      if (Date.now() > deadline) throw new ScenarioTimeout(`${n} did not catch up to index ${target} within ${timeoutMs} ms: ${JSON.stringify(s)}`);
      await sleep(50);
    }
  }
}

function groupName(group: 'm' | number): string {
  return group === 'm' ? 'the manager group' : `partition ${group}`;
}

/** Restarts the victims on their storage and waits for their groups to catch up. */
async function restore(env: ScenarioEnv, victims: string[], groups: Array<'m' | number>): Promise<void> {
  const { cluster: c, log } = env;
  for (const v of victims) {
    await c.startNode(v);
    log.say(`restart ${v} on its storage`);
  }
  for (const g of groups) await caughtUp(c, g);
  log.check(`${groups.map(groupName).join(' and ')} whole again: every replica caught up with its leader`, true);
}

const scenario1: P3Scenario = {
  num: 1,
  title: 'followers fail in both partitions; operations continue everywhere',
  async run(env) {
    const { cluster: c, log } = env;
    const cl = env.client();
    const victims: string[] = [];
    for (const p of [0, 1]) {
      const leader = await c.leaderOf(p);
      const follower = c.groupNodes(p).find((n) => n !== leader)!;
      await c.kill(follower);
      victims.push(follower);
      log.say(`kill -9 ${follower}, a follower of partition ${p} (its leader is ${leader})`);
    }
    const keys = [...keysOn(0, 5, 's1-'), ...keysOn(1, 5, 's1-')];
    const put = await bounded('PUTs on both partitions', Promise.all(keys.map((k) => cl.put(k, `v-${k}`))));
    log.check(`PUT ${keys.length} new keys, ${keys.length / 2} on each partition: all acknowledged as new`, put.every((found) => !found), put.every((found) => !found) ? '' : `found: ${put.join(' ')}`);
    for (const k of keys) await log.expect(cl, 'c0', { op: 'get', key: k }, { op: 'get', value: `v-${k}` });
    await bounded('SCAN over both partitions', log.expect(cl, 'c0', { op: 'scan', start: 's1-', end: 's1.' }, { op: 'scan', pairs: [...keys].sort().map((k) => [k, `v-${k}`]) }));
    await log.expect(cl, 'c0', { op: 'swap', key: keys[0]!, value: 'w' }, { op: 'swap', old: `v-${keys[0]}` });
    await log.expect(cl, 'c0', { op: 'delete', key: keys[keys.length - 1]! }, { op: 'delete', found: true });
    await restore(env, victims, [0, 1]);
  },
};

const scenario2: P3Scenario = {
  num: 2,
  title: 'a partition leader fails under load; a new leader serves within the election timeout; no acknowledged write is lost',
  async run(env) {
    const { cluster: c, log } = env;
    const writers = 4;
    const acked = new Map<string, string>();
    let stop = false;
    const ackTimes: number[] = [];
    const keys = keysOn(0, writers, 's2-');
    const loops = keys.map(async (key) => {
      const cl = env.client();
      for (let i = 0; !stop; i++) {
        await cl.put(key, `${i}`);
        acked.set(key, `${i}`);
        ackTimes.push(Date.now());
      }
    });
    const loopsDone = Promise.all(loops);
    try {
      const warm = Date.now();
      while (ackTimes.length < 50) {
        if (Date.now() - warm > OP_BOUND_MS) throw new ScenarioTimeout(`only ${ackTimes.length} writes acknowledged in ${OP_BOUND_MS} ms before the kill`);
        await sleep(10);
      }
      log.say(`${writers} writers PUT to keys of partition 0 in a loop (${keys.join(' ')}); ${ackTimes.length} writes acknowledged so far`);
      const leader = await c.leaderOf(0);
      await c.kill(leader);
      const killedAt = Date.now();
      log.say(`kill -9 ${leader}, the leader of partition 0, under that load`);
      while (ackTimes[ackTimes.length - 1]! < killedAt) {
        if (Date.now() - killedAt > OP_BOUND_MS) throw new ScenarioTimeout(`no write acknowledged within ${OP_BOUND_MS} ms of the kill`);
        await sleep(5);
      }
      const firstAck = ackTimes.find((at) => at >= killedAt)!;
      const newLeader = await c.leaderOf(0);
      const tick = c.options.tickMs ?? 20;
      log.check(`partition 0 has a new leader: ${newLeader}`, newLeader !== leader, newLeader !== leader ? '' : `still ${leader}`);
      log.check(
        `first acknowledged write ${firstAck - killedAt} ms after the kill (election timeout ${10 * tick}-${20 * tick} ms; bound ${FAILOVER_BOUND_MS} ms on a shared machine)`,
        firstAck - killedAt < FAILOVER_BOUND_MS,
      );
      stop = true;
      await bounded('the writers finishing their last writes', loopsDone);
      const reader = env.client();
      for (const [key, value] of acked) await log.expect(reader, 'reader', { op: 'get', key }, { op: 'get', value });
      log.say(`(each GET above expects the last acknowledged write of its key: ${acked.size} keys, ${ackTimes.length} writes acknowledged in all)`);
      await restore(env, [leader], [0]);
    } finally {
      stop = true;
      // A writer still retrying (the scenario failed early) ends with its client, closed by the owner.
      void loopsDone.catch(() => undefined);
    }
  },
};

const scenario3: P3Scenario = {
  num: 3,
  title: 'a manager replica (the leader) fails while new clients join; they still find the cluster',
  async run(env) {
    const { cluster: c, log } = env;
    const leader = await c.leaderOf('m');
    await c.kill(leader);
    log.say(`kill -9 ${leader}, the leader of the manager group`);
    const fresh = [env.client(), env.client()];
    log.say('two new clients join, knowing only the managers\' addresses');
    await Promise.all(fresh.map((cl, i) => bounded(`new client c${i + 1} joining`, log.expect(cl, `c${i + 1}`, { op: 'put', key: `s3-${i}`, value: `${i}` }, { op: 'put', found: false }))));
    for (const [i, cl] of fresh.entries()) await bounded('GET', log.expect(cl, `c${i + 1}`, { op: 'get', key: `s3-${1 - i}` }, { op: 'get', value: `${1 - i}` }));
    const r = await runToCompletion(process.execPath, [binPath('client'), '--managers', c.args.managers], 'GET s3-0\nSTOP\n', { timeoutMs: OP_BOUND_MS });
    log.check(`a new stdin/stdout client (--managers ${c.args.managers}): GET s3-0  ->  ${r.stdout.split('\n')[0]}`, r.stdout === 'GET s3-0 0\nSTOP\n', r.stdout === 'GET s3-0 0\nSTOP\n' ? '' : `expected GET s3-0 0; stderr: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    const now = await c.leaderOf('m');
    log.check(`the manager group has a new leader: ${now}`, now !== leader);
    await restore(env, [leader], ['m']);
  },
};

const scenario4: P3Scenario = {
  num: 4,
  title: 'more than f replicas of a partition fail; its operations wait, the other partition serves, nothing wrong is returned; all resumes once they are back',
  async run(env) {
    const { cluster: c, log } = env;
    const cl = env.client();
    const [k0] = keysOn(0, 1, 's4-');
    const [k1] = keysOn(1, 1, 's4-');
    await log.expect(cl, 'c0', { op: 'put', key: k0!, value: 'a0' }, { op: 'put', found: false });
    await log.expect(cl, 'c0', { op: 'put', key: k1!, value: 'a1' }, { op: 'put', found: false });
    const leader = await c.leaderOf(1);
    const down = [leader, c.groupNodes(1).find((n) => n !== leader)!];
    for (const n of down) await c.kill(n);
    log.say(`kill -9 ${down.join(' and ')} (partition 1's leader and a follower): 2 of its 3 replicas, more than f = 1`);
    const blockedPut = cl.put(k1!, 'b1');
    const blockedGet = cl.get(k1!);
    const blockedScan = cl.scan('s4-', 's4.');
    const p = await within(blockedPut, WAIT_WATCH_MS);
    log.check(`PUT ${k1} b1 on partition 1 waits (no answer within ${WAIT_WATCH_MS} ms)`, p === 'pending', p === 'pending' ? '' : `answered ${String(p)}`);
    const g = await within(blockedGet, 10);
    log.check(`GET ${k1} waits too: the survivor cannot know it is current`, g === 'pending', g === 'pending' ? '' : `answered ${String(g)}`);
    const s = await within(blockedScan, 10);
    log.check('SCAN s4- s4., which needs every partition, waits', s === 'pending', s === 'pending' ? '' : `answered ${JSON.stringify(s)}`);
    await bounded('the other partition', log.expect(cl, 'c0', { op: 'swap', key: k0!, value: 'b0' }, { op: 'swap', old: 'a0' }));
    const survivor = c.groupNodes(1).find((n) => !down.includes(n))!;
    const st = await c.status(survivor);
    log.check(`the lone survivor ${survivor} does not lead (role ${st?.role ?? 'no answer'}, term ${st?.term ?? '?'})`, st !== undefined && st.role !== 'leader');
    for (const n of down) {
      await c.startNode(n);
      log.say(`restart ${n} on its storage`);
    }
    const put = await bounded('the waiting PUT', blockedPut);
    log.check(`the waiting PUT ${k1} b1 completes: found`, put === true, put === true ? '' : `got ${String(put)}`);
    const got = await bounded('the waiting GET', blockedGet);
    log.check(`the waiting GET ${k1} returns a value the key had while it waited: ${got}`, got === 'a1' || got === 'b1');
    const pairs = await bounded('the waiting SCAN', blockedScan);
    const scanned = pairs.map(([k]) => k);
    log.check(`the waiting SCAN returns both keys: ${scanned.join(' ')}`, JSON.stringify(scanned) === JSON.stringify([k0!, k1!].sort()));
    await log.expect(cl, 'c0', { op: 'get', key: k1! }, { op: 'get', value: 'b1' });
    await log.expect(cl, 'c0', { op: 'get', key: k0! }, { op: 'get', value: 'b0' });
    await caughtUp(c, 1);
    log.check('partition 1 whole again: every replica caught up with its leader', true);
  },
};

export const P3_SCENARIOS: readonly P3Scenario[] = [scenario1, scenario2, scenario3, scenario4];

export interface ScenarioOutcome {
  num: number;
  passed: boolean;
  /** Checks that held and checks run (an error counts as one failed check). */
  ok: number;
  steps: number;
  error?: string;
}

/**
 * Runs one scenario, printing its title and verdict line (`scenario N: PASSED|FAILED`): an
 * exception (a bound passed, a node that would not start) fails it with its message.
 */
export async function runScenario(s: P3Scenario, env: ScenarioEnv): Promise<ScenarioOutcome> {
  const { log } = env;
  const failuresBefore = log.failures;
  const stepsBefore = log.steps;
  log.say(`scenario ${s.num}: ${s.title}`);
  let error: string | undefined;
  try {
    await bounded(`scenario ${s.num}`, s.run(env), SCENARIO_BOUND_MS);
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    log.check(`error: ${error}`, false);
  }
  const steps = log.steps - stepsBefore;
  const failed = log.failures - failuresBefore;
  const passed = failed === 0 && steps > 0;
  log.say(`scenario ${s.num}: ${passed ? 'PASSED' : 'FAILED'}  (${steps - failed}/${steps} checks ok)`);
  return { num: s.num, passed, ok: steps - failed, steps, ...(error !== undefined ? { error } : {}) };
}
