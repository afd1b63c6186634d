/**
 * Stage-4 clusters as processes (one manager replica, two shards × rf 1), one per protocol.
 * 2PC over Raft: the stdin/stdout client commits a cross-shard transaction and reads its
 * effects back, single-key commands run as one-operation transactions, a transaction whose
 * INCR meets a non-integer aborts as a whole. Mako: the shard leaders report to the manager
 * group, which hands out the epoch, and only then do transactions commit. The server refuses
 * arguments that cannot make a replica.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keysOnPartition } from '../cluster/partition-map';
import { P3TestCluster } from '../testing/p3-test-cluster';
import { binPath, runToCompletion } from '../testing/spawn-node';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p4-shards-'));
let c: P3TestCluster;
let mako: P3TestCluster;

before(async () => {
  const start = (mode: string): Promise<P3TestCluster> =>
    P3TestCluster.start({ dir: path.join(dir, mode), managers: 1, partitions: 2, rf: 1, serverBin: 'txn-shard-server', serverArgs: ['--txn-mode', mode] });
  [c, mako] = await Promise.all([start('2pc'), start('mako')]);
});

after(async () => {
  await Promise.all([c?.stopAll(), mako?.stopAll()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The first key named `<prefix><i>` that lives on `shard` of 2. */
function keyOn(shard: number, prefix: string): string {
  return keysOnPartition(prefix, shard, 2, 1)[0]!;
}

function client(input: string, cluster = c, extra: string[] = []): ReturnType<typeof runToCompletion> {
  return runToCompletion(process.execPath, [binPath('client'), '--managers', cluster.managerList.join(','), '--quiet', ...extra], input, { timeoutMs: 30_000 });
}

test('Mako: a cross-shard transaction commits once the manager handed out the epoch, and reads back', async () => {
  const a = keyOn(0, 'acct');
  const b = keyOn(1, 'acct');
  const m = (input: string): ReturnType<typeof runToCompletion> => client(input, mako, ['--txn-tries', '50']);
  const setup = await m(`PUT ${a} 100\nPUT ${b} 5\nSTOP\n`);
  assert.equal(setup.code, 0, setup.stderr);
  assert.equal(setup.stdout, `PUT ${a} not_found\nPUT ${b} not_found\nSTOP\n`);
  const r = await m(`TXN 3\nINCR ${a} -30\nINCR ${b} 30\nAPPEND log:${b} moved30\nTXN 3\nGET ${a}\nGET ${b}\nGET log:${b}\nSTOP\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `TXN COMMITTED\nINCR ${a} 70\nINCR ${b} 35\nAPPEND log:${b} ok\nTXN END\nTXN COMMITTED\nGET ${a} 70\nGET ${b} 35\nGET log:${b} moved30\nTXN END\nSTOP\n`);
  assert.match(mako.stderr('m.0'), /shard 0's leader \S+ reported; epoch 0/);
});

test('a cross-shard transaction commits on both shards and its effects read back (2pc)', async () => {
  const a = keyOn(0, 'acct');
  const b = keyOn(1, 'acct');
  const setup = await client(`PUT ${a} 100\nPUT ${b} 5\nSTOP\n`);
  assert.equal(setup.code, 0, setup.stderr);
  assert.equal(setup.stdout, `PUT ${a} not_found\nPUT ${b} not_found\nSTOP\n`);

  const r = await client(`TXN 4\nINCR ${a} -30\nINCR ${b} 30\nAPPEND log:${a} moved30\nGET ${b}\nGET ${a}\nGET ${b}\nSTOP\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `TXN COMMITTED\nINCR ${a} 70\nINCR ${b} 35\nAPPEND log:${a} ok\nGET ${b} 35\nTXN END\nGET ${a} 70\nGET ${b} 35\nSTOP\n`);

  // Another client sees the committed effects, on both shards.
  const check = await client(`TXN 3\nGET ${a}\nGET ${b}\nGET log:${a}\nSTOP\n`);
  assert.equal(check.stdout, `TXN COMMITTED\nGET ${a} 70\nGET ${b} 35\nGET log:${a} moved30\nTXN END\nSTOP\n`);
});

test('a transaction that cannot run aborts as a whole: nothing of it is visible', async () => {
  const a = keyOn(0, 'word');
  const b = keyOn(1, 'word');
  const setup = await client(`PUT ${a} hello\nPUT ${b} 1\nSTOP\n`);
  assert.equal(setup.code, 0, setup.stderr);
  const r = await client(`TXN 2\nPUT ${b} 2\nINCR ${a} 1\nGET ${a}\nGET ${b}\nSTOP\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `TXN ABORTED not_integer\nGET ${a} hello\nGET ${b} 1\nSTOP\n`);
});

test('single-key commands and SCAN run on a stage-4 cluster', async () => {
  const r = await client('PUT s1 x\nSWAP s1 y\nGET s1\nDELETE s1\nDELETE s1\nPUT s2 z\nPUT s3 w\nSCAN s0 s9\nSTOP\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'PUT s1 not_found\nSWAP s1 x\nGET s1 y\nDELETE s1 found\nDELETE s1 not_found\nPUT s2 not_found\nPUT s3 not_found\nSCAN s0 s9 BEGIN\n  s2 z\n  s3 w\nSCAN END\nSTOP\n');
});

test('txn-shard-server refuses a bad --txn-mode or --repl-rtt-ms with one clear line, before touching storage', async () => {
  const backer = path.join(dir, 'refused');
  const base = ['--part-id', '0', '--rep-id', '0', '--peers', 'none', '--api-port', '0', '--p2p-port', '0', '--managers', '127.0.0.1:1', '--backer-path', backer];
  const mode = await runToCompletion(process.execPath, [binPath('txn-shard-server'), ...base, '--txn-mode', '3pc'], '', { timeoutMs: 15_000 });
  assert.notEqual(mode.code, 0);
  assert.match(mode.stderr, /txn-mode.*3pc|Invalid values/s);
  const rtt = await runToCompletion(process.execPath, [binPath('txn-shard-server'), ...base, '--repl-rtt-ms', '-5'], '', { timeoutMs: 15_000 });
  assert.notEqual(rtt.code, 0);
  assert.match(rtt.stderr, /--repl-rtt-ms must be an integer from 0 to 10000, got -5/);
  const help = await runToCompletion(process.execPath, [binPath('txn-shard-server'), '--help'], '', { timeoutMs: 15_000 });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--txn-mode/);
  assert.match(help.stdout, /--repl-rtt-ms/);
  assert.equal(fs.existsSync(backer), false, 'no storage was created');
});
