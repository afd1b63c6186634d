/**
 * Named simulator scenarios, each a function of a seed. The tests run every scenario over
 * many seeds; `replay.ts` runs one scenario on one seed (with a trace). A scenario throws
 * SimulationFailure (from an invariant, or from its own expectations) naming its seed and
 * the replay command.
 *
 * Names follow what each checks, after the Raft paper's sections.
 */
import { type RaftConfigInput } from '../config';
import type { NodeId } from '../types';
import { NONE } from '../types';
import { KvWorkload, type SimHistoryOp } from './kv-workload';
import { HashChainMachine, KvMachine } from './sim-state-machines';
import { RELIABLE, Simulation, type SimOptions, UNRELIABLE } from './simulation';

export type Scenario = (seed: number) => ScenarioReport;

/** What a scenario run did, for the test output and for tests that assert on it. */
export interface ScenarioReport {
  events: number;
  virtualMs: number;
  notes: string[];
}

function sim(name: string, seed: number, options: Partial<SimOptions> & { nodes: number }): Simulation {
  return new Simulation({ seed, scenario: name, ...options });
}

function report(s: Simulation, ...notes: string[]): ScenarioReport {
  s.checker.finalCheck();
  return { events: s.stats.events, virtualMs: s.now, notes };
}

function cmd(s: Simulation, label: string | number): Uint8Array {
  return Buffer.from(`${label}:${s.rng.int(1_000_000_000)}`);
}

function expect(s: Simulation, ok: boolean, what: string): void {
  if (!ok) s.fail(what);
}

function others(s: Simulation, id: NodeId): NodeId[] {
  return s.ids.filter((x) => x !== id);
}

/** Every node up applies through the same index, within maxMs. */
function converge(s: Simulation, maxMs = 10_000): void {
  const target = Math.max(...[...s].filter((n) => n.up).map((n) => n.core!.log.committed));
  const ok = s.runUntil(() => [...s].every((n) => !n.up || n.applied >= target), maxMs);
  expect(s, ok, `nodes did not all apply through ${target}: ${[...s].map((n) => `${n.id}:${n.applied}`).join(' ')}`);
}

// ───────────────────────────── §5.2 leader election ─────────────────────────────

const initialElection: Scenario = (seed) => {
  const s = sim('initial-election', seed, { nodes: 3 });
  const leader = s.waitForLeader(2000);
  expect(s, leader !== NONE, 'no leader elected within 2 s');
  const term = s.node(leader).core!.term;
  // With a working network nothing should provoke another election.
  s.runFor(2000);
  expect(s, s.stableLeader() === leader && s.node(leader).core!.term === term, `leader or term changed without failures (term ${term} -> ${s.node(leader).core!.term})`);
  return report(s, `leader ${leader} in term ${term}`);
};

const reElection: Scenario = (seed) => {
  const s = sim('re-election', seed, { nodes: 3 });
  // Every node holds the first entry: none still abstains as a new node does (see firstLeaderLost).
  s.one(cmd(s, 'first'), 3);
  const l1 = s.stableLeader();
  expect(s, l1 !== NONE, 'no initial leader');
  // The leader is cut off: the other two elect a new one.
  s.isolate(l1);
  const l2 = s.waitForLeader(3000, l1);
  expect(s, l2 !== NONE && l2 !== l1, 'no new leader after the leader was cut off');
  // The old leader returns: it must not disturb the new one for long, and a leader remains.
  s.reconnect(l1);
  expect(s, s.waitForLeader() !== NONE, 'no leader after the old leader rejoined');
  // No majority: no leader.
  const l3 = s.stableLeader();
  const a = others(s, l3)[0]!;
  s.isolate(l3);
  s.isolate(a);
  s.runFor(2000);
  expect(s, s.stableLeader() === NONE, 'a leader was elected without a majority');
  // A majority again: a leader.
  s.reconnect(a);
  s.cutLink(a, l3);
  expect(s, s.waitForLeader() !== NONE, 'no leader after a majority reconnected');
  s.heal();
  return report(s);
};

const manyElections: Scenario = (seed) => {
  const s = sim('many-elections', seed, { nodes: 7 });
  expect(s, s.waitForLeader() !== NONE, 'no initial leader');
  s.one(cmd(s, 'first'), 7);
  for (let round = 0; round < 8; round++) {
    const out = s.rng.shuffle([...s.ids]).slice(0, 3);
    for (const id of out) s.isolate(id);
    s.runFor(s.rng.range(100, 400));
    // Four of seven are connected: there must be a leader among them.
    expect(s, s.waitForLeader() !== NONE, `no leader with ${out.join(',')} cut off`);
    s.heal();
  }
  expect(s, s.waitForLeader() !== NONE, 'no leader at the end');
  return report(s, `${s.checker.counts.leadersSeen} leaders`);
};

