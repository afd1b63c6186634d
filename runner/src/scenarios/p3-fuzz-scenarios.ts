#!/usr/bin/env node
/**
 * Stage 3's fuzz scenarios, each on a fresh local cluster (link proxies on), checked by the
 * runner's linearizability checker:
 *   A: fuzz rf 5, crashing yes: during the run two replicas of partition 0 are killed -9 one
 *      after the other, its leader first, then restarted; the group keeps a majority, so the
 *      run goes on;
 *   B: a nemesis run during the fuzz run: random kill -9 + restart, SIGSTOP/SIGCONT, cut and
 *      delayed links in a minority of every group (its leader often), everything healed at the
 *      end, the fuzz run going on a little past it.
 * Each run must PASS, and its log must list exactly the faults injected (the cluster's fault
 * journal within the run). Exits non-zero unless every scenario passes.
 *
 *   p3-fuzz-scenarios [--only A|B] [--fuzz-secs 30] [--nemesis-secs 60] [--log-dir <dir>]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitWhenFlushed } from '../../../kvstore/src/common/process-exit';
import { repoRoot } from '../../../kvstore/src/testing/spawn-node';
import type { LocalCluster } from '../cluster/local-cluster';
import { readFaults } from '../faults/fault-journal';
import { parseFaultSection } from '../faults/fault-section';
import { runNemesis } from '../faults/nemesis';
import { startTestCluster } from '../testing/local-p3';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface FuzzRun {
  /** Resolves with the runner's whole output once it exits. */
  done: Promise<{ code: number | null; out: string }>;
  /** Wall-clock ms when the fuzz run's clients started calling ("Fuzzing starts..."). */
  started: Promise<number>;
  history: string;
}

