#!/usr/bin/env node
/**
 * `record [--results <dir>] <stage> <kind> <args…>`: runs a stage's testcase, fuzz or bench
 * and records its log, for the `pN::testcase|fuzz|bench` recipes. Arguments are checked
 * before any file is touched (run-spec.ts); the log is replaced only by a run that
 * succeeds (recorder.ts). MADKV_RUNNER_ARGS adds flags to the runner (e.g. "--seed 7").
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { justExecutable, repoRoot } from '../paths';
import { randomSeed } from '../random';
import type { ClusterLayout } from '../cluster/layout';
import { fuzzBesideLines } from './fuzz-beside';
import { type TopologySource, planRun } from './run-spec';
import { recordRun } from './recorder';
import { type Topology, discoverTopology, localClusterTopology, rfMismatch, topologyLines } from './topology';

const USAGE = `usage: record [--results <dir>] [--cluster <dir>] <stage> <kind> <args…>

  p1 testcase <num> <server>             p2 testcase
  p1 fuzz <nclis> <conflict> <server>    p2 fuzz <nservers> <crashing> <manager>
  p1 bench <nclis> <wload> <server>      p2 bench <nclis> <wload> <nservers> <manager>
  p3 fuzz <server_rf> <crashing> <managers>
  p3 bench <nclis> <wload> <server_rf> <managers>
  p3 testcase <num 1..4>
  p3 nemesis <duration> <faults> <seed, or '' for a random one>
  p4 fuzz <nclis> <crashing> <txn_mode> <managers>
  p4 nemesis <duration> <faults> <seed, or '' for a random one>

Runs it and records its output under <dir> (default <MADKV_RESULTS_ROOT or /tmp>/madkv-<stage>),
replacing the log only when the run succeeds. p3: --cluster is the local cluster's folder
(default <results>/cluster): its fault journal and layout go to the log. p4: the same folder's
cluster, when the managers are its own, is checked for txn_mode and crashed with crashing=yes.`;

/** How long a nemesis waits, once done, for a fuzz run beside it to finish. */
const FUZZ_BESIDE_WAIT_MS = 10 * 60_000;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let results: string | undefined;
  let clusterDir: string | undefined;
  while (argv[0] === '--results' || argv[0] === '--cluster') {
    const value = argv[1];
    if (value === undefined || value === '') return usageError(`${argv[0]} needs a folder`);
    if (argv[0] === '--results') results = value;
    else clusterDir = value;
    argv = argv.slice(2);
  }
  const [stage, kind, ...args] = argv;
  if (stage === undefined || kind === undefined) return usageError('name a stage and a run, e.g. record p1 fuzz 3 yes 127.0.0.1:3777');
  const root = repoRoot();
  const resultsDir = path.resolve(results ?? path.join(process.env['MADKV_RESULTS_ROOT'] || '/tmp', `madkv-${stage}`));
  const plan = planRun(stage, kind, args, {
    results: resultsDir,
    root,
    node: process.execPath,
    just: justExecutable(),
    runnerArgs: (process.env['MADKV_RUNNER_ARGS'] ?? '').split(/\s+/).filter((a) => a !== ''),
    ...(clusterDir !== undefined ? { clusterDir } : {}),
    freshSeed: randomSeed(),
  });
  if (typeof plan === 'string') return usageError(plan);
  if (plan.localCluster !== undefined) {
    const local = plan.localCluster;
    const layout = readLayout(local.dir);
    const mine = layout?.p3 !== undefined && sameSet(layout.p3.managerAddresses, local.managers);
    if (mine) {
      const mode = layout.p3?.txn?.mode;
      if (mode === undefined) return usageError(`the cluster in ${local.dir} is not a stage-4 (transactional) cluster`);
      if (mode !== local.txnMode) return usageError(`txn_mode ${local.txnMode} does not match the cluster in ${local.dir}, which runs ${mode}`);
      plan.command = local.commandWithCluster;
    } else if (local.required !== undefined) {
      return usageError(local.required);
    }
  }
  if (plan.topology !== undefined) {
    const found = await findTopology(plan.topology);
    const mismatch = plan.topology.rf !== undefined && typeof found !== 'string' ? rfMismatch(plan.topology.rf, found) : undefined;
    if (mismatch !== undefined) return usageError(mismatch);
    plan.notes.push(...(await topologyNotes(found)));
  }
  const started = Date.now();
  const beside = plan.fuzzBeside;
  const epilogue =
    beside === undefined
      ? undefined
      : () => fuzzBesideLines({ ...beside, since: started, waitMs: FUZZ_BESIDE_WAIT_MS, relativeTo: resultsDir, print: (l) => process.stderr.write(`${l}\n`) });
  return recordRun(plan, root, epilogue);
}

/** The run's topology (a nemesis names no managers: its cluster's layout), or why it is unknown. */
async function findTopology(source: TopologySource): Promise<Topology | string> {
  try {
    if (source.managers.length > 0) return await discoverTopology(source.managers, source.clusterDir);
    const layout = JSON.parse(fs.readFileSync(path.join(source.clusterDir, 'cluster.json'), 'utf8')) as ClusterLayout;
    return localClusterTopology({ ...layout, dir: path.resolve(source.clusterDir) });
  } catch (err) {
    return (err as Error).message.split('\n')[0]!;
  }
}

/** The topology lines at the top of a p3 log. */
async function topologyNotes(found: Topology | string): Promise<string[]> {
  const stamp = `Recorded on ${os.hostname()} at ${new Date().toISOString()}`;
  if (typeof found === 'string') return [stamp, `Topology:  host ${os.hostname()}  (unknown: ${found})`];
  return [stamp, ...(await topologyLines(found))];
}

function readLayout(dir: string): ClusterLayout | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as ClusterLayout;
  } catch {
    return undefined;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function usageError(message: string): number {
  process.stderr.write(`error: ${message}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
