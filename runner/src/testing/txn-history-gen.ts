/**
 * Seeded list-append histories for the transactional checker's tests and measurements.
 * Clients run transactions one after another; each transaction takes effect at a point inside
 * its [call, ret] interval, in the order of those points, so a history without faults is
 * strictly serializable. Faults, each at its own rate, break that on purpose: stale reads,
 * lost appends, aborted transactions whose appends take effect anyway, and effect points
 * outside the interval.
 */
import { SeededRandom } from '../random';
import type { TxnHistoryOp, TxnRecord } from '../check/txn/txn-history';

export interface ListAppendGenOptions {
  txns: number;
  clients: number;
  /** Keys in use at a time. */
  keys: number;
  /** A key takes at most this many appends, then a fresh key replaces it (keeps lists short). */
  appendsPerKey?: number;
  /** Operations per transaction: 1 to maxOps. */
  maxOps: number;
  seed: number;
  abortRate?: number;
  unknownRate?: number;
  /** A read misses the last elements others appended. */
  staleReadRate?: number;
  /** A committed append has no effect. */
  lostAppendRate?: number;
  /** An aborted transaction's appends take effect. */
  leakAbortedRate?: number;
  /** The transaction takes effect before its call or after its answer. */
  outsideIntervalRate?: number;
}

interface Planned {
  record: TxnRecord;
  at: number;
  effect: boolean;
}

export function generateListAppendHistory(o: ListAppendGenOptions): TxnRecord[] {
  const rnd = new SeededRandom(o.seed);
  const chance = (p: number | undefined): boolean => p !== undefined && p > 0 && rnd.nextDouble() < p;
  const int = (n: number): number => Math.floor(rnd.nextDouble() * n);
  const perKey = o.appendsPerKey ?? Number.MAX_SAFE_INTEGER;
  let nextKey = 0;
  const active: Array<{ name: string; appends: number }> = [];
  for (let k = 0; k < o.keys; k++) active.push({ name: `k${nextKey++}`, appends: 0 });
  let nextElem = 1;
  const free = new Array<number>(o.clients).fill(0);
  const planned: Planned[] = [];
  for (let i = 0; i < o.txns; i++) {
    const client = int(o.clients);
    const call = free[client]! + int(4);
    const ret = call + 1 + int(12);
    free[client] = ret + 1;
    const ops: TxnHistoryOp[] = [];
    const n = 1 + int(o.maxOps);
    for (let j = 0; j < n; j++) {
      const slot = int(active.length);
      const key = active[slot]!;
      if (rnd.nextDouble() < 0.5) {
        ops.push({ op: 'GET', key: key.name });
      } else {
        ops.push({ op: 'APPEND', key: key.name, elem: String(nextElem++) });
        if (++key.appends >= perKey) active[slot] = { name: `k${nextKey++}`, appends: 0 };
      }
    }
    const outcome = chance(o.abortRate) ? 'aborted' : chance(o.unknownRate) ? 'unknown' : 'committed';
    const record: TxnRecord = { client, call, ret: outcome === 'unknown' && rnd.nextDouble() < 0.5 ? null : ret, outcome, ops };
    const at = chance(o.outsideIntervalRate) ? (rnd.nextDouble() < 0.5 ? call - 1 - int(20) : ret + 1 + int(20)) : call + rnd.nextDouble() * (ret - call);
    const effect = outcome === 'committed' || (outcome === 'unknown' && rnd.nextDouble() < 0.5) || (outcome === 'aborted' && chance(o.leakAbortedRate));
    planned.push({ record, at, effect });
  }
  // Run the transactions in the order of their effect points.
  const state = new Map<string, string[]>();
  for (const p of [...planned].sort((a, b) => a.at - b.at)) {
    const own = new Map<string, string[]>();
    const committed = p.record.outcome === 'committed';
    p.record.ops = p.record.ops.map((op): TxnHistoryOp => {
      if (op.op === 'APPEND') {
        let l = own.get(op.key);
        if (l === undefined) own.set(op.key, (l = []));
        l.push(op.elem);
        return op;
      }
      if (op.op !== 'GET' || !committed) return op;
      let seen = state.get(op.key) ?? [];
      if (seen.length > 0 && chance(o.staleReadRate)) seen = seen.slice(0, int(seen.length));
      const list = [...seen, ...(own.get(op.key) ?? [])];
      return { op: 'GET', key: op.key, result: list.length === 0 ? null : list.join(',') };
    });
    if (!p.effect) continue;
    for (const [key, elems] of own) {
      if (committed && chance(o.lostAppendRate)) continue;
      state.set(key, [...(state.get(key) ?? []), ...elems]);
    }
  }
  return planned.map((p) => p.record);
}
