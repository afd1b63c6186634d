/**
 * One measured `p4::bench` run on a running stage-4 cluster: `clients` closed loops of the
 * client library, each running the workload's transactions one after another (txn-mix.ts),
 * for a warm-up and a measured window; plus the shard leaders' latency split over the window
 * (the status RPC's `txn.split`, core-interface.ts) and, for the bank, a quiescent check.
 * Counting rules are in bench-log.ts.
 */
import { connectClient } from '../../../../kvstore/src/client/connect';
import type { KvClient } from '../../../../kvstore/src/client/kv-client';
import { DEFAULT_RETRY_POLICY } from '../../../../kvstore/src/client/retry-policy';
import { DEFAULT_TXN_RETRY } from '../../../../kvstore/src/client/txn-retry';
import type { TxnOp } from '../../../../kvstore/src/kv/txn-op';
import type { TxnLatencySplit } from '../../../../kvstore/src/txn/core-interface';
import { SeededRandom } from '../../random';
import type { Measured, SplitRow } from './bench-log';
import { type BankAccount, BankSource, MicroSource, type TxnSourceOfBench, type WorkloadName, bankAccounts, bankProblems, crossSharePercent, keysByShard } from './txn-mix';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the run needs of the cluster: its managers, and each shard leader's split now. */
export interface BenchTarget {
  managers: readonly string[];
  shards: number;
  /** Every shard's leader and its split counters (undefined: no leader, or it does not report one). */
  splits(): Promise<Array<{ leader: string; split: TxnLatencySplit } | undefined>>;
}

export interface MeasureOptions {
  workload: WorkloadName;
  clients: number;
  warmupMs: number;
  measureMs: number;
  seed: number;
  /** Distinct key names for this run (runs on one cluster do not share keys). */
  prefix: string;
  keysPerShard: number;
  accountsPerShard: number;
  branchesPerShard: number;
}

export const BENCH_MAX_TRIES = DEFAULT_TXN_RETRY.maxTries;

export function describeWorkload(o: Pick<MeasureOptions, 'workload' | 'keysPerShard' | 'accountsPerShard' | 'branchesPerShard'>, shards: number): string {
  const share = crossSharePercent(o.workload);
  if (share !== undefined)
    return `workload ${o.workload}: Mako's micro-benchmark, 50 % transactions of 4 GETs, 50 % of 4 read-modify-writes (INCR), keys uniform over ${o.keysPerShard} per shard, ${share} % across shards`;
  return `workload bank: TPC-A-like transfers (INCR from −a, its branch −a, to +a, its branch +a), ${o.accountsPerShard} accounts and ${o.branchesPerShard} branches per shard, accounts uniform, so ${Math.round((100 * (shards - 1)) / shards)} % across shards`;
}

/** Runs `op` until it commits (a readiness probe, and the bank's final read). */
async function untilCommitted(client: KvClient, ops: TxnOp[], waitMs: number): Promise<Map<string, string | null>> {
  const deadline = Date.now() + waitMs;
  let last = '';
  for (;;) {
    const r = await client.txn(ops).catch((err: Error) => err);
    if (!(r instanceof Error) && r.outcome === 'committed') {
      const out = new Map<string, string | null>();
      for (const x of r.results) if (x.op === 'get') out.set(x.key, x.value);
      return out;
    }
    last = r instanceof Error ? r.message : `${r.outcome} (${r.reason})`;
    if (Date.now() > deadline) throw new Error(`a transaction did not commit within ${waitMs} ms: ${last}`);
    await sleep(100);
  }
}

/** Waits until a read of a key on every shard commits: every leader serves transactions. */
export async function waitUntilServing(target: BenchTarget, waitMs: number): Promise<void> {
  const client = connectClient({ managers: target.managers });
  try {
    const probe = keysByShard('ready.', target.shards, 1).map(([key]) => ({ op: 'get' as const, key: key! }));
    await untilCommitted(client, probe, waitMs);
  } finally {
    client.close();
  }
}

function splitDelta(before: Awaited<ReturnType<BenchTarget['splits']>>, after: Awaited<ReturnType<BenchTarget['splits']>>, wallMs: number[]): SplitRow[] | string {
  const rows: SplitRow[] = [];
  for (let s = 0; s < after.length; s++) {
    const a = before[s];
    const b = after[s];
    if (a === undefined || b === undefined) return `shard ${s} had no leader reporting its split at the start or the end of the window`;
    if (a.leader !== b.leader) return `shard ${s}'s leader changed in the window (${a.leader} -> ${b.leader})`;
    const committed = b.split.committed - a.split.committed;
    const ticks = b.split.ticks - a.split.ticks;
    if (committed < 0 || ticks <= 0) return `shard ${s}'s counters went back (a new leader core)`;
    const tickMs = wallMs[s]! / ticks;
    rows.push({
      shard: `s${s}`,
      committed,
      certifyMs: committed === 0 ? 0 : ((b.split.certifyTicks - a.split.certifyTicks) / committed) * tickMs,
      waitMs: committed === 0 ? 0 : ((b.split.waitTicks - a.split.waitTicks) / committed) * tickMs,
      tickMs,
    });
  }
  return rows;
}

