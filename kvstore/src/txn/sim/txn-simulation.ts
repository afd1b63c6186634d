/**
 * The transaction simulator: 3 shards × 3 replicas (shard-group-model.ts), one Mako core per
 * shard leader, the configuration manager (EpochManagerState), clients running one-shot
 * transactions over a few hot keys, all on virtual time from one seed, so a failing seed
 * replays exactly:
 *
 *   node dist/kvstore/src/txn/sim/run-seeds.js --plan partial-install --seed 17 [--mistake name]
 *
 * Crash plans (the crash points of the spec doc):
 *   partial-install      when a coordinator sends Install to several shards, it crashes after
 *                        some of them went out, or a receiving shard's leader crashes first
 *   unreplicated-suffix  a leader crashes right after proposing writes, before they replicate
 *   while-closing        a first crash, then a second leader crash while an epoch is closing
 *   random               leaders crash at random times
 * Checked as it runs: no acknowledged transaction is rolled back; an acknowledged transaction
 * never read a value already rolled back. At the end (workload stopped, replicas restarted,
 * the system left to settle): every coordinator answered, every epoch finalized, replicas
 * agree, and history-check.ts over the final store (all-or-nothing, no rolled-back value
 * seen, strict serializability of the acknowledged transactions).
 */
import { Rng } from '../../raft/random';
import { EventQueue } from '../../raft/sim/event-queue';
import { EpochManagerState } from '../epoch-manager';
import { MakoShardCore } from '../mako-core';
import { TwoPcShardCore } from '../twopc-core';
import type { FromManager, PeerMessage, ToManager, TxnOutcome } from '../messages';
import { NO_MISTAKES, type MistakeSwitches } from '../mistakes';
import type { TxnShardCore } from '../core-interface';
import type { TxnLogEntry } from '../log-entry';
import type { TxnApplyResult } from '../shard-state-machine';
import type { ShardId, TxnOp } from '../types';
import { checkHistory, uniqueValue, writerOf, type TxnRecord } from './history-check';
import { ShardGroupModel, type Replica } from './shard-group-model';

const TRACE = process.env.TXN_SIM_TRACE === '1';

export const CRASH_PLANS = ['partial-install', 'unreplicated-suffix', 'while-closing', 'random'] as const;
export type CrashPlan = (typeof CRASH_PLANS)[number];

export interface TxnSimOptions {
  seed: number;
  plan: CrashPlan;
  /** 'mako' (default) or the '2pc' baseline (run without crashes: the baseline has no in-doubt recovery). */
  mode?: 'mako' | '2pc';
  mistakes?: MistakeSwitches;
  shards?: number;
  replicas?: number;
  keys?: number;
  clients?: number;
  /** Virtual ms of workload (then it stops and the system settles). */
  workloadMs?: number;
  settleMs?: number;
  maxCrashes?: number;
}

export interface TxnSimResult {
  transactions: number;
  acknowledged: number;
  aborted: number;
  unknown: number;
  crashes: number;
  epochs: number;
  events: number;
  abortReasons: Record<string, number>;
}

export class TxnSimFailure extends Error {
  override name = 'TxnSimFailure';
}

interface ClientReq {
  record: TxnRecord;
  client: number;
  core: TxnShardCore;
}

export function runTxnSimulation(opts: TxnSimOptions): TxnSimResult {
  return new TxnSimulation(opts).run();
}

class TxnSimulation {
  private readonly rng: Rng;
  private readonly events = new EventQueue();
  private now = 0;
  private readonly nShards: number;
  private readonly groups: ShardGroupModel[] = [];
  private readonly cores: Array<(TxnShardCore & { readonly inFlight: number }) | null> = [];
  private readonly manager: EpochManagerState;
  private readonly mistakes: MistakeSwitches;
  private readonly records: TxnRecord[] = [];
  private readonly pending = new Map<number, ClientReq>();
  private nextTxn = 1;
  private nextRequest = 1;
  private readonly txnOfCoreId = new Map<string, number>();
  private readonly rolledBack = new Set<number>();
  private crashes = 0;
  private lastCrashAt = -1_000;
  private workloadOn = true;
  private crashesOn = true;
  private armed = false;
  private eventsRun = 0;
  private stats = { aborted: 0, unknown: 0 };
  readonly abortReasons = new Map<string, number>();
  private readonly keys: string[];
  private leaderSerial = 0;

