#!/usr/bin/env node
/**
 * `campaign <stage>` (`just pN::campaign`): every run the stage's report needs that is not yet
 * under the results folder (or all of them, `--all`), each on a fresh local server or cluster
 * started and stopped here, recorded exactly as `pN::testcase|fuzz|bench` record them (a p4
 * bench point: `p4::bench` narrowed to it, on the cluster it starts itself); then the report.
 * One line when a run starts, one when it ends with the time it took and the time left; a failed
 * run is reported and the campaign goes on; a summary at the end.
 *
 * The list of runs is the report generator's own (run-list.ts), so the campaign and the report
 * agree on what is needed. Crashing p2/p3 fuzz runs get their faults here (plan.ts:
 * crashSchedule); a crashing p4 fuzz run kills and restarts a shard leader itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { repoRoot } from '../paths';
import { LocalCluster } from '../cluster/local-cluster';
import { injectFaults } from './faults';
import { readManifest, recordInManifest } from './manifest';
import {
  CAMPAIGN_STAGES, type CampaignStage, FULL_SETTINGS, type PlannedRun, QUICK_SETTINGS, type RunSettings, type Timed,
  crashSchedule, formatDuration, isShortened, planCampaign, runShape, secondsLeft,
} from './plan';
import { listReportRuns } from './run-list';
import { type Target, startTarget } from './targets';

/** How much of a run's output is kept to show when it fails. */
const TAIL_LINES = 15;

interface Options {
  stage: CampaignStage;
  results: string;
  clusterDir: string;
  settings: RunSettings;
  all: boolean;
  only: string[];
  dryRun: boolean;
  report: boolean;
  reportOut?: string;
  verbose: boolean;
}

type Outcome = { ok: true; note: string } | { ok: false; why: string; tail: string[] };

