/**
 * Key-value histories produced by clients of the simulated Raft group (kvstore's
 * simulator: partitions, crashes, restarts, a lossy network; read index and lease reads)
 * must pass the runner's linearizability checker. Lives here because kvstore never
 * imports the runner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KV_SCENARIOS, runKvUnderFaults } from '../../../kvstore/src/raft/sim/scenarios';
import { checkHistory } from '../check/checker';
import type { HistoryOp } from '../check/history';

const SEEDS = Number(process.env.RAFT_SIM_SEEDS ?? '4');

for (const [name, k] of Object.entries(KV_SCENARIOS)) {
  test(`simulated Raft KV histories are linearizable: ${name} (${SEEDS} seeds)`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { history } = runKvUnderFaults(name, k.mode, k.unreliable, seed);
      const ops: HistoryOp[] = history;
      const result = checkHistory(ops);
      assert.equal(
        result.verdict,
        'PASSED',
        `seed ${seed}: ${result.violations.map((v) => v.summary).join('; ')}\nreplay: node dist/kvstore/src/raft/sim/replay.js --scenario ${name} --seed ${seed}`,
      );
      assert.ok(result.opsChecked > 50);
    }
  });
}
