/**
 * RaftCore: the Raft consensus algorithm as a deterministic state machine.
 *
 * Nothing in here reads a clock, sets a timer, touches a socket or a disk, or draws a
 * random number of its own: time is `tick()`, input is `step(message)` and the calls
 * below, randomness comes from `config.random`. The same inputs give the same outputs,
 * which is what lets the simulator (raft/sim) replay any schedule exactly.
 *
 * ## Inputs
 *   tick()                     one unit of logical time (the driver calls it every tick interval)
 *   step(message)              a message from a peer
 *   propose(data)              leader: append a command; returns its index and term at once
 *   readIndex(ctx)             leader: ask for a linearizable read, answered by a ReadState
 *   transferLeadership(to)     leader: make `to` the leader (TimeoutNow once it is up to date)
 *   compact(snapshot, through) the driver saved a state-machine snapshot; forget old entries
 *
 * ## Outputs: ready() / advance(ready)
 * `ready()` hands over everything new since the last call (see types.ts, Ready). The
 * driver's contract, for each Ready in the order they were taken:
 *
 *   1. Persist: if `snapshot`, save it durably, reset the stored log to start after it and
 *      restore the state machine from it; write `hardState` and append `entries`
 *      (dropping any stored suffix they replace) — all durably.
 *   2. Send `messages` at once (they never depend on step 1), and `messagesAfterPersist`
 *      only once step 1 is durable (vote grants, append acknowledgements, the candidate's
 *      own vote requests).
 *   3. Apply `committedEntries` in order (they are always durable already); serve every
 *      read in `readStates` once the applied index reaches its index; fail `droppedReads`.
 *   4. Call `advance(ready)` once step 1 is durable. Readys may be persisted concurrently
 *      (a later one taken before an earlier one is durable), but advance must be called in
 *      the order they were taken.
 *
 * A leader sends appends to its followers before its own write of the same entries is
 * durable (Raft thesis §10.2.1) and counts itself towards the commit index only at
 * `advance`, when they are.
 *
 * ## Messages (messages.ts)
 *   vote / voteResp, append / appendResp, heartbeat / heartbeatResp, snapshot /
 *   snapshotResp, timeoutNow. Every message carries the sender's term (§5.1).
 *
 * ## Invariants this code keeps (Raft paper Figure 3)
 *   Election safety     at most one leader per term: a vote is given once per term and
 *                       persisted before it is sent; a leader needs a majority. A replica
 *                       catching up (new, or wiped: it may have forgotten a vote) and one
 *                       that has caught up vote only within their kind (see abstains()).
 *   Leader append-only  a leader never overwrites or deletes entries in its log.
 *   Log matching        an append is accepted only after (prevIndex, prevTerm) matches, so
 *                       two logs with an entry of the same index and term agree up to it.
 *   Leader completeness a vote goes only to a candidate whose log is at least as up to date
 *                       (§5.4.1); a leader commits by counting replicas only entries of its
 *                       own term (§5.4.2), after appending a no-op when elected.
 *   State machine safety entries are applied only once committed and locally durable, in order.
 *   Reads               served only at an index the leader confirmed with a majority after
 *                       the read arrived (read index), or while its lease holds; never
 *                       before it has committed an entry of its own term.
 *
 * One step function per role (stepLeader / stepCandidate / stepFollower) is chosen by the
 * role; checks common to every role (terms, votes) come first, in `step`.
 */
import { type RaftConfig, type RaftConfigInput, makeConfig } from './config';
import { LogView, type LogReader } from './log-view';
import type { AppendRequest, AppendResponse, Heartbeat, HeartbeatResponse, Message, SnapshotChunk, SnapshotResponse, VoteRequest, VoteResponse } from './messages';
import { entryBytes } from './messages';
import { Progress } from './progress';
import { isMajority, majorityValue, voteResult } from './quorum';
import { ReadOnlyQueue } from './read-only';
import { type HardState, NONE, type NodeId, type ReadState, type Ready, type Role, type Snapshot, type SoftState } from './types';

