#!/usr/bin/env node
/**
 * `npm run test:txn-mistakes`: the transactional fuzz against each classic mistake of speculative
 * 2PC (kvstore/src/txn/mistakes.ts, put back into the shards by the test-only
 * MADKV_TXN_MISTAKE), each on a fresh local cluster of 3 manager replicas and 3 shards × rf 3,
 * Mako, link proxies on. Each mistake gets the run that shows it:
 *
 *   validateOnlyWrittenShards  healthy                      (a G-single / G2 cycle)
 *   preIncrementClock          healthy                      (a stall: the last clock is never covered)
 *   watermarkMaxSeen           healthy                      (a stall)
 *   combineWatermarksWithMax   the nemesis killing leaders, 50 ms replication RTT
 *   ackBeforeWatermark         the same                     (acknowledged transactions rolled back)
 *   readUndecidedOldEpoch      the same                     (reads of versions later rolled back)
 * (one leader killed at 0 ms RTT leaves the first two too small a window: they passed such runs;
 * 50 ms RTT leaves an unreplicated suffix to lose at every kill, and the nemesis kills often)
 *
 * and each kind of run is also done once with no mistake, which must pass, so a failure is the
 * mistake's and not the run's. The runs are random: a mistake's window may be missed by one run,
 * so each mistake gets up to `--tries` runs (default 3) and counts as caught when one fails.
 * Prints one line per run and a table; exits 1 unless every mistake was caught and every
 * control passed. Not part of CI (about 10 minutes); the closing figures come from it.
 *
 *   p4-mistake-runs [--only <mistake>[,…]] [--tries 3] [--no-controls] [--keep]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitWhenFlushed } from '../../../kvstore/src/common/process-exit';
import { MISTAKE_NAMES, type MistakeName } from '../../../kvstore/src/txn/mistakes';
import { startTestCluster } from '../testing/local-p3';
import { runRunner } from '../testing/runner-cli';

type Fault = 'none' | 'nemesis';

interface RunKind {
  fault: Fault;
  replRttMs: number;
  secs: number;
}

const HEALTHY: RunKind = { fault: 'none', replRttMs: 0, secs: 20 };
const NEMESIS_FAR: RunKind = { fault: 'nemesis', replRttMs: 50, secs: 45 };

const RUN_FOR: Record<MistakeName, RunKind> = {
  validateOnlyWrittenShards: HEALTHY,
  preIncrementClock: HEALTHY,
  watermarkMaxSeen: HEALTHY,
  combineWatermarksWithMax: NEMESIS_FAR,
  ackBeforeWatermark: NEMESIS_FAR,
  readUndecidedOldEpoch: NEMESIS_FAR,
};

function describeKind(k: RunKind): string {
  const fault = k.fault === 'none' ? 'healthy' : 'the nemesis killing leaders';
  return `${fault}, ${k.secs} s${k.replRttMs > 0 ? `, ${k.replRttMs} ms replication RTT` : ''}`;
}

interface RunResult {
  verdict: string;
  /** The reasons line after the verdict, or the check's summary. */
  detail: string;
  log: string;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** One fuzz run on a fresh cluster with `mistake` switched on in every shard (undefined: none). */
