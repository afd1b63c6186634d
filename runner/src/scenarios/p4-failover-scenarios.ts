#!/usr/bin/env node
/**
 * Stage 4's failover scenario, once per transaction protocol (mako, 2pc), each on a fresh
 * local cluster of 3 manager replicas and 3 shards × rf 3 (link proxies on):
 *   clients run cross-shard transfers (transfer-ledger.ts: two INCRs and two APPENDs of a
 *   unique id, the two accounts on different shards) and audits (a transaction reading every
 *   account); a third of the way in, the leader of shard 1 is killed -9, and restarted a third
 *   later. The final state must then hold every acknowledged transfer, all or nothing, each
 *   once, with balances matching the ledgers and summing to 0, as every committed audit did;
 *   and transfers between the two other shards must have kept committing while shard 1 had no
 *   leader of the old epoch.
 * Exits non-zero unless every scenario passes.
 *
 *   p4-failover-scenarios [--only mako|2pc] [--secs 24] [--clients 4] [--repl-rtt-ms 0] [--keep]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { connectClient } from '../../../kvstore/src/client/connect';
import type { KvClient } from '../../../kvstore/src/client/kv-client';
import { DEFAULT_RETRY_POLICY } from '../../../kvstore/src/client/retry-policy';
import { keysOnPartition } from '../../../kvstore/src/cluster/partition-map';
import { exitWhenFlushed } from '../../../kvstore/src/common/process-exit';
import type { TxnOp } from '../../../kvstore/src/kv/txn-op';
import type { LocalCluster } from '../cluster/local-cluster';
import { startTestCluster } from '../testing/local-p3';
import { type Audit, type Transfer, checkLedger, ledgerElements, transferOps } from './transfer-ledger';

const SHARDS = 3;
const ACCOUNTS_PER_SHARD = 4;
/** The shard whose leader is killed. */
const VICTIM = 1;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Account {
  key: string;
  ledger: string;
  shard: number;
}

/** ACCOUNTS_PER_SHARD accounts on each shard, each with a ledger key on the same shard. */
function accountsOn(prefix: string): Account[] {
  return Array.from({ length: SHARDS }, (_, shard) =>
    keysOnPartition(`${prefix}acct${shard}.`, shard, SHARDS, ACCOUNTS_PER_SHARD).map((key) => ({ key, ledger: keysOnPartition(`${key}.ledger`, shard, SHARDS, 1)[0]!, shard })),
  ).flat();
}

/** A small seeded generator, so a run's choice of transfers can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Workload {
  transfers: Transfer[];
  audits: Audit[];
  auditsAborted: number;
  /** Commit times (ms since start) of transfers between shards other than the victim. */
  healthyCommits: number[];
  errors: string[];
}

async function runClient(client: KvClient, c: number, accounts: Account[], until: () => boolean, w: Workload, t0: number, seed: number): Promise<void> {
  const rand = lcg(seed);
  for (let seq = 0; !until(); seq++) {
    if (rand() < 0.2) {
      const ops: TxnOp[] = accounts.map((a) => ({ op: 'get', key: a.key }));
      const r = await client.txn(ops).catch((err: Error) => err);
      if (r instanceof Error) w.errors.push(`client ${c} audit: ${r.message}`);
      else if (r.outcome === 'committed') {
        const balances = new Map<string, number>();
        for (const x of r.results) if (x.op === 'get') balances.set(x.key, x.value === null ? 0 : Number(x.value));
        w.audits.push({ client: c, balances });
      } else w.auditsAborted++;
      continue;
    }
    const from = accounts[Math.floor(rand() * accounts.length)]!;
    const others = accounts.filter((a) => a.shard !== from.shard);
    const to = others[Math.floor(rand() * others.length)]!;
    const t = { id: `c${c}-${seq}`, from: from.key, to: to.key, amount: 1 + Math.floor(rand() * 9), fromLedger: from.ledger, toLedger: to.ledger };
    const r = await client.txn(transferOps(t)).catch((err: Error) => err);
    // An error reply is not an outcome: the transfer may have run, like an unknown one.
    const outcome = r instanceof Error ? 'unknown' : r.outcome;
    if (r instanceof Error) w.errors.push(`client ${c} ${t.id}: ${r.message}`);
    w.transfers.push({ ...t, outcome });
    if (outcome === 'committed' && from.shard !== VICTIM && to.shard !== VICTIM) w.healthyCommits.push(Date.now() - t0);
  }
}

