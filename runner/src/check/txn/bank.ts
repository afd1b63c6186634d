/**
 * The bank invariant: transactions move money between accounts with INCRs that add up to 0,
 * so every committed full read (a transaction of GETs that reads every account) must find the
 * declared total. A read in the middle of a transfer, or one that sees half a transfer (a
 * lost or torn write), finds another total. Missing accounts count as 0, as INCR counts them.
 */
import { parseInteger } from '../../../../kvstore/src/kv/txn-op';
import type { BankSpec, TxnHistory } from './txn-history';

export interface BankViolation {
  txn: number;
  /** The total the read found (null when a balance is not an integer). */
  sum: number | null;
  /** Each account and the balance read (the first read, if read twice). */
  balances: Array<[string, string | null]>;
  problem: string;
}

export interface BankResult {
  fullReads: number;
  violations: BankViolation[];
  violationCount: number;
}

/** Why the history is not a bank workload (an account written other than by INCR, a transfer that does not add up to 0), or undefined. */
export function bankWorkloadProblem(h: TxnHistory, spec: BankSpec): { txn: number; message: string } | undefined {
  const accounts = new Set(spec.accounts);
  for (let i = 0; i < h.txns.length; i++) {
    let net = 0;
    for (const op of h.txns[i]!.ops) {
      if (!accounts.has(op.key)) continue;
      if (op.op === 'INCR') net += op.delta;
      else if (op.op !== 'GET') return { txn: i, message: `${op.op} of account ${op.key}: a bank history moves money with INCR only` };
    }
    if (net !== 0) return { txn: i, message: `its INCRs of accounts add up to ${net}, not 0: not a transfer` };
  }
  return undefined;
}

export function checkBank(h: TxnHistory, spec: BankSpec, maxShown = 5): BankResult {
  const result: BankResult = { fullReads: 0, violations: [], violationCount: 0 };
  const accounts = new Set(spec.accounts);
  h.txns.forEach((t, i) => {
    if (t.outcome !== 'committed' || !t.ops.every((op) => op.op === 'GET')) return;
    const seen = new Map<string, string | null>();
    let reread: string | undefined;
    for (const op of t.ops) {
      if (op.op !== 'GET' || !accounts.has(op.key) || op.result === undefined) continue;
      const before = seen.get(op.key);
      if (before === undefined && !seen.has(op.key)) seen.set(op.key, op.result);
      else if (before !== op.result) reread ??= `${op.key} read twice, as ${before ?? 'null'} then ${op.result ?? 'null'}`;
    }
    if (seen.size < accounts.size) return;
    result.fullReads++;
    const balances = spec.accounts.map((a): [string, string | null] => [a, seen.get(a) ?? null]);
    let sum: number | null = 0;
    let problem = reread;
    for (const [a, v] of balances) {
      const n = v === null ? 0 : parseInteger(v);
      if (n === undefined) {
        sum = null;
        problem ??= `the balance of ${a} is not an integer`;
        break;
      }
      sum += n;
    }
    if (sum !== null && sum !== spec.total) problem ??= `the accounts add up to ${sum}, not ${spec.total}`;
    if (problem === undefined) return;
    result.violationCount++;
    if (result.violations.length < maxShown) result.violations.push({ txn: i, sum, balances, problem });
  });
  return result;
}
