/**
 * The Raft core against the paper (Ongaro & Ousterhout, "In Search of an Understandable
 * Consensus Algorithm", §5) and the thesis (§3.10, §4.2.3, §6, §9.6, §10.2.1), one
 * behaviour per test, on a synchronous in-memory network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from './messages';
import { RaftCore } from './raft';
import { seededRandom } from './random';
import { SimStorage } from './sim/sim-storage';
import { TestNetwork } from './test-network';
import { NONE } from './types';

const E = 10; // election ticks in these tests

function net(n: number, config: ConstructorParameters<typeof TestNetwork>[1] = {}): TestNetwork {
  return new TestNetwork(Array.from({ length: n }, (_, i) => i + 1), { electionTicks: E, heartbeatTicks: 1, ...config });
}

// ───────────── §5.1 terms ─────────────

test('§5.1: a node that sees a higher term adopts it and becomes a follower (from every role)', () => {
  const nw = net(3);
  nw.elect(1);
  const leader = nw.core(1);
  leader.step({ type: 'appendResp', from: 2, to: 1, term: leader.term + 3, success: false, index: 0, hintIndex: 0, hintTerm: 0 });
  assert.equal(leader.role, 'follower');
  assert.equal(leader.term, 4);
  assert.equal(leader.vote, NONE, 'a new term starts without a vote');

  const candidate = nw.core(2);
  candidate.campaign();
  nw.take(); // drop its pre-votes
  assert.equal(candidate.role, 'preCandidate');
  candidate.step({ type: 'heartbeat', from: 3, to: 2, term: 9, commit: 0, round: 1 });
  assert.equal(candidate.role, 'follower');
  assert.equal(candidate.term, 9);
  assert.equal(candidate.leader, 3, 'a heartbeat names the leader');
});

test('§5.1: a request with a stale term is rejected, and a stale leader learns the current term', () => {
  const nw = net(3);
  nw.elect(1);
  const f = nw.core(2);
  const term = f.term;
  f.step({ type: 'append', from: 3, to: 2, term: term - 1, prevIndex: 0, prevTerm: 0, entries: [{ index: 1, term: term - 1, data: Buffer.from('x') }], commit: 0 });
  nw.flush(2);
  const out = nw.take((m) => m.from === 2);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.type, 'appendResp');
  assert.equal(out[0]!.term, term, 'the answer carries the current term, so the stale leader steps down');
  assert.equal((out[0] as Extract<Message, { type: 'appendResp' }>).success, false);
  assert.equal(f.log.lastIndex, 1, 'the stale entries were not appended (only the leader no-op is there)');
});

// ───────────── §5.2 leader election ─────────────

test('§5.2: a follower that hears no leader for an election timeout starts an election (pre-vote first, term unchanged)', () => {
  const nw = net(3);
  const c = nw.core(1);
  nw.tick(1, 2 * E);
  assert.equal(c.role, 'preCandidate');
  assert.equal(c.term, 0, 'pre-vote does not raise the term');
  const sent = nw.take((m) => m.from === 1);
  assert.deepEqual(sent.map((m) => [m.type, m.to, m.term, m.type === 'vote' && m.pre]), [
    ['vote', 2, 1, true],
    ['vote', 3, 1, true],
  ]);
});

test('§5.2: election timeouts are randomized in [E, 2E)', () => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 40; seed++) {
    const storage = new SimStorage();
    const core = new RaftCore({ id: 1, peers: [1, 2, 3], electionTicks: E, random: seededRandom(seed) }, { hardState: storage.hardState, snapshot: null, log: storage });
    let ticks = 0;
    while (core.role === 'follower') {
      core.tick();
      ticks++;
      assert.ok(ticks < 2 * E, 'no election within 2E ticks');
    }
    assert.ok(ticks >= E, `an election after ${ticks} < E ticks`);
    seen.add(ticks);
  }
  assert.ok(seen.size >= 5, `timeouts barely vary: ${[...seen].join(',')}`);
});

test('§5.2: a candidate raises its term, votes for itself, and asks for votes only once that is durable', () => {
  const nw = net(3, { preVote: false });
  nw.core(1).campaign();
  const rd = nw.core(1).ready();
  // (A new node has not caught up with any leader yet: see the wiped-replica tests.)
  assert.deepEqual(rd.hardState, { term: 1, vote: 1, catchingUp: true });
  assert.equal(rd.messages.length, 0, 'no vote request before the term and vote are durable');
  assert.deepEqual(rd.messagesAfterPersist.map((m) => [m.type, m.to, m.term]), [
    ['vote', 2, 1],
    ['vote', 3, 1],
  ]);
});

test('§5.2: a candidate that gets votes from a majority becomes leader', () => {
  const nw = net(5);
  nw.core(1).campaign();
  // Only two of the four others answer: with its own vote that is three of five.
  nw.deliverAll((m) => m.type === 'voteResp' && (m.from === 4 || m.from === 5));
  assert.equal(nw.core(1).role, 'leader');
  assert.equal(nw.core(1).term, 1);
});

test('§5.2: a candidate rejected by a majority returns to follower', () => {
  const nw = net(3, { preVote: false });
  nw.core(1).campaign();
  nw.take();
  const c = nw.core(1);
  c.step({ type: 'voteResp', from: 2, to: 1, term: c.term, pre: false, granted: false });
  c.step({ type: 'voteResp', from: 3, to: 1, term: c.term, pre: false, granted: false });
  assert.equal(c.role, 'follower');
});

test('§5.2: a node grants at most one vote per term, first come first served', () => {
  const nw = net(3, { preVote: false, checkQuorum: false });
  const voter = nw.core(3);
  const ask = (from: number): Message => ({ type: 'vote', from, to: 3, term: 1, lastIndex: 0, lastTerm: 0, pre: false, transfer: false, catchingUp: true });
  voter.step(ask(1));
  voter.step(ask(2));
  voter.step(ask(1)); // asking again gets the same answer
  const rd = voter.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: 1, catchingUp: true });
  const grants = [...rd.messages, ...rd.messagesAfterPersist].filter((m) => m.type === 'voteResp').map((m) => [m.to, m.type === 'voteResp' && m.granted]);
  assert.deepEqual(grants, [
    [2, false],
    [1, true],
    [1, true],
  ]);
});

test('§5.2: a vote is sent only after it is durable', () => {
  const nw = net(3, { preVote: false, checkQuorum: false });
  const voter = nw.core(2);
  voter.step({ type: 'vote', from: 1, to: 2, term: 1, lastIndex: 0, lastTerm: 0, pre: false, transfer: false, catchingUp: true });
  const rd = voter.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: 1, catchingUp: true });
  assert.equal(rd.messages.filter((m) => m.type === 'voteResp').length, 0);
  assert.equal(rd.messagesAfterPersist.filter((m) => m.type === 'voteResp' && m.granted).length, 1);
});

test('§5.2: a candidate that hears from a leader of its term becomes its follower', () => {
  const nw = net(3, { preVote: false });
  nw.core(2).campaign();
  nw.take();
  const c = nw.core(2);
  c.step({ type: 'append', from: 3, to: 2, term: c.term, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 });
  assert.equal(c.role, 'follower');
  assert.equal(c.leader, 3);
});

test('§5.4.1: a vote is denied to a candidate whose log is less up to date', () => {
  const nw = net(3);
  nw.elect(1);
  nw.propose(1, 'a');
  nw.deliverAll();
  const voter = nw.core(2);
  const term = voter.term;
  nw.isolate(1);
  // Candidate 3 with a shorter log (pretend: lastIndex 1 of the current term).
  voter.step({ type: 'vote', from: 3, to: 2, term: term + 5, lastIndex: 1, lastTerm: term, pre: false, transfer: true, catchingUp: false });
  const rd = voter.ready();
  const resp = [...rd.messages, ...rd.messagesAfterPersist].find((m) => m.type === 'voteResp');
  assert.ok(resp && resp.type === 'voteResp' && !resp.granted, 'vote granted to a candidate missing entries');
  // The same candidate with an equally long log is granted.
  voter.step({ type: 'vote', from: 3, to: 2, term: term + 5, lastIndex: voter.log.lastIndex, lastTerm: voter.log.lastTerm, pre: false, transfer: true, catchingUp: false });
  const rd2 = voter.ready();
  assert.ok([...rd2.messages, ...rd2.messagesAfterPersist].some((m) => m.type === 'voteResp' && m.granted));
});

// ───────────── §5.2 with lost storage: replicas catching up and caught-up replicas vote only within their kind ─────────────

function voteAnswer(nw: TestNetwork, voter: number): { granted: boolean; pre: boolean } | undefined {
  nw.flush(voter);
  const r = nw.take((m) => m.from === voter && m.type === 'voteResp').pop();
  return r !== undefined && r.type === 'voteResp' ? { granted: r.granted, pre: r.pre } : undefined;
}

function voteRequest(from: number, to: number, term: number, last: [number, number], catchingUp: boolean, pre = false): Message {
  return { type: 'vote', from, to, term, lastIndex: last[0], lastTerm: last[1], pre, transfer: false, catchingUp };
}

test('§5.2 wiped replica: a new group starts with every replica catching up; its first commit makes them caught up', () => {
  const nw = net(3, { checkQuorum: false });
  for (const id of [1, 2, 3]) assert.equal(nw.core(id).isCatchingUp(), true, `new node ${id}`);
  nw.elect(1);
  nw.propose(1, 'x');
  nw.deliverAll();
  for (const id of [1, 2, 3]) {
    assert.equal(nw.core(id).isCatchingUp(), false, `node ${id} after the first commit`);
    assert.equal(nw.node(id).storage.hardState.catchingUp, undefined, `node ${id}: the end of catching up is persisted`);
  }
});

test('§5.2 wiped replica: a replica catching up votes (and pre-votes) only for candidates catching up, a caught-up one only for caught-up ones', () => {
  const nw = net(3, { checkQuorum: false });
  const fresh = nw.core(3);
  fresh.step(voteRequest(1, 3, 4, [7, 2], false, true));
  assert.deepEqual(voteAnswer(nw, 3), { granted: false, pre: true }, 'a pre-vote from a catching-up replica for a caught-up candidate');
  fresh.step(voteRequest(1, 3, 4, [7, 2], false));
  assert.deepEqual(voteAnswer(nw, 3), { granted: false, pre: false }, 'a vote from a catching-up replica for a caught-up candidate');
  assert.equal(fresh.vote, NONE);
  // Among replicas catching up the usual rules apply: a new group elects its first leaders so.
  fresh.step(voteRequest(1, 3, 4, [7, 2], true));
  assert.deepEqual(voteAnswer(nw, 3), { granted: true, pre: false });

  const other = net(3, { checkQuorum: false });
  other.elect(1);
  other.propose(1, 'x');
  other.deliverAll();
  const caughtUp = other.core(2);
  const last: [number, number] = [caughtUp.log.lastIndex, caughtUp.log.lastTerm];
  caughtUp.step(voteRequest(3, 2, caughtUp.term + 1, last, true, true));
  assert.deepEqual(voteAnswer(other, 2), { granted: false, pre: true }, 'a caught-up replica pre-voted for one catching up');
  caughtUp.step(voteRequest(3, 2, caughtUp.term + 1, last, false, true));
  assert.deepEqual(voteAnswer(other, 2), { granted: true, pre: true });
});

test('§5.2 wiped replica: a replica that lost its storage after voting cannot elect a second leader in that term', () => {
  const nw = net(3, { preVote: false, checkQuorum: false });
  nw.elect(1);
  nw.propose(1, 'x');
  nw.deliverAll();
  // Node 3 falls behind in term 1; node 2 becomes leader of term 2 with node 1's vote.
  nw.isolate(3);
  nw.elect(2);
  const term = nw.core(2).term;
  assert.equal(nw.core(1).vote, 2);
  // Node 1's storage is wiped: it restarts with term 0 and no vote.
  nw.wipe(1);
  nw.heal();
  nw.isolate(2);
  // Node 3 campaigns in the very term node 1 voted in: node 1 must not vote a second time.
  assert.equal(nw.core(3).term, term - 1);
  nw.core(3).campaign();
  nw.deliverAll();
  assert.equal(nw.core(3).term, term);
  assert.notEqual(nw.core(3).role, 'leader', `two leaders of term ${term}`);
  assert.equal(nw.core(1).vote, NONE, 'the wiped replica voted');
});

test('§5.2 wiped replica: it votes again only once it durably holds everything a leader had committed, not as soon as it has some entries', () => {
  const nw = net(3, { preVote: false, checkQuorum: false });
  nw.elect(1);
  for (let i = 0; i < 5; i++) nw.propose(1, `e${i}`);
  nw.deliverAll();
  const leader = nw.core(1);
  const term = leader.term;
  const commit = leader.log.committed;
  assert.ok(commit >= 6);
  nw.wipe(3);
  const w = nw.core(3);
  const preVote = (): Message => voteRequest(2, 3, term + 1, [nw.core(2).log.lastIndex, nw.core(2).log.lastTerm], false, true);
  // The leader's first entries reach it, but not everything the leader has committed.
  w.step({ type: 'append', from: 1, to: 3, term, prevIndex: 0, prevTerm: 0, entries: leader.log.slice(1, 3), commit });
  nw.flush(3);
  assert.equal(w.log.lastIndex, 3);
  w.step(preVote());
  assert.deepEqual(voteAnswer(nw, 3), { granted: false, pre: true }, 'entries committed with its help before the wipe may be missing');
  // The rest arrives: caught up only once it is durable.
  w.step({ type: 'append', from: 1, to: 3, term, prevIndex: 3, prevTerm: term, entries: leader.log.slice(4, commit), commit });
  assert.equal(w.isCatchingUp(), true, 'caught up before the entries are durable');
  nw.flush(3);
  assert.equal(w.isCatchingUp(), false);
  assert.equal(nw.node(3).storage.hardState.catchingUp, undefined, 'the end of catching up is persisted');
  w.step(preVote());
  assert.deepEqual(voteAnswer(nw, 3), { granted: true, pre: true });
});

test('§5.2 wiped replica: a caught-up replica does not help elect a wiped one still catching up, which may lack entries committed with its help', () => {
  const nw = net(3, { preVote: false, checkQuorum: false });
  nw.elect(1);
  nw.propose(1, 'x');
  nw.deliverAll();
  nw.wipe(3);
  // Node 3 took only the leader's first entry, then the leader is gone.
  const leader = nw.core(1);
  nw.core(3).step({ type: 'append', from: 1, to: 3, term: leader.term, prevIndex: 0, prevTerm: 0, entries: leader.log.slice(1, 1), commit: leader.log.committed });
  nw.flush(3);
  nw.take();
  nw.isolate(1);
  nw.core(3).campaign();
  nw.deliverAll();
  assert.notEqual(nw.core(3).role, 'leader', 'a replica lacking a committed entry was elected');
  assert.equal(nw.core(2).vote, NONE);
});

test('§5.2 wiped replica: once caught up it votes as usual, but not again in the term of the leader that brought it up', () => {
  const nw = net(3, { preVote: false, checkQuorum: false });
  nw.elect(1);
  nw.propose(1, 'x');
  nw.deliverAll();
  nw.wipe(3);
  nw.propose(1, 'y');
  nw.deliverAll();
  const w = nw.core(3);
  const term = nw.core(1).term;
  // The leader finds out from the rejections and heartbeats that node 3 lost its log, and resends it.
  for (let i = 0; i < 10 && w.log.lastIndex < nw.core(1).log.lastIndex; i++) {
    nw.tick(1);
    nw.deliverAll();
  }
  assert.equal(w.log.lastIndex, nw.core(1).log.lastIndex, 'the wiped replica caught up');
  assert.equal(w.isCatchingUp(), false);
  assert.equal(w.term, term);
  // Its first entries came from leader 1 in this term: it counts as having voted for it, durably.
  assert.equal(w.vote, 1);
  assert.deepEqual(nw.node(3).storage.hardState, { term, vote: 1 });
  nw.isolate(1);
  w.step(voteRequest(2, 3, term, [w.log.lastIndex, w.log.lastTerm], false));
  assert.deepEqual(voteAnswer(nw, 3), { granted: false, pre: false }, 'a second vote in the term it caught up in');
  // In a later term the usual rule applies: an up-to-date candidate gets its vote.
  nw.core(2).campaign();
  nw.deliverAll();
  assert.equal(nw.core(2).role, 'leader');
  assert.equal(w.vote, 2);
});

// ───────────── §5.3 log replication ─────────────

test('§5.3: the leader replicates a proposal and commits it once a majority stores it', () => {
  const nw = net(3);
  nw.elect(1);
  nw.isolate(3);
  const index = nw.propose(1, 'x');
  nw.deliverAll();
  assert.equal(nw.core(1).log.committed, index, 'two of three is a majority');
  assert.deepEqual(nw.appliedData(1).slice(-1), ['x']);
  nw.heal();
  for (let i = 0; i < 4; i++) {
    nw.tick(1);
    nw.deliverAll();
  }
  assert.deepEqual(nw.appliedData(3).slice(-1), ['x'], 'the third node catches up and applies it');
});

test('§5.3: a follower acknowledges appended entries only after they are durable', () => {
  const nw = net(3);
  nw.elect(1);
  nw.propose(1, 'y');
  const appends = nw.take((m) => m.type === 'append' && m.to === 2);
  const f = nw.core(2);
  for (const m of appends) f.step(m);
  const rd = f.ready();
  assert.ok(rd.entries.length > 0);
  assert.equal(rd.messages.filter((m) => m.type === 'appendResp' && m.success).length, 0, 'an ack was sent before the entries were durable');
  assert.ok(rd.messagesAfterPersist.some((m) => m.type === 'appendResp' && m.success));
});

test('§5.3: a follower rejects an append whose previous entry does not match, with a hint', () => {
  const nw = net(3);
  nw.elect(1);
  const f = nw.core(2);
  f.step({ type: 'append', from: 1, to: 2, term: f.term, prevIndex: 7, prevTerm: f.term, entries: [], commit: 0 });
  const resp = nw.take((m) => m.from === 2 && m.type === 'appendResp')[0];
  assert.ok(resp && resp.type === 'appendResp');
  assert.equal(resp.success, false);
  assert.equal(resp.index, 7);
  assert.equal(resp.hintIndex, f.log.lastIndex, 'the hint points at the end of the follower log');
});

test('§5.3: a follower deletes a conflicting suffix and takes the leader entries', () => {
  const nw = net(3, { preVote: false, checkQuorum: false });
  nw.elect(1);
  // Node 1 appends entries nobody else gets, then loses leadership to 2.
  nw.isolate(1);
  nw.propose(1, 'lost1');
  nw.propose(1, 'lost2');
  nw.flush(1);
  nw.take();
  nw.elect(2);
  nw.propose(2, 'kept');
  nw.deliverAll();
  nw.heal();
  nw.tick(2);
  nw.deliverAll();
  const rd1 = nw.node(1).readys.filter((r) => r.entries.length > 0).pop()!;
  assert.ok(rd1.entries[0]!.index <= 3, 'the replacement starts inside the conflicting suffix');
  assert.deepEqual(nw.appliedData(1).filter((d) => d !== ''), ['kept']);
  assert.equal(nw.core(1).log.lastIndex, nw.core(2).log.lastIndex);
});

test('§5.3: the leader skips a whole conflicting term per rejection (fast backtracking)', () => {
  const nw = net(3, { preVote: false, checkQuorum: false });
  nw.elect(1);
  nw.isolate(1);
  for (let i = 0; i < 50; i++) nw.propose(1, `old${i}`);
  nw.flush(1);
  nw.take();
  nw.elect(2);
  for (let i = 0; i < 50; i++) nw.propose(2, `new${i}`);
  nw.deliverAll();
  nw.heal();
  let rejections = 0;
  nw.tick(2);
  nw.deliverAll((m) => {
    if (m.type === 'appendResp' && !m.success && m.from === 1) rejections++;
    return false;
  });
  assert.ok(rejections <= 3, `${rejections} rejections to back over 50 conflicting entries`);
  assert.deepEqual(nw.appliedData(1).filter((d) => d !== ''), nw.appliedData(2).filter((d) => d !== ''));
});

test('§5.3: the leader streams appends without waiting for acks (pipelining), up to its window', () => {
  const nw = net(2, { maxInflightMessages: 4, maxMessageEntries: 1 });
  nw.elect(1);
  nw.deliverAll();
  for (let i = 0; i < 10; i++) nw.propose(1, `p${i}`);
  const sent = nw.take((m) => m.type === 'append' && m.to === 2 && m.entries.length > 0);
  assert.equal(sent.length, 4, 'the window of 4 appends in flight bounds what goes out');
  for (const m of sent) nw.deliver(m);
  nw.deliverAll();
  assert.equal(nw.core(2).log.lastIndex, nw.core(1).log.lastIndex, 'acks open the window until everything is sent');
});

test('§5.3: proposals made together go out as one append per follower (batching)', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  for (let i = 0; i < 100; i++) nw.propose(1, `b${i}`);
  const appends = nw.take((m) => m.type === 'append' && m.entries.length > 0);
  assert.equal(appends.length, 2, 'one append to each of two followers');
  assert.ok(appends.every((m) => m.type === 'append' && m.entries.length === 100));
  const rd = nw.node(1).readys[nw.node(1).readys.length - 1]!;
  assert.equal(rd.entries.length, 100, 'and one write to the leader log');
});

test('§5.3: appends lost in flight are sent again once the follower answers a heartbeat', () => {
  const nw = net(2);
  nw.elect(1);
  nw.deliverAll();
  nw.propose(1, 'lost');
  nw.take(); // the append is lost
  nw.tick(1, 4);
  nw.deliverAll();
  assert.deepEqual(nw.appliedData(2).slice(-1), ['lost']);
});

// ───────────── §5.4.2, §8 committing ─────────────

test('§5.4.2: a new leader appends a no-op of its term', () => {
  const nw = net(3);
  nw.elect(2);
  const e = nw.core(2).log.slice(1, 1)[0]!;
  assert.equal(e.term, nw.core(2).term);
  assert.equal(e.data.length, 0);
});

test('§5.4.2: a leader never commits an entry of an earlier term by counting replicas (Figure 8)', () => {
  // Figure 8 (c): leader 1 of term 2 replicated its entry to a majority only after losing
  // and regaining leadership. Counting that entry as committed is unsafe.
  const nw = net(5, { preVote: false, checkQuorum: false });
  nw.elect(1); // term 1, no-op at 1
  nw.isolate(1);
  nw.propose(1, 'term1-entry'); // index 2, term 1, only on node 1
  nw.flush(1);
  nw.take();
  nw.heal();
  // Node 1 hears of a later term, then is elected again; before its own no-op is replicated,
  // only the old entry reaches a majority.
  nw.core(1).step({ type: 'heartbeat', from: 2, to: 1, term: 2, commit: 0, round: 0 });
  nw.take();
  nw.core(1).campaign();
  nw.deliverAll((m) => m.type === 'append');
  const leader = nw.core(1);
  assert.equal(leader.role, 'leader');
  const oldEntryTerm = leader.log.term(2);
  assert.ok(oldEntryTerm! < leader.term);
  // Replicate only through index 2 (the old entry), holding back the new no-op at 3.
  for (const to of [2, 3]) {
    nw.deliver({ type: 'append', from: 1, to, term: leader.term, prevIndex: 1, prevTerm: leader.log.term(1)!, entries: leader.log.slice(2, 2), commit: 0 });
  }
  const acks = nw.take((m) => m.type === 'appendResp' && m.to === 1);
  for (const m of acks) nw.deliver(m);
  nw.take();
  assert.equal(leader.log.committed < 2, true, `entry 2 of term ${oldEntryTerm} was committed by counting in term ${leader.term}`);
  // Once the current term's no-op is on a majority, both commit.
  nw.tick(1);
  nw.deliverAll();
  assert.ok(leader.log.committed >= 3);
});

test('§10.2.1: the leader sends appends before its own write is durable, and counts itself only once it is', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  const leader = nw.core(1);
  const index = nw.propose(1, 'parallel');
  const rd = leader.ready();
  assert.equal(rd.entries.length, 1);
  assert.ok(rd.messages.some((m) => m.type === 'append' && m.entries.length === 1), 'appends go out with the write, not after it');
  // Both followers acknowledge while the leader write is still in progress: that is a majority without the leader.
  for (const m of rd.messages) {
    if (m.type !== 'append') continue;
    nw.deliver(m);
  }
  for (const m of nw.take((m) => m.to === 1)) leader.step(m);
  assert.equal(leader.log.committed, index, 'two followers are a majority without the leader');
  assert.equal(leader.ready().committedEntries.length, 0, 'but nothing is applied before it is durable locally');
  // In a group of one, the leader write alone decides.
  const solo = new TestNetwork([1], { electionTicks: E });
  solo.elect(1);
  const s = solo.core(1);
  const i2 = s.propose(Buffer.from('solo'));
  assert.ok(i2.ok);
  const rd2 = s.ready();
  assert.ok(s.log.committed < i2.index, 'committed before its write was durable');
  solo.node(1).storage.stage({ entries: rd2.entries });
  solo.node(1).storage.persistNext();
  s.advance(rd2);
  assert.equal(s.log.committed, i2.index);
});

test('§5.5: a restarted node recovers term, vote and log from storage', () => {
  const nw = net(3);
  nw.elect(1);
  nw.propose(1, 'durable');
  nw.deliverAll();
  const n = nw.node(2);
  const again = new RaftCore({ id: 2, peers: [1, 2, 3], electionTicks: E, random: seededRandom(9) }, { hardState: n.storage.hardState, snapshot: null, log: n.storage });
  assert.equal(again.term, n.core.term);
  assert.equal(again.vote, n.core.vote);
  assert.equal(again.log.lastIndex, n.core.log.lastIndex);
  assert.equal(again.log.committed, 0, 'the commit index is learned again from the leader');
});

// ───────────── thesis §6.4 reads ─────────────

test('§6.4 read index: a read is confirmed only by a heartbeat round a majority answered', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  const leader = nw.core(1);
  assert.ok(leader.readIndex(7).ok);
  nw.flush(1);
  assert.equal(nw.node(1).readStates.length, 0, 'served before any confirmation');
  const beats = nw.take((m) => m.type === 'heartbeat');
  assert.equal(beats.length, 2, 'the read starts a heartbeat round at once');
  nw.deliver(beats[0]!);
  nw.deliver(nw.take((m) => m.type === 'heartbeatResp')[0]!);
  assert.deepEqual(nw.node(1).readStates, [{ index: leader.log.committed, ctx: 7 }]);
});

test('§6.4 read index: a leader cut off from the majority never confirms a read', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  nw.isolate(1);
  nw.core(1).readIndex(1);
  nw.tick(1, 3);
  nw.deliverAll();
  assert.equal(nw.node(1).readStates.length, 0);
  // When it steps down (check-quorum), the read is failed, not left hanging.
  nw.tick(1, 2 * E);
  assert.equal(nw.core(1).role, 'follower');
  assert.deepEqual(nw.node(1).droppedReads, [1]);
});

test('§6.4 read index: a new leader serves reads only after committing an entry of its term', () => {
  const nw = net(3);
  nw.core(1).campaign();
  // Election done, but the no-op not yet replicated.
  nw.deliverAll((m) => m.type === 'append' || m.type === 'appendResp');
  const leader = nw.core(1);
  assert.equal(leader.role, 'leader');
  leader.readIndex(5);
  nw.deliverAll((m) => m.type === 'append' || m.type === 'appendResp');
  assert.equal(nw.node(1).readStates.length, 0, 'a read served before the leader knew its commit index was current');
  nw.tick(1);
  nw.deliverAll();
  assert.equal(nw.node(1).readStates.length, 1);
  assert.equal(nw.node(1).readStates[0]!.index, leader.log.committed);
});

test('§6.4 read index: reads on a follower are refused with the leader known', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  const r = nw.core(2).readIndex(1);
  assert.deepEqual(r, { ok: false, leader: 1, reason: 'not the leader' });
});

test('§6.4.1 lease: within the lease a read is served at once; after it, a heartbeat round is needed again', () => {
  const nw = net(3, { readMode: 'lease', leaseTicks: 5 });
  // With leases, nodes keep silent for an election timeout after starting: let time pass until one leads.
  let l = NONE;
  for (let t = 0; t < 4 * E && l === NONE; t++) {
    for (const id of nw.ids) nw.tick(id);
    nw.deliverAll();
    l = nw.ids.find((id) => nw.core(id).role === 'leader') ?? NONE;
  }
  assert.notEqual(l, NONE, 'no leader elected');
  const ln = nw.node(l);
  nw.tick(l);
  nw.deliverAll(); // a heartbeat round confirmed: the lease starts
  const leader = nw.core(l);
  assert.ok(leader.leaseValid());
  const before = ln.readStates.length;
  leader.readIndex(1);
  nw.flush(l);
  assert.equal(ln.readStates.length, before + 1, 'a lease read needs no round trip');
  assert.equal(nw.take((m) => m.type === 'heartbeat').length, 0, 'a lease read sent a heartbeat round');
  nw.isolate(l);
  nw.tick(l, 6);
  nw.deliverAll();
  assert.equal(leader.leaseValid(), false, 'the lease outlived leaseTicks without confirmation');
  leader.readIndex(2);
  nw.tick(l, 2);
  nw.deliverAll();
  assert.equal(ln.readStates.length, before + 1, 'served a read with an expired lease');
});

test('§6.4.1 lease: the lease must be shorter than the election timeout minus the clock drift', () => {
  assert.throws(() => new TestNetwork([1, 2, 3], { readMode: 'lease', electionTicks: 10, leaseTicks: 9, clockDriftTicks: 1 }), /leaseTicks/);
  assert.throws(() => new TestNetwork([1, 2, 3], { readMode: 'lease', checkQuorum: false }), /checkQuorum/);
});

// ───────────── thesis §9.6 pre-vote, §4.2.3 and §6.2 check-quorum ─────────────

test('§9.6 pre-vote: a node cut off for a long time does not raise its term', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  nw.isolate(3);
  const term = nw.core(3).term;
  for (let i = 0; i < 10; i++) {
    nw.tick(3, 2 * E);
    nw.deliverAll();
  }
  assert.equal(nw.core(3).term, term);
  nw.heal();
  nw.tick(1);
  nw.deliverAll();
  assert.equal(nw.core(1).role, 'leader', 'the rejoining node deposed the leader');
});

test('§4.2.3: a node that heard from its leader within the election timeout ignores vote requests', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  const f = nw.core(2);
  const term = f.term;
  f.step({ type: 'vote', from: 3, to: 2, term: term + 1, lastIndex: 100, lastTerm: term, pre: false, transfer: false, catchingUp: false });
  assert.equal(f.term, term, 'the vote request raised the term despite a live leader');
  assert.equal(nw.take((m) => m.from === 2).length, 0);
  // A leadership transfer campaign gets through.
  f.step({ type: 'vote', from: 3, to: 2, term: term + 1, lastIndex: 100, lastTerm: term, pre: false, transfer: true, catchingUp: false });
  assert.equal(f.term, term + 1);
});

test('§6.2 check-quorum: a leader that has not heard from a majority for an election timeout steps down', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  nw.isolate(1);
  nw.tick(1, 2 * E);
  nw.deliverAll();
  assert.equal(nw.core(1).role, 'follower');
  assert.equal(nw.core(1).leader, NONE);
});

// ───────────── thesis §3.10 leadership transfer ─────────────

test('§3.10: leadership transfer brings the target up to date, then it takes over at once', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  nw.isolate(3);
  nw.propose(1, 'behind');
  nw.deliverAll();
  nw.heal();
  assert.ok(nw.core(1).transferLeadership(3).ok);
  assert.equal(nw.core(1).propose(Buffer.from('during')).ok, false, 'proposals are refused while transferring');
  nw.deliverAll();
  assert.equal(nw.core(3).role, 'leader');
  assert.ok(nw.core(3).log.lastIndex >= 3);
  assert.equal(nw.core(1).role, 'follower');
});

test('§3.10: a transfer that cannot finish is abandoned after an election timeout', () => {
  const nw = net(3);
  nw.elect(1);
  nw.deliverAll();
  nw.isolate(3);
  nw.core(1).transferLeadership(3);
  nw.tick(1, E);
  nw.deliverAll();
  assert.equal(nw.core(1).role, 'leader');
  assert.ok(nw.core(1).propose(Buffer.from('again')).ok, 'proposals accepted again');
});

// ───────────── §7 snapshots ─────────────

test('§7: a follower whose next entry was compacted away gets the snapshot in chunks and installs it', () => {
  const nw = net(3, { snapshotChunkBytes: 10 });
  nw.elect(1);
  nw.deliverAll();
  nw.isolate(3);
  for (let i = 0; i < 20; i++) nw.propose(1, `s${i}`);
  nw.deliverAll();
  const leader = nw.core(1);
  const applied = leader.log.applied;
  const data = Buffer.from('snapshot-bytes-spanning-several-chunks');
  leader.compact({ meta: { index: applied, term: leader.log.term(applied)! }, data }, applied);
  nw.heal();
  let chunks = 0;
  for (let i = 0; i < 5; i++) {
    nw.tick(1);
    nw.deliverAll((m) => {
      if (m.type === 'snapshot') chunks++;
      return false;
    });
  }
  assert.ok(chunks >= 4, `${chunks} chunks for ${data.length} bytes in 10-byte chunks`);
  const installed = nw.node(3).readys.find((r) => r.snapshot !== null);
  assert.ok(installed, 'no snapshot installed');
  assert.deepEqual(Buffer.from(installed.snapshot!.data), data);
  assert.equal(nw.core(3).log.committed, nw.core(1).log.committed);
});

test('§7: a lost snapshot chunk is sent again', () => {
  const nw3 = net(3, { snapshotChunkBytes: 4 });
  nw3.elect(1);
  nw3.deliverAll();
  nw3.isolate(3);
  nw3.propose(1, 'a');
  nw3.deliverAll();
  const l = nw3.core(1);
  l.compact({ meta: { index: l.log.applied, term: l.log.term(l.log.applied)! }, data: Buffer.from('0123456789abcdef') }, l.log.applied);
  nw3.heal();
  let dropped = false;
  for (let i = 0; i < 5; i++) {
    nw3.tick(1);
    nw3.deliverAll((m) => {
      if (m.type === 'snapshot' && m.offset === 8 && !dropped) {
        dropped = true;
        return true;
      }
      return false;
    });
  }
  assert.ok(dropped);
  nw3.tick(1, E + 1);
  nw3.deliverAll();
  assert.ok(nw3.node(3).readys.some((r) => r.snapshot !== null), 'the transfer did not resume after a lost chunk');
});

test('§7: a snapshot whose last entry the follower already has does not discard its log', () => {
  const nw = net(3);
  nw.elect(1);
  nw.propose(1, 'x');
  nw.deliverAll();
  const f = nw.core(2);
  const before = f.log.lastIndex;
  f.step({ type: 'snapshot', from: 1, to: 2, term: f.term, index: 1, snapTerm: f.log.term(1)!, offset: 0, total: 3, data: Buffer.from('abc') });
  nw.flush(2);
  assert.equal(f.log.lastIndex, before);
  assert.ok(!nw.node(2).readys.some((r) => r.snapshot !== null));
});