/**
 * The price of not letting a replica that may have lost its storage vote (raft.ts,
 * abstains): a new replica cannot tell it is new, so until it has taken the first leader's
 * entries it votes only for empty-logged candidates. If the first leader is cut off before
 * its first entry reached the others, those with the entry and those without cannot elect
 * each other: the group waits for that leader, and must elect one as soon as it is back.
 */
const firstLeaderLost: Scenario = (seed) => {
  const s = sim('first-leader-lost-at-bootstrap', seed, { nodes: 3 });
  const l1 = s.waitForLeader();
  expect(s, l1 !== NONE, 'no initial leader');
  s.isolate(l1);
  const l2 = s.waitForLeader(2000, l1);
  s.reconnect(l1);
  expect(s, s.waitForLeader() !== NONE, 'no leader once the first leader was back');
  s.one(cmd(s, 'after'), 3);
  return report(s, l2 === NONE ? 'the others waited for the first leader' : `node ${l2} took over`);
};

// ───────────────────────────── §5.3 log replication ─────────────────────────────

const basicAgreement: Scenario = (seed) => {
  const s = sim('basic-agreement', seed, { nodes: 5 });
  s.waitForLeader();
  let last = 0;
  for (let i = 0; i < 10; i++) {
    const index = s.one(cmd(s, i), 5);
    expect(s, index > last, `index ${index} after ${last}`);
    last = index;
  }
  return report(s);
};

const failedFollower: Scenario = (seed) => {
  const s = sim('agreement-despite-failed-follower', seed, { nodes: 3 });
  const leader = s.waitForLeader();
  s.one(cmd(s, 'a'), 3);
  const f = others(s, leader)[0]!;
  s.isolate(f);
  // The remaining two agree, with or without new elections.
  for (let i = 0; i < 5; i++) s.one(cmd(s, `b${i}`), 2);
  s.reconnect(f);
  // The returning follower catches up.
  s.one(cmd(s, 'c'), 3);
  converge(s);
  return report(s);
};

const noAgreementWithoutMajority: Scenario = (seed) => {
  const s = sim('no-agreement-without-majority', seed, { nodes: 5 });
  s.one(cmd(s, 'first'), 5);
  const leader = s.stableLeader();
  const cut = others(s, leader).slice(0, 3);
  for (const id of cut) s.isolate(id);
  const index = s.propose(leader, cmd(s, 'lonely'), () => undefined);
  expect(s, index !== null, 'the leader refused a proposal');
  s.runFor(2000);
  expect(s, s.appliedCount(index!) === 0, `entry ${index} was applied with only 2 of 5 nodes connected`);
  s.heal();
  // A majority again: agreement resumes (the lonely entry may or may not survive).
  s.one(cmd(s, 'again'), 5);
  converge(s);
  return report(s);
};

const concurrentProposals: Scenario = (seed) => {
  const s = sim('concurrent-proposals', seed, { nodes: 3 });
  s.one(cmd(s, 'warm'), 3);
  const leader = s.stableLeader();
  const term = s.node(leader).core!.term;
  const acked: number[] = [];
  for (let i = 0; i < 50; i++) s.propose(leader, cmd(s, `c${i}`), (o) => o.ok && acked.push(o.index));
  s.runUntil(() => acked.length === 50, 3000);
  if (s.node(leader).core!.term === term) expect(s, acked.length === 50, `only ${acked.length} of 50 concurrent proposals committed in a stable term`);
  // One append batch carries many of them: far fewer Readys than proposals on the leader.
  return report(s, `${acked.length} acknowledged`);
};

const rejoinPartitionedLeader: Scenario = (seed) => {
  const s = sim('rejoin-partitioned-leader', seed, { nodes: 3 });
  s.one(cmd(s, 101), 3);
  const l1 = s.stableLeader();
  s.isolate(l1);
  // The cut-off leader accepts proposals it can never commit.
  for (let i = 0; i < 3; i++) s.propose(l1, cmd(s, `stale${i}`), () => undefined);
  s.one(cmd(s, 103), 2);
  const l2 = s.stableLeader();
  s.isolate(l2);
  s.reconnect(l1);
  s.one(cmd(s, 104), 2);
  s.reconnect(l2);
  s.one(cmd(s, 105), 3);
  converge(s);
  return report(s);
};

