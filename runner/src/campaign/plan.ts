/**
 * What a campaign (`pN::campaign`) runs, how long it should take, and when its crashing fuzz
 * runs inject their faults. Pure: the run list comes from the report generator (run-list.ts),
 * the record of earlier campaigns from the manifest (manifest.ts), clock readings from the caller.
 */
import { DEFAULT_BENCH_CLIENTS } from '../bench/p4/bench-log';
import type { ReportRun } from './run-list';

export const CAMPAIGN_STAGES = ['p1', 'p2', 'p3', 'p4'] as const;
export type CampaignStage = (typeof CAMPAIGN_STAGES)[number];

/** How much each run does. The full settings are the template's defaults. */
export interface RunSettings {
  /** bench: run-phase operations per client. */
  benchOps: number;
  /** fuzz without crashes: operations per client. */
  fuzzOps: number;
  /** fuzz with crashes: seconds the run lasts (its faults are timed within it). */
  crashSecs: number;
  /** p4 transactional fuzz: seconds the run lasts (`p4::fuzz`'s default is 20). */
  txnFuzzSecs: number;
  /** p4 bench: measured seconds per point, after its warm-up (`p4::bench`'s default is 10). */
  txnBenchSecs: number;
}

export const FULL_SETTINGS: RunSettings = { benchOps: 10_000, fuzzOps: 5000, crashSecs: 40, txnFuzzSecs: 20, txnBenchSecs: 10 };
export const QUICK_SETTINGS: RunSettings = { benchOps: 300, fuzzOps: 200, crashSecs: 12, txnFuzzSecs: 8, txnBenchSecs: 4 };

/** Whether the stage's runs made with these settings do less than the full ones (a later full campaign redoes them). */
export function isShortened(stage: CampaignStage, s: RunSettings): boolean {
  if (stage === 'p4') return s.txnFuzzSecs < FULL_SETTINGS.txnFuzzSecs || s.txnBenchSecs < FULL_SETTINGS.txnBenchSecs;
  return s.benchOps < FULL_SETTINGS.benchOps || s.fuzzOps < FULL_SETTINGS.fuzzOps || s.crashSecs < FULL_SETTINGS.crashSecs;
}

/** What earlier campaigns recorded about a log they wrote. */
export interface ManifestEntry {
  shortened: boolean;
  settings: RunSettings;
  /** ISO time the run was recorded. */
  at: string;
}
export type Manifest = Record<string, ManifestEntry>;

export interface PlanOptions {
  /** Run every configuration, present or not. */
  all: boolean;
  /** Only runs whose log path or label contains one of these (empty: every run). */
  only: string[];
  settings: RunSettings;
  manifest: Manifest;
}

/** Why a run is in the plan. */
export type Reason = 'missing' | 'unparseable' | 'shortened' | 'all';

export interface PlannedRun {
  run: ReportRun;
  reason: Reason;
  /** Seconds it should take, cluster start and stop included. */
  estimate: number;
}

export interface CampaignPlan {
  todo: PlannedRun[];
  /** Present and kept. */
  skipped: ReportRun[];
  /** Left out by `only`. */
  excluded: ReportRun[];
}

export function planCampaign(stage: CampaignStage, runs: readonly ReportRun[], o: PlanOptions): CampaignPlan {
  const plan: CampaignPlan = { todo: [], skipped: [], excluded: [] };
  for (const run of runs) {
    if (o.only.length > 0 && !o.only.some((s) => run.relpath.includes(s) || run.label.includes(s))) {
      plan.excluded.push(run);
      continue;
    }
    const reason = reasonToRun(stage, run, o);
    if (reason === undefined) plan.skipped.push(run);
    else plan.todo.push({ run, reason, estimate: estimateSeconds(stage, run, o.settings) });
  }
  return plan;
}

function reasonToRun(stage: CampaignStage, run: ReportRun, o: PlanOptions): Reason | undefined {
  if (run.status === 'missing') return 'missing';
  if (run.status === 'unparseable') return 'unparseable';
  if (o.all) return 'all';
  // A quick look's log stands until a full campaign: then it is done again in full.
  if (o.manifest[run.relpath]?.shortened === true && !isShortened(stage, o.settings)) return 'shortened';
  return undefined;
}

// ---- what a run is -------------------------------------------------------------------


/**
 * A fuzz or bench run's shape, from its recipe arguments (p1 fuzz: clients and conflict; p2/p3:
 * cluster size and crashing; p4 fuzz: clients, crashing and txn mode; p4 bench: workload, mode
 * and replication RTT).
 */
