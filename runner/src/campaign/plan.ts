/**
 * What a campaign (`pN::campaign`) runs, how long it should take, and when its crashing fuzz
 * runs inject their faults. Pure: the run list comes from the report generator (run-list.ts),
 * the record of earlier campaigns from the manifest (manifest.ts), clock readings from the caller.
 */
import type { ReportRun } from './run-list';

export const CAMPAIGN_STAGES = ['p1', 'p2', 'p3'] as const;
export type CampaignStage = (typeof CAMPAIGN_STAGES)[number];

/** How much each run does. The full settings are the template's defaults. */
export interface RunSettings {
  /** bench: run-phase operations per client. */
  benchOps: number;
  /** fuzz without crashes: operations per client. */
  fuzzOps: number;
  /** fuzz with crashes: seconds the run lasts (its faults are timed within it). */
  crashSecs: number;
}

export const FULL_SETTINGS: RunSettings = { benchOps: 10_000, fuzzOps: 5000, crashSecs: 40 };
export const QUICK_SETTINGS: RunSettings = { benchOps: 300, fuzzOps: 200, crashSecs: 12 };

/** Whether runs made with these settings do less than the full ones (a later full campaign redoes them). */
export function isShortened(s: RunSettings): boolean {
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
    const reason = reasonToRun(run, o);
    if (reason === undefined) plan.skipped.push(run);
    else plan.todo.push({ run, reason, estimate: estimateSeconds(stage, run, o.settings) });
  }
  return plan;
}

function reasonToRun(run: ReportRun, o: PlanOptions): Reason | undefined {
  if (run.status === 'missing') return 'missing';
  if (run.status === 'unparseable') return 'unparseable';
  if (o.all) return 'all';
  // A quick look's log stands until a full campaign: then it is done again in full.
  if (o.manifest[run.relpath]?.shortened === true && !isShortened(o.settings)) return 'shortened';
  return undefined;
}

// ---- what a run is -------------------------------------------------------------------

/** A fuzz or bench run's shape, from its recipe arguments (p1 fuzz: clients and conflict; p2/p3: cluster size and crashing). */
export interface RunShape {
  clients: number;
  workload?: string;
  /** p2: partitions; p3: replication factor; p1: 1. */
  size: number;
  crashing: boolean;
}

export function runShape(stage: CampaignStage, run: ReportRun): RunShape {
  const [a, b, c] = run.args;
  const int = (s: string | undefined): number => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${run.relpath}: expected a positive integer argument, got '${s}' in [${run.args.join(' ')}]`);
    return n;
  };
  if (run.kind === 'testcase') return { clients: 1, size: 1, crashing: false };
  if (run.kind === 'bench') return { clients: int(a), workload: b, size: stage === 'p1' ? 1 : int(c), crashing: false };
  if (stage === 'p1') return { clients: int(a), size: 1, crashing: false };
  // p2/p3 fuzz: always 5 clients on shared keys.
  return { clients: 5, size: int(a), crashing: b === 'yes' };
}

// ---- how long a run takes ------------------------------------------------------------

/**
 * Rough costs, measured by quick campaigns on a shared, busy 2-core machine (p1 about 1,250
 * ops/s for many clients; an idle one does several times that): the ETA scales them by how long
 * the runs so far took against their estimates, so only their proportions need to be right.
 */
interface StageCosts {
  /** Seconds to start and stop a fresh server or cluster of the given size. */
  start: (size: number) => number;
  /** Operations per second one client reaches on its own, and all clients together at most. */
  perClient: number;
  aggregate: number;
  /** Seconds a testcase takes (p3's start clusters of their own). */
  testcase: number;
}

const COSTS: Record<CampaignStage, StageCosts> = {
  p1: { start: () => 0.5, perClient: 1000, aggregate: 1500, testcase: 1.5 },
  p2: { start: (n) => 1 + 0.3 * n, perClient: 300, aggregate: 600, testcase: 10 },
  p3: { start: (rf) => 3 + 0.5 * rf, perClient: 150, aggregate: 400, testcase: 25 },
};
/** Seconds to start one client process through `just`, per phase. */
const CLIENT_START = 0.4;
/** YCSB-E's scans return up to 100 pairs: a fraction of a point operation's rate. */
const SCAN_SHARE = 0.5;
/** Records each client inserts in the load phase. */
const LOAD_RECORDS = 1000;

export function estimateSeconds(stage: CampaignStage, run: ReportRun, s: RunSettings): number {
  const cost = COSTS[stage];
  if (run.kind === 'testcase') return cost.testcase + (stage === 'p3' ? 0 : cost.start(1));
  const shape = runShape(stage, run);
  const rate = (clients: number): number => Math.min(clients * cost.perClient, cost.aggregate);
  if (run.kind === 'fuzz') {
    const work = shape.crashing ? s.crashSecs : (shape.clients * s.fuzzOps) / rate(shape.clients);
    // Checking the history costs about as much again for shared keys.
    return cost.start(shape.size) + shape.clients * CLIENT_START + work * 1.5 + 1;
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
