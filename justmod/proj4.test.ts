/**
 * The p4 recipes, driven through `just` as a student types them, in a scratch folder: a local
 * stage-4 cluster (one manager replica, two shards × rf 3, Mako), a cross-shard transaction from
 * p4::client, a shard leader killed -9 with p4::crash, and the transaction's effects intact and
 * the cluster committing again afterwards.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { keysOnPartition } from '../kvstore/src/cluster/partition-map';
import { repoRoot, runToCompletion } from '../kvstore/src/testing/spawn-node';

const root = repoRoot();
const justBin = path.join(root, 'node_modules', '.bin', 'just');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-recipes-p4-'));
const env = { MADKV_RUN_DIR: path.join(scratch, 'run'), MADKV_RESULTS_ROOT: path.join(scratch, 'results') };
const dir = path.join(scratch, 'cluster');

function just(args: string[], input = '', timeoutMs = 60_000): ReturnType<typeof runToCompletion> {
  return runToCompletion(justBin, args, input, { env, timeoutMs });
}

after(async () => {
  await just(['p4::cluster-stop', dir]);
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The program's own error line (just first echoes the command, and adds its own line after). */
function programError(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => l.startsWith('error: ') && !l.startsWith('error: recipe'));
}

/** Whether nothing listens on 127.0.0.1:port. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port whose whole layout (base-60 … base+1000+links) is free now. */
async function freeBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + 100 * Math.floor(Math.random() * 300);
    const ports = [...Array.from({ length: 4 }, (_, i) => base - 60 + i), ...Array.from({ length: 4 }, (_, i) => base + i), ...Array.from({ length: 8 }, (_, k) => base + 41 + k), ...Array.from({ length: 8 }, (_, k) => base + 111 + k), ...Array.from({ length: 16 }, (_, j) => base + 1000 + j)];
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
}

/** The first key named `<prefix><i>` on `shard` of 2. */
function keyOn(shard: number, prefix: string): string {
  return keysOnPartition(prefix, shard, 2, 1)[0]!;
}

test('mistyped p4 recipes are refused with one line each, before anything is made', async () => {
  for (const [args, message] of [
    [['p4::cluster', '1', '2', '3', '3pc'], "error: --txn-mode must be mako or 2pc, got '3pc'"],
    [['p4::cluster', '1', '2', '3', 'mako', '-5'], 'error: --repl-rtt-ms must be an integer from 0 to 10000, got -5'],
    [['p4::cluster', '1', '2', '4'], 'error: rf must be one of 1, 3, 5, 7, 9, got 4'],
    [['p4::fuzz', '0'], "error: nclis must be an integer from 1 to 1000, got '0'"],
    [['p4::fuzz', '5', 'maybe'], "error: crashing must be yes or no, got 'maybe'"],
    [['p4::fuzz', '5', 'no', '3pc'], "error: txn_mode must be mako or 2pc, got '3pc'"],
    [['p4::fuzz', '5', 'no', 'mako', '127.0.0.1:3666,'], "error: managers: expected comma-separated host:port addresses, got '127.0.0.1:3666,'"],
    [['p4::fuzz', '5', 'yes', 'mako', '127.0.0.1:3666', dir], `error: crashing=yes needs the local cluster in ${dir} (start it with p4::cluster) to be the one managers 127.0.0.1:3666 name`],
    [['p4::service', 's0.0', '127.0.0.1:3666', '127.0.0.1:3606', '1', '127.0.0.1:3777', '127.0.0.1:3707', './b', 'mako', 'soon'], "error: repl_rtt_ms must be an integer from 0 to 10000, got 'soon'"],
  ] as const) {
    const r = await just([...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(programError(r.stderr), message, args.join(' '));
  }
  assert.equal(fs.existsSync(dir), false, 'no cluster folder');
});

test('p4::cluster runs Mako shards; a cross-shard transaction survives p4::crash of a shard leader, and the cluster commits again', async () => {
  const base = await freeBase();
  const up = await just(['p4::cluster', '1', '2', '3', 'mako', '0', String(base), dir]);
  assert.equal(up.code, 0, up.stdout + up.stderr);
  assert.match(up.stdout, /2 shards \(mako\) × rf 3/);
  const managers = `127.0.0.1:${base}`;
  const wrongMode = await just(['p4::fuzz', '5', 'no', '2pc', managers, dir]);
  assert.equal(programError(wrongMode.stderr), `error: txn_mode 2pc does not match the cluster in ${dir}, which runs mako`);
  assert.equal(fs.existsSync(path.join(scratch, 'results', 'madkv-p4', 'fuzz')), false, 'no fuzz log folder');
  const a = keyOn(0, 'acct');
  const b = keyOn(1, 'acct');
  const txn = await just(['p4::client', managers], `TXN 3\nINCR ${a} -7\nINCR ${b} 7\nAPPEND log x1\nSTOP\n`);
  assert.equal(txn.stdout, `TXN COMMITTED\nINCR ${a} -7\nINCR ${b} 7\nAPPEND log ok\nTXN END\nSTOP\n`, txn.stderr);

  const status = await just(['p4::status', dir]);
  assert.match(status.stdout, /stage 4: shards run Mako's speculative 2PC/);
  assert.match(status.stdout, /leader .*txn: epoch 0, /);
  const leader = (await just(['p4::leader', '0', dir])).stdout.trim();
  assert.match(leader, /^s0\.[0-2]$/);
  const crash = await just(['p4::crash', leader, dir]);
  assert.match(crash.stdout, new RegExp(`${leader.replace('.', '\\.')} killed \\(SIGKILL\\)`));

  // A new shard-0 leader, a new epoch: the committed transfer is whole, and new ones commit.
  const after = await just(['p4::client', managers], `TXN 3\nGET ${a}\nGET ${b}\nGET log\nTXN 2\nINCR ${b} -1\nINCR ${a} 1\nSTOP\n`);
  assert.equal(after.stdout, `TXN COMMITTED\nGET ${a} -7\nGET ${b} 7\nGET log x1\nTXN END\nTXN COMMITTED\nINCR ${b} 6\nINCR ${a} -6\nTXN END\nSTOP\n`, after.stderr);
  const later = await just(['p4::status', dir]);
  assert.match(later.stdout, new RegExp(`^${leader.replace('.', '\\.')} +\\S+ +down$`, 'm'));
  assert.match(later.stdout, /txn: epoch [1-9]/);
  const stop = await just(['p4::cluster-stop', dir]);
  assert.equal(stop.code, 0, stop.stderr);
});