/** What a node has durably when it starts (empty for a new node). */
export interface InitialState {
  hardState: HardState;
  /** The newest durable snapshot; the log continues after it. */
  snapshot: Snapshot | null;
  /** The durable log (entries after the snapshot are used; earlier ones are ignored). */
  log: LogReader;
}

export type ProposeResult = { ok: true; index: number; term: number } | { ok: false; leader: NodeId; reason: 'not_leader' | 'transferring' };

export type RequestResult = { ok: true } | { ok: false; leader: NodeId; reason: string };

export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  vote: NodeId;
  leader: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  /** Last index known durable. */
  stableIndex: number;
  snapshotIndex: number;
  /** Leader only: each follower's match index. */
  match: Record<number, number>;
}

/** A snapshot arriving in chunks from the leader. Kept in memory only: a crash restarts the transfer. */
interface IncomingSnapshot {
  index: number;
  term: number;
  total: number;
  chunks: Uint8Array[];
  received: number;
}

type CampaignKind = 'pre' | 'real' | 'transfer';

export class RaftCore {
  readonly config: RaftConfig;
  readonly id: NodeId;
  private readonly voters: NodeId[];
  private readonly others: NodeId[];

  term: number;
  vote: NodeId;
  /** Persisted with term and vote: see HardState.catchingUp and abstains(). */
  catchingUp: boolean;
  /** Catching up: once the log is durable through this index, it has caught up (0: no such index known yet). */
  private caughtUpAt = 0;
  role: Role = 'follower';
  leader: NodeId = NONE;
  readonly log: LogView;

  /** Logical time: ticks since start. */
  private now = 0;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  // Candidate state.
  private votes = new Map<NodeId, boolean>();
  // Leader state.
  private readonly progress = new Map<NodeId, Progress>();
  private leadTransferee: NodeId = NONE;
  private readonly readOnly = new ReadOnlyQueue();
  /** Tick at which the newest heartbeat round a majority echoed was sent. */
  private leaseStart = -Infinity;
  /**
   * Set once this leader sent TimeoutNow: the target's campaign overrides the followers'
   * promise not to vote (§4.2.3), on which the lease rests, so no lease for the rest of the term.
   */
  private leaseForfeited = false;
  /** Something changed that may let the leader send appends: flushed at ready(). */
  private replicationDirty = false;
  // Follower state.
  private incoming: IncomingSnapshot | null = null;

  // Output not yet taken by ready().
  private msgs: Message[] = [];
  private msgsAfterPersist: Message[] = [];
  private readStates: ReadState[] = [];
  private droppedReads: number[] = [];
  private lastHardState: HardState;
  private lastSoftState: SoftState;

  constructor(configInput: RaftConfigInput, initial: InitialState) {
    this.config = makeConfig(configInput);
    this.id = this.config.id;
    this.voters = [...this.config.peers].sort((a, b) => a - b);
    this.others = this.voters.filter((p) => p !== this.id);
    this.log = new LogView(initial.log, initial.snapshot);
    this.term = initial.hardState.term;
    this.vote = initial.hardState.vote;
    this.catchingUp = initial.hardState.catchingUp === true;
    this.lastHardState = this.hardState();
    this.lastSoftState = { role: this.role, leader: this.leader, term: this.term };
    this.resetRandomizedElectionTimeout();
  }

  // ───────────────────────────── inputs ─────────────────────────────