const fastBackup: Scenario = (seed) => {
  const s = sim('fast-backup', seed, { nodes: 5 });
  s.one(cmd(s, 'start'), 5);
  const l1 = s.stableLeader();
  const [f1, f2, f3, f4] = others(s, l1) as [NodeId, NodeId, NodeId, NodeId];
  // Leader and one follower cut off: they accumulate a long uncommitted tail.
  s.partition([[l1, f1], [f2, f3, f4]]);
  for (let i = 0; i < 300; i++) s.propose(l1, cmd(s, `lost${i}`), () => undefined);
  s.runFor(200);
  // The other three commit a long log of their own.
  for (let i = 0; i < 30; i++) {
    const batch = 10;
    let leader = s.waitForLeader();
    if (leader === NONE) leader = s.waitForLeader();
    for (let j = 0; j < batch; j++) s.propose(leader, cmd(s, `kept${i}.${j}`), () => undefined);
    s.runFor(20);
  }
  s.one(cmd(s, 'kept-end'), 3);
  // The majority side loses a member while the old pair comes back: l1's tail must be overwritten.
  const l2 = s.stableLeader();
  const other = [f2, f3, f4].find((x) => x !== l2)!;
  s.partition([[l1, f1, other], [l2, ...[f2, f3, f4].filter((x) => x !== l2 && x !== other)]]);
  for (let i = 0; i < 50; i++) s.propose(l2, cmd(s, `lost2.${i}`), () => undefined);
  s.runFor(100);
  s.one(cmd(s, 'mid'), 3);
  s.heal();
  const rejectsBefore = countRejections(s);
  s.one(cmd(s, 'end'), 5);
  converge(s);
  const rejects = countRejections(s) - rejectsBefore;
  // Hundreds of divergent entries, but the conflict hints skip a whole term per rejection.
  expect(s, rejects <= 40, `${rejects} rejected appends while catching up over divergent logs (fast backtracking should need a few)`);
  return report(s, `${rejects} appends rejected while catching up`);
};

function countRejections(s: Simulation): number {
  return s.stats.appendRejections;
}

/**
 * Many messages arrive very late, long after the leader that sent them was replaced: a node
 * must ignore every request of an older term (§5.1), or old appends would overwrite newer
 * entries.
 */
const lateMessages: Scenario = (seed) => {
  const s = sim('late-messages', seed, { nodes: 5, network: { ...RELIABLE, maxDelayMs: 5, longDelayRate: 0.3, longDelayMs: 1500 } });
  s.waitForLeader();
  const proposer = (): void => {
    if (s.now > 5000) return;
    const l = s.currentLeader();
    if (l !== NONE) for (let i = 0; i < 3; i++) s.propose(l, cmd(s, `late${i}`), () => undefined);
    s.at(s.rng.range(5, 30), proposer);
  };
  s.at(0, proposer);
  for (let round = 0; round < 12; round++) {
    s.runFor(s.rng.range(100, 300));
    const l = s.currentLeader();
    if (l !== NONE) s.isolate(l);
    s.runFor(s.rng.range(150, 300));
    s.heal();
  }
  s.runFor(Math.max(0, 5100 - s.now));
  s.network = RELIABLE;
  s.runFor(2000);
  s.one(cmd(s, 'end'), 5, 20_000);
  converge(s);
  return report(s);
};

// ───────────────────────────── §5.4, Figure 8: persistence and crashes ─────────────────────────────

const persistence: Scenario = (seed) => {
  const s = sim('persistence-across-crashes', seed, { nodes: 3 });
  s.one(cmd(s, 11), 3);
  // Crash all, restart all.
  for (const id of s.ids) s.crash(id);
  for (const id of s.ids) s.restart(id);
  s.one(cmd(s, 12), 3);
  // Crash the leader (one node).
  const l1 = s.stableLeader();
  s.crash(l1);
  s.restart(l1);
  s.one(cmd(s, 13), 3);
  // Crash a majority; a lone survivor cannot commit; bring them back.
  const l2 = s.stableLeader();
  const survivors = others(s, l2);
  s.crash(l2);
  s.crash(survivors[0]!);
  const lonely = s.node(survivors[1]!);
  const before = lonely.applied;
  s.runFor(1000);
  expect(s, lonely.applied === before, 'a lone node applied new entries without a majority');
  s.restart(l2);
  s.restart(survivors[0]!);
  s.one(cmd(s, 14), 3);
  converge(s);
  return report(s);
};

/**
 * Nodes crash right after granting a vote and come back at once, while elections keep
 * happening: a vote that was sent before it was durable would be forgotten, and the node
 * could vote again in the same term (the checker records every vote granted).
 */
