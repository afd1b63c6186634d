/**
 * Failover time of a partition (rf 3): one client writes continuously (one PUT at a time,
 * through the client library); `kills` times, the partition's leader is killed with SIGKILL,
 * and the sample is the time from the kill to the first write acknowledged by another
 * replica (the new leader). Then the killed replica is restarted on its storage and the next
 * kill waits until it has applied everything the new leader had committed.
 */
import { ReplicatedClient } from '../../../../kvstore/src/client/replicated-client';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../../../kvstore/src/client/retry-policy';
import { parseAddressList } from '../../../../kvstore/src/wire/address';
import { percentile } from '../closed-loop';
import { type Teardown, nodeStatus, startBenchCluster, waitApplied } from './bench-cluster';
import { type FailoverResult, round, stamp } from './results';

export interface FailoverOptions {
  kills: number;
  managers: number;
  teardown: Teardown;
  /** Extra arguments for the replicas (e.g. --tick-ms). */
  serverArgs?: string[];
  /** The client retries with the single-server backoff instead of the leader-search one (to compare). */
  noLeaderSearch?: boolean;
  env?: NodeJS.ProcessEnv;
}

const RF = 3;
const VALUE = 'v'.repeat(100);
/** A kill without an acknowledged write within this long fails the benchmark. */
const SAMPLE_LIMIT_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Watch {
  killed: number;
  at: number;
  resolve: (ms: number) => void;
}

export async function failoverBench(o: FailoverOptions): Promise<FailoverResult> {
  console.log(`failover: rf ${RF}, 1 partition, ${o.managers} manager replicas; ${o.kills} leader kills (SIGKILL), one client writing continuously${o.noLeaderSearch ? ' (retrying with the single-server backoff, not the leader search)' : ''}${o.serverArgs?.length ? `; replicas: ${o.serverArgs.join(' ')}` : ''}`);
  const bench = await startBenchCluster({ managers: o.managers, rf: RF, teardown: o.teardown, ...(o.serverArgs ? { serverArgs: o.serverArgs } : {}), ...(o.env ? { env: o.env } : {}) });
  const { cluster } = bench;
  const { leaderSearch: _unused, ...singleServer } = DEFAULT_RETRY_POLICY;
  const policy: RetryPolicy = o.noLeaderSearch ? singleServer : DEFAULT_RETRY_POLICY;
  const client = new ReplicatedClient(parseAddressList(cluster.managerAddresses.join(',')), policy);
  let acked = 0;
  let running = true;
  let watch: Watch | undefined;
  let writerError: Error | undefined;
  const writer = (async () => {
    for (let i = 0; running; i++) {
      await client.put(`failover-${i % 1000}`, VALUE);
      const t = performance.now();
      acked++;
      const w = watch;
      if (w !== undefined && t > w.at && (await client.leaderGuesses())[0] !== w.killed) {
        watch = undefined;
        w.resolve(t - w.at);
      }
    }
  })().catch((err: unknown) => {
    writerError = err as Error;
  });

  const samples: number[] = [];
  let ok = false;
  try {
    for (let k = 1; k <= o.kills; k++) {
      // The writer is going: a few more acknowledged writes before each kill.
      const before = acked;
      for (let i = 0; acked < before + 10; i++) {
        if (writerError) throw writerError;
        if (i > 3000) throw new Error('the writer made no progress for 30 s before a kill');
        await sleep(10);
      }
      const leader = await cluster.waitForLeader('0', 10_000);
      if (leader === undefined) throw new Error('partition 0 has no leader');
      const { replica } = cluster.groupOf(leader);
      const sample = new Promise<number>((resolve) => {
        watch = { killed: replica, at: performance.now(), resolve };
      });
      await cluster.kill(leader, 'SIGKILL');
      const ms = await Promise.race([sample, sleep(SAMPLE_LIMIT_MS).then(() => Number.NaN)]);
      if (Number.isNaN(ms)) throw new Error(`no write acknowledged within ${SAMPLE_LIMIT_MS} ms of killing ${leader}${writerError ? ` (${writerError.message})` : ''}`);
      samples.push(ms);
      const newLeader = (await cluster.waitForLeader('0', 10_000)) ?? '?';
      const t0 = performance.now();
      await cluster.restart(leader);
      const listening = performance.now() - t0;
      const commit = (await nodeStatus(cluster, newLeader)).commit;
      await waitApplied(cluster, leader, commit, 60_000);
      console.log(`  kill ${String(k).padStart(2)}: ${leader} killed -> write acknowledged by ${newLeader} after ${ms.toFixed(0)} ms; ${leader} restarted (listening in ${listening.toFixed(0)} ms, caught up to ${commit} in ${(performance.now() - t0).toFixed(0)} ms)`);
    }
    ok = true;
  } finally {
    running = false;
    client.close();
    await writer;
    await bench.stop(!ok);
  }
  const result: FailoverResult = {
    kind: 'failover',
    ...stamp(),
    rf: RF,
    kills: o.kills,
    samples_ms: samples.map((s) => round(s, 1)),
    p50_ms: round(percentile(samples, 50), 1),
    p99_ms: round(percentile(samples, 99), 1),
    max_ms: round(Math.max(...samples), 1),
  };
  console.log(`failover over ${samples.length} kills: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms`);
  return result;
}
