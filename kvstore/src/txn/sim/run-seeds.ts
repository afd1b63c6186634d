/**
 * Runs the transaction simulator over many seeds and crash plans (or one seed to replay it):
 *
 *   node dist/kvstore/src/txn/sim/run-seeds.js [--seeds 200] [--first 1] [--plan name[,name]] [--seed N] [--mistake name]
 *
 * Prints one line per plan and every failure with its replay command; exit code 1 on failure.
 *
 *   node dist/kvstore/src/txn/sim/run-seeds.js --each-mistake [--seeds 40]
 *
 * switches each classic mistake on alone and searches seeds (every plan) until the
 * simulator's checks catch it; exit code 1 if some mistake goes uncaught.
 */
import { MISTAKE_NAMES, NO_MISTAKES, type MistakeName } from '../mistakes';
import { CRASH_PLANS, runTxnSimulation, type CrashPlan } from './txn-simulation';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const plans = (arg('plan')?.split(',') ?? [...CRASH_PLANS]) as CrashPlan[];
const mistake = arg('mistake');
const one = arg('seed');
const seeds = one !== undefined ? 1 : Number(arg('seeds') ?? '100');
const first = one !== undefined ? Number(one) : Number(arg('first') ?? '1');
if (plans.some((p) => !CRASH_PLANS.includes(p)) || (mistake !== undefined && !MISTAKE_NAMES.includes(mistake as MistakeName)) || !Number.isSafeInteger(seeds) || !Number.isSafeInteger(first)) {
  process.stderr.write(`usage: run-seeds.js [--seeds N] [--first S | --seed S] [--plan ${CRASH_PLANS.join(',')}] [--mistake ${MISTAKE_NAMES.join('|')}]\n`);
  process.exit(2);
}
if (process.argv.includes('--each-mistake')) {
  let uncaught = 0;
  for (const name of MISTAKE_NAMES) {
    const started = Date.now();
    let caught: string | null = null;
    let runs = 0;
    search: for (let seed = first; seed < first + seeds; seed++) {
      for (const plan of plans) {
        runs++;
        try {
          runTxnSimulation({ seed, plan, mistakes: { ...NO_MISTAKES, [name]: true } });
        } catch (err) {
          caught = `${plan} seed ${seed}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
          break search;
        }
      }
    }
    if (caught === null) uncaught++;
    process.stdout.write(`${caught === null ? 'MISSED' : 'caught'} ${name.padEnd(26)} ${caught ?? `no failure in ${runs} runs`} (${runs} runs, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  process.exit(uncaught === 0 ? 0 : 1);
}
const mistakes = mistake === undefined ? NO_MISTAKES : { ...NO_MISTAKES, [mistake]: true };
let failures = 0;
const startedAll = Date.now();
for (const plan of plans) {
  const started = Date.now();
  let failed = 0;
  let acked = 0;
  let txns = 0;
  let crashes = 0;
  for (let seed = first; seed < first + seeds; seed++) {
    try {
      const r = runTxnSimulation({ seed, plan, mistakes });
      acked += r.acknowledged;
      txns += r.transactions;
      crashes += r.crashes;
    } catch (err) {
      failed++;
      process.stdout.write(`  FAILED ${plan} seed ${seed}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  failures += failed;
  process.stdout.write(`${failed === 0 ? 'ok  ' : 'FAIL'} ${plan.padEnd(20)} ${seeds - failed}/${seeds} seeds, ${txns} transactions (${acked} acknowledged), ${crashes} crashes, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(`${failures === 0 ? 'all seeds passed' : `${failures} failed runs`} in ${((Date.now() - startedAll) / 1000).toFixed(1)} s\n`);
process.exit(failures === 0 ? 0 : 1);
