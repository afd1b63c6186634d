/**
 * Memory and restart of a partition holding many keys (rf 3): `keys` keys (key0000001, …)
 * with small values are written through the client library, many at once, while a
 * follower's status is sampled (its log and snapshot bytes: the log must stay bounded by
 * snapshots, not grow with the keys). Then the leader's and the follower's RSS, and the
 * follower is killed with SIGKILL and restarted: the figure is the time from starting it
 * to its status showing applied ≥ the commit index it had when killed.
 */
import * as fs from 'node:fs';
import { ReplicatedClient } from '../../../../kvstore/src/client/replicated-client';
import { parseAddressList } from '../../../../kvstore/src/wire/address';
import { type Teardown, nodeStatus, rssMb, startBenchCluster, waitApplied } from './bench-cluster';
import { type RestartResult, round, stamp } from './results';

export interface RestartOptions {
  keys: number;
  managers: number;
  /** The replicas' --snapshot-every (undefined: the program's default). */
  snapshotEvery?: number;
  /** Clients loading the keys, and PUTs each keeps in flight. */
  loadClients: number;
  inFlight: number;
  teardown: Teardown;
  env?: NodeJS.ProcessEnv;
}

const RF = 3;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const keyName = (i: number): string => `key${String(i).padStart(7, '0')}`;
const valueOf = (i: number): string => `value-${i}`;

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export async function restartBench(o: RestartOptions): Promise<RestartResult> {
  const serverArgs = o.snapshotEvery === undefined ? [] : ['--snapshot-every', String(o.snapshotEvery)];
  console.log(`restart and memory: rf ${RF}, 1 partition, ${o.keys.toLocaleString('en-US')} keys (key0000001…, values of ~12 bytes) loaded by ${o.loadClients} clients × ${o.inFlight} PUTs in flight${serverArgs.length ? `; replicas: ${serverArgs.join(' ')}` : ''}`);
  const bench = await startBenchCluster({ managers: o.managers, rf: RF, teardown: o.teardown, serverArgs, ...(o.env ? { env: o.env } : {}) });
  const { cluster } = bench;
  let ok = false;
  try {
    const leader = await cluster.waitForLeader('0', 10_000);
    if (leader === undefined) throw new Error('partition 0 has no leader');
    const follower = cluster.group('0').members.find((m) => m !== leader)!;

    // Load, sampling the follower's storage as it goes.
    let logBytesMax = 0;
    let lastSample = { logBytes: 0, snapshotBytes: 0, snapshotIndex: 0 };
    let loading = true;
    const sampler = (async () => {
      while (loading) {
        try {
          const s = await nodeStatus(cluster, follower, 2000);
          logBytesMax = Math.max(logBytesMax, s.logBytes);
          lastSample = s;
        } catch {
          // a busy follower may miss a sample
        }
        await sleep(250);
      }
    })();
    const managers = parseAddressList(cluster.managerAddresses.join(','));
    const clients = Array.from({ length: o.loadClients }, () => new ReplicatedClient(managers));
    let next = 1;
    let written = 0;
    const t0 = performance.now();
    let reported = t0;
    try {
      await Promise.all(
        clients.flatMap((c) =>
          Array.from({ length: o.inFlight }, async () => {
            for (let i = next++; i <= o.keys; i = next++) {
              await c.put(keyName(i), valueOf(i));
              written++;
              const now = performance.now();
              if (now - reported >= 5000) {
                reported = now;
                console.log(`  ${written.toLocaleString('en-US')} keys in ${((now - t0) / 1000).toFixed(0)} s; ${follower}: log ${mb(lastSample.logBytes)} (at most ${mb(logBytesMax)} so far), snapshot ${mb(lastSample.snapshotBytes)} at index ${lastSample.snapshotIndex}`);
              }
            }
          }),
        ),
      );
    } finally {
      loading = false;
      clients.forEach((c) => c.close());
      await sampler;
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    const leaderStatus = await nodeStatus(cluster, leader);
    const caughtUp = await waitApplied(cluster, follower, leaderStatus.commit, 60_000);
    logBytesMax = Math.max(logBytesMax, caughtUp.logBytes);
    console.log(`  loaded ${o.keys.toLocaleString('en-US')} keys in ${loadSeconds.toFixed(1)} s (${Math.round(o.keys / loadSeconds).toLocaleString('en-US')} PUT/s); ${follower}: log ${mb(caughtUp.logBytes)} (at most ${mb(logBytesMax)} during the load), snapshot ${mb(caughtUp.snapshotBytes)} at index ${caughtUp.snapshotIndex} of ${caughtUp.commit}`);

    const leaderRss = rssMb(cluster.pidOf(leader)!) ?? Number.NaN;
    const followerRss = rssMb(cluster.pidOf(follower)!) ?? Number.NaN;
    console.log(`  RSS: leader ${leader} ${leaderRss.toFixed(0)} MiB, follower ${follower} ${followerRss.toFixed(0)} MiB`);

    const commitBefore = (await nodeStatus(cluster, follower)).commit;
    await cluster.kill(follower, 'SIGKILL');
    const logFrom = fs.statSync(cluster.logFile(follower)).size;
    const started = performance.now();
    await cluster.restart(follower);
    const listening = performance.now() - started;
    await waitApplied(cluster, follower, commitBefore, 60_000, 10);
    const restartMs = performance.now() - started;
    const recovered = /recovered .* in \d+ ms: snapshot at \d+, log to \d+/.exec(fs.readFileSync(cluster.logFile(follower)).subarray(logFrom).toString());
    console.log(`  ${follower} killed (SIGKILL) at commit ${commitBefore}, restarted: listening after ${listening.toFixed(0)} ms, applied ≥ ${commitBefore} after ${restartMs.toFixed(0)} ms${recovered ? ` (${recovered[0]})` : ''}`);
    ok = true;
    return {
      kind: 'restart',
      ...stamp(),
      keys: o.keys,
      restart_ms: round(restartMs, 1),
      leader_rss_mb: round(leaderRss, 1),
      follower_rss_mb: round(followerRss, 1),
      log_bytes_max: logBytesMax,
      snapshot_bytes: caughtUp.snapshotBytes,
    };
  } finally {
    await bench.stop(!ok);
  }
}