export async function measure(target: BenchTarget, o: MeasureOptions): Promise<Measured> {
  const rnd = new SeededRandom(o.seed);
  let sources: TxnSourceOfBench[];
  let bank: { accounts: BankAccount[]; branches: string[] } | undefined;
  const share = crossSharePercent(o.workload);
  if (share !== undefined) {
    const keys = keysByShard(`${o.prefix}k`, target.shards, o.keysPerShard);
    sources = Array.from({ length: o.clients }, () => new MicroSource(keys, share / 100, new SeededRandom(rnd.nextUint32())));
  } else {
    bank = bankAccounts(o.prefix, target.shards, o.accountsPerShard, o.branchesPerShard);
    const accounts = bank.accounts;
    sources = Array.from({ length: o.clients }, () => new BankSource(accounts, new SeededRandom(rnd.nextUint32())));
  }
  const policy = { ...DEFAULT_RETRY_POLICY, txn: { ...DEFAULT_TXN_RETRY, maxTries: BENCH_MAX_TRIES } };
  const clients = Array.from({ length: o.clients }, () => connectClient({ managers: target.managers }, policy));
  const counts = { committed: 0, cross: 0, attempts: 0, abortedAttempts: 0, gaveUp: 0, unknown: 0 };
  const latencies: number[] = [];
  try {
    const measureFrom = performance.now() + o.warmupMs;
    const stopAt = measureFrom + o.measureMs;
    // The leaders' counters at both ends of the window, each with the wall time it was read at.
    const snap = async (): Promise<{ at: number[]; splits: Awaited<ReturnType<BenchTarget['splits']>> }> => {
      const t0 = performance.now();
      const splits = await target.splits();
      const t1 = performance.now();
      return { at: splits.map(() => (t0 + t1) / 2), splits };
    };
    const startSnap = sleep(o.warmupMs).then(snap);
    const endSnap = sleep(o.warmupMs + o.measureMs).then(snap);
    await Promise.all(
      clients.map(async (client, c) => {
        const source = sources[c]!;
        while (performance.now() < stopAt) {
          const txn = source.next();
          const t0 = performance.now();
          const r = await client.txn(txn.ops).catch((err: Error) => err);
          const t1 = performance.now();
          if (t0 < measureFrom || t1 > stopAt) continue;
          if (r instanceof Error) {
            counts.unknown++;
            counts.attempts++;
            continue;
          }
          counts.attempts += r.tries;
          if (r.outcome === 'committed') {
            counts.committed++;
            if (txn.cross) counts.cross++;
            counts.abortedAttempts += r.tries - 1;
            latencies.push(t1 - t0);
          } else if (r.outcome === 'aborted') {
            counts.abortedAttempts += r.tries;
            counts.gaveUp++;
          } else {
            counts.abortedAttempts += r.tries - 1;
            counts.unknown++;
          }
        }
      }),
    );
    const [a, b] = await Promise.all([startSnap, endSnap]);
    const split = splitDelta(a.splits, b.splits, b.at.map((t, i) => t - a.at[i]!));
    const latencyMs = latencySummary(latencies);
    const out: Measured = { description: describeWorkload(o, target.shards), ...counts, latencyMs, split, measuredS: o.measureMs / 1000 };
    if (bank !== undefined) {
      // A transaction whose reply was lost may still be finishing at the shards.
      if (counts.unknown > 0) await sleep(2000);
      out.bankProblems = await checkBank(clients[0]!, bank);
    }
    return out;
  } finally {
    for (const c of clients) c.close();
  }
}

/** p50, p99 (nearest rank), mean and max of the samples; null when there are none. Any number of samples (no spread into a call). */
export function latencySummary(samples: readonly number[]): { p50: number; p99: number; avg: number; max: number } | null {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number): number => sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
  let sum = 0;
  for (const x of sorted) sum += x;
  return { p50: rank(50), p99: rank(99), avg: sum / sorted.length, max: sorted[sorted.length - 1]! };
}

/** Reads every account and branch once the load has stopped (in pieces: nothing writes any more). */
async function checkBank(client: KvClient, bank: { accounts: BankAccount[]; branches: string[] }): Promise<string[]> {
  const keys = [...bank.accounts.map((a) => a.key), ...bank.branches];
  const balances = new Map<string, number>();
  for (let i = 0; i < keys.length; i += 50) {
    const got = await untilCommitted(client, keys.slice(i, i + 50).map((key) => ({ op: 'get', key })), 30_000);
    for (const [k, v] of got) balances.set(k, v === null ? 0 : Number(v));
  }
  return bankProblems(bank.accounts, bank.branches, balances);
}
