/**
 * Every simulator scenario over several seeds (more with `npm run test:raft`). A failure
 * names the seed and the command that replays it exactly.
 */
import { test } from 'node:test';
import { SCENARIOS } from './scenarios';

const SEEDS = Number(process.env.RAFT_SIM_SEEDS ?? '8');

for (const [name, run] of Object.entries(SCENARIOS)) {
  test(`simulator: ${name} (${SEEDS} seeds)`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) run(seed);
  });
}