let interrupted: NodeJS.Signals | undefined;
let current: ChildProcess | undefined;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  // Output piped into a reader that went away (`| head`): the runs go on, unheard.
  process.stdout.on('error', () => undefined);
  const a = await yargs(hideBin(process.argv))
    .scriptName('campaign')
    .command('$0 <stage>', "Runs every configuration the stage's report needs that has no log yet, each on a fresh local server or cluster, then writes the report.", (y) =>
      y.positional('stage', { choices: CAMPAIGN_STAGES, demandOption: true }),
    )
    .option('results', { type: 'string', describe: 'the results folder (default <MADKV_RESULTS_ROOT or /tmp>/madkv-<stage>)' })
    .option('all', { type: 'boolean', default: false, describe: 'run every configuration, replacing logs already present' })
    .option('quick', { type: 'boolean', default: false, describe: `a quick look: ${describeSettings('p1', QUICK_SETTINGS)}; p4: ${describeSettings('p4', QUICK_SETTINGS)} (a later full campaign redoes these runs)` })
    .option('bench-ops', { type: 'number', describe: `bench: run-phase operations per client (full: ${FULL_SETTINGS.benchOps})` })
    .option('fuzz-ops', { type: 'number', describe: `fuzz without crashes: operations per client (full: ${FULL_SETTINGS.fuzzOps})` })
    .option('crash-secs', { type: 'number', describe: `fuzz with crashes: seconds per run (full: ${FULL_SETTINGS.crashSecs})` })
    .option('txn-fuzz-secs', { type: 'number', describe: `p4 fuzz: seconds per run (full: ${FULL_SETTINGS.txnFuzzSecs})` })
    .option('txn-bench-secs', { type: 'number', describe: `p4 bench: measured seconds per point (full: ${FULL_SETTINGS.txnBenchSecs})` })
    .option('only', { type: 'string', array: true, default: [] as string[], describe: 'only runs whose log path or label contains this text (repeatable), e.g. --only fuzz/' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print what would run, with estimated times, and stop' })
    .option('report', { type: 'boolean', default: true, describe: 'write the report at the end (--no-report: do not)' })
    .option('report-out', { type: 'string', describe: 'folder for the report (default: the repository\'s report/)' })
    .option('verbose', { type: 'boolean', default: false, describe: 'show every run\'s own output' })
    .check((argv) => {
      for (const flag of ['bench-ops', 'fuzz-ops', 'crash-secs', 'txn-fuzz-secs', 'txn-bench-secs'] as const) {
        const v = argv[flag];
        if (v !== undefined && !(Number.isSafeInteger(v) && v > 0)) throw new Error(`--${flag} must be a positive integer, got ${v}`);
      }
      return true;
    })
    .strict()
    .help()
    .parseAsync();
  const stage = a.stage as CampaignStage;
  const results = path.resolve(a.results ?? path.join(process.env['MADKV_RESULTS_ROOT'] || '/tmp', `madkv-${stage}`));
  const base = a.quick ? QUICK_SETTINGS : FULL_SETTINGS;
  const o: Options = {
    stage,
    results,
    // Where the recipes look for the local cluster's fault journal and layout.
    clusterDir: path.join(results, 'cluster'),
    settings: {
      benchOps: a['bench-ops'] ?? base.benchOps,
      fuzzOps: a['fuzz-ops'] ?? base.fuzzOps,
      crashSecs: a['crash-secs'] ?? base.crashSecs,
      txnFuzzSecs: a['txn-fuzz-secs'] ?? base.txnFuzzSecs,
      txnBenchSecs: a['txn-bench-secs'] ?? base.txnBenchSecs,
    },
    all: a.all,
    only: a.only.flatMap((s) => s.split(',')).filter((s) => s !== ''),
    dryRun: a['dry-run'],
    report: a.report,
    ...(a['report-out'] !== undefined ? { reportOut: path.resolve(a['report-out']) } : {}),
    verbose: a.verbose,
  };
  return campaign(o);
}

function describeSettings(stage: CampaignStage, s: RunSettings): string {
  if (stage === 'p4') return `transactional fuzz runs of ${s.txnFuzzSecs} s, ${s.txnBenchSecs} s measured per bench point`;
  return `${s.benchOps} bench operations per client, ${s.fuzzOps} fuzz operations per client, crashing fuzz runs of ${s.crashSecs} s`;
}

async function campaign(o: Options): Promise<number> {
  const root = repoRoot();
  const runs = listReportRuns(root, o.stage, o.results);
  if (typeof runs === 'string') {
    process.stderr.write(`error: ${runs}\n`);
    return 1;
  }
  const plan = planCampaign(o.stage, runs, { all: o.all, only: o.only, settings: o.settings, manifest: readManifest(o.results) });
  const total = plan.todo.reduce((t, r) => t + r.estimate, 0);
  const shortened = isShortened(o.stage, o.settings);
  say(
    `campaign ${o.stage}: ${plan.todo.length} of ${runs.length} runs to do, ${plan.skipped.length} already present` +
      (plan.excluded.length > 0 ? `, ${plan.excluded.length} left out by --only` : '') +
      `; logs under ${o.results}/`,
  );
  say(`  settings: ${describeSettings(o.stage, o.settings)}${shortened ? ' (shortened: a quick look)' : ' (full)'}; estimated ${formatDuration(total)}`);
  if (o.dryRun) {
    plan.todo.forEach((p, i) => say(`  ${counter(i, plan.todo.length)} ${p.run.label}  (${p.run.relpath}; ${p.reason}; about ${formatDuration(p.estimate)})`));
    return 0;
  }
  if (o.stage !== 'p1' && plan.todo.some((p) => needsTarget(o.stage, p))) {
    const live = LocalCluster.liveNodesIn(o.clusterDir);
    if (live.length > 0) {
      process.stderr.write(`error: a cluster is running in ${o.clusterDir} (${live.map((n) => `${n.node} pid ${n.pid}`).join(', ')}); the campaign starts its own clusters there: stop it first (just ${o.stage}::cluster-stop)\n`);
      return 1;
    }
  }

  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(s, () => {
      interrupted ??= s;
      // The run is in a process group of its own: pass the signal on to all of it.
      if (current?.pid !== undefined) signalGroup(current.pid, 'SIGINT');
    });
  }

  const started = Date.now();
  const timed: Timed[] = [];
  const failures: Array<{ run: PlannedRun; why: string }> = [];
  const verdictsFailed: string[] = [];
  for (const [i, p] of plan.todo.entries()) {
    if (interrupted !== undefined) break;
    const tag = counter(i, plan.todo.length);
    say(`${tag} ${p.run.label}  (${p.run.relpath}${p.reason === 'missing' ? '' : `; ${p.reason}`})`);
    const t0 = Date.now();
    const outcome = await runOne(o, p, root);
    const secs = (Date.now() - t0) / 1000;
    timed.push({ estimate: p.estimate, actual: secs });
    const left = plan.todo.slice(i + 1).map((r) => r.estimate);
    const eta = left.length === 0 ? 'none left' : `${left.length} left, about ${formatDuration(secondsLeft(left, timed))}`;
    const pad = ' '.repeat(tag.length);
    if (outcome.ok) {
      recordInManifest(o.results, p.run.relpath, { shortened, settings: o.settings, at: new Date().toISOString() });
      if (outcome.note.includes('FAILED')) verdictsFailed.push(p.run.relpath);
      say(`${pad} done in ${formatDuration(secs)}${outcome.note}; ${eta}`);
    } else {
      failures.push({ run: p, why: outcome.why });
      say(`${pad} FAILED after ${formatDuration(secs)}: ${outcome.why}; ${eta}`);
      for (const line of outcome.tail) say(`${pad}   | ${line}`);
    }
  }

  const done = timed.length - failures.length;
  const notRun = plan.todo.length - timed.length;
  say('');
  say(
    `campaign ${o.stage} ${interrupted !== undefined ? `interrupted (${interrupted})` : 'finished'} in ${formatDuration((Date.now() - started) / 1000)}:` +
      ` ${done} run${done === 1 ? '' : 's'} done, ${failures.length} failed, ${plan.skipped.length} skipped (already present)` +
      (notRun > 0 ? `, ${notRun} not started` : '') + (plan.excluded.length > 0 ? `, ${plan.excluded.length} left out by --only` : '') + '.',
  );
  for (const f of failures) say(`  failed: ${f.run.run.label} (${f.run.run.relpath}): ${f.why}`);
  for (const v of verdictsFailed) say(`  recorded with verdict FAILED: ${v} (a result to report; see the log)`);
  if (shortened && done > 0) say(`  these runs are shortened (a quick look); a campaign without --quick redoes them in full.`);
  if (interrupted !== undefined) return 130;

  let status = failures.length > 0 ? 1 : 0;
  if (o.report) {
    say('');
    const code = await runReport(root, o);
    if (code !== 0) status = code;
  }
  return status;
}

