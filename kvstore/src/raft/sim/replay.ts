/**
 * Runs one simulator scenario on one seed, exactly as the test that failed did:
 *
 *   node dist/kvstore/src/raft/sim/replay.js --scenario figure-8-unreliable --seed 1234
 *
 * With RAFT_SIM_TRACE=print every event is printed; with RAFT_SIM_TRACE=1 the last events
 * are shown with a failure.
 */
import { SCENARIOS } from './scenarios';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const name = arg('scenario');
const seedText = arg('seed');
if (name === undefined || seedText === undefined || !(name in SCENARIOS) || !/^\d+$/.test(seedText)) {
  process.stderr.write(`usage: replay.js --scenario <name> --seed <n>\nscenarios: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const started = Date.now();
try {
  const r = SCENARIOS[name]!(Number(seedText));
  process.stdout.write(`${name} seed ${seedText}: PASSED (${r.events} events, ${(r.virtualMs / 1000).toFixed(1)} s simulated, ${Date.now() - started} ms) ${r.notes.join('; ')}\n`);
} catch (err) {
  process.stdout.write(`${name} seed ${seedText}: FAILED\n${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
