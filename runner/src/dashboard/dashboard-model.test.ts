/** What the dashboard shows, from a sequence of observations: leaders, rates, latencies, the timeline. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeStatus } from '../../../kvstore/src/status/node-status';
import { DashboardModel, type Observation, type ObservedNode } from './dashboard-model';

const groups = [{ id: '0', members: ['s0.0', 's0.1', 's0.2'] }];

function status(node: string, role: NodeStatus['role'], term: number, leader: number, requests?: number, micros?: number): NodeStatus {
  return { node, role, term, leader, commit: 5, applied: 5, lastIndex: 6, snapshotIndex: 0, logBytes: 100, snapshotBytes: 0, ...(requests !== undefined ? { requests, requestMicros: micros ?? 0 } : {}) };
}

function up(s: NodeStatus): ObservedNode {
  return { node: s.node, group: '0', address: `127.0.0.1:${7000 + Number(s.node.slice(-1))}`, pid: 100, answer: { state: 'up', status: s } };
}

function obs(t: number, nodes: ObservedNode[], extra: Partial<Observation> = {}): Observation {
  return { t, nodes, groups, faults: [], ...extra };
}

test('each node shows its role, term and the leader it follows; the group its leader and term', () => {
  const m = new DashboardModel();
  const v = m.observe(obs(1000, [up(status('s0.0', 'follower', 3, 1)), up(status('s0.1', 'leader', 3, 1)), { node: 's0.2', group: '0', address: 'x', answer: { state: 'down' } }]));
  assert.deepEqual(v.nodes.map((n) => [n.node, n.state, n.status?.role, n.follows]), [['s0.0', 'up', 'follower', 's0.1'], ['s0.1', 'up', 'leader', 's0.1'], ['s0.2', 'down', undefined, undefined]]);
  assert.deepEqual([v.groups[0]!.leader, v.groups[0]!.term, v.groups[0]!.name], ['s0.1', 3, 'partition 0']);
  assert.deepEqual(v.timeline.map((e) => e.text), ['partition 0: s0.1 leads (term 3)']);
});

test('throughput and mean latency are differences of the request totals over the interval, summed over the group', () => {
  const m = new DashboardModel();
  m.observe(obs(1000, [up(status('s0.0', 'follower', 1, 1, 10, 500)), up(status('s0.1', 'leader', 1, 1, 100, 1000))]));
  assert.deepEqual(m.view.groups[0]!.series, [], 'one observation is no interval');
  // 250 ms later: the leader answered 100 more requests taking 100 ms in all; s0.0 answered none.
  const v = m.observe(obs(1250, [up(status('s0.0', 'follower', 1, 1, 10, 500)), up(status('s0.1', 'leader', 1, 1, 200, 101_000))]));
  assert.deepEqual(v.groups[0]!.series, [{ t: 1250, rate: 400, latencyMs: 1 }]);
  // The leader restarted (its totals start again) and s0.0 took over and answered 50 in 25 ms.
  const w = m.observe(obs(1750, [up(status('s0.0', 'leader', 2, 0, 60, 25_500)), up(status('s0.1', 'follower', 2, 0, 30, 3000))]));
  assert.deepEqual(w.groups[0]!.series[1], { t: 1750, rate: 160, latencyMs: 0.35 }, '50 + 30 requests in 0.5 s, 28 ms over 80');
  const idle = m.observe(obs(2000, [up(status('s0.0', 'leader', 2, 0, 60, 25_500))]));
  assert.deepEqual(idle.groups[0]!.series[2], { t: 2000, rate: 0, latencyMs: null }, 'no requests: no latency to show');
});

test('nodes that do not count requests give no series; the history keeps its newest points', () => {
  const bare = new DashboardModel();
  bare.observe(obs(0, [up(status('s0.1', 'leader', 1, 1))]));
  assert.deepEqual(bare.observe(obs(250, [up(status('s0.1', 'leader', 1, 1))])).groups[0]!.series, []);
  const m = new DashboardModel({ historyPoints: 3 });
  for (let i = 0; i < 6; i++) m.observe(obs(i * 250, [up(status('s0.1', 'leader', 1, 1, i * 10, 0))]));
  assert.deepEqual(m.view.groups[0]!.series.map((p) => p.t), [750, 1000, 1250]);
});

test('the timeline holds leader changes and journaled faults in time order, and node changes when asked to', () => {
  const m = new DashboardModel({ observeNodeChanges: true, timelineEvents: 5 });
  m.observe(obs(1000, [up(status('s0.0', 'leader', 1, 0)), up(status('s0.1', 'follower', 1, 0))]));
  m.observe(obs(1250, [{ node: 's0.0', group: '0', address: 'x', answer: { state: 'down' } }, up(status('s0.1', 'candidate', 2, -1))], { faults: [{ t: 1100, node: 's0.0', event: 'killed', signal: 'SIGKILL' }] }));
  const v = m.observe(obs(1500, [{ node: 's0.0', group: '0', address: 'x', answer: { state: 'down' } }, up(status('s0.1', 'leader', 2, 1))], { faults: [{ t: 1400, node: 's0.1', event: 'link-cut', peer: 's0.2' }] }));
  assert.deepEqual(
    v.timeline.map((e) => `${e.t} ${e.kind} ${e.text}`),
    ['1100 fault s0.0 killed (SIGKILL)', '1250 node s0.0 is down', '1250 leader partition 0: no leader (was s0.0)', '1400 fault link s0.1->s0.2 cut', '1500 leader partition 0: s0.1 leads (term 2)'],
  );
  const w = m.observe(obs(1750, [up(status('s0.0', 'follower', 2, 1)), up(status('s0.1', 'leader', 2, 1))]));
  assert.equal(w.timeline.length, 5, 'only the newest events are kept');
  assert.equal(w.timeline.at(-1)!.text, 's0.0 answers again');
});
