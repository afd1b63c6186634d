/**
 * `runner txn-fuzz` end to end: with a stand-in client (testing/fake-txn-client.ts) a correct
 * store passes and one whose reads lie fails with the checker's witness and keeps its history;
 * on a small real stage-4 cluster (1 manager, 2 shards × rf 1, mako) a short run with a shard
 * leader killed and restarted passes, and the log lists both faults; with a classic mistake put
 * back into the shards (MADKV_TXN_MISTAKE, test only) the run fails.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseTxnHistoryText } from '../check/txn/txn-history';
import type { LocalCluster } from '../cluster/local-cluster';
import { parseFaultSection } from '../faults/fault-section';
import { fakeTxnClientCommand } from '../testing/fake-txn-client';
import { startTestCluster } from '../testing/local-p3';
import { runRunner } from '../testing/runner-cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-txn-fuzz-test-'));
const env = { MADKV_RUN_DIR: path.join(dir, 'run') };
const clusters: LocalCluster[] = [];
after(async () => {
  await Promise.all(clusters.map((c) => c.stopAll('SIGKILL')));
  fs.rmSync(dir, { recursive: true, force: true });
});

const lastLine = (s: string): string => s.trim().split('\n').pop()!;

describe('runner txn-fuzz', () => {
  test('a correct store passes; the saved history re-checks the same with runner check', async () => {
    const history = path.join(dir, 'ok.jsonl');
    const r = await runRunner(['txn-fuzz', '--num-clis', '1', '--num-txns', '150', '--seed', '4', '--history', history, '--client-cmd', fakeTxnClientCommand()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}Txns stats: {2}Committed 150 {2}Aborted 0 {2}Unknown 0 {2}\(of 150, \d+ across shards\)$/m);
    assert.match(r.stdout, /^Fuzz testing result: PASSED$/m);
    const h = parseTxnHistoryText(fs.readFileSync(history, 'utf8'), history);
    assert.equal(h.txns.length, 150);
    assert.ok(h.txns.every((t) => t.outcome === 'committed' && t.ops.length >= 1 && t.ops.length <= 6));
    const c = await runRunner(['check', history]);
    assert.equal(c.code, 0, c.stdout + c.stderr);
    assert.equal(lastLine(c.stdout), 'Strict serializability check: PASSED');
  });

  test('a client whose reads lie fails the run, with a witness; its history is kept, and a page drawing the witnesses beside it', async () => {
    // TMPDIR: the history a failed run keeps by default (and its page) land in this test's folder.
    const r = await runRunner(['txn-fuzz', '--num-clis', '1', '--num-txns', '100', '--seed', '9', '--client-cmd', fakeTxnClientCommand(['--lie-after', '10'])], { env: { TMPDIR: dir } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Fuzz testing result: FAILED$/m);
    // The witness: a stale read is a cycle through real time, or a transaction missing its own append.
    assert.match(r.stdout, /real-time violation|internal inconsistency/);
    const kept = /history kept in (\S+)/.exec(r.stdout)?.[1];
    assert.ok(kept !== undefined && fs.existsSync(kept) && path.dirname(kept) === dir, kept);
    const page = /^ {2}HTML report: (\S+) \(open it in a browser\)$/m.exec(r.stdout)?.[1];
    assert.equal(page, kept.replace(/\.jsonl$/, '.html'));
    assert.match(fs.readFileSync(page!, 'utf8'), /data-role="anomaly"/);
    const c = await runRunner(['check', kept]);
    assert.equal(c.code, 1);
    assert.equal(lastLine(c.stdout), 'Strict serializability check: FAILED');
  });

  test('a crash without a cluster is refused in one line', async () => {
    const r = await runRunner(['txn-fuzz', '--duration', '1', '--crash', '--client-cmd', fakeTxnClientCommand()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--crash needs the local cluster/);
  });

  test('on a stage-4 cluster (mako), a run with a shard leader killed -9 and restarted passes', async () => {
    const cluster = await startTestCluster({ dir: path.join(dir, 'cluster'), stage: 'test-txn-fuzz', shape: { managers: 1, partitions: 2, rf: 1 }, proxies: false, txn: { mode: 'mako', replRttMs: 0 }, env });
    clusters.push(cluster);
    const { missing } = await cluster.waitForLeaders(20_000);
    assert.deepEqual(missing, []);
    const wrong = await runRunner(['txn-fuzz', '--duration', '1', '--cluster', cluster.dir, '--txn-mode', '2pc', '--client-cmd', fakeTxnClientCommand()], { env });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /txn_mode 2pc does not match the cluster in \S+, which runs mako/);

    const client = `${JSON.stringify(process.execPath)} dist/kvstore/src/bin/client.js --managers ${cluster.managerAddresses.join(',')}`;
    const r = await runRunner(['txn-fuzz', '--num-clis', '3', '--duration', '4', '--cluster', cluster.dir, '--txn-mode', 'mako', '--crash', '--client-cmd', client], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Fuzz testing result: PASSED$/m);
    const stats = /Committed (\d+) {2}Aborted (\d+) {2}Unknown (\d+) {2}\(of (\d+), (\d+) across shards\)/.exec(r.stdout);
    assert.ok(stats !== null && Number(stats[1]) > 20 && Number(stats[5]) > 0, r.stdout);
    const section = parseFaultSection(r.stdout.split('\n'));
    assert.deepEqual(section?.events.map((e) => e.event), ['killed (SIGKILL)', 'restarted']);
  });

  test('with a classic mistake switched on (validating reads only at written shards), the run fails with a cycle', async () => {
    const mistaken = { ...env, MADKV_TXN_MISTAKE: 'validateOnlyWrittenShards' };
    const cluster = await startTestCluster({ dir: path.join(dir, 'mistaken'), stage: 'test-txn-fuzz', shape: { managers: 1, partitions: 2, rf: 1 }, proxies: false, txn: { mode: 'mako', replRttMs: 0 }, env: mistaken });
    clusters.push(cluster);
    assert.deepEqual((await cluster.waitForLeaders(20_000)).missing, []);
    const client = `${JSON.stringify(process.execPath)} dist/kvstore/src/bin/client.js --managers ${cluster.managerAddresses.join(',')}`;
    // One key per shard, every transaction across both: read skew shows within a second or two.
    // TMPDIR: the history the failed run keeps (and its page) land in this test's folder.
    const r = await runRunner(['txn-fuzz', '--num-clis', '3', '--duration', '3', '--keys-per-shard', '1', '--cross-shard', '1', '--cluster', cluster.dir, '--client-cmd', client], { env: { ...env, TMPDIR: dir } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Fuzz testing result: FAILED$/m);
    assert.match(r.stdout, /^ {2}(G-single|G2) \(/m);
    const kept = /history kept in (\S+)/.exec(r.stdout)?.[1];
    assert.ok(kept !== undefined && fs.existsSync(kept) && path.dirname(kept) === dir, kept);
  });
});