const crashAfterVoting: Scenario = (seed) => {
  const s = sim('crash-after-voting', seed, { nodes: 5, raft: { preVote: false, checkQuorum: false }, fsyncMs: [1, 4] });
  s.waitForLeader();
  s.onSend = (m) => {
    if (m.type !== 'voteResp' || !m.granted || m.pre || !s.rng.chance(0.7)) return;
    const id = m.from;
    s.at(s.rng.next() * 3, () => {
      if (!s.node(id).up) return;
      s.crash(id);
      s.at(s.rng.range(1, 10), () => s.restart(id));
    });
  };
  for (let round = 0; round < 30; round++) {
    // Depose the leader: the others race to replace it, several candidates per term.
    const l = s.currentLeader();
    if (l !== NONE) s.isolate(l);
    s.runFor(s.rng.range(120, 300));
    s.heal();
    s.runFor(s.rng.range(10, 60));
  }
  s.onSend = null;
  for (const id of s.ids) if (!s.node(id).up) s.restart(id);
  s.one(cmd(s, 'end'), 5, 20_000);
  return report(s, `${s.checker.counts.leadersSeen} leaders`);
};

/**
 * Nodes lose their whole storage right after granting a vote and rejoin empty, while
 * elections keep happening and clients keep writing: a wiped node must neither vote a second
 * time in a term (it restarts at term 0 with no vote) nor help elect a leader that lacks
 * entries committed with its help, until it has caught up (raft.ts, abstains).
 */
const wipeAfterVoting: Scenario = (seed) => {
  const s = sim('wipe-after-voting', seed, { nodes: 5, raft: { preVote: seed % 2 === 0, checkQuorum: false }, snapshotEvery: 30, snapshotMargin: 3 });
  s.one(cmd(s, 'first'), 5);
  let wipes = 0;
  s.onSend = (m) => {
    if (m.type !== 'voteResp' || !m.granted || m.pre) return;
    const id = m.from;
    s.at(s.rng.next() * 3, () => {
      if (!mayWipe(s, id)) return;
      wipes++;
      s.wipe(id);
    });
  };
  const writer = (): void => {
    if (s.now > 4000) return;
    const l = s.currentLeader();
    if (l !== NONE) s.propose(l, cmd(s, 'w'), () => undefined);
    s.at(s.rng.range(2, 10), writer);
  };
  s.at(0, writer);
  for (let round = 0; round < 25; round++) {
    // Depose the leader: the others race to replace it, several candidates per term.
    const l = s.currentLeader();
    if (l !== NONE) s.isolate(l);
    s.runFor(s.rng.range(120, 300));
    s.heal();
    s.runFor(s.rng.range(10, 60));
  }
  s.onSend = null;
  s.one(cmd(s, 'end'), 5, 20_000);
  converge(s);
  return report(s, `${wipes} wipes, ${s.checker.counts.leadersSeen} leaders`);
};

function figure8(name: string, unreliable: boolean): Scenario {
  return (seed) => {
    // Small appends (a few entries each) let old-term entries reach a majority ahead of the
    // new leader's no-op: exactly the situation Figure 8 is about.
    const raft = { maxMessageEntries: 1 + (seed % 3) };
    const s = sim(name, seed, { nodes: 5, raft, network: unreliable ? UNRELIABLE : RELIABLE });
    s.one(cmd(s, 'f8'), 1);
    let up = 5;
    for (let iter = 0; iter < 100; iter++) {
      let leader = NONE;
      for (const id of s.ids) {
        const n = s.node(id);
        if (n.leaderTerm !== null && s.propose(id, cmd(s, `f8.${iter}`), () => undefined) !== null) leader = id;
      }
      // Usually short: crash around the moment entries are being written and replicated.
      const r = s.rng.next();
      s.runFor(r < 0.1 ? s.rng.range(0, 500) : r < 0.3 ? s.rng.range(0, 15) : s.rng.next() * 4);
      if (leader !== NONE && s.node(leader).up) {
        s.crash(leader);
        up--;
      }
      if (up < 3) {
        const down = s.ids.filter((id) => !s.node(id).up);
        const id = s.rng.pick(down);
        s.restart(id);
        up++;
      }
    }
    for (const id of s.ids) if (!s.node(id).up) s.restart(id);
    s.network = RELIABLE;
    s.one(cmd(s, 'f8-end'), 5, 20_000);
    converge(s);
    return report(s);
  };
}

/**
 * The paper's Figure 8, played out with cuts: an entry of an old term reaches a majority
 * only through a later leader whose own no-op does not spread. Counting replicas would
 * commit it although a node with a newer conflicting entry can still be elected.
 */
