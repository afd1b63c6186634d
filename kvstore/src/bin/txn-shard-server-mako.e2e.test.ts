/**
 * A stage-4 cluster running Mako (one manager replica, two shards × rf 1): the shard leaders
 * report to the manager group, which hands out the epoch (its epoch duty), and only then do
 * transactions commit; the stdin/stdout client commits a cross-shard transaction and reads
 * its effects back once acknowledged.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { partitionOf } from '../cluster/partition-map';
import { P3TestCluster } from '../testing/p3-test-cluster';
import { binPath, runToCompletion } from '../testing/spawn-node';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p4-mako-'));
let c: P3TestCluster;

before(async () => {
  c = await P3TestCluster.start({ dir, managers: 1, partitions: 2, rf: 1, serverBin: 'txn-shard-server', serverArgs: ['--txn-mode', 'mako'] });
});

after(async () => {
  await c?.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

function keyOn(shard: number, prefix: string): string {
  for (let i = 0; ; i++) if (partitionOf(`${prefix}${i}`, 2) === shard) return `${prefix}${i}`;
}

function client(input: string): ReturnType<typeof runToCompletion> {
  return runToCompletion(process.execPath, [binPath('client'), '--managers', c.managerList.join(','), '--quiet', '--txn-tries', '50'], input, { timeoutMs: 30_000 });
}

test('Mako: a cross-shard transaction commits once the manager handed out the epoch, and reads back', async () => {
  const a = keyOn(0, 'acct');
  const b = keyOn(1, 'acct');
  const setup = await client(`PUT ${a} 100\nPUT ${b} 5\nSTOP\n`);
  assert.equal(setup.code, 0, setup.stderr);
  assert.equal(setup.stdout, `PUT ${a} not_found\nPUT ${b} not_found\nSTOP\n`);
  const r = await client(`TXN 3\nINCR ${a} -30\nINCR ${b} 30\nAPPEND log:${b} moved30\nTXN 3\nGET ${a}\nGET ${b}\nGET log:${b}\nSTOP\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `TXN COMMITTED\nINCR ${a} 70\nINCR ${b} 35\nAPPEND log:${b} ok\nTXN END\nTXN COMMITTED\nGET ${a} 70\nGET ${b} 35\nGET log:${b} moved30\nTXN END\nSTOP\n`);
  assert.match(c.stderr('m.0'), /shard 0's leader \S+ reported; epoch 0/);
});
