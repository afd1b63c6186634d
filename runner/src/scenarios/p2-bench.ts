#!/usr/bin/env node
/**
 * Stage 2 storage benchmarks (figures, not pass/fail):
 *  - durable writes per second on one partition with many concurrent writers
 *    (group commit should keep it far above 1 / fsync latency);
 *  - restart time of a server holding many keys (snapshot + log replay).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { connectClient } from '../../../kvstore/src/client/connect';
import { LocalLogGroup } from '../../../kvstore/src/replication/local-log-group';
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../../../kvstore/src/state/kv-log-command';
import type { ApplyOutcome } from '../../../kvstore/src/state/kv-state-machine';
import { freePort } from '../../../kvstore/src/testing/spawn-node';
import { LocalCluster } from '../cluster/local-cluster';

async function durableWrites(writers: number, seconds: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p2-bench-'));
  const [mport, sport] = [await freePort(), await freePort()];
  const cluster = await LocalCluster.start({ stage: 'p2-bench', dir, host: '127.0.0.1', managerPort: mport, serverPorts: [sport] }, { detached: false, env: { MADKV_RUN_DIR: path.join(dir, 'run') } });
  const clients = Array.from({ length: writers }, () => connectClient({ manager: cluster.managerAddress }));
  await Promise.all(clients.map((c, i) => c.put(`warm${i}`, 'x')));
  let writes = 0;
  const deadline = Date.now() + seconds * 1000;
  const t0 = Date.now();
  await Promise.all(
    clients.map(async (c, i) => {
      for (let j = 0; Date.now() < deadline; j++) {
        await c.put(`w${i}_${j % 1000}`, 'v'.repeat(100));
        writes++;
      }
    }),
  );
  const elapsed = (Date.now() - t0) / 1000;
  clients.forEach((c) => c.close());
  await cluster.stopAll('SIGTERM');
  const stats = /log since start: (\d+) records in (\d+) fsync'd batches \(([\d.]+) records a batch, ([\d.]+) ms a sync\)/.exec(fs.readFileSync(cluster.logFile('s0'), 'utf8'));
  console.log(`durable writes, 1 partition, ${writers} writers (each one PUT in flight), ${seconds} s:`);
  console.log(`  ${Math.round(writes / elapsed).toLocaleString('en-US')} acknowledged writes/s`);
  if (stats) {
    const syncMs = Number(stats[4]);
    console.log(`  ${stats[3]} records per fsync'd batch, ${syncMs} ms per fsync -> 1/fsync bound would be ${Math.round(1000 / syncMs).toLocaleString('en-US')} writes/s`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

async function restartTime(keys: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p2-restart-'));
  const backer = path.join(dir, 'backer.s0');
  // Build the server's storage in-process (same code path as the server), far faster than over the network.
  const t0 = Date.now();
  const group = await LocalLogGroup.open<KvLogCommand, ApplyOutcome, KvLogStateMachine>(backer, new KvLogStateMachine(), kvLogCodec, {
    snapshotEvery: 200_000,
    onFatal: (err) => {
      throw err;
    },
  });
  const value = 'v'.repeat(100);
  const batch = 5000;
  for (let i = 0; i < keys; i += batch) {
    const ps: Promise<ApplyOutcome>[] = [];
    for (let j = i; j < Math.min(keys, i + batch); j++) ps.push(group.propose({ cmd: { op: 'put', key: `user${String(j).padStart(10, '0')}`, value } }));
    await Promise.all(ps);
  }
  await new Promise((r) => setTimeout(r, 500)); // let a snapshot in progress land
  await group.close();
  const du = dirSize(backer);
  console.log(`restart with ${keys.toLocaleString('en-US')} keys (100-byte values; ${(du / 1e6).toFixed(0)} MB on disk; built in ${((Date.now() - t0) / 1000).toFixed(1)} s):`);
  const [mport, sport] = [await freePort(), await freePort()];
  // Point a one-server cluster at the prepared storage.
  const clusterDir = path.join(dir, 'cluster');
  const cluster = await LocalCluster.start({ stage: 'p2-bench', dir: clusterDir, host: '127.0.0.1', managerPort: mport, serverPorts: [sport] }, { detached: false, env: { MADKV_RUN_DIR: path.join(dir, 'run') } });
  await cluster.kill('s0', 'SIGKILL');
  fs.rmSync(cluster.backerPath(0), { recursive: true, force: true });
  fs.renameSync(backer, cluster.backerPath(0));
  const started = Date.now();
  await cluster.startServer(0);
  const ms = Date.now() - started;
  // The log file also holds the first (empty) start: take the last recovery line.
  const recovered = [...fs.readFileSync(cluster.logFile('s0'), 'utf8').matchAll(/recovered .* in (\d+) ms: snapshot at (\d+), (\d+) log records replayed/g)].pop();
  console.log(`  process start to listening: ${ms} ms${recovered ? ` (storage recovery ${recovered[1]} ms: snapshot at ${recovered[2]}, ${recovered[3]} records replayed)` : ''}`);
  const c = connectClient({ manager: cluster.managerAddress });
  const got = await c.get(`user${String(keys - 1).padStart(10, '0')}`);
  console.log(`  last key readable after restart: ${got === value ? 'yes' : 'NO'}`);
  c.close();
  await cluster.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
}

function dirSize(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return total;
}

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('p2-bench')
    .option('writers', { type: 'number', default: 50 })
    .option('seconds', { type: 'number', default: 5 })
    .option('keys', { type: 'number', default: 1_000_000 })
    .option('only', { choices: ['writes', 'restart'] as const })
    .strict()
    .help()
    .parseAsync();
  if (args.only !== 'restart') {
    await durableWrites(1, args.seconds);
    await durableWrites(args.writers, args.seconds);
  }
  if (args.only !== 'writes') await restartTime(args.keys);
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