function counter(i: number, n: number): string {
  return `[${String(i + 1).padStart(String(n).length)}/${n}]`;
}

/** p3's testcases and p4's bench points start clusters of their own; every other run gets a fresh store. */
function needsTarget(stage: CampaignStage, p: PlannedRun): boolean {
  return !(stage === 'p3' && p.run.kind === 'testcase') && p.run.kind !== 'txnbench';
}

/** The runner flags that size the run (before the user's MADKV_RUNNER_ARGS, which win). */
function sizingArgs(o: Options, p: PlannedRun): string[] {
  const shape = runShape(o.stage, p.run);
  if (p.run.kind === 'bench') return ['--num-ops', String(o.settings.benchOps)];
  if (p.run.kind === 'fuzz') return shape.crashing ? ['--duration', String(o.settings.crashSecs)] : ['--num-ops', String(o.settings.fuzzOps)];
  if (p.run.kind === 'txnfuzz') return ['--duration', String(o.settings.txnFuzzSecs)];
  return [];
}

/**
 * The program a run is: the recorder, as `pN::testcase|fuzz|bench` and `p4::fuzz` call it, or for a
 * p4 bench point `p4::bench` narrowed to it (its own cluster; it writes the log the report reads).
 */
function runCommand(o: Options, p: PlannedRun, root: string, target: Target | undefined): string[] {
  if (p.run.kind === 'txnbench') {
    const shape = runShape(o.stage, p.run);
    return [
      path.join(root, 'dist', 'runner', 'src', 'scenarios', 'p4-bench.js'),
      '--results', o.results,
      '--workloads', shape.workload!,
      '--modes', shape.txnMode!,
      ...(shape.rttMs !== undefined ? ['--rtts', String(shape.rttMs)] : []),
      '--secs', String(o.settings.txnBenchSecs),
    ];
  }
  return [
    path.join(root, 'dist', 'runner', 'src', 'record', 'main.js'),
    '--results', o.results,
    ...(o.stage === 'p3' || o.stage === 'p4' ? ['--cluster', o.clusterDir] : []),
    o.stage, p.run.kind === 'txnfuzz' ? 'fuzz' : p.run.kind, ...p.run.args,
    ...(target !== undefined ? [target.address] : []),
  ];
}