/** Reads every account and ledger in one read-only transaction, trying until it commits. */
async function readFinal(client: KvClient, accounts: Account[]): Promise<{ balances: Map<string, number>; ledgers: Map<string, string[]> }> {
  const ops: TxnOp[] = accounts.flatMap((a) => [{ op: 'get', key: a.key } as const, { op: 'get', key: a.ledger } as const]);
  for (let attempt = 1; ; attempt++) {
    const r = await client.txn(ops).catch((err: Error) => err);
    if (!(r instanceof Error) && r.outcome === 'committed') {
      const balances = new Map<string, number>();
      const ledgers = new Map<string, string[]>();
      for (const [i, x] of r.results.entries()) {
        if (x.op !== 'get') continue;
        if (i % 2 === 0) balances.set(x.key, x.value === null ? 0 : Number(x.value));
        else ledgers.set(x.key, ledgerElements(x.value));
      }
      return { balances, ledgers };
    }
    if (attempt >= 30) {
      // Which keys cannot be read, one by one, to say where the cluster is stuck.
      const stuck: string[] = [];
      for (const op of ops) {
        const one = await client.txn([op]).catch((err: Error) => err);
        if (one instanceof Error || one.outcome !== 'committed') stuck.push(`${op.key} (${one instanceof Error ? one.message : one.reason})`);
      }
      throw new Error(`the final read did not commit in 30 tries: ${r instanceof Error ? r.message : `${r.outcome} ${'reason' in r ? r.reason : ''}`}; keys not readable alone: ${stuck.join(', ') || 'none'}`);
    }
    await sleep(500);
  }
}