const figure8Scripted: Scenario = (seed) => {
  const s = sim('figure-8-scripted', seed, { nodes: 5, raft: { maxMessageEntries: 1 } });
  s.one(cmd(s, 'base'), 5);
  // (a) Leader s1 puts X on itself and s2 only.
  const s1 = s.stableLeader();
  const s2 = s.rng.pick(others(s, s1));
  const rest = s.ids.filter((x) => x !== s1 && x !== s2);
  s.partition([[s1, s2], rest]);
  s.propose(s1, cmd(s, 'X'), () => undefined);
  s.runFor(s.rng.range(5, 20));
  // (b) The other side elects s5, which appends Y (and its no-op) but is cut off at once.
  let s5 = NONE;
  s.onNewLeader = (id) => {
    if (s5 !== NONE || !rest.includes(id)) return;
    s5 = id;
    s.isolate(id);
    s.propose(id, cmd(s, 'Y'), () => undefined);
  };
  s.runUntil(() => s5 !== NONE, 3000);
  expect(s, s5 !== NONE, 'the majority side elected no leader');
  s.runFor(20); // Y becomes durable on s5 alone
  // (c) s1's side rejoins the others (s5 stays cut off); whoever of s1/s2 leads next sends
  // the old X to the others, but its no-op (a new-term entry) never reaches them.
  let s1b = NONE;
  s.onNewLeader = (id, term) => {
    if (s1b !== NONE || (id !== s1 && id !== s2)) return;
    s1b = id;
    const newTerm = term;
    s.dropIf = (m) => m.from === id && m.type === 'append' && m.to !== s1 && m.to !== s2 && m.entries.some((e) => e.term === newTerm);
  };
  s.partition([[s1, s2, ...rest.filter((x) => x !== s5)], [s5]]);
  s.runUntil(() => s1b !== NONE, 5000);
  s.runFor(s.rng.range(20, 200));
  // (d) The leader of (c) crashes; s5 comes back. Whatever was committed must survive.
  if (s1b !== NONE) s.crash(s1b);
  s.dropIf = null;
  s.onNewLeader = null;
  s.heal();
  s.runFor(s.rng.range(100, 1000));
  for (const id of s.ids) if (!s.node(id).up) s.restart(id);
  s.one(cmd(s, 'end'), 5, 20_000);
  converge(s);
  return report(s);
};

/**
 * Whether node `id` may lose its storage now: afterwards a majority of the nodes must still
 * be caught up (durably: not empty, not catching up). A wiped node votes only for
 * empty-logged candidates until it has caught up (raft.ts, abstains), which is safe only if
 * such nodes can never form a majority; at a group's very first start they do, and there
 * wiping a node that already voted is the documented operator error.
 */
function mayWipe(s: Simulation, id: NodeId): boolean {
  const caughtUp = s.ids.filter((x) => x !== id && !s.node(x).storage.durableCatchingUp()).length;
  return caughtUp > s.ids.length / 2;
}

function churn(name: string, unreliable: boolean): Scenario {
  return (seed) => {
    const s = sim(name, seed, { nodes: 5, network: unreliable ? UNRELIABLE : RELIABLE, snapshotEvery: 40, snapshotMargin: 5 });
    s.waitForLeader();
    let wipes = 0;
    const wipe = (id: NodeId): void => {
      if (!mayWipe(s, id)) return;
      wipes++;
      s.wipe(id);
    };
    // Now and then a node loses its storage right after granting a vote: the moment a
    // forgotten vote could be given again.
    s.onSend = (m) => {
      if (m.type !== 'voteResp' || !m.granted || s.now > 5000 || !s.rng.chance(0.15)) return;
      const id = m.from;
      s.at(s.rng.next() * 5, () => wipe(id));
    };
    let proposed = 0;
    const acked: number[] = [];
    const clients = 3;
    // Clients keep proposing wherever they believe the leader is.
    const client = (c: number): void => {
      if (s.now > 5000) return;
      const target = s.currentLeader() === NONE ? s.rng.pick(s.ids) : s.currentLeader();
      proposed++;
      // A refusal calls back at once, an accepted proposal once it commits or is lost: either way the client goes on.
      s.propose(target, cmd(s, `churn${c}.${proposed}`), (o) => {
        if (o.ok) acked.push(o.index);
        s.at(s.rng.range(1, 10), () => client(c));
      });
    };
    for (let c = 0; c < clients; c++) s.at(0, () => client(c));
    for (let step = 0; step < 20; step++) {
      const id = s.rng.pick(s.ids);
      const r = s.rng.next();
      if (r < 0.1) wipe(id);
      else if (r < 0.3 && s.node(id).up) s.crash(id);
      else if (r < 0.6 && !s.node(id).up) s.restart(id);
      else if (r < 0.8) s.isolate(id);
      else s.reconnect(id);
      // Keep at least a majority up most of the time.
      const upCount = [...s].filter((n) => n.up).length;
      if (upCount < 3) s.restart(s.rng.pick(s.ids.filter((x) => !s.node(x).up)));
      s.runFor(s.rng.range(50, 400));
    }
    s.onSend = null;
    s.heal();
    for (const id of s.ids) if (!s.node(id).up) s.restart(id);
    s.network = RELIABLE;
    s.runFor(Math.max(0, 5200 - s.now));
    s.one(cmd(s, 'churn-end'), 5, 20_000);
    converge(s);
    return report(s, `${acked.length} of ${proposed} proposals acknowledged, ${wipes} wipes`);
  };
}