  tick(): void {
    this.now++;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  step(m: Message): void {
    if (m.to !== this.id || !this.voters.includes(m.from) || m.from === this.id) return;
    if (m.term > this.term) {
      if (m.type === 'vote' && !m.transfer && this.inLease()) {
        // §4.2.3: we heard from a leader recently; a server that was cut off must not depose it.
        return;
      }
      if (m.type === 'vote' && m.pre) {
        // A pre-vote changes no state.
      } else if (m.type === 'voteResp' && m.pre && m.granted) {
        // A granted pre-vote carries the term we would campaign in, not a newer leader's.
      } else {
        const leader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot' ? m.from : NONE;
        this.becomeFollower(m.term, leader);
      }
    } else if (m.term < this.term) {
      if ((this.config.checkQuorum || this.config.preVote) && (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot')) {
        // A leader of an older term (cut off, now back) learns of our term and steps down.
        // Without this, pre-vote could leave it leading forever: nobody raises its term.
        this.send({ type: 'appendResp', from: this.id, to: m.from, term: this.term, success: false, index: 0, hintIndex: 0, hintTerm: 0 });
      } else if (m.type === 'vote' && m.pre) {
        this.send({ type: 'voteResp', from: this.id, to: m.from, term: this.term, pre: true, granted: false });
      }
      return;
    }
    if (m.type === 'vote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        break;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
    }
  }

  propose(data: Uint8Array): ProposeResult {
    if (data.length === 0) throw new RangeError('a proposal must carry at least one byte (an empty entry is the leader no-op)');
    if (this.role !== 'leader') return { ok: false, leader: this.leader, reason: 'not_leader' };
    if (this.leadTransferee !== NONE) return { ok: false, leader: this.leadTransferee, reason: 'transferring' };
    const index = this.log.lastIndex + 1;
    this.log.appendOwn([{ index, term: this.term, data }]);
    this.replicationDirty = true;
    return { ok: true, index, term: this.term };
  }

  /**
   * Asks for a linearizable read tagged `ctx` (a number the driver chooses). On a leader
   * the answer comes as a ReadState (or a dropped read) in a later Ready; elsewhere it is
   * refused at once, naming the leader this node knows.
   */
  readIndex(ctx: number): RequestResult {
    if (this.role !== 'leader') return { ok: false, leader: this.leader, reason: 'not the leader' };
    if (!this.committedInTerm()) this.readOnly.waitForCommit(ctx);
    else this.handleRead(ctx);
    return { ok: true };
  }

  transferLeadership(to: NodeId): RequestResult {
    if (this.role !== 'leader') return { ok: false, leader: this.leader, reason: 'not the leader' };
    if (!this.voters.includes(to)) return { ok: false, leader: this.id, reason: `${to} is not a member of the group` };
    if (to === this.id) return { ok: true };
    this.leadTransferee = to;
    // The transfer is abandoned if it has not happened within an election timeout.
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex) {
      this.sendTimeoutNow(to);
    } else {
      // Bring the target up to date now; appends already in flight to it may have been lost.
      if (pr.state === 'replicate') pr.becomeProbe();
      this.replicationDirty = true;
    }
    return { ok: true };
  }

  /** Starts an election now (tests, and a node told to take over). */
  campaign(): void {
    if (this.role === 'leader') return;
    this.startElection(this.config.preVote ? 'pre' : 'real');
  }

  /** The driver saved `snapshot` of the state machine (at an applied index): keep it, forget entries through `compactThrough`. */
  compact(snapshot: Snapshot, compactThrough = snapshot.meta.index): void {
    this.log.compact(snapshot, compactThrough);
  }

  // ───────────────────────────── outputs ─────────────────────────────

  hasReady(): boolean {
    if (this.role === 'leader' && this.replicationDirty) this.flushReplication();
    if (this.role === 'leader' && this.readOnly.needsRound) this.broadcastHeartbeat();
    return (
      this.msgs.length > 0 ||
      this.msgsAfterPersist.length > 0 ||
      this.log.hasUnhandedEntries() ||
      this.log.pendingSnapshot !== null ||
      this.log.hasCommittedToApply() ||
      this.readStates.length > 0 ||
      this.droppedReads.length > 0 ||
      this.hardStateChanged() ||
      this.softChanged()
    );
  }

  ready(): Ready {
    if (this.role === 'leader' && this.replicationDirty) this.flushReplication();
    if (this.role === 'leader' && this.readOnly.needsRound) this.broadcastHeartbeat();
    let hardState: HardState | null = null;
    if (this.hardStateChanged()) {
      hardState = this.hardState();
      this.lastHardState = hardState;
    }
    let softState: SoftState | null = null;
    if (this.softChanged()) {
      softState = { role: this.role, leader: this.leader, term: this.term };
      this.lastSoftState = softState;
    }
    const snapshot = this.log.takePendingSnapshot();
    const rd: Ready = {
      softState,
      hardState,
      snapshot,
      entries: this.log.takeUnstable(),
      messages: this.msgs,
      messagesAfterPersist: this.msgsAfterPersist,
      committedEntries: this.log.takeCommitted(this.config.maxApplyBytes),
      readStates: this.readStates,
      droppedReads: this.droppedReads,
      commit: this.log.committed,
    };
    this.msgs = [];
    this.msgsAfterPersist = [];
    this.readStates = [];
    this.droppedReads = [];
    return rd;
  }

  /** The driver has made `rd` durable (and sent and applied what it holds). */
  advance(rd: Ready): void {
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) this.log.stableTo(last.index, last.term);
    if (this.caughtUpAt > 0 && this.log.stableIndex >= this.caughtUpAt) {
      // Everything the leader had committed is durable here: votes count again (persisted in the next Ready).
      this.catchingUp = false;
      this.caughtUpAt = 0;
    }
    if (this.role === 'leader') {
      // §10.2.1: the leader counts itself only for entries that are durable here.
      const self = this.progress.get(this.id)!;
      if (self.acknowledge(this.log.stableIndex)) this.maybeCommit();
    }
  }

