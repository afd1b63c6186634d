/**
 * The Raft paper's guarantees (Figure 3), checked on the simulator after every event:
 *
 *   election safety        at most one leader per term
 *   one vote per term      no node grants its vote to two candidates in one term, across
 *                          crashes (this is what persisting the vote is for) and across
 *                          the loss of its storage (wipes; see voteGranted for the votes a
 *                          wiped node may give as at a group's first start)
 *   log matching           two entries with the same index and term hold the same command
 *                          (every entry any node writes is recorded); and, at checkpoints,
 *                          two logs that agree at an index agree on every entry before it
 *   leader completeness    a new leader's log holds the newest committed entry (hence, by
 *                          log matching, every committed entry), unless its snapshot covers it;
 *                          and, checked after every event, no node lacking the newest committed
 *                          entry could collect a majority of votes (§5.4.1 up-to-date rule against
 *                          every node's durable log): a commit that is not safe is caught when it
 *                          happens, not only if a later schedule happens to exploit it
 *   state machine safety   no two nodes apply different commands at an index, and states
 *                          (fingerprints, snapshots) at one index agree
 *   no acknowledged loss   every acknowledged proposal stays in every later leader's log
 *   no stale read          a read returns a state that includes every write acknowledged
 *                          before the read was issued
 */
import type { Entry, NodeId, Snapshot } from '../types';
import type { SimNode } from './sim-node';
import { dataKey, type Simulation } from './simulation';

interface AppliedRecord {
  term: number;
  key: string;
}