async function runOne(o: Options, p: PlannedRun, root: string): Promise<Outcome> {
  const shape = runShape(o.stage, p.run);
  let target: Target | undefined;
  if (needsTarget(o.stage, p)) {
    try {
      target = await startTarget(o.stage, shape.size, o.clusterDir, shape.txnMode === 'mako' || shape.txnMode === '2pc' ? shape.txnMode : undefined);
    } catch (err) {
      return { ok: false, why: `the ${o.stage === 'p1' ? 'server' : 'cluster'} did not start: ${(err as Error).message.split('\n')[0]}`, tail: [] };
    }
  }
  const logFile = path.join(o.results, p.run.relpath);
  const before = mtime(logFile);
  const faults = new AbortController();
  let faultLines: Promise<string[]> = Promise.resolve([]);
  try {
    const args = runCommand(o, p, root, target);
    const env = { ...process.env, MADKV_RUNNER_ARGS: [...sizingArgs(o, p), process.env['MADKV_RUNNER_ARGS'] ?? ''].join(' ').trim() };
    const schedule = shape.crashing && target?.cluster !== undefined ? crashSchedule(o.stage, shape.size) : [];
    const cluster = target?.cluster;
    const timeoutMs = Math.max(600, 10 * p.estimate) * 1000;
    let faultsStarted = false;
    // A p4 fuzz run kills and restarts a leader itself: its log's fault lines say what it did.
    const ownFaults: string[] = [];
    const result = await runRecorder(args, env, root, o.verbose, timeoutMs, (line) => {
      if (schedule.length > 0 && cluster !== undefined && !faultsStarted && line.includes('Fuzzing starts...')) {
        faultsStarted = true;
        faultLines = injectFaults(cluster, schedule, Date.now(), o.settings.crashSecs * 1000, faults.signal);
      }
      const own = p.run.kind === 'txnfuzz' ? /^ {2}(\+[\d.]+ s) {2}(\S+) {2}(killed|restarted)\b/.exec(line) : null;
      if (own !== null) ownFaults.push(`${own[1]}  ${own[3]} ${own[2]}`);
    });
    faults.abort();
    const injected = [...(await faultLines), ...ownFaults];
    if (o.verbose) injected.forEach((l) => say(`  fault ${l}`));
    const recorded = mtime(logFile) !== before && mtime(logFile) !== undefined;
    if (result.timedOut) return { ok: false, why: `no end after ${formatDuration(timeoutMs / 1000)}; stopped`, tail: result.tail };
    if (result.code === 0 && recorded) return { ok: true, note: injected.length > 0 ? ` (faults: ${injected.join(', ')})` : '' };
    if (recorded) return { ok: true, note: ` (recorded, verdict FAILED, exit status ${result.code})` };
    const failedLog = fs.existsSync(`${logFile}.failed`) ? `; its output is in ${logFile}.failed` : '';
    return { ok: false, why: `${interrupted !== undefined ? `interrupted (${interrupted})` : `exit status ${result.code}`}, no log recorded${failedLog}`, tail: result.tail };
  } finally {
    faults.abort();
    await faultLines.catch(() => []);
    if (target !== undefined) await target.stop().catch(() => undefined);
  }
}

function mtime(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Runs the recorder in a process group of its own (its runner, `just` and clients with it, so a
 * timeout or Ctrl-C stops them all), keeping the last lines of its output.
 */
function runRecorder(args: string[], env: NodeJS.ProcessEnv, cwd: string, verbose: boolean, timeoutMs: number, onLine: (line: string) => void): Promise<{ code: number; tail: string[]; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    current = child;
    const tail: string[] = [];
    let partial = '';
    const take = (chunk: Buffer): void => {
      if (verbose) process.stdout.write(chunk);
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const raw of lines) {
        // Progress bars rewrite their line with \r: keep what it says last, without colours.
        const line = (raw.split('\r').filter((s) => s.trim() !== '').pop() ?? '').replace(/\x1b\[[0-9;]*m/g, '');
        onLine(line);
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child.pid!, 'SIGINT');
      setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, tail: [`cannot run the recorder: ${err.message}`], timedOut });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      // Whatever the run left behind in its group (a client that ignored the end) goes too.
      signalGroup(child.pid!, 'SIGKILL');
      resolve({ code: code ?? (signal !== null ? 128 : 1), tail, timedOut });
    });
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function runReport(root: string, o: Options): Promise<number> {
  return new Promise((resolve) => {
    const args = [path.join(root, 'sumgen', 'report.sh'), o.stage, '--results', o.results, ...(o.reportOut !== undefined ? ['--out', o.reportOut] : [])];
    const child = spawn('bash', args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', () => resolve(1));
    child.once('close', (code) => resolve(code ?? 1));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