// ───────────────────────────── §7 snapshots ─────────────────────────────

const SNAP = { snapshotEvery: 30, snapshotMargin: 3, raft: { snapshotChunkBytes: 64 } } as const;
const paddedMachine = (): HashChainMachine => new HashChainMachine(500);

const snapshotBasic: Scenario = (seed) => {
  const s = sim('snapshot-basic', seed, { nodes: 3, ...SNAP, makeStateMachine: paddedMachine });
  for (let i = 0; i < 200; i++) s.one(cmd(s, i), 3);
  converge(s);
  for (const n of s) {
    expect(s, n.stats.snapshotsTaken > 0, `node ${n.id} took no snapshot`);
    expect(s, n.storage.durableLogLength < 100, `node ${n.id} keeps ${n.storage.durableLogLength} log entries despite snapshots every 30`);
  }
  return report(s);
};

const snapshotInstall: Scenario = (seed) => {
  const s = sim('snapshot-install', seed, { nodes: 3, ...SNAP, makeStateMachine: paddedMachine, network: seed % 2 === 0 ? RELIABLE : { ...UNRELIABLE, longDelayRate: 0 } });
  s.one(cmd(s, 'start'), 3);
  const leader = s.stableLeader();
  const lagging = others(s, leader)[0]!;
  s.isolate(lagging);
  for (let i = 0; i < 120; i++) s.one(cmd(s, i), 2);
  s.reconnect(lagging);
  s.one(cmd(s, 'end'), 3, 20_000);
  converge(s);
  expect(s, s.node(lagging).stats.snapshotsInstalled > 0, `node ${lagging} caught up without installing a snapshot`);
  return report(s);
};

const snapshotCrashDuringInstall: Scenario = (seed) => {
  const s = sim('snapshot-crash-during-install', seed, { nodes: 3, ...SNAP, makeStateMachine: () => new HashChainMachine(2000) });
  s.one(cmd(s, 'start'), 3);
  const leader = s.stableLeader();
  const lagging = others(s, leader)[0]!;
  s.isolate(lagging);
  for (let i = 0; i < 100; i++) s.one(cmd(s, i), 2);
  s.reconnect(lagging);
  // Crash the follower while chunks arrive, several times.
  for (let k = 0; k < 3; k++) {
    s.runFor(s.rng.range(2, 40));
    s.crash(lagging);
    s.runFor(s.rng.range(0, 100));
    s.restart(lagging);
  }
  s.one(cmd(s, 'end'), 3, 20_000);
  converge(s);
  return report(s, `${s.node(lagging).stats.snapshotsInstalled} installs on node ${lagging}`);
};

const snapshotAllCrash: Scenario = (seed) => {
  const s = sim('snapshot-all-crash', seed, { nodes: 3, ...SNAP, makeStateMachine: paddedMachine });
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 45; i++) s.one(cmd(s, `${round}.${i}`), 3);
    for (const id of s.ids) s.crash(id);
    for (const id of s.ids) s.restart(id);
  }
  s.one(cmd(s, 'end'), 3);
  converge(s);
  return report(s);
};

const restartFromSnapshot: Scenario = (seed) => {
  const s = sim('restart-from-snapshot', seed, { nodes: 3, ...SNAP, makeStateMachine: paddedMachine });
  for (let i = 0; i < 100; i++) s.one(cmd(s, i), 3);
  const id = s.rng.pick(s.ids);
  s.crash(id);
  s.restart(id);
  const n = s.node(id);
  expect(s, n.applied >= 30, `node ${id} restarted at applied ${n.applied}, not from its snapshot`);
  for (let i = 0; i < 40; i++) s.one(cmd(s, `after${i}`), 3);
  converge(s);
  return report(s);
};

const wipedReplica: Scenario = (seed) => {
  const s = sim('wiped-replica-catches-up', seed, { nodes: 3, ...SNAP, makeStateMachine: paddedMachine });
  for (let i = 0; i < 100; i++) s.one(cmd(s, i), 3);
  const leader = s.stableLeader();
  const victim = others(s, leader)[0]!;
  s.wipe(victim);
  s.one(cmd(s, 'after-wipe'), 3, 20_000);
  converge(s);
  expect(s, s.node(victim).stats.snapshotsInstalled > 0, 'the wiped replica caught up without a snapshot');
  return report(s);
};