export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly voteOf = new Map<string, NodeId>();
  private readonly campaignCatchingUp = new Map<string, boolean>();
  private readonly wipedNodes = new Set<NodeId>();
  private readonly entryAt = new Map<string, string>();
  private readonly appliedAt = new Map<number, AppliedRecord>();
  private readonly fingerprintAt = new Map<number, number>();
  private maxApplied = 0;
  /** The highest committed entry any node has known. */
  private topCommitted: { index: number; term: number } = { index: 0, term: 0 };
  /** Acknowledged proposals' indexes, in acknowledgement order, with the time and running maximum. */
  private readonly acked: Array<{ time: number; index: number; maxIndex: number }> = [];
  private eventsSinceDeepCheck = 0;
  readonly counts = { leadersSeen: 0, readsChecked: 0, ackedChecked: 0, votesWhileCatchingUpAfterWipe: 0 };

  constructor(private readonly sim: Simulation) {}

  afterEvent(): void {
    for (const n of this.sim) {
      const term = n.leaderTerm;
      if (term === null) continue;
      const seen = this.leaderOfTerm.get(term);
      if (seen === undefined) {
        this.leaderOfTerm.set(term, n.id);
        this.counts.leadersSeen++;
        this.newLeader(n, term);
        this.sim.onNewLeader?.(n.id, term);
      } else if (seen !== n.id) {
        this.sim.fail(`election safety: nodes ${seen} and ${n.id} are both leaders of term ${term}`);
      }
    }
    this.checkCommittedIsSafe();
    if (++this.eventsSinceDeepCheck >= 2000) {
      this.eventsSinceDeepCheck = 0;
      this.checkLogMatching(400);
    }
  }

  private checkCommittedIsSafe(): void {
    let grew = false;
    for (const n of this.sim) {
      if (!n.up) continue;
      const log = n.core!.log;
      if (log.committed > this.topCommitted.index) {
        this.topCommitted = { index: log.committed, term: log.term(log.committed)! };
        grew = true;
      }
    }
    if (this.topCommitted.index === 0) return;
    if (!grew && this.sim.stats.events % 16 !== 0) return;
    const { index, term } = this.topCommitted;
    // Replicas catching up (new or wiped) and caught-up ones vote only within their kind (raft.ts,
    // abstains). A node may be of either kind: what its durable state says (after a crash), or,
    // while it is up, what it says in memory (durable before any vote it sends).
    const kinds = (v: SimNode): Set<boolean> => {
      const k = new Set([v.storage.durableCatchingUp()]);
      if (v.up) k.add(v.core!.isCatchingUp());
      return k;
    };
    const voters = [...this.sim].map((v) => ({ id: v.id, last: v.storage.durableLast(), kinds: kinds(v) }));
    const grants = (c: { index: number; term: number }, ck: Set<boolean>, v: { last: { index: number; term: number }; kinds: Set<boolean> }): boolean =>
      [...ck].some((k) => v.kinds.has(k)) && (c.term > v.last.term || (c.term === v.last.term && c.index >= v.last.index));
    for (const n of this.sim) {
      const candidates: Array<{ index: number; term: number }> = [];
      if (!n.storage.durableHas(index, term)) candidates.push(n.storage.durableLast());
      if (n.up) {
        const log = n.core!.log;
        if (index > log.boundary.index && log.term(index) !== term) candidates.push({ index: log.lastIndex, term: log.lastTerm });
      }
      for (const c of candidates) {
        const granted = voters.filter((v) => grants(c, kinds(n), v)).map((v) => v.id);
        if (granted.length > this.sim.ids.length / 2) {
          this.sim.fail(
            `commit safety: entry ${index} (term ${term}) is committed, yet node ${n.id}, whose log ends at ${c.index}/${c.term} without it, could be elected by ${granted.join(',')} (§5.4)`,
          );
        }
      }
    }
  }

  /** Called for every vote request sent: the candidate's last index, by candidate and term. */
  voteRequested(candidate: NodeId, term: number, catchingUp: boolean): void {
    this.campaignCatchingUp.set(`${candidate}/${term}`, catchingUp);
  }

  /**
   * Called for every vote granted. Wiped nodes are checked too, with one exception: a wiped
   * node cannot tell a wipe from a group's first start, and while it is catching up it may
   * vote for a candidate catching up too (as at a first start); such a vote may repeat one
   * it forgot. It cannot make a second leader while a majority has caught up (the
   * precondition of every wipe), and election safety is checked for every node.
   */
  voteGranted(from: NodeId, term: number, candidate: NodeId, voterCatchingUp: boolean): void {
    if (this.wipedNodes.has(from) && voterCatchingUp && this.campaignCatchingUp.get(`${candidate}/${term}`) === true) {
      this.counts.votesWhileCatchingUpAfterWipe++;
      return;
    }
    const k = `${from}/${term}`;
    const before = this.voteOf.get(k);
    if (before === undefined) this.voteOf.set(k, candidate);
    else if (before !== candidate) this.sim.fail(`node ${from} voted for both ${before} and ${candidate} in term ${term} (a vote that was not durable?)`);
  }

  wiped(id: NodeId): void {
    this.wipedNodes.add(id);
  }

  staged(node: SimNode, entries: Entry[]): void {
    for (const e of entries) {
      const k = `${e.index}/${e.term}`;
      const key = dataKey(e.data);
      const before = this.entryAt.get(k);
      if (before === undefined) this.entryAt.set(k, key);
      else if (before !== key) this.sim.fail(`log matching: node ${node.id} wrote entry ${k} = ${show(key)}, but another node has ${show(before)} there`);
    }
  }

  applied(node: SimNode, e: Entry, _result: unknown): void {
    const key = dataKey(e.data);
    const before = this.appliedAt.get(e.index);
    if (before === undefined) {
      this.appliedAt.set(e.index, { term: e.term, key });
      if (e.index > this.maxApplied) this.maxApplied = e.index;
    } else if (before.term !== e.term || before.key !== key) {
      this.sim.fail(`state machine safety: node ${node.id} applied ${show(key)} (term ${e.term}) at ${e.index}, another node applied ${show(before.key)} (term ${before.term})`);
    }
    if (node.sm.cheapFingerprint) this.fingerprint(node, e.index, node.sm.fingerprint(), 'after applying');
  }

  snapshotTaken(node: SimNode, s: Snapshot): void {
    this.fingerprint(node, s.meta.index, node.sm.fingerprint(), 'in its snapshot');
  }

  snapshotRestored(node: SimNode, s: Snapshot): void {
    this.fingerprint(node, s.meta.index, node.sm.fingerprint(), 'after restoring a snapshot');
    const rec = this.appliedAt.get(s.meta.index);
    if (rec !== undefined && rec.term !== s.meta.term) this.sim.fail(`snapshot at ${s.meta.index} has term ${s.meta.term}, but term ${rec.term} was applied there`);
  }

  restarted(_node: SimNode): void {
    // Checked by the other hooks as the node runs again.
  }

  private fingerprint(node: SimNode, index: number, fp: number, when: string): void {
    const before = this.fingerprintAt.get(index);
    if (before === undefined) this.fingerprintAt.set(index, fp);
    else if (before !== fp) this.sim.fail(`state machine safety: node ${node.id}'s state at index ${index} ${when} differs from another node's`);
  }

  /** A proposal at `index` was acknowledged to its client now. */
  acknowledged(index: number, via: NodeId): void {
    if (!this.appliedAt.has(index)) this.sim.fail(`node ${via} acknowledged a proposal at ${index} that was never applied`);
    const last = this.acked[this.acked.length - 1];
    this.acked.push({ time: this.sim.now, index, maxIndex: Math.max(index, last?.maxIndex ?? 0) });
  }

  /** A read issued at `callTime` was served from a state that applied through `appliedIndex`. */
  readServed(callTime: number, appliedIndex: number, via: NodeId): void {
    this.counts.readsChecked++;
    // The newest write acknowledged strictly before the read was issued.
    let lo = 0;
    let hi = this.acked.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.acked[mid]!.time < callTime) lo = mid + 1;
      else hi = mid;
    }
    const required = lo === 0 ? 0 : this.acked[lo - 1]!.maxIndex;
    if (appliedIndex < required) {
      this.sim.fail(`stale read: node ${via} served a read issued at t=${callTime.toFixed(1)} from state ${appliedIndex}, but a write at ${required} was acknowledged before it was issued`);
    }
  }

  /** Committed data at an index, if any node applied it. */
  dataAt(index: number): string | undefined {
    return this.appliedAt.get(index)?.key;
  }

  private newLeader(n: SimNode, term: number): void {
    const log = n.core!.log;
    // Leader completeness, for the newest committed entry (log matching covers the rest).
    const top = this.maxApplied;
    if (top > log.boundary.index) {
      const rec = this.appliedAt.get(top)!;
      const t = log.term(top);
      if (t !== rec.term) {
        this.sim.fail(`leader completeness: node ${n.id} became leader of term ${term} without committed entry ${top} (term ${rec.term}); its log has ${t === undefined ? 'nothing' : `term ${t}`} there`);
      }
    }
    // No acknowledged proposal lost.
    for (const a of this.acked) {
      if (a.index <= log.boundary.index) continue;
      this.counts.ackedChecked++;
      const rec = this.appliedAt.get(a.index)!;
      if (log.term(a.index) !== rec.term) this.sim.fail(`acknowledged proposal at ${a.index} (term ${rec.term}) is missing from the log of node ${n.id}, new leader of term ${term}`);
    }
  }

  /**
   * Log matching over the last `window` entries of every pair of running nodes: wherever two
   * logs hold the same term at an index, they agree on every earlier entry both still hold.
   */
  checkLogMatching(window = Infinity): void {
    const nodes = [...this.sim].filter((n) => n.up);
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i]!.core!.log;
        const b = nodes[j]!.core!.log;
        const lo = Math.max(a.firstIndex, b.firstIndex);
        let hi = Math.min(a.lastIndex, b.lastIndex);
        while (hi >= lo && a.term(hi) !== b.term(hi)) hi--;
        if (hi < lo) continue;
        const from = Math.max(lo, hi - window);
        const ea = a.slice(from, hi);
        const eb = b.slice(from, hi);
        for (let k = 0; k < ea.length; k++) {
          if (ea[k]!.term !== eb[k]!.term || dataKey(ea[k]!.data) !== dataKey(eb[k]!.data)) {
            this.sim.fail(`log matching: nodes ${nodes[i]!.id} and ${nodes[j]!.id} agree at ${hi} but differ at ${ea[k]!.index}`);
          }
        }
      }
    }
  }

  /** At the end of a run: the full log-matching check. */
  finalCheck(): void {
    this.checkLogMatching();
  }
}

function show(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}
