/**
 * The transactions of `p4::bench` (pure: randomness comes from the seeded generator).
 *
 *   micro-<P>  Mako's micro-benchmark: half the transactions read 4 keys (4 GETs), half
 *              read-modify-write 4 keys (4 INCRs by 1); keys uniform over `keysPerShard`
 *              keys of each shard. P % of the transactions span shards (their 4 keys on at
 *              least two shards: the first two on two different shards, the other two
 *              anywhere); the others take all 4 keys from one shard, chosen uniformly.
 *   bank       TPC-A-like transfers: accounts uniform over the shards (`accountsPerShard`
 *              each), every account belonging to one of `branchesPerShard` branches of its
 *              shard. A transfer moves 1..9 from one account to another (uniform, distinct)
 *              and keeps the branch totals: INCR from −a, INCR from's branch −a, INCR to +a,
 *              INCR to's branch +a. With S shards, (S−1)/S of transfers span two shards;
 *              the branches are the hot keys (TPC-A's branch row), as in TPC-A.
 * Every balance starts missing (0) and every transfer sums to 0, so after the run the
 * accounts sum to 0, the branches sum to 0, and each branch equals the sum of its accounts
 * (`bankProblems` checks a quiescent read of them all).
 */
import { keysOnPartition } from '../../../../kvstore/src/cluster/partition-map';
import type { TxnOp } from '../../../../kvstore/src/kv/txn-op';
import type { SeededRandom } from '../../random';

export const MICRO_SHARES = [0, 5, 20, 50] as const;
export const MICRO_OPS = 4;

export type WorkloadName = `micro-${number}` | 'bank';

/** Parses `micro-<0..100>` or `bank`; why not, for anything else. */
export function parseWorkload(text: string): { value: WorkloadName } | { why: string } {
  if (text === 'bank') return { value: 'bank' };
  const m = /^micro-(\d{1,3})$/.exec(text);
  if (m !== null && Number(m[1]) <= 100) return { value: `micro-${Number(m[1])}` };
  return { why: `unknown workload '${text}': expected micro-<cross-shard %, 0..100> (e.g. micro-5) or bank` };
}

export function crossSharePercent(w: WorkloadName): number | undefined {
  return w === 'bank' ? undefined : Number(w.slice('micro-'.length));
}

export interface GeneratedTxn {
  ops: TxnOp[];
  /** The keys span more than one shard. */
  cross: boolean;
  readOnly: boolean;
}

export interface TxnSourceOfBench {
  next(): GeneratedTxn;
}

/** `n` keys on each shard (by the store's partitioning), named `<prefix><shard>.<i>`. */
export function keysByShard(prefix: string, shards: number, n: number): string[][] {
  return Array.from({ length: shards }, (_, s) => keysOnPartition(`${prefix}${s}.`, s, shards, n));
}

export class MicroSource implements TxnSourceOfBench {
  constructor(
    private readonly keys: readonly (readonly string[])[],
    /** 0..1 */
    private readonly crossShare: number,
    private readonly rnd: SeededRandom,
  ) {
    if (keys.length === 0 || keys.some((k) => k.length < MICRO_OPS)) throw new RangeError(`every shard needs at least ${MICRO_OPS} keys`);
  }

  next(): GeneratedTxn {
    const shards = this.keys.length;
    const cross = shards > 1 && this.rnd.nextInt(1_000_000) < this.crossShare * 1_000_000;
    const readOnly = this.rnd.nextInt(2) === 0;
    const home = this.rnd.nextInt(shards);
    const other = (home + 1 + this.rnd.nextInt(Math.max(shards - 1, 1))) % shards;
    const chosen = new Set<string>();
    const ops: TxnOp[] = [];
    for (let i = 0; i < MICRO_OPS; i++) {
      const shard = !cross ? home : i === 0 ? home : i === 1 ? other : this.rnd.nextInt(shards);
      const onShard = this.keys[shard]!;
      // Four distinct keys: a repeated key would make a 4-op transaction touch fewer keys.
      let key = onShard[this.rnd.nextInt(onShard.length)]!;
      while (chosen.has(key)) key = onShard[this.rnd.nextInt(onShard.length)]!;
      chosen.add(key);
      ops.push(readOnly ? { op: 'get', key } : { op: 'incr', key, delta: 1 });
    }
    return { ops, cross, readOnly };
  }
}

export interface BankAccount {
  key: string;
  branch: string;
  shard: number;
}

/** `accountsPerShard` accounts on each shard, account i of a shard in branch i mod `branchesPerShard` of that shard. */
export function bankAccounts(prefix: string, shards: number, accountsPerShard: number, branchesPerShard: number): { accounts: BankAccount[]; branches: string[] } {
  const accounts: BankAccount[] = [];
  const branches: string[] = [];
  for (let s = 0; s < shards; s++) {
    const b = keysOnPartition(`${prefix}br${s}.`, s, shards, branchesPerShard);
    branches.push(...b);
    keysOnPartition(`${prefix}ac${s}.`, s, shards, accountsPerShard).forEach((key, i) => accounts.push({ key, branch: b[i % branchesPerShard]!, shard: s }));
  }
  return { accounts, branches };
}

export class BankSource implements TxnSourceOfBench {
  constructor(
    private readonly accounts: readonly BankAccount[],
    private readonly rnd: SeededRandom,
  ) {
    if (accounts.length < 2) throw new RangeError('a bank needs two accounts at least');
  }

  next(): GeneratedTxn {
    const n = this.accounts.length;
    const i = this.rnd.nextInt(n);
    const j = (i + 1 + this.rnd.nextInt(n - 1)) % n;
    const from = this.accounts[i]!;
    const to = this.accounts[j]!;
    const amount = 1 + this.rnd.nextInt(9);
    const ops: TxnOp[] = [
      { op: 'incr', key: from.key, delta: -amount },
      { op: 'incr', key: from.branch, delta: -amount },
      { op: 'incr', key: to.key, delta: amount },
      { op: 'incr', key: to.branch, delta: amount },
    ];
    // Two accounts of one branch: both INCRs of the branch run, netting 0.
    return { ops, cross: from.shard !== to.shard, readOnly: false };
  }
}

/** What is wrong with a quiescent bank (balances by key; missing = 0): nothing when it holds. */
export function bankProblems(accounts: readonly BankAccount[], branches: readonly string[], balances: ReadonlyMap<string, number>): string[] {
  const get = (k: string): number => balances.get(k) ?? 0;
  const problems: string[] = [];
  const accountSum = accounts.reduce((s, a) => s + get(a.key), 0);
  const branchSum = branches.reduce((s, b) => s + get(b), 0);
  if (accountSum !== 0) problems.push(`the accounts sum to ${accountSum}, not 0`);
  if (branchSum !== 0) problems.push(`the branches sum to ${branchSum}, not 0`);
  const perBranch = new Map<string, number>();
  for (const a of accounts) perBranch.set(a.branch, (perBranch.get(a.branch) ?? 0) + get(a.key));
  for (const b of branches) {
    const want = perBranch.get(b) ?? 0;
    if (get(b) !== want) problems.push(`branch ${b} holds ${get(b)}, its accounts sum to ${want}`);
  }
  return problems;
}