function startFuzz(cluster: LocalCluster, dir: string, seconds: number): FuzzRun {
  const client = `${process.execPath} ${path.join(repoRoot(), 'dist/kvstore/src/bin/client.js')} --managers ${cluster.managerAddresses.join(',')}`;
  const history = path.join(dir, 'history.jsonl');
  const args = ['fuzz', '--num-clis', '5', '--conflict', '--duration', String(seconds), '--history', history, '--fault-journal', cluster.journalFile, '--client-cmd', client];
  const runner = spawn(process.execPath, [path.join(repoRoot(), 'dist/runner/src/main.js'), ...args], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let markStarted: (t: number) => void = () => undefined;
  const started = new Promise<number>((r) => (markStarted = r));
  const onOutput = (d: Buffer): void => {
    out += d.toString();
    if (out.includes('Fuzzing starts...')) markStarted(Date.now());
  };
  runner.stdout!.on('data', onOutput);
  runner.stderr!.on('data', onOutput);
  const done = new Promise<{ code: number | null; out: string }>((r) => runner.once('exit', (code) => r({ code, out })));
  void done.then(() => markStarted(Number.NaN));
  return { done, started, history };
}

/** The outcome word, and what is wrong with the log's fault section compared with the journal. */
function judge(out: string, cluster: LocalCluster, expectFaults: (listed: string[]) => string | undefined): string {
  const outcome = /Fuzz testing result:\s*(?:\x1b\[[0-9;]*m)*\s*(\w+)/.exec(out)?.[1] ?? 'no result';
  let section;
  try {
    section = parseFaultSection(out.split('\n'));
  } catch (err) {
    return `${outcome}, but its fault section is malformed: ${(err as Error).message}`;
  }
  if (section === undefined) return `${outcome}, but the log has no fault section`;
  const listed = section.events.map((e) => `${e.node} ${e.event}`);
  const problem = expectFaults(listed);
  if (problem !== undefined) return `${outcome}, but ${problem}`;
  const journaled = readFaults(cluster.journalFile).events.length;
  return `${outcome} (${section.injected} faults listed of ${journaled} journaled; ${section.retried} operations retried)`;
}

async function scenarioA(dir: string, fuzzSecs: number, partitions: number): Promise<string> {
  const cluster = await startTestCluster({ dir, stage: 'p3-fuzz-scenarios', shape: { managers: 3, partitions, rf: 5 }, env: { MADKV_RUN_DIR: path.join(dir, 'run') } });
  try {
    const { missing } = await cluster.waitForLeaders(30_000);
    if (missing.length > 0) return `no leader in ${missing.join(', ')} after 30 s`;
    const fuzz = startFuzz(cluster, dir, fuzzSecs);
    const t0 = await fuzz.started;
    if (Number.isNaN(t0)) return `the fuzz run ended before it started:\n${(await fuzz.done).out}`;
    const step = (fuzzSecs * 1000) / 8;
    await sleep(step * 1.5);
    const leader = await cluster.waitForLeader('0', 10_000);
    if (leader === undefined) return 'partition 0 has no leader to kill';
    await cluster.kill(leader, 'SIGKILL');
    say(`  [killed ${leader}, the leader of partition 0]`);
    await sleep(step);
    const newLeader = await cluster.waitForLeader('0', 10_000);
    const second = cluster.group('0').members.find((m) => m !== leader && m !== newLeader)!;
    await cluster.kill(second, 'SIGKILL');
    say(`  [killed ${second}; partition 0 now led by ${newLeader ?? 'nobody yet'}]`);
    await sleep(step);
    await cluster.restart(leader);
    say(`  [restarted ${leader}]`);
    await sleep(step / 2);
    await cluster.restart(second);
    say(`  [restarted ${second}]`);
    const { code, out } = await fuzz.done;
    saveLog('p3-fuzz-5-yes.log', out);
    const verdict = judge(out, cluster, (listed) => {
      const expected = [`${leader} killed (SIGKILL)`, `${second} killed (SIGKILL)`, `${leader} restarted`, `${second} restarted`];
      return listed.join('|') === expected.join('|') ? undefined : `the log lists [${listed.join(', ')}], expected [${expected.join(', ')}]`;
    });
    if (!verdict.startsWith('PASSED') || verdict.includes('but')) say(tail(out, code, fuzz.history));
    return verdict;
  } finally {
    await cluster.stopAll('SIGKILL');
  }
}

async function scenarioB(dir: string, nemesisSecs: number, seed: number): Promise<string> {
  const cluster = await startTestCluster({ dir, stage: 'p3-fuzz-scenarios', shape: { managers: 3, partitions: 2, rf: 3 }, env: { MADKV_RUN_DIR: path.join(dir, 'run') } });
  try {
    const { missing } = await cluster.waitForLeaders(30_000);
    if (missing.length > 0) return `no leader in ${missing.join(', ')} after 30 s`;
    // The fuzz run outlasts the nemesis, so it also sees the cluster whole again.
    const fuzz = startFuzz(cluster, dir, nemesisSecs + 15);
    const t0 = await fuzz.started;
    if (Number.isNaN(t0)) return `the fuzz run ended before it started:\n${(await fuzz.done).out}`;
    const report = await runNemesis(cluster, {
      durationMs: nemesisSecs * 1000,
      seed,
      faults: ['kill', 'pause', 'cut', 'delay'],
      intervalMs: [500, 2500],
      faultMs: [1000, 4000],
      delayMs: [20, 200],
      leaderBias: 0.5,
      leaderWaitMs: 30_000,
      print: (line) => say(`  [nemesis] ${line}`),
    });
    const { code, out } = await fuzz.done;
    saveLog('p3-fuzz-nemesis.log', out);
    if (report.unrecovered.length > 0 || report.leaderless.length > 0) return `the nemesis left the cluster broken: ${[...report.unrecovered, ...report.leaderless].join(', ')}`;
    const verdict = judge(out, cluster, (listed) => {
      const journaled = readFaults(cluster.journalFile).events.filter((e) => e.t >= t0).length;
      if (report.injected === 0) return 'the nemesis injected nothing';
      return listed.length === journaled ? undefined : `the log lists ${listed.length} faults, the journal has ${journaled} since the run started`;
    });
    if (!verdict.startsWith('PASSED') || verdict.includes('but')) say(tail(out, code, fuzz.history));
    return `${verdict}; nemesis: ${report.injected} faults, ${report.onLeaders} on leaders`;
  } finally {
    await cluster.stopAll('SIGKILL');
  }
}

let logDir: string | undefined;

function saveLog(name: string, out: string): void {
  if (logDir !== undefined) fs.writeFileSync(path.join(logDir, name), out);
}

function tail(out: string, code: number | null, history: string): string {
  return `${out.split('\n').slice(-30).join('\n')}\n  (runner exit ${code}; history at ${history})`;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('p3-fuzz-scenarios')
    .option('only', { type: 'string', choices: ['A', 'B'], describe: 'run one scenario' })
    .option('fuzz-secs', { type: 'number', default: 30, describe: 'length of scenario A\'s fuzz run' })
    .option('partitions', { type: 'number', default: 1, describe: 'partitions of scenario A\'s rf-5 cluster' })
    .option('nemesis-secs', { type: 'number', default: 60, describe: 'length of scenario B\'s nemesis (the issue\'s long run: 300)' })
    .option('seed', { type: 'number', default: Date.now() % 1_000_000, describe: 'the nemesis seed (printed)' })
    .option('log-dir', { type: 'string', describe: 'save each scenario\'s runner output here' })
    .strict()
    .help()
    .parseAsync();
  logDir = args['log-dir'];
  if (logDir !== undefined) fs.mkdirSync(logDir, { recursive: true });
  const scenarios: Array<[string, (dir: string) => Promise<string>]> = [
    [`A: fuzz rf 5, crashing yes (two replicas of partition 0 killed -9, the leader first, and restarted; ${args['fuzz-secs']} s)`, (d) => scenarioA(d, args['fuzz-secs'], args.partitions)],
    [`B: nemesis for ${args['nemesis-secs']} s during a fuzz run (seed ${args.seed})`, (d) => scenarioB(d, args['nemesis-secs'], args.seed)],
  ];
  let failed = 0;
  let ran = 0;
  for (const [name, run] of scenarios) {
    if (args.only !== undefined && !name.startsWith(`${args.only}:`)) continue;
    ran++;
    say(`scenario ${name}`);
    const started = Date.now();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p3-fuzz-'));
    let outcome: string;
    try {
      outcome = await run(dir);
    } catch (err) {
      outcome = `error: ${(err as Error).stack ?? String(err)}`;
    }
    const ok = outcome.startsWith('PASSED') && !outcome.includes('but');
    say(`scenario ${name.split(':')[0]}: ${outcome} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (ok) fs.rmSync(dir, { recursive: true, force: true });
    else {
      failed++;
      say(`  (cluster folder kept: ${dir})`);
    }
  }
  say(`${ran - failed} passed, ${failed} failed`);
  await exitWhenFlushed(failed === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
