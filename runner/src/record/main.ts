#!/usr/bin/env node
/**
 * `record [--results <dir>] <stage> <kind> <args…>`: runs a stage's testcase, fuzz or bench
 * and records its log, for the `pN::testcase|fuzz|bench` recipes. Arguments are checked
 * before any file is touched (run-spec.ts); the log is replaced only by a run that
 * succeeds (recorder.ts). MADKV_RUNNER_ARGS adds flags to the runner (e.g. "--seed 7").
 */
import * as path from 'node:path';
import { justExecutable, repoRoot } from '../paths';
import { planRun } from './run-spec';
import { recordRun } from './recorder';

const USAGE = `usage: record [--results <dir>] <stage> <kind> <args…>

  p1 testcase <num> <server>             p2 testcase
  p1 fuzz <nclis> <conflict> <server>    p2 fuzz <nservers> <crashing> <manager>
  p1 bench <nclis> <wload> <server>      p2 bench <nclis> <wload> <nservers> <manager>
  p3 fuzz <server_rf> <crashing> <managers>
  p3 bench <nclis> <wload> <server_rf> <managers>

Runs it and records its output under <dir> (default <MADKV_RESULTS_ROOT or /tmp>/madkv-<stage>),
replacing the log only when the run succeeds.`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let results: string | undefined;
  if (argv[0] === '--results') {
    results = argv[1];
    argv = argv.slice(2);
    if (results === undefined || results === '') return usageError('--results needs a folder');
  }
  const [stage, kind, ...args] = argv;
  if (stage === undefined || kind === undefined) return usageError('name a stage and a run, e.g. record p1 fuzz 3 yes 127.0.0.1:3777');
  const root = repoRoot();
  const plan = planRun(stage, kind, args, {
    results: path.resolve(results ?? path.join(process.env['MADKV_RESULTS_ROOT'] || '/tmp', `madkv-${stage}`)),
    root,
    node: process.execPath,
    just: justExecutable(),
    runnerArgs: (process.env['MADKV_RUNNER_ARGS'] ?? '').split(/\s+/).filter((a) => a !== ''),
  });
  if (typeof plan === 'string') return usageError(plan);
  return recordRun(plan, root);
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