async function fuzzRun(mistake: MistakeName | undefined, kind: RunKind, dir: string, seed: number): Promise<RunResult> {
  const env = { MADKV_RUN_DIR: path.join(dir, 'run'), ...(mistake === undefined ? {} : { MADKV_TXN_MISTAKE: mistake }) };
  const cluster = await startTestCluster({
    dir: path.join(dir, 'cluster'),
    stage: 'p4-mistakes',
    shape: { managers: 3, partitions: 3, rf: 3 },
    txn: { mode: 'mako', replRttMs: kind.replRttMs },
    env,
    detached: false,
  });
  try {
    const { missing } = await cluster.waitForLeaders(30_000);
    if (missing.length > 0) return { verdict: 'ERROR', detail: `no leader in ${missing.join(', ')}`, log: '' };
    const client = `${JSON.stringify(process.execPath)} dist/kvstore/src/bin/client.js --managers ${cluster.managerAddresses.join(',')}`;
    const history = path.join(dir, 'history.jsonl');
    const fuzzArgs = ['txn-fuzz', '--num-clis', '5', '--duration', String(kind.secs), '--seed', String(seed), '--cluster', cluster.dir, '--txn-mode', 'mako', '--history', history, '--op-timeout', '30', '--client-cmd', client];
    const timeoutMs = (kind.secs + 120) * 1000;
    const nemesis =
      kind.fault === 'nemesis'
        ? runRunner(['nemesis', '--cluster', cluster.dir, '--duration', String(kind.secs - 8), '--faults', 'kill', '--seed', String(seed), '--interval-ms', '1000,2500', '--fault-ms', '1000,2500', '--leader-bias', '0.8'], { env, timeoutMs })
        : undefined;
    const fuzz = await runRunner(fuzzArgs, { env: { MADKV_RUN_DIR: env.MADKV_RUN_DIR }, timeoutMs });
    const nem = await nemesis;
    const log = fuzz.stdout + (nem === undefined ? '' : `\n--- nemesis ---\n${nem.stdout}${nem.stderr}`);
    fs.writeFileSync(path.join(dir, 'fuzz.log'), log);
    const verdict = /^Fuzz testing result: (\w+)$/m.exec(fuzz.stdout)?.[1] ?? `no verdict (exit ${fuzz.code})`;
    const lines = fuzz.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Fuzz testing result:'));
    const detail = (at >= 0 ? lines[at + 1] ?? '' : fuzz.stderr.trim().split('\n').pop() ?? '').trim().replace(/; history kept in \S+$/, '');
    return { verdict, detail, log: path.join(dir, 'fuzz.log') };
  } finally {
    await cluster.stopAll('SIGKILL');
  }
}

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('p4-mistake-runs')
    .option('only', { type: 'string', describe: `comma-separated mistakes to run (of ${MISTAKE_NAMES.join(', ')})` })
    .option('tries', { type: 'number', default: 3, describe: 'runs per mistake at most (it counts as caught when one fails)' })
    .option('controls', { type: 'boolean', default: true, describe: 'also run each kind of run with no mistake (--no-controls: skip)' })
    .option('keep', { type: 'boolean', default: false, describe: 'keep every run folder (cluster storage, logs, history)' })
    .check((a) => {
      if (!Number.isInteger(a.tries) || a.tries < 1 || a.tries > 20) throw new Error(`--tries must be an integer from 1 to 20, got ${a.tries}`);
      const unknown = (a.only ?? '').split(',').filter((m) => m !== '' && !MISTAKE_NAMES.includes(m as MistakeName));
      if (unknown.length > 0) throw new Error(`unknown mistake(s) ${unknown.join(', ')}: choose from ${MISTAKE_NAMES.join(', ')}`);
      return true;
    })
    .strict()
    .help()
    .parseAsync();
  const chosen = args.only === undefined ? MISTAKE_NAMES : MISTAKE_NAMES.filter((m) => args.only!.split(',').includes(m));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p4-mistakes-'));
  const rows: string[] = [];
  let bad = 0;
  const run = async (label: string, mistake: MistakeName | undefined, kind: RunKind, attempt: number): Promise<RunResult> => {
    const dir = path.join(root, `${label}-${attempt}`);
    fs.mkdirSync(dir, { recursive: true });
    const started = Date.now();
    let r: RunResult;
    try {
      r = await fuzzRun(mistake, kind, dir, 1000 + attempt * 17 + (mistake === undefined ? 0 : MISTAKE_NAMES.indexOf(mistake) + 1));
    } catch (err) {
      r = { verdict: 'ERROR', detail: (err as Error).message.split('\n')[0] ?? '', log: '' };
    }
    say(`${label} (${describeKind(kind)}), run ${attempt}: ${r.verdict}${r.detail === '' ? '' : ` — ${r.detail}`} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return r;
  };

  if (args.controls) {
    const kinds = [...new Set(chosen.map((m) => RUN_FOR[m]))];
    for (const kind of kinds) {
      const r = await run('no-mistake', undefined, kind, kinds.indexOf(kind) + 1);
      const ok = r.verdict === 'PASSED';
      if (!ok) bad++;
      rows.push(`| (none) | ${describeKind(kind)} | ${r.verdict} | ${ok ? 'passes, as it must' : `**should pass** (${r.log})`} |`);
    }
  }
  for (const m of chosen) {
    let caught: RunResult | undefined;
    let tries = 0;
    while (caught === undefined && tries < args.tries) {
      tries++;
      const r = await run(m, m, RUN_FOR[m], tries);
      if (r.verdict === 'FAILED') caught = r;
    }
    if (caught === undefined) bad++;
    rows.push(`| ${m} | ${describeKind(RUN_FOR[m])} | ${caught === undefined ? 'PASSED' : 'FAILED'} | ${caught === undefined ? `**not caught** in ${tries} run(s)` : `caught in run ${tries}: ${caught.detail}`} |`);
  }
  say('');
  say('| mistake | run | verdict | |');
  say('|---|---|---|---|');
  for (const r of rows) say(r);
  if (bad === 0 && !args.keep) fs.rmSync(root, { recursive: true, force: true });
  else say(`run folders: ${root}`);
  say(bad === 0 ? 'p4 mistake runs: every mistake caught, every control passed' : `p4 mistake runs: ${bad} not as expected`);
  exitWhenFlushed(bad === 0 ? 0 : 1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    exitWhenFlushed(1);
  });
}