// ───────────────────────────── thesis §9.6, §6.2: pre-vote, check-quorum ─────────────────────────────

const preVotePreventsDisruption: Scenario = (seed) => {
  const s = sim('pre-vote-prevents-disruption', seed, { nodes: 3 });
  const leader = s.waitForLeader();
  s.one(cmd(s, 'x'), 3);
  const term = s.node(leader).core!.term;
  const f = others(s, leader)[0]!;
  s.isolate(f);
  // Long enough for many election timeouts on the cut-off node.
  s.runFor(3000);
  expect(s, s.node(f).core!.term === term, `the cut-off node raised its term to ${s.node(f).core!.term} (pre-vote should have stopped it)`);
  s.reconnect(f);
  s.runFor(1000);
  expect(s, s.stableLeader() === leader && s.node(leader).core!.term === term, 'the rejoining node disrupted the stable leader');
  s.one(cmd(s, 'y'), 3);
  return report(s);
};

const checkQuorum: Scenario = (seed) => {
  const s = sim('check-quorum', seed, { nodes: 3 });
  const leader = s.waitForLeader();
  s.one(cmd(s, 'x'), 3);
  s.isolate(leader);
  const electionMs = 10 * s.tickMs;
  // Within two election timeouts the cut-off leader must notice and step down.
  s.runFor(2 * electionMs + 3 * s.tickMs);
  expect(s, s.node(leader).leaderTerm === null, 'a leader cut off from its majority is still leading after two election timeouts');
  s.reconnect(leader);
  s.one(cmd(s, 'y'), 3);
  return report(s);
};

// ───────────────────────────── thesis §6.4: reads ─────────────────────────────

function readsUnderPartitions(name: string, mode: 'index' | 'lease'): Scenario {
  return (seed) => {
    // Read index must be safe on its own: without check-quorum a cut-off leader keeps
    // believing it leads for the whole partition, the hardest case for it.
    const raft: Partial<RaftConfigInput> = mode === 'index' ? { readMode: mode, checkQuorum: false } : { readMode: mode };
    const s = sim(name, seed, { nodes: 5, raft, clockDrift: mode === 'lease' ? 0.04 : 0, network: { ...RELIABLE, maxDelayMs: 6 } });
    s.waitForLeader();
    let reads = 0;
    let served = 0;
    let writes = 0;
    // Writers give up on a proposal after 30 ms (a cut-off leader may hold it forever) and
    // write through the newest leader.
    const writer = (): void => {
      if (s.now > 4000) return;
      const l = s.currentLeader();
      let next = false;
      const go = (): void => {
        if (next) return;
        next = true;
        s.at(1, writer);
      };
      if (l === NONE || s.propose(l, cmd(s, `w${writes++}`), go) === null) s.at(5, writer);
      else s.at(30, go);
    };
    // Readers ask every node that thinks it leads, including deposed leaders cut off from the rest.
    const reader = (): void => {
      if (s.now > 4000) return;
      const leaders = s.leaders();
      if (leaders.length === 0) {
        s.at(3, reader);
        return;
      }
      const target = s.rng.pick(leaders).id;
      reads++;
      s.read(target, (o) => {
        if (o.ok) served++;
        s.at(s.rng.range(0, 3), reader);
      });
    };
    for (let i = 0; i < 3; i++) s.at(i, reader);
    s.at(0, writer);
    s.at(0, writer);
    for (let step = 0; step < 10; step++) {
      s.runFor(s.rng.range(100, 300));
      const l = s.currentLeader();
      if (l !== NONE && s.rng.chance(0.7)) {
        // Cut the leader off with one other node: a new leader rises on the majority side while
        // the old one may still believe it leads.
        const buddy = s.rng.pick(others(s, l));
        s.partition([[l, buddy], s.ids.filter((x) => x !== l && x !== buddy)]);
      } else {
        s.heal();
      }
    }
    s.heal();
    s.runFor(500);
    expect(s, served > 0, 'no read was served');
    return report(s, `${served} of ${reads} reads served`);
  };
}

// ───────────────────────────── thesis §3.10: leadership transfer ─────────────────────────────

const leadershipTransfer: Scenario = (seed) => {
  const s = sim('leadership-transfer', seed, { nodes: 3 });
  s.one(cmd(s, 'x'), 3);
  for (let k = 0; k < 4; k++) {
    const from = s.stableLeader();
    const to = s.rng.pick(others(s, from));
    // Leave the target behind first sometimes: the leader must bring it up to date before TimeoutNow.
    if (k % 2 === 1) {
      s.isolate(to);
      for (let i = 0; i < 20; i++) s.one(cmd(s, `lag${k}.${i}`), 2);
      s.reconnect(to);
    }
    const r = s.node(from).core!.transferLeadership(to);
    expect(s, r.ok, 'transferLeadership refused on the leader');
    s.node(from).drive();
    const moved = s.runUntil(() => s.stableLeader() === to, 2000);
    expect(s, moved, `leadership did not move from ${from} to ${to}`);
    s.one(cmd(s, `after${k}`), 3);
  }
  return report(s);
};