  status(): RaftStatus {
    const match: Record<number, number> = {};
    if (this.role === 'leader') for (const [id, pr] of this.progress) match[id] = pr.match;
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex,
      lastIndex: this.log.lastIndex,
      stableIndex: this.log.stableIndex,
      snapshotIndex: this.log.snapshot?.meta.index ?? 0,
      match,
    };
  }

  /** Logical time since start, in ticks. */
  get ticks(): number {
    return this.now;
  }

  /** Whether this node has not caught up since its storage began (see abstains()). */
  isCatchingUp(): boolean {
    return this.catchingUp || this.log.lastIndex === 0;
  }

  /** Leader: whether its lease currently holds (lease mode). */
  leaseValid(): boolean {
    return this.role === 'leader' && !this.leaseForfeited && this.now - this.leaseStart < this.config.leaseTicks;
  }

  // ───────────────────────────── roles ─────────────────────────────

  private becomeFollower(term: number, leader: NodeId): void {
    const wasLeader = this.role === 'leader';
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
      this.incoming = null;
    }
    this.role = 'follower';
    this.leader = leader;
    this.electionElapsed = 0;
    this.resetRandomizedElectionTimeout();
    if (wasLeader) this.stopLeading();
  }

  private stopLeading(): void {
    for (const ctx of this.readOnly.drain()) this.droppedReads.push(ctx);
    this.progress.clear();
    this.leadTransferee = NONE;
    this.leaseStart = -Infinity;
    this.replicationDirty = false;
  }

  private startElection(kind: CampaignKind): void {
    if (kind === 'pre') {
      this.role = 'preCandidate';
      this.leader = NONE;
    } else {
      // §5.2: a new term, and a vote for ourselves (durable before any vote request goes out).
      this.term++;
      this.vote = this.id;
      this.role = 'candidate';
      this.leader = NONE;
      this.incoming = null;
    }
    this.electionElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.votes = new Map([[this.id, true]]);
    if (voteResult(this.voters, this.votes) === 'won') {
      // A group of one.
      if (kind === 'pre') this.startElection('real');
      else this.becomeLeader();
      return;
    }
    const pre = kind === 'pre';
    for (const to of this.others) {
      const m: VoteRequest = {
        type: 'vote',
        from: this.id,
        to,
        term: pre ? this.term + 1 : this.term,
        lastIndex: this.log.lastIndex,
        lastTerm: this.log.lastTerm,
        pre,
        transfer: kind === 'transfer',
        catchingUp: this.isCatchingUp(),
      };
      if (pre) this.send(m);
      else this.sendAfterPersist(m);
    }
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.id;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.leaseStart = -Infinity;
    this.leaseForfeited = false;
    this.progress.clear();
    const next = this.log.lastIndex + 1;
    for (const id of this.voters) {
      this.progress.set(id, new Progress(next, this.config.maxInflightMessages, this.config.maxInflightBytes));
    }
    const self = this.progress.get(this.id)!;
    self.match = this.log.stableIndex;
    self.recentActive = true;
    // §5.4.2 / §8: a no-op of the new term, so that earlier entries commit with it.
    this.log.appendOwn([{ index: next, term: this.term, data: new Uint8Array(0) }]);
    this.replicationDirty = true;
  }

  // ───────────────────────────── time ─────────────────────────────

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.startElection(this.config.preVote ? 'pre' : 'real');
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) {
        if (!isMajority(this.voters, (id) => this.progress.get(id)!.recentActive)) {
          // §6.2: cut off from a majority; another leader may exist already.
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const [id, pr] of this.progress) pr.recentActive = id === this.id;
      }
      this.leadTransferee = NONE;
    }
    for (const [id, pr] of this.progress) {
      if (pr.state === 'snapshot' && pr.transfer !== null && ++pr.transfer.idleTicks >= this.config.electionTicks) this.sendSnapshotChunk(id, pr);
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  private resetRandomizedElectionTimeout(): void {
    const e = this.config.electionTicks;
    this.randomizedElectionTimeout = e + Math.floor(this.config.random() * e);
  }

  /** §4.2.3: a node that heard from a leader within the election timeout keeps following it. */
  private inLease(): boolean {
    if (!this.config.checkQuorum) return false;
    if (this.leader !== NONE && this.electionElapsed < this.config.electionTicks) return true;
    // With leases, a node that just (re)started may have promised a leader its silence before
    // it crashed; it keeps that promise for an election timeout after starting.
    return this.config.readMode === 'lease' && this.now < this.config.electionTicks;
  }

  // ───────────────────────────── votes ─────────────────────────────

  private handleVoteRequest(m: VoteRequest): void {
    // m.term ≥ this.term here; for a real vote they are equal (we adopted m.term in step).
    const canVote = this.vote === m.from || (this.vote === NONE && this.leader === NONE) || (m.pre && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm) && !this.abstains(m)) {
      const grant: VoteResponse = { type: 'voteResp', from: this.id, to: m.from, term: m.term, pre: m.pre, granted: true };
      if (m.pre) {
        this.send(grant);
      } else {
        this.vote = m.from;
        this.electionElapsed = 0;
        // The vote must be durable before the candidate may count it.
        this.sendAfterPersist(grant);
      }
    } else {
      this.send({ type: 'voteResp', from: this.id, to: m.from, term: this.term, pre: m.pre, granted: false });
    }
  }

  /**
   * Whether to refuse a vote (or pre-vote) that the rules of §5.2 and §5.4.1 would grant:
   * replicas that are catching up and replicas that have caught up vote only within their
   * own kind.
   *
   * A replica whose storage was wiped restarts with term 0 and no vote, having forgotten the
   * votes it gave and the entries it acknowledged: it must not count towards the quorum of
   * a replica that has caught up until a leader has brought it up to date, since with its
   * vote a candidate lacking entries committed with its help could win, or a second leader
   * in a term it voted in. It cannot tell a wipe from a first start, so every new replica
   * starts catching up (storage without hard state says so). A replica has caught up once
   * it holds, durably, everything a leader had committed (see noteAppend), or once it
   * committed an entry as leader; an empty log always counts as catching up.
   *
   * A group starts with every replica catching up, and they elect among themselves; its
   * first commit makes the leader, then its followers, caught up. After that a wiped replica
   * catching up can help elect only a candidate catching up too, which needs a majority of
   * such replicas: never there while a majority has caught up. And a caught-up replica does
   * not vote for one catching up, which may lack entries it acknowledged before the wipe.
   *
   * Left open: a replica wiped while a majority has not caught up, such as one wiped after
   * voting in a group's very first term (an operator error at bootstrap; see the README).
   */
  private abstains(m: VoteRequest): boolean {
    return m.catchingUp !== this.isCatchingUp();
  }

  /**
   * After an append or a snapshot from leader `from`. A replica whose log was empty counts
   * as having voted for this leader in its term: a vote it gave in this term before losing
   * its storage is forgotten, and must not go to another candidate. A replica catching up
   * has caught up once an append it accepted leaves it holding the leader's commit index,
   * that index is of the leader's term (so every entry committed in earlier terms is below
   * it), and those entries are durable (advance clears the mark, never before).
   */
  private noteAppend(m: AppendRequest | SnapshotChunk, wasEmpty: boolean, acceptedThrough: number | null): void {
    if (wasEmpty && this.log.lastIndex !== 0 && this.vote === NONE) this.vote = m.from;
    if (!this.catchingUp || m.type !== 'append' || acceptedThrough === null || acceptedThrough < m.commit || m.commit === 0) return;
    if (this.log.term(m.commit) === m.term) this.caughtUpAt = Math.max(this.caughtUpAt, m.commit);
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // A leader of our term exists (m.term === this.term here).
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'voteResp': {
        const pre = this.role === 'preCandidate';
        if (m.pre !== pre) return;
        // Granted pre-votes carry the term we would campaign in.
        if (pre && m.granted && m.term !== this.term + 1) return;
        if (!(pre && m.granted) && m.term !== this.term) return;
        this.votes.set(m.from, m.granted);
        const result = voteResult(this.voters, this.votes);
        if (result === 'won') {
          if (pre) this.startElection('real');
          else this.becomeLeader();
        } else if (result === 'lost') {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  }

  // ───────────────────────────── follower ─────────────────────────────

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
      case 'snapshot': {
        this.electionElapsed = 0;
        this.leader = m.from;
        const wasEmpty = this.log.lastIndex === 0;
        let accepted: number | null = null;
        if (m.type === 'append') accepted = this.handleAppend(m);
        else this.handleSnapshotChunk(m);
        if (wasEmpty || this.catchingUp) this.noteAppend(m, wasEmpty, accepted);
        return;
      }
      case 'heartbeat':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleHeartbeat(m);
        return;
      case 'timeoutNow':
        // Leadership transfer: campaign at once, skipping pre-vote; peers' lease checks let it through.
        this.startElection('transfer');
        return;
      default:
        return;
    }
  }

  /** §5.3: returns the last index through which our log now matches the leader's, or null if the append was rejected. */
  private handleAppend(m: AppendRequest): number | null {
    if (m.prevIndex < this.log.committed) {
      // Everything through our commit index matches the leader: say where to continue.
      this.sendAfterPersist(this.appendResp(m.from, true, this.log.committed));
      return null;
    }
    const last = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.entries, m.commit);
    if (last !== null) {
      // Acknowledged only once the entries are durable here.
      this.sendAfterPersist(this.appendResp(m.from, true, last));
      return last;
    }
    // §5.3 with the fast backtracking of etcd raft: the latest entry at or before the
    // rejected index whose term is ≤ the leader's prevTerm; entries after it cannot match.
    const [hintIndex, hintTerm] = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex), m.prevTerm);
    this.send({ type: 'appendResp', from: this.id, to: m.from, term: this.term, success: false, index: m.prevIndex, hintIndex, hintTerm });
    return null;
  }

  private appendResp(to: NodeId, success: boolean, index: number): AppendResponse {
    return { type: 'appendResp', from: this.id, to, term: this.term, success, index, hintIndex: 0, hintTerm: 0 };
  }

  private handleHeartbeat(m: Heartbeat): void {
    // The leader never sends a commit index above what we acknowledged, which matches its log.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex));
    const resp: HeartbeatResponse = { type: 'heartbeatResp', from: this.id, to: m.from, term: this.term, round: m.round };
    this.send(resp);
  }

  private handleSnapshotChunk(m: SnapshotChunk): void {
    const cur = this.incoming;
    const same = cur !== null && cur.index === m.index && cur.term === m.snapTerm && cur.total === m.total;
    if (m.offset === 0) {
      this.incoming = { index: m.index, term: m.snapTerm, total: m.total, chunks: [], received: 0 };
    } else if (!same || cur.received !== m.offset) {
      // Not the chunk we expect (lost, duplicated, or from another snapshot): say where we are.
      this.send(this.snapshotResp(m.from, m.index, same ? cur.received : 0, false));
      return;
    }
    const inc = this.incoming!;
    inc.chunks.push(m.data);
    inc.received += m.data.length;
    if (inc.received < inc.total) {
      this.send(this.snapshotResp(m.from, m.index, inc.received, false));
      return;
    }
    this.incoming = null;
    const data = inc.chunks.length === 1 ? inc.chunks[0]! : Buffer.concat(inc.chunks);
    if (m.index <= this.log.committed) {
      // Already have everything it covers, committed.
    } else if (this.log.matchTerm(m.index, m.snapTerm)) {
      // Our log contains its last entry, hence (log matching) everything before it: keep the log.
      this.log.commitTo(m.index);
    } else {
      this.log.restore({ meta: { index: m.index, term: m.snapTerm }, data });
    }
    this.sendAfterPersist(this.snapshotResp(m.from, m.index, inc.total, true));
  }

  private snapshotResp(to: NodeId, index: number, offset: number, done: boolean): SnapshotResponse {
    return { type: 'snapshotResp', from: this.id, to, term: this.term, index, offset, done };
  }

  // ───────────────────────────── leader ─────────────────────────────

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case 'appendResp':
        pr.recentActive = true;
        this.handleAppendResponse(m, pr);
        return;
      case 'heartbeatResp':
        pr.recentActive = true;
        if (m.round > pr.ackedRound) pr.ackedRound = m.round;
        // A live follower: let a paused probe go out again, and resend appends that got lost.
        pr.probeSent = false;
        if (pr.stalled(this.now, 2 * this.config.heartbeatTicks + 1)) pr.becomeProbe();
        if (pr.match < this.log.lastIndex) this.replicationDirty = true;
        this.confirmReads();
        return;
      case 'snapshotResp':
        pr.recentActive = true;
        this.handleSnapshotResponse(m, pr);
        return;
      default:
        return;
    }
  }

  private handleAppendResponse(m: AppendResponse, pr: Progress): void {
    if (m.success) {
      if (m.index > this.log.lastIndex) return;
      const grew = pr.acknowledge(m.index);
      // The probe found where the logs match: stream from there.
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.transfer !== null && pr.match >= pr.transfer.snapshot.meta.index) pr.becomeProbe();
      if (grew) {
        this.maybeCommit();
        if (m.from === this.leadTransferee && pr.match === this.log.lastIndex) this.sendTimeoutNow(m.from);
      }
      this.replicationDirty = true;
      return;
    }
    // A rejection. With a hint term, skip every entry of ours after the last one whose term
    // is ≤ the hint term: none of them can match the follower's log.
    const retryAt = m.hintTerm > 0 ? this.log.findConflictByTerm(m.hintIndex, m.hintTerm)[0] : m.hintIndex;
    if (pr.reject(m.index, retryAt)) this.replicationDirty = true;
  }

  private handleSnapshotResponse(m: SnapshotResponse, pr: Progress): void {
    const t = pr.transfer;
    if (m.done) {
      pr.acknowledge(m.index);
      if (pr.state === 'snapshot') pr.becomeProbe();
      this.maybeCommit();
      this.replicationDirty = true;
      return;
    }
    if (pr.state !== 'snapshot' || t === null || t.snapshot.meta.index !== m.index) return;
    t.acked = m.offset;
    this.sendSnapshotChunk(m.from, pr);
  }

  /** §5.3, §5.4.2: commit the highest index stored on a majority, if it is of this term. */
  private maybeCommit(): void {
    const candidate = majorityValue(this.voters, (id) => this.progress.get(id)!.match);
    if (candidate <= this.log.committed) return;
    if (this.log.term(candidate) !== this.term) return;
    const hadCommittedInTerm = this.committedInTerm();
    this.log.commitTo(candidate);
    this.replicationDirty = true;
    // A leader that committed in its term holds everything committed (and it is durable here).
    this.catchingUp = false;
    this.caughtUpAt = 0;
    if (!hadCommittedInTerm) for (const ctx of this.readOnly.takeWaitingForCommit()) this.handleRead(ctx);
  }

  private committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** Sends whatever each follower can take now: entries, a commit update, or a snapshot chunk. */
  private flushReplication(): void {
    this.replicationDirty = false;
    for (const id of this.others) this.sendAppends(id, this.progress.get(id)!);
  }

  private sendAppends(to: NodeId, pr: Progress): void {
    const { maxMessageEntries, maxMessageBytes } = this.config;
    while (pr.canSend) {
      const prevIndex = pr.next - 1;
      const prevTerm = this.log.term(prevIndex);
      if (prevTerm === undefined || pr.next < this.log.firstIndex) {
        this.startSnapshot(to, pr);
        return;
      }
      const last = this.log.lastIndex;
      const entries = pr.next <= last ? this.log.slice(pr.next, Math.min(last, pr.next + maxMessageEntries - 1), maxMessageBytes) : [];
      // In replicate state an empty append only carries a commit index the follower lacks.
      if (entries.length === 0 && pr.state === 'replicate' && pr.sentCommit >= this.log.committed) return;
      let bytes = 0;
      for (const e of entries) bytes += entryBytes(e);
      const m: AppendRequest = { type: 'append', from: this.id, to, term: this.term, prevIndex, prevTerm, entries, commit: this.log.committed };
      this.send(m);
      pr.sentCommit = this.log.committed;
      pr.sentEntries(prevIndex + entries.length, bytes, this.now);
      if (entries.length === 0) return;
    }
  }

  private startSnapshot(to: NodeId, pr: Progress): void {
    const snapshot = this.log.snapshot;
    if (snapshot === null) throw new Error(`internal: entry ${pr.next} for ${to} is compacted but there is no snapshot`);
    pr.becomeSnapshot(snapshot);
    this.sendSnapshotChunk(to, pr);
  }

  private sendSnapshotChunk(to: NodeId, pr: Progress): void {
    const t = pr.transfer!;
    const { data, meta } = t.snapshot;
    const chunk = data.subarray(t.acked, Math.min(data.length, t.acked + this.config.snapshotChunkBytes));
    t.idleTicks = 0;
    this.send({ type: 'snapshot', from: this.id, to, term: this.term, index: meta.index, snapTerm: meta.term, offset: t.acked, total: data.length, data: chunk });
  }

  private sendTimeoutNow(to: NodeId): void {
    this.leaseForfeited = true;
    this.send({ type: 'timeoutNow', from: this.id, to, term: this.term });
  }

  private broadcastHeartbeat(): void {
    const round = this.readOnly.startRound(this.now);
    for (const to of this.others) {
      const pr = this.progress.get(to)!;
      this.send({ type: 'heartbeat', from: this.id, to, term: this.term, commit: Math.min(pr.match, this.log.committed), round });
    }
    // A group of one confirms its own rounds.
    if (this.others.length === 0) this.confirmReads();
  }

  private handleRead(ctx: number): void {
    const index = this.log.committed;
    if (this.others.length === 0 || (this.config.readMode === 'lease' && this.leadTransferee === NONE && this.committedInTerm() && this.leaseValid())) {
      this.readStates.push({ index, ctx });
      return;
    }
    this.readOnly.add(ctx, index);
  }

  private confirmReads(): void {
    const confirmed = majorityValue(this.voters, (id) => (id === this.id ? this.readOnly.round : this.progress.get(id)!.ackedRound));
    const sentAt = this.readOnly.roundSentAt(confirmed);
    // §6.4.1: no other leader can be elected before every follower in that majority has
    // waited an election timeout after receiving the round; the lease ends well before.
    if (sentAt !== undefined && sentAt > this.leaseStart) this.leaseStart = sentAt;
    for (const r of this.readOnly.confirm(confirmed)) this.readStates.push({ index: r.index, ctx: r.ctx });
  }

  // ───────────────────────────── plumbing ─────────────────────────────

  private send(m: Message): void {
    this.msgs.push(m);
  }

  private sendAfterPersist(m: Message): void {
    this.msgsAfterPersist.push(m);
  }

  private hardState(): HardState {
    return this.catchingUp ? { term: this.term, vote: this.vote, catchingUp: true } : { term: this.term, vote: this.vote };
  }

  private hardStateChanged(): boolean {
    const h = this.lastHardState;
    return h.term !== this.term || h.vote !== this.vote || (h.catchingUp === true) !== this.catchingUp;
  }

  private softChanged(): boolean {
    const s = this.lastSoftState;
    return s.role !== this.role || s.leader !== this.leader || s.term !== this.term;
  }
}