  constructor(private readonly opts: TxnSimOptions) {
    this.rng = Rng.seeded(opts.seed);
    this.nShards = opts.shards ?? 3;
    this.mistakes = opts.mistakes ?? NO_MISTAKES;
    this.manager = new EpochManagerState(this.nShards);
    this.keys = Array.from({ length: opts.keys ?? 9 }, (_, i) => `k${i}`);
    for (let s = 0; s < this.nShards; s++) {
      this.groups.push(new ShardGroupModel(s, this.nShards, opts.replicas ?? 3, (r, e, res) => this.onApply(s, r, e, res)));
      this.cores.push(null);
    }
  }

  private fail(message: string): never {
    const m = Object.entries(this.mistakes).filter(([, on]) => on).map(([k]) => ` --mistake ${k}`).join('');
    throw new TxnSimFailure(`${message}\n  at ${this.now} ms; replay: node dist/kvstore/src/txn/sim/run-seeds.js --plan ${this.opts.plan} --seed ${this.opts.seed}${m}`);
  }

  private shardOf = (key: string): ShardId => Number(key.slice(1)) % this.nShards;

  private at(delay: number, run: () => void): void {
    this.events.push(this.now + delay, run);
  }

  run(): TxnSimResult {
    for (let s = 0; s < this.nShards; s++) this.electAndStart(s);
    for (let s = 0; s < this.nShards; s++) this.scheduleTick(s);
    const clients = this.opts.clients ?? 6;
    for (let c = 0; c < clients; c++) this.at(this.rng.range(1, 5), () => this.clientNext(c));
    const workloadMs = this.opts.workloadMs ?? 1500;
    this.at(100, () => (this.armed = true));
    if (this.opts.plan === 'random') this.scheduleRandomCrash();
    this.at(workloadMs, () => {
      this.workloadOn = false;
      this.crashesOn = false;
      this.armed = false;
    });
    const end = workloadMs + (this.opts.settleMs ?? 2500);
    // Restart crashed replicas once the workload stops, so every shard settles with all of them.
    this.at(workloadMs + 50, () => {
      for (const g of this.groups) for (const r of g.replicas) if (!r.alive) this.restart(g.shard, r.id);
    });
    for (let item = this.events.pop(); item !== undefined && item.time <= end; item = this.events.pop()) {
      this.now = item.time;
      this.eventsRun++;
      item.run();
    }
    this.finalChecks();
    const acknowledged = this.records.filter((r) => r.ackedAt !== null).length;
    return { transactions: this.records.length, acknowledged, aborted: this.stats.aborted, unknown: this.stats.unknown, crashes: this.crashes, epochs: this.manager.epoch + 1, events: this.eventsRun, abortReasons: Object.fromEntries(this.abortReasons) };
  }

  // ---- shards, leaders, crashes ----

  private scheduleTick(s: ShardId): void {
    this.at(1, () => {
      const core = this.cores[s];
      if (core !== null && core !== undefined) {
        core.tick();
        this.drain(s);
      }
      this.replicate(s);
      this.scheduleTick(s);
    });
  }

  private replicate(s: ShardId): void {
    const g = this.groups[s]!;
    const l = g.leaderReplica;
    if (l === null) return;
    const length = l.log.length;
    const term = g.term;
    for (const r of g.replicas) {
      if (r === l || !r.alive || r.log.length >= length) continue;
      this.at(this.rng.range(2, 8), () => g.catchUp(r.id, length, term));
    }
  }

  private electAndStart(s: ShardId): void {
    const g = this.groups[s]!;
    if (g.leader !== null) return;
    const id = g.elect();
    if (id === null) {
      this.at(20, () => this.electAndStart(s));
      return;
    }
    const term = g.term;
    const length = g.leaderReplica!.log.length;
    // The core starts once the new leader has applied everything its log held when elected.
    const start = (): void => {
      if (g.term !== term) return;
      const r = g.leaderReplica!;
      if (r.applied < length) {
        this.at(2, start);
        return;
      }
      this.trace(`shard ${s}: replica ${r.id} leads`);
      const cfg = { shard: s, shards: this.nShards, shardOf: this.shardOf, leader: `${s}/${r.id}@${++this.leaderSerial}`, mistakes: this.mistakes, requestTimeoutTicks: 100 };
      const core = this.opts.mode === '2pc' ? new TwoPcShardCore(cfg, r.sm) : new MakoShardCore(cfg, r.sm);
      this.cores[s] = core;
      this.drain(s);
    };
    start();
  }

