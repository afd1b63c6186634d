/**
 * The nemesis schedule: never more than a minority of a group under fault, leaders aimed at
 * as often as asked, every kind of fault drawn, everything undone at the end, and the same
 * seed giving the same schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../random';
import { type Fault, type NemesisAction, type NemesisConfig, NemesisSchedule, tolerated } from './nemesis-schedule';

const groups = [
  { id: 'm', members: ['m.0', 'm.1', 'm.2'] },
  { id: '0', members: ['s0.0', 's0.1', 's0.2', 's0.3', 's0.4'] },
  { id: '1', members: ['s1.0', 's1.1', 's1.2'] },
];

function config(over: Partial<NemesisConfig> = {}): NemesisConfig {
  return { groups, faults: ['kill', 'pause', 'cut', 'delay'], seed: 42, intervalMs: [100, 400], faultMs: [200, 2000], delayMs: [20, 300], leaderBias: 0.5, ...over };
}

/**
 * Runs a schedule for `ms` of simulated time, leaders changing at random, each recovery
 * reported done `recoveryMs` after it was asked for (a restart takes a while); returns every
 * action with its time.
 */
function simulate(c: NemesisConfig, ms: number, check?: (s: NemesisSchedule, now: number) => void, recoveryMs = 0): Array<{ now: number; action: NemesisAction; leader: string | undefined }> {
  const s = new NemesisSchedule(c);
  const rnd = new SeededRandom(7);
  const leaders = new Map<string, string | undefined>(c.groups.map((g) => [g.id, g.members[0]]));
  const out: Array<{ now: number; action: NemesisAction; leader: string | undefined }> = [];
  const pending: Array<{ at: number; fault: Fault }> = [];
  const settle = (now: number): void => {
    for (const p of pending.filter((x) => x.at <= now)) {
      s.recovered(p.fault);
      pending.splice(pending.indexOf(p), 1);
    }
  };
  for (let now = s.nextAt(); now < ms; now = Math.min(s.nextAt(), ...pending.map((p) => p.at))) {
    settle(now);
    // Leaders move (or are unknown for a while), as elections make them.
    for (const g of c.groups) if (rnd.nextDouble() < 0.2) leaders.set(g.id, rnd.nextDouble() < 0.1 ? undefined : g.members[rnd.nextInt(g.members.length)]);
    for (const action of s.step(now, leaders)) {
      out.push({ now, action, leader: leaders.get(action.fault.group) });
      if (action.kind === 'recover') pending.push({ at: now + recoveryMs, fault: action.fault });
    }
    settle(now);
    check?.(s, now);
  }
  for (const action of s.finish()) out.push({ now: ms, action, leader: undefined });
  return out;
}

test('at most f replicas of any group are under a fault at once, and a group of one gets none', () => {
  const withSingle = [...groups, { id: '2', members: ['s2.0'] }];
  const peak = new Map<string, number>();
  const actions = simulate(config({ groups: withSingle, intervalMs: [10, 50] }), 3_600_000, (s) => {
    for (const g of withSingle) {
      const n = s.faultyIn(g.id).length;
      assert.ok(n <= tolerated(g.members.length), `group ${g.id} has ${n} faulty replicas`);
      assert.equal(new Set(s.faultyIn(g.id)).size, n, 'one fault per replica at a time');
      peak.set(g.id, Math.max(peak.get(g.id) ?? 0, n));
    }
  });
  assert.deepEqual(Object.fromEntries(peak), { m: 1, '0': 2, '1': 1, '2': 0 }, 'the bound is reached, never passed');
  assert.equal(actions.filter((a) => a.action.fault.group === '2').length, 0);
  // Every injection is undone exactly once.
  const injected = actions.filter((a) => a.action.kind === 'inject').map((a) => a.action.fault.id).sort((a, b) => a - b);
  const recovered = actions.filter((a) => a.action.kind === 'recover').map((a) => a.action.fault.id).sort((a, b) => a - b);
  assert.deepEqual(recovered, injected);
});

test('a replica counts as faulty until its recovery is reported done, however long that takes', () => {
  const actions = simulate(config({ intervalMs: [10, 50] }), 600_000, (s) => {
    for (const g of groups) assert.ok(s.faultyIn(g.id).length <= tolerated(g.members.length), `group ${g.id}`);
  }, 3000);
  // No replica is chosen again while its recovery is under way.
  const busy = new Map<string, number>();
  for (const { now, action } of actions) {
    if (action.kind === 'inject') {
      assert.ok((busy.get(action.fault.node) ?? -1) <= now, `${action.fault.node} chosen at ${now} while recovering`);
      busy.set(action.fault.node, Infinity);
    } else busy.set(action.fault.node, now + 3000);
  }
});