export interface RunShape {
  clients: number;
  workload?: string;
  /** p2: partitions; p3: replication factor; p1: 1; p4: replication factor (rf1: 1, else 3). */
  size: number;
  crashing: boolean;
  /** p4: mako, 2pc or rf1 (bench only). */
  txnMode?: string;
  /** p4 bench: the replication RTT in ms (absent for rf1). */
  rttMs?: number;
}

export function runShape(stage: CampaignStage, run: ReportRun): RunShape {
  const [a, b, c] = run.args;
  const int = (s: string | undefined): number => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${run.relpath}: expected a positive integer argument, got '${s}' in [${run.args.join(' ')}]`);
    return n;
  };
  if (run.kind === 'testcase') return { clients: 1, size: 1, crashing: false };
  if (run.kind === 'txnfuzz') {
    if (c !== 'mako' && c !== '2pc') throw new Error(`${run.relpath}: expected txn mode mako or 2pc, got '${c}' in [${run.args.join(' ')}]`);
    return { clients: int(a), size: 3, crashing: b === 'yes', txnMode: c };
  }
  if (run.kind === 'txnbench') {
    if (b !== 'mako' && b !== '2pc' && b !== 'rf1') throw new Error(`${run.relpath}: expected mode mako, 2pc or rf1, got '${b}' in [${run.args.join(' ')}]`);
    if (b === 'rf1') return { clients: DEFAULT_BENCH_CLIENTS, workload: a, size: 1, crashing: false, txnMode: b };
    const rtt = Number(c);
    if (!Number.isSafeInteger(rtt) || rtt < 0) throw new Error(`${run.relpath}: expected an RTT in ms, got '${c}' in [${run.args.join(' ')}]`);
    return { clients: DEFAULT_BENCH_CLIENTS, workload: a, size: 3, crashing: false, txnMode: b, rttMs: rtt };
  }
  if (run.kind === 'bench') return { clients: int(a), workload: b, size: stage === 'p1' ? 1 : int(c), crashing: false };
  if (stage === 'p1') return { clients: int(a), size: 1, crashing: false };
  // p2/p3 fuzz: always 5 clients on shared keys.
  return { clients: 5, size: int(a), crashing: b === 'yes' };
}

// ---- how long a run takes ------------------------------------------------------------

/**
 * Costs fitted to full campaigns from a fresh clone on a quiet 2-core machine (p1: 32 runs in
 * 34 min; p2: 27 runs in 19 min; p3: 30 runs in 33 min; p4: 39 runs in 12 min; measured-campaigns.ts): each campaign's
 * estimate within 6 % of what it took, each run's within a factor of 1.7. A slower or busier machine is slower at every run alike: the ETA scales
 * the estimates by how the runs so far compared with theirs, so only the proportions matter then.
 */
interface StageCosts {
  /** Seconds to start and stop a fresh server or cluster of the given size. */
  start: (size: number) => number;
  /** Operations per second one client reaches on its own, and all clients together at most. */
  perClient: number;
  aggregate: number;
  /**
   * How many times slower each operation is at this size for a workload writing this share of its
   * operations (p3: rf replicas share the same cores, and a write goes through all of them).
   */
  slowdown: (size: number, writeShare: number) => number;
  /** Seconds a testcase takes (p3's start clusters of their own). */
  testcase: number;
}

const COSTS: Record<Exclude<CampaignStage, 'p4'>, StageCosts> = {
  p1: { start: () => 0.5, perClient: 6000, aggregate: 10_000, slowdown: () => 1, testcase: 0.5 },
  p2: { start: (n) => 1 + 0.3 * n, perClient: 1200, aggregate: 4000, slowdown: () => 1, testcase: 10 },
  p3: { start: (rf) => 3 + 0.5 * rf, perClient: 1500, aggregate: 4200, slowdown: (rf, w) => 1 + (rf - 1) * (0.25 + 0.6 * w), testcase: 5 },
};
/** Seconds of CPU to start one client process through `just`, per phase. */
const CLIENT_START = 0.05;
/**
 * Clients at which the aggregate rate has halved: each is a process of its own, so with many
 * more clients than cores the rate falls (p1 on 2 cores: about 9,000 ops/s with 10 clients, 5,600 with 85).
 */
const CROWD = 100;
/** The share of each YCSB workload's operations that write (inserts and read-modify-writes count); the fuzz's mix is about half. */
const WRITE_SHARE: Record<string, number> = { a: 0.5, b: 0.05, c: 0, d: 0.05, e: 0.05, f: 0.5 };
const FUZZ_WRITE_SHARE = 0.5;
/** YCSB-E's scans return up to 100 pairs: a fraction of a point operation's rate. */
const SCAN_SHARE = 0.5;
/** Records each client inserts in the load phase. */
const LOAD_RECORDS = 1000;

/** p4: seconds to start and stop a cluster of 3 managers and 3 shards × rf 3 (p4::bench: each point's own). */
const P4_CLUSTER = 5;
/** p4 bench: the warm-up before each point's measured seconds (p4::bench's default). */
const P4_WARMUP = 2;

export function estimateSeconds(stage: CampaignStage, run: ReportRun, s: RunSettings): number {
  // Checking a transactional history is quick beside the run.
  if (run.kind === 'txnfuzz') return P4_CLUSTER + s.txnFuzzSecs + 2;
  if (run.kind === 'txnbench') return P4_CLUSTER + P4_WARMUP + s.txnBenchSecs + 1;
  if (stage === 'p4') throw new Error(`${run.relpath}: a ${run.kind} run is not a stage-4 run`);
  const cost = COSTS[stage];
  if (run.kind === 'testcase') return cost.testcase + (stage === 'p3' ? 0 : cost.start(1));
  const shape = runShape(stage, run);
  const writeShare = run.kind === 'fuzz' ? FUZZ_WRITE_SHARE : WRITE_SHARE[shape.workload ?? ''] ?? FUZZ_WRITE_SHARE;
  const rate = (clients: number): number => Math.min(clients * cost.perClient, cost.aggregate) / (cost.slowdown(shape.size, writeShare) * (1 + clients / CROWD));
  if (run.kind === 'fuzz') {
    // Checking the history costs about half as much again for shared keys; a crashing run's is short beside its duration.
    const work = shape.crashing ? s.crashSecs * 1.05 : ((shape.clients * s.fuzzOps) / rate(shape.clients)) * 1.5;
    return cost.start(shape.size) + shape.clients * CLIENT_START + work + 1;
  }
  const runRate = rate(shape.clients) * (shape.workload === 'e' ? SCAN_SHARE : 1);
  return cost.start(shape.size) + 2 * shape.clients * CLIENT_START + (shape.clients * LOAD_RECORDS) / rate(shape.clients) + (shape.clients * s.benchOps) / runRate + 1;
}

/** A finished run's estimate and the seconds it really took. */
export interface Timed {
  estimate: number;
  actual: number;
}

/**
 * Seconds left: the estimates of the runs still to do, scaled by how the runs done so far
 * compared with theirs (a slower machine makes every run slower); the scale is kept within
 * 1/5..5 so one odd run cannot swing it wildly.
 */
export function secondsLeft(remaining: readonly number[], done: readonly Timed[]): number {
  const est = done.reduce((t, d) => t + d.estimate, 0);
  const act = done.reduce((t, d) => t + d.actual, 0);
  const scale = est > 0 ? Math.min(5, Math.max(0.2, act / est)) : 1;
  return remaining.reduce((t, r) => t + r, 0) * scale;
}

/** 42 s, 3 min 05 s, 1 h 02 min. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

// ---- faults of a crashing fuzz run ---------------------------------------------------

/**
 * One step of a crashing run's faults, at a fraction of the run's length:
 *  - kill-server: kill -9 p2 server `node`;
 *  - kill-leader / kill-follower: kill -9 the current leader of partition `group` / a replica of
 *    it that neither leads nor was killed already (p3);
 *  - restart: start again the node killed by step `step`, on its storage.
 */
export type FaultStep =
  | { at: number; do: 'kill-server'; node: string }
  | { at: number; do: 'kill-leader' | 'kill-follower'; group: string }
  | { at: number; do: 'restart'; step: number };

/**
 * The faults the stage's crashing fuzz scenarios ask for:
 *  - p2, n partitions: server 1 (and server 2 when n ≥ 5) killed a third of the way in and
 *    restarted past the middle, so the run stalls on their keys, then completes;
 *  - p3, replication factor rf: partition 0's leader killed, then another of its replicas
 *    (never more than f = (rf-1)/2 down at once, at least one), then each restarted in turn.
 */
export function crashSchedule(stage: CampaignStage, size: number): FaultStep[] {
  if (stage === 'p2') {
    const servers = size >= 5 ? ['s1', 's2'] : size >= 2 ? ['s1'] : ['s0'];
    return [
      ...servers.map((node): FaultStep => ({ at: 0.35, do: 'kill-server', node })),
      ...servers.map((_, i): FaultStep => ({ at: 0.6, do: 'restart', step: i })),
    ];
  }
  if (stage === 'p3') {
    const down = Math.max(1, Math.min(2, Math.floor((size - 1) / 2)));
    const kills: FaultStep[] = [{ at: 1.5 / 8, do: 'kill-leader', group: '0' }];
    if (down === 2) kills.push({ at: 2.5 / 8, do: 'kill-follower', group: '0' });
    return [...kills, ...kills.map((_, i): FaultStep => ({ at: (3.5 + i * 0.5) / 8, do: 'restart', step: i }))];
  }
  return [];
}