async function scenario(mode: 'mako' | '2pc', o: { dir: string; secs: number; clients: number; replRttMs: number }): Promise<string> {
  const cluster: LocalCluster = await startTestCluster({
    dir: o.dir,
    stage: 'p4-failover-scenarios',
    shape: { managers: 3, partitions: SHARDS, rf: 3 },
    txn: { mode, replRttMs: o.replRttMs },
    env: { MADKV_RUN_DIR: path.join(o.dir, 'run') },
  });
  const clients: KvClient[] = [];
  try {
    const { missing } = await cluster.waitForLeaders(30_000);
    if (missing.length > 0) return `no leader in ${missing.join(', ')} after 30 s`;
    const accounts = accountsOn(`f${Date.now() % 100_000}.`);
    const w: Workload = { transfers: [], audits: [], auditsAborted: 0, healthyCommits: [], errors: [] };
    const policy = { ...DEFAULT_RETRY_POLICY, txn: { maxTries: 5, backoff: { initialMs: 5, maxMs: 200 } } };
    for (let c = 0; c < o.clients; c++) clients.push(connectClient({ managers: cluster.managerAddresses }, policy));
    const t0 = Date.now();
    const end = t0 + o.secs * 1000;
    const running = clients.map((client, c) => runClient(client, c, accounts, () => Date.now() >= end, w, t0, 1000 + c));

    await sleep((o.secs * 1000) / 3);
    const victim = await cluster.waitForLeader(String(VICTIM), 10_000);
    if (victim === undefined) return `shard ${VICTIM} has no leader to kill`;
    await cluster.kill(victim, 'SIGKILL');
    const killedAt = Date.now() - t0;
    say(`  [${(killedAt / 1000).toFixed(1)} s: killed ${victim}, the leader of shard ${VICTIM}]`);
    const newLeader = await cluster.waitForLeader(String(VICTIM), 15_000);
    const electedAt = Date.now() - t0;
    say(`  [${(electedAt / 1000).toFixed(1)} s: shard ${VICTIM} led by ${newLeader ?? 'nobody'}]`);
    await sleep(Math.max(0, t0 + (2 * o.secs * 1000) / 3 - Date.now()));
    const restartedAt = Date.now() - t0;
    await cluster.restart(victim);
    say(`  [${((Date.now() - t0) / 1000).toFixed(1)} s: restarted ${victim}]`);
    await Promise.all(running);

    const final = await readFinal(clients[0]!, accounts);
    const v = checkLedger(w.transfers, w.audits, final);
    const count = (outcome: Transfer['outcome']): number => w.transfers.filter((t) => t.outcome === outcome).length;
    const between = (from: number, to: number): number => w.healthyCommits.filter((t) => t >= from && t <= to).length;
    const healthy = between(killedAt, restartedAt);
    const summary =
      `${w.transfers.length} transfers: ${count('committed')} committed, ${count('aborted')} aborted, ${count('unknown')} unknown (${v.unknownApplied} took effect); ` +
      `${w.audits.length} audits committed, ${w.auditsAborted} not; between the two other shards, ${between(killedAt, electedAt)} transfers committed during shard ${VICTIM}'s election (${((electedAt - killedAt) / 1000).toFixed(1)} s) ` +
      `and ${healthy} while its old leader was down (${((restartedAt - killedAt) / 1000).toFixed(1)} s)`;
    for (const e of w.errors.slice(0, 5)) say(`  client error: ${e}`);
    if (v.problems.length > 0) return `FAILED: ${summary}\n${v.problems.map((p) => `  ${p}`).join('\n')}`;
    if (count('committed') === 0) return `FAILED: nothing committed (${summary})`;
    if (newLeader === undefined) return `FAILED: shard ${VICTIM} elected no new leader (${summary})`;
    if (healthy === 0) return `FAILED: the healthy shards committed nothing while shard ${VICTIM}'s old leader was down (${summary})`;
    return `PASSED: ${summary}`;
  } finally {
    for (const c of clients) c.close();
    await cluster.stopAll('SIGKILL');
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('p4-failover-scenarios')
    .option('only', { choices: ['mako', '2pc'] as const, describe: 'run one protocol' })
    .option('secs', { type: 'number', default: 24, describe: 'length of each run' })
    .option('clients', { type: 'number', default: 4, describe: 'concurrent clients' })
    .option('repl-rtt-ms', { type: 'number', default: 0, describe: 'round trip added on the shards\' replication links' })
    .option('keep', { type: 'boolean', default: false, describe: 'keep each cluster folder (storage and logs), even when it passes' })
    .check((a) => {
      if (!(a.secs >= 6 && a.secs <= 3600)) throw new Error(`--secs must be from 6 to 3600, got ${a.secs}`);
      if (!Number.isInteger(a.clients) || a.clients < 1 || a.clients > 64) throw new Error(`--clients must be an integer from 1 to 64, got ${a.clients}`);
      return true;
    })
    .strict()
    .help()
    .parseAsync();
  let failed = 0;
  for (const mode of ['mako', '2pc'] as const) {
    if (args.only !== undefined && args.only !== mode) continue;
    say(`scenario ${mode}: 3 shards × rf 3, ${args.clients} clients for ${args.secs} s, the leader of shard ${VICTIM} killed -9 and restarted`);
    const started = Date.now();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `madkv-p4-failover-${mode}-`));
    let outcome: string;
    try {
      outcome = await scenario(mode, { dir, secs: args.secs, clients: args.clients, replRttMs: args['repl-rtt-ms'] });
    } catch (err) {
      outcome = `error: ${(err as Error).stack ?? String(err)}`;
    }
    const ok = outcome.startsWith('PASSED');
    say(`scenario ${mode}: ${outcome} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (!ok) failed++;
    if (ok && !args.keep) fs.rmSync(dir, { recursive: true, force: true });
    else say(`  (cluster folder kept: ${dir})`);
  }
  say(failed === 0 ? 'p4 failover scenarios: all PASSED' : `p4 failover scenarios: ${failed} FAILED`);
  exitWhenFlushed(failed === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  exitWhenFlushed(1);
});
