#!/usr/bin/env node
/**
 * Stage 2's own testcase, end to end on a cluster it starts itself: three
 * partitions; puts and swaps; gets and scans; kill -9 one server; operations on
 * the other partitions still succeed; operations that need the dead partition
 * block (shown with a timeout); restart it; the latest values are all back.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { connectClient } from '../../../kvstore/src/client/connect';
import { partitionOf } from '../../../kvstore/src/cluster/partition-map';
import { CaseLog } from '../../../kvstore/src/testcases/case-runner';
import { freePort } from '../../../kvstore/src/testing/spawn-node';
import { exitWhenFlushed } from '../../../kvstore/src/common/process-exit';
import { LocalCluster } from '../cluster/local-cluster';

const SERVERS = 3;
const VICTIM = 1;

/** Resolves with the value, or 'blocked' if the promise is still pending after ms. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'blocked'> {
  return Promise.race([p, new Promise<'blocked'>((r) => setTimeout(() => r('blocked'), ms))]);
}

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('p2-crash-testcase')
    .option('block-ms', { type: 'number', default: 2000, describe: 'how long an operation on the dead partition is watched to show it blocks' })
    .option('keep', { type: 'boolean', default: false, describe: 'keep the cluster folder afterwards' })
    .strict()
    .help()
    .parseAsync();
  const log = new CaseLog();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p2-testcase-'));
  const ports = await Promise.all(Array.from({ length: SERVERS + 1 }, () => freePort()));
  log.say(`p2 crash testcase: starting a manager and ${SERVERS} servers under ${dir}`);
  const cluster = await LocalCluster.start(
    { stage: 'p2-testcase', dir, host: '127.0.0.1', managerPort: ports[0]!, serverPorts: ports.slice(1) },
    { detached: false, env: { MADKV_RUN_DIR: path.join(dir, 'run') } },
  );
  const client = connectClient({ manager: cluster.managerAddress });
  try {
    // Twelve keys spread over the three partitions.
    const keys = Array.from({ length: 12 }, (_, i) => `key${String(i).padStart(2, '0')}`);
    const owner = (k: string): number => partitionOf(k, SERVERS);
    log.say(`keys by partition: ${[0, 1, 2].map((p) => `s${p}: ${keys.filter((k) => owner(k) === p).join(' ')}`).join('  |  ')}`);
    for (const k of keys) await log.expect(client, 'c0', { op: 'put', key: k, value: `v1_${k}` }, { op: 'put', found: false });
    for (const k of keys.slice(0, 6)) await log.expect(client, 'c0', { op: 'swap', key: k, value: `v2_${k}` }, { op: 'swap', old: `v1_${k}` });
    const latest = new Map(keys.map((k, i) => [k, i < 6 ? `v2_${k}` : `v1_${k}`]));
    for (const k of keys) await log.expect(client, 'c0', { op: 'get', key: k }, { op: 'get', value: latest.get(k)! });
    await log.expect(client, 'c0', { op: 'scan', start: 'key00', end: 'key99' }, { op: 'scan', pairs: keys.map((k) => [k, latest.get(k)!]) });

    log.say(`kill -9 server s${VICTIM}`);
    await cluster.kill(`s${VICTIM}`, 'SIGKILL');
    const live = keys.filter((k) => owner(k) !== VICTIM);
    const dead = keys.filter((k) => owner(k) === VICTIM);
    for (const k of live) {
      await log.expect(client, 'c0', { op: 'get', key: k }, { op: 'get', value: latest.get(k)! });
      await log.expect(client, 'c0', { op: 'swap', key: k, value: `v3_${k}` }, { op: 'swap', old: latest.get(k)! });
      latest.set(k, `v3_${k}`);
    }
    const blockedGet = client.get(dead[0]!);
    const blockedScan = client.scan('key00', 'key99');
    const g = await within(blockedGet, args['block-ms']);
    log.check(`GET ${dead[0]} on the dead partition s${VICTIM} blocks (no answer within ${args['block-ms']} ms)`, g === 'blocked', `got ${g}`);
    const s = await within(blockedScan, 100);
    log.check(`SCAN key00 key99, which needs every partition, blocks too`, s === 'blocked');

    log.say(`restart server s${VICTIM} on its storage`);
    await cluster.startServer(VICTIM);
    log.check(`the blocked GET completes with the latest value ${latest.get(dead[0]!)}`, (await blockedGet) === latest.get(dead[0]!));
    const pairs = await blockedScan;
    log.check('the blocked SCAN completes with every key', pairs.length === keys.length, `got ${pairs.length}`);
    for (const k of dead) await log.expect(client, 'c0', { op: 'get', key: k }, { op: 'get', value: latest.get(k)! });
    await log.expect(client, 'c0', { op: 'scan', start: 'key00', end: 'key99' }, { op: 'scan', pairs: keys.map((k) => [k, latest.get(k)!]) });
  } finally {
    client.close();
    await cluster.stopAll();
    if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
  const verdict = log.failures === 0 ? 'PASSED' : 'FAILED';
  log.say(`p2 crash testcase: ${verdict}  (${log.steps - log.failures}/${log.steps} checks ok)`);
  await exitWhenFlushed(log.failures === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