  private crashLeader(s: ShardId, why: string): void {
    if (!this.crashesOn || this.opts.mode === '2pc') return;
    const g = this.groups[s]!;
    if (g.leader === null || this.crashes >= (this.opts.maxCrashes ?? 3)) return;
    void why;
    this.crashes++;
    this.lastCrashAt = this.now;
    this.trace(`CRASH leader of shard ${s} (${why})`);
    const core = this.cores[s]!;
    this.cores[s] = null;
    const dead = g.leader;
    g.crash(dead);
    // The driver answers the dropped core's pending requests as unknown.
    for (const [id, req] of [...this.pending]) {
      if (req.core === core) {
        this.pending.delete(id);
        this.stats.unknown++;
        this.at(1, () => this.clientNext(req.client));
      }
    }
    this.at(this.rng.range(10, 40), () => this.electAndStart(s));
    this.at(this.rng.range(150, 400), () => this.restart(s, dead));
  }

  private restart(s: ShardId, replica: number): void {
    const g = this.groups[s]!;
    if (g.replicas[replica]!.alive) return;
    g.restart(replica);
    if (g.leader === null) this.electAndStart(s);
  }

  private scheduleRandomCrash(): void {
    this.at(this.rng.range(150, 500), () => {
      if (!this.crashesOn) return;
      this.crashLeader(this.rng.int(this.nShards), 'random');
      this.scheduleRandomCrash();
    });
  }

  private canCrashNow(): boolean {
    return this.armed && this.crashesOn && this.now - this.lastCrashAt > 120;
  }

  // ---- the driver: ready() → log, network, manager, clients ----

  private drain(s: ShardId): void {
    const core = this.cores[s];
    if (core === null || core === undefined || !core.hasReady()) return;
    const rd = core.ready();
    const g = this.groups[s]!;
    let crashAfter: string | null = null;
    for (const e of rd.propose) {
      g.append(e);
      if (e.t !== 'barrier') this.trace(`shard ${s} proposes ${JSON.stringify(e)}`);
      if (e.t === 'writes') {
        for (const t of e.txns) if (t.writes.length > 0 && t.writes[0]!.value !== null) this.txnOfCoreId.set(t.txn, writerOf(t.writes[0]!.value));
        const firstOfClosing = this.opts.plan === 'while-closing' && this.crashes === 0;
        if ((this.opts.plan === 'unreplicated-suffix' || firstOfClosing) && this.canCrashNow() && this.rng.chance(0.05)) crashAfter = 'unreplicated suffix';
      }
      if (e.t === 'epochEnd' && this.opts.plan === 'while-closing' && this.crashes >= 1 && this.crashesOn && this.rng.chance(0.5)) crashAfter = 'while closing';
    }
    let messages = rd.messages;
    if (this.opts.plan === 'partial-install' && this.canCrashNow()) {
      const installs = messages.filter((m) => m.msg.type === 'install');
      if (installs.length >= 1 && this.rng.chance(0.3)) {
        if (this.rng.chance(0.5) && this.crashes < (this.opts.maxCrashes ?? 3)) {
          // The coordinator dies after only some Installs left it.
          const keep = installs[0]!;
          messages = messages.filter((m) => m.msg.type !== 'install' || m === keep);
          crashAfter = 'coordinator after a partial install';
        } else {
          // A receiving shard's leader dies before the Install reaches it.
          const victim = installs[installs.length - 1]!.to;
          this.at(0, () => this.crashLeader(victim, 'install receiver'));
        }
      }
    }
    for (const { to, msg } of messages) this.at(this.rng.range(1, 4), () => this.deliverPeer(s, to, msg));
    for (const m of rd.toManager) this.at(this.rng.range(1, 3), () => this.toManager(m));
    for (const r of rd.replies) this.at(1, () => this.answer(r.requestId, r.outcome));
    if (crashAfter !== null) {
      const why = crashAfter;
      this.at(this.rng.range(0, 1), () => this.crashLeader(s, why));
    }
  }

  private trace(line: string): void {
    if (TRACE) process.stderr.write(`${this.now} ${line}\n`);
  }

  private deliverPeer(from: ShardId, to: ShardId, msg: PeerMessage): void {
    const core = this.cores[to];
    if (msg.type !== 'watermark') this.trace(`${from}->${to}${core ? '' : ' (no leader)'} ${JSON.stringify(msg)}`);
    if (core === null || core === undefined) return;
    core.step(from, msg);
    this.drain(to);
  }

  private toManager(m: ToManager): void {
    const notices = this.manager.apply(m.type === 'leaderReport' ? { t: 'leaderReport', shard: m.shard, leader: m.leader, fresh: m.fresh } : { t: 'epochClosed', shard: m.shard, epoch: m.epoch, watermark: m.watermark });
    for (const n of notices) {
      const targets = n.to === 'all' ? [...Array(this.nShards).keys()] : [n.to];
      for (const s of targets) this.at(this.rng.range(1, 3), () => this.fromManager(s, n.msg));
    }
  }

