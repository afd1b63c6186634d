/**
 * The transaction simulator over a few seeds per crash plan (many more with
 * `npm run test:txn`). A failure names the seed and the command that replays it exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CRASH_PLANS, runTxnSimulation } from './txn-simulation';

const SEEDS = Number(process.env.TXN_SIM_SEEDS ?? '2');

for (const plan of CRASH_PLANS) {
  test(`simulator, crash plan ${plan}: guarantees hold (${SEEDS} seeds)`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runTxnSimulation({ seed, plan, workloadMs: 800 });
      assert.ok(r.acknowledged > 0, `seed ${seed}: nothing was acknowledged`);
    }
  });
}

test('simulator: a seed replays exactly', () => {
  const a = runTxnSimulation({ seed: 7, plan: 'while-closing', workloadMs: 600 });
  const b = runTxnSimulation({ seed: 7, plan: 'while-closing', workloadMs: 600 });
  assert.deepEqual(a, b);
  assert.ok(a.crashes > 0);
});

test('simulator: the 2PC baseline keeps acknowledged transactions strictly serializable (no crashes)', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = runTxnSimulation({ seed, plan: 'random', mode: '2pc', workloadMs: 800 });
    assert.ok(r.acknowledged > 0, `seed ${seed}: nothing was acknowledged`);
    assert.equal(r.crashes, 0);
  }
});