// ───────────────────────────── KV clients, for linearizability ─────────────────────────────

export interface KvRun {
  report: ScenarioReport;
  history: SimHistoryOp[];
}

/**
 * Five key-value clients on three shared keys while the group suffers partitions, crashes
 * and restarts (and, if unreliable, a lossy network). Returns the clients' history: the
 * runner's linearizability checker judges it (runner/src/scenarios/raft-sim-linearizability.test.ts).
 */
export function runKvUnderFaults(name: string, mode: 'index' | 'lease', unreliable: boolean, seed: number): KvRun {
  const s = sim(name, seed, {
    nodes: 5,
    raft: { readMode: mode },
    clockDrift: mode === 'lease' ? 0.04 : 0,
    network: unreliable ? { ...UNRELIABLE, longDelayRate: 0.01, longDelayMs: 100 } : RELIABLE,
    makeStateMachine: () => new KvMachine(),
    snapshotEvery: 50,
    snapshotMargin: 5,
  });
  const w = new KvWorkload(s, { clients: 5, keys: 3, durationMs: 3000 });
  w.start();
  for (let step = 0; step < 8; step++) {
    s.runFor(s.rng.range(150, 400));
    const r = s.rng.next();
    const l = s.currentLeader();
    if (r < 0.3 && l !== NONE) s.partition([[l], others(s, l)]);
    else if (r < 0.5) s.crash(s.rng.pick(s.ids.filter((x) => s.node(x).up)));
    else if (r < 0.7) s.heal();
    for (const id of s.ids) if (!s.node(id).up && s.rng.chance(0.5)) s.restart(id);
  }
  s.heal();
  for (const id of s.ids) if (!s.node(id).up) s.restart(id);
  s.network = RELIABLE;
  w.finish(10_000);
  const completed = w.history.filter((o) => o.ret !== null).length;
  expect(s, completed > 50, `only ${completed} operations completed`);
  return { report: report(s, `${w.history.length} operations, ${completed} completed`), history: w.history };
}

export const KV_SCENARIOS: Record<string, { mode: 'index' | 'lease'; unreliable: boolean }> = {
  'kv-read-index-faults': { mode: 'index', unreliable: false },
  'kv-read-index-unreliable': { mode: 'index', unreliable: true },
  'kv-lease-faults': { mode: 'lease', unreliable: false },
};

export const SCENARIOS: Record<string, Scenario> = {
  'initial-election': initialElection,
  're-election': reElection,
  'first-leader-lost-at-bootstrap': firstLeaderLost,
  'many-elections': manyElections,
  'basic-agreement': basicAgreement,
  'agreement-despite-failed-follower': failedFollower,
  'no-agreement-without-majority': noAgreementWithoutMajority,
  'concurrent-proposals': concurrentProposals,
  'rejoin-partitioned-leader': rejoinPartitionedLeader,
  'fast-backup': fastBackup,
  'late-messages': lateMessages,
  'persistence-across-crashes': persistence,
  'crash-after-voting': crashAfterVoting,
  'wipe-after-voting': wipeAfterVoting,
  'figure-8-reliable': figure8('figure-8-reliable', false),
  'figure-8-unreliable': figure8('figure-8-unreliable', true),
  'figure-8-scripted': figure8Scripted,
  'churn-reliable': churn('churn-reliable', false),
  'churn-unreliable': churn('churn-unreliable', true),
  'snapshot-basic': snapshotBasic,
  'snapshot-install': snapshotInstall,
  'snapshot-crash-during-install': snapshotCrashDuringInstall,
  'snapshot-all-crash': snapshotAllCrash,
  'restart-from-snapshot': restartFromSnapshot,
  'wiped-replica-catches-up': wipedReplica,
  'pre-vote-prevents-disruption': preVotePreventsDisruption,
  'check-quorum': checkQuorum,
  'read-index-under-partitions': readsUnderPartitions('read-index-under-partitions', 'index'),
  'lease-reads-under-partitions': readsUnderPartitions('lease-reads-under-partitions', 'lease'),
  'leadership-transfer': leadershipTransfer,
  ...Object.fromEntries(Object.entries(KV_SCENARIOS).map(([name, k]) => [name, (seed: number) => runKvUnderFaults(name, k.mode, k.unreliable, seed).report])),
};
