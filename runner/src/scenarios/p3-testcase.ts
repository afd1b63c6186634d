#!/usr/bin/env node
/**
 * Stage 3's testcases, end to end: `p3-testcase <num 1..4>` starts its own cluster of 3
 * manager replicas and 2 partitions × rf 3 on free loopback ports (every node its own
 * process, the store's default Raft tick), prints the cluster's topology, runs scenario
 * <num> of kvstore/src/testcases/p3-scenarios.ts (each step and what it observed), stops
 * every node it started, and ends with `p3 testcase <num>: PASSED|FAILED`. `p3::testcase`
 * records it as tests/test<num>.log.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { KvClient } from '../../../kvstore/src/client/kv-client';
import { exitWhenFlushed } from '../../../kvstore/src/common/process-exit';
import { CaseLog } from '../../../kvstore/src/testcases/case-runner';
import { P3_SCENARIOS, SCENARIO_SHAPE, runScenario } from '../../../kvstore/src/testcases/p3-scenarios';
import { P3TestCluster } from '../../../kvstore/src/testing/p3-test-cluster';
import { managerNodes, serverNodes, topologyLines } from '../record/topology';

/** The replicas' default tick (replica-cli-options.ts): elections after 500–1000 ms of silence. */
const TICK_MS = 50;

async function main(): Promise<number> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('p3-testcase')
    .usage('$0 <num>\n\nRuns stage 3\'s testcase <num> (1-4) on a cluster of its own and prints PASSED or FAILED.')
    .command('$0 <num>', false, (y) => y.positional('num', { type: 'number', demandOption: true, describe: 'the scenario: 1-4' }))
    .option('keep', { type: 'boolean', default: false, describe: 'keep the cluster folder (storage, node logs) afterwards' })
    .check((a) => {
      if (!P3_SCENARIOS.some((s) => s.num === a.num)) throw new Error(`num must be 1, 2, 3 or 4, got ${String(a.num)}`);
      return true;
    })
    .strict()
    .help()
    .parseAsync();
  const scenario = P3_SCENARIOS.find((s) => s.num === args.num)!;
  const log = new CaseLog();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p3-testcase-'));
  const { managers, partitions, rf } = SCENARIO_SHAPE;
  log.say(`p3 testcase ${scenario.num}: starting ${managers} manager replicas and ${partitions} partitions x rf ${rf} on loopback, storage under ${dir}`);
  let cluster: P3TestCluster | undefined;
  const clients: KvClient[] = [];
  let passed = false;
  try {
    cluster = await P3TestCluster.start({ dir, managers, partitions, rf, tickMs: TICK_MS });
    const c = cluster;
    for (const line of await topologyLines({
      host: os.hostname(),
      source: `testcase cluster ${dir}: ${managers} managers, ${partitions} partitions x rf ${rf}`,
      nodes: [...managerNodes(c.managerList), ...serverNodes(c.args.servers.split(','), rf)].map((n) => ({ ...n, state: `pid ${c.process(n.id)?.pid ?? '?'}` })),
    })) {
      log.say(line);
    }
    for (const g of ['m', ...Array.from({ length: partitions }, (_, p) => p)] as const) {
      log.say(`${g === 'm' ? 'the manager group' : `partition ${g}`} is led by ${await c.leaderOf(g, 30_000)}`);
    }
    const outcome = await runScenario(scenario, {
      cluster: c,
      log,
      client: () => {
        const cl = c.client();
        clients.push(cl);
        return cl;
      },
    });
    passed = outcome.passed;
  } catch (err) {
    log.check(`error: ${(err as Error).message}`, false);
  } finally {
    for (const cl of clients) cl.close();
    await cluster?.stopAll();
    if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
  log.say(`p3 testcase ${scenario.num}: ${passed ? 'PASSED' : 'FAILED'}  (${log.steps - log.failures}/${log.steps} checks ok)`);
  return passed ? 0 : 1;
}

main().then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