  private fromManager(s: ShardId, msg: FromManager): void {
    const core = this.cores[s];
    this.trace(`manager->${s} ${JSON.stringify(msg)}`);
    if (core === null || core === undefined) return;
    core.fromManager(msg);
    this.drain(s);
  }

  private onApply(s: ShardId, replica: Replica, entry: TxnLogEntry, result: TxnApplyResult): void {
    const g = this.groups[s]!;
    if (result.kind === 'finalized') {
      for (const id of result.rolledBack) {
        const n = this.txnOfCoreId.get(id);
        if (n === undefined) continue;
        this.rolledBack.add(n);
        const rec = this.records[n - 1];
        if (rec !== undefined && rec.ackedAt !== null) this.fail(`acknowledged transaction ${n} was rolled back (finalized watermark of epoch ${result.epoch} at shard ${s})`);
      }
    }
    if (g.leader === replica.id) {
      const core = this.cores[s];
      if (core !== null && core !== undefined) {
        core.applied(entry);
        this.drain(s);
      }
    }
  }

  // ---- clients ----

  private makeOps(n: number): TxnOp[] {
    const size = this.rng.chance(0.25) ? 1 : this.rng.range(2, 4);
    const ops: TxnOp[] = [];
    for (let i = 0; i < size; i++) {
      const key = this.rng.pick(this.keys);
      ops.push(this.rng.chance(0.5) ? { op: 'get', key } : { op: 'put', key, value: uniqueValue(n, i) });
    }
    return ops;
  }

  private clientNext(client: number): void {
    if (!this.workloadOn) return;
    const n = this.nextTxn++;
    const ops = this.makeOps(n);
    const record: TxnRecord = { n, ops, submittedAt: this.now, ackedAt: null, results: null };
    this.records.push(record);
    this.submit(client, record);
  }

  private submit(client: number, record: TxnRecord): void {
    const s = this.shardOf(record.ops[0]!.key);
    const core = this.cores[s];
    if (core === null || core === undefined) {
      this.stats.aborted++;
      this.at(5, () => this.clientNext(client));
      return;
    }
    const id = this.nextRequest++;
    this.pending.set(id, { record, client, core });
    this.trace(`client request ${id} = T${record.n} to shard ${s}: ${JSON.stringify(record.ops)}`);
    core.clientRequest(id, record.ops);
    this.drain(s);
  }

  private answer(requestId: number, outcome: TxnOutcome): void {
    const req = this.pending.get(requestId);
    if (req === undefined) return;
    this.trace(`answer T${req.record.n}: ${JSON.stringify(outcome)}`);
    this.pending.delete(requestId);
    if (outcome.outcome === 'committed') {
      req.record.ackedAt = this.now;
      req.record.results = outcome.results;
      req.record.ops.forEach((op, i) => {
        const res = outcome.results[i];
        if (op.op === 'get' && res !== undefined && res.op === 'get' && res.value !== null && this.rolledBack.has(writerOf(res.value))) {
          this.fail(`client saw a rolled-back value: transaction ${req.record.n} read ${op.key}=${res.value}`);
        }
      });
    } else {
      this.stats.aborted++;
      this.abortReasons.set(outcome.reason, (this.abortReasons.get(outcome.reason) ?? 0) + 1);
    }
    this.at(this.rng.range(0, 4), () => this.clientNext(req.client));
  }

  // ---- the end ----

  private finalChecks(): void {
    for (let s = 0; s < this.nShards; s++) {
      const core = this.cores[s];
      if (core === null || core === undefined) this.fail(`shard ${s} has no leader after settling`);
      if (core.inFlight > 0) this.fail(`shard ${s}'s coordinator still has ${core.inFlight} unanswered transaction(s) after settling (a watermark or epoch stalled)`);
      const g = this.groups[s]!;
      const sm = g.leaderReplica!.sm;
      for (let e = 0; e < this.manager.epoch; e++) if (!sm.fvws.has(e)) this.fail(`shard ${s} never finalized epoch ${e}`);
      if (sm.pending.length > 0) this.fail(`shard ${s} still has ${sm.pending.length} undecided installed transaction(s) after settling`);
      const mine = JSON.stringify([...sm.store].sort());
      for (const r of g.replicas) {
        if (r.alive && r.applied === g.commitIndex && JSON.stringify([...r.sm.store].sort()) !== mine) this.fail(`shard ${s}: replica ${r.id} disagrees with the leader`);
      }
    }
    const versions = new Map<string, string[]>();
    for (const g of this.groups) {
      for (const [key, h] of g.leaderReplica!.sm.history ?? []) versions.set(key, h.map(([, , v]) => v).filter((v): v is string => v !== null));
    }
    const err = checkHistory(this.records, versions);
    if (err !== null) this.fail(err);
  }
}