test('the group\'s leader is the target as often as the bias asks, and always with bias 1', () => {
  const half = simulate(config(), 600_000).filter((a) => a.action.kind === 'inject');
  const aimed = half.filter((a) => a.action.fault.wasLeader).length / half.length;
  // Half aimed at the leader, plus a random pick landing on it now and then.
  assert.ok(aimed > 0.45 && aimed < 0.8, `leader share ${aimed.toFixed(2)} of ${half.length}`);
  // A group of three takes one fault at a time, so its leader, when known, is always healthy when chosen.
  const always = simulate(config({ groups: [groups[0]!], leaderBias: 1 }), 120_000).filter((a) => a.action.kind === 'inject');
  for (const a of always) if (a.leader !== undefined) assert.equal(a.action.fault.node, a.leader);
  assert.ok(always.filter((a) => a.action.fault.wasLeader).length / always.length > 0.7);
});

test('every kind of fault is drawn, with link modes, delays and lengths in their ranges', () => {
  const faults: Fault[] = simulate(config(), 600_000)
    .filter((a) => a.action.kind === 'inject')
    .map((a) => a.action.fault);
  assert.deepEqual(new Set(faults.map((f) => f.kind)), new Set(['kill', 'pause', 'cut', 'delay']));
  assert.deepEqual(new Set(faults.filter((f) => f.kind === 'cut').map((f) => f.links)), new Set(['out', 'in', 'both']));
  for (const f of faults) {
    assert.ok(f.until - f.at >= 200 && f.until - f.at <= 2000);
    if (f.kind === 'delay') assert.ok(f.delayMs! >= 20 && f.delayMs! <= 300 && f.links === 'both');
    if (f.kind === 'kill' || f.kind === 'pause') assert.equal(f.links, undefined);
  }
  const only = simulate(config({ faults: ['pause'] }), 60_000).filter((a) => a.action.kind === 'inject');
  assert.ok(only.length > 50 && only.every((a) => a.action.fault.kind === 'pause'));
});

test('the same seed and inputs give the same schedule; another seed another', () => {
  const a = JSON.stringify(simulate(config(), 60_000));
  assert.equal(JSON.stringify(simulate(config(), 60_000)), a);
  assert.notEqual(JSON.stringify(simulate(config({ seed: 43 }), 60_000)), a);
});

test('a recovery that failed stays active until it is retried; finish undoes what is left', () => {
  const s = new NemesisSchedule(config({ groups: [groups[1]!], faults: ['kill'], intervalMs: [100, 100], faultMs: [500, 500] }));
  const leaders = new Map([['0', 's0.0']]);
  const f1 = s.step(100, leaders)[0]!.fault;
  const at600 = s.step(600, leaders);
  assert.deepEqual(at600.map((a) => `${a.kind} ${a.fault.id}`), [`recover ${f1.id}`, `inject ${f1.id + 1}`]);
  const f2 = at600[1]!.fault;
  assert.notEqual(f2.node, f1.node, 'a recovering replica is not chosen');
  assert.equal(s.faultyIn('0').length, 2, 'the recovering replica still counts');
  s.retry(f1, 1000); // its restart failed
  assert.deepEqual(s.active.map((f) => f.id).sort(), [f1.id, f2.id]);
  assert.deepEqual(s.inRecovery, []);
  assert.deepEqual(s.step(700, leaders), [], 'no third fault in a group of five');
  assert.deepEqual(s.step(1000, leaders).map((a) => `${a.kind} ${a.fault.id}`), [`recover ${f1.id}`], 'retried when asked; still two under fault');
  s.recovered(f1);
  assert.deepEqual(s.step(1100, leaders).map((a) => a.kind), ['recover', 'inject']);
  const end = s.finish();
  assert.ok(end.length === 1 && end[0]!.kind === 'recover');
  assert.deepEqual(s.active, []);
  assert.equal(s.inRecovery.length, 2, 'recoveries handed out and not yet reported');
});

test('a schedule that cannot work is refused', () => {
  assert.throws(() => new NemesisSchedule(config({ faults: [] })), /at least one fault/);
  assert.throws(() => new NemesisSchedule(config({ intervalMs: [500, 100] })), /the interval must be a range/);
  assert.throws(() => new NemesisSchedule(config({ leaderBias: 2 })), /probability/);
});
