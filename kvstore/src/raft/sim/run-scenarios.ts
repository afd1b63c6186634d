/**
 * Runs every simulator scenario (or those named with --only a,b) over many seeds and prints
 * one line per scenario; every failure is printed with its replay command. Exit code 1 if
 * any seed failed.
 *
 *   node dist/kvstore/src/raft/sim/run-scenarios.js --seeds 200 [--first 1] [--only figure-8-unreliable]
 */
import { SCENARIOS } from './scenarios';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seeds = Number(arg('seeds') ?? '50');
const first = Number(arg('first') ?? '1');
const only = arg('only')?.split(',');
const names = Object.keys(SCENARIOS).filter((n) => only === undefined || only.includes(n));
if (!Number.isSafeInteger(seeds) || seeds < 1 || !Number.isSafeInteger(first) || names.length === 0) {
  process.stderr.write(`usage: run-scenarios.js [--seeds N] [--first S] [--only name,…]\nscenarios: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
let failures = 0;
const startedAll = Date.now();
for (const name of names) {
  const started = Date.now();
  let events = 0;
  let failed = 0;
  for (let seed = first; seed < first + seeds; seed++) {
    try {
      events += SCENARIOS[name]!(seed).events;
    } catch (err) {
      failed++;
      process.stdout.write(`  FAILED ${name} seed ${seed}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  failures += failed;
  process.stdout.write(`${failed === 0 ? 'ok  ' : 'FAIL'} ${name.padEnd(36)} ${seeds - failed}/${seeds} seeds, ${events.toLocaleString('en-US')} events, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(`${failures === 0 ? 'all scenarios passed' : `${failures} failed runs`} in ${((Date.now() - startedAll) / 1000).toFixed(1)} s\n`);
process.exit(failures === 0 ? 0 : 1);
