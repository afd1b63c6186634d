/**
 * The guarantees of the spec doc, checked over a simulated history in which every written
 * value is unique (`<txn number>:<op index>`), so each read names its writer:
 * - after the finalized watermarks, each transaction's writes are at all its keys or none;
 * - no acknowledged transaction is rolled back;
 * - no client sees a value of a rolled-back transaction;
 * - acknowledged transactions are strictly serializable: the graph of write-write (version
 *   order), write-read, read-write (anti-dependency) and real-time edges (A acknowledged
 *   before B was submitted) has no cycle.
 * Returns the first violation as a readable message, or null.
 */
import type { TxnOp, TxnOpResult } from '../types';

export interface TxnRecord {
  n: number;
  ops: TxnOp[];
  submittedAt: number;
  /** Virtual time of the committed answer, or null (aborted, unknown, or never answered). */
  ackedAt: number | null;
  results: TxnOpResult[] | null;
}

export function uniqueValue(n: number, op: number): string {
  return `${n}:${op}`;
}

export function writerOf(value: string): number {
  const n = Number(value.slice(0, value.indexOf(':')));
  if (!Number.isSafeInteger(n)) throw new Error(`value ${value} was not written by the workload`);
  return n;
}

/** `versions`: for each key, its surviving values in version order (oldest first). */
export function checkHistory(records: readonly TxnRecord[], versions: ReadonlyMap<string, readonly string[]>): string | null {
  const byN = new Map(records.map((r) => [r.n, r]));
  const presentKeys = new Map<number, Set<string>>();
  for (const [key, vals] of versions) {
    for (const v of vals) {
      const n = writerOf(v);
      let s = presentKeys.get(n);
      if (s === undefined) presentKeys.set(n, (s = new Set()));
      s.add(key);
    }
  }
  const written = (r: TxnRecord): Set<string> => new Set(r.ops.filter((o) => o.op === 'put').map((o) => o.key));
  const fullyPresent = (n: number): boolean => {
    const r = byN.get(n);
    const got = presentKeys.get(n);
    return r !== undefined && got !== undefined && got.size === written(r).size;
  };
  for (const [n, got] of presentKeys) {
    const r = byN.get(n);
    if (r === undefined) return `value of unknown transaction ${n} in the store`;
    const w = written(r);
    if (got.size !== w.size) return `all-or-nothing violated: transaction ${n} wrote ${[...w].join(',')} but only ${[...got].join(',')} survived`;
  }
  const acked = records.filter((r) => r.ackedAt !== null);
  for (const r of acked) {
    if (written(r).size > 0 && !fullyPresent(r.n)) return `acknowledged transaction ${r.n} was rolled back (its writes are gone)`;
  }
  // Reads of acknowledged transactions: key, value seen (null: the initial state), excluding reads of its own writes.
  const readsOf = new Map<number, Array<{ key: string; value: string | null }>>();
  for (const r of acked) {
    const own = new Set<string>();
    const reads: Array<{ key: string; value: string | null }> = [];
    r.ops.forEach((op, i) => {
      const res = r.results![i]!;
      if (op.op === 'put') own.add(op.key);
      else if (op.op === 'get' && res.op === 'get' && !own.has(op.key)) reads.push({ key: op.key, value: res.value });
    });
    for (const rd of reads) {
      if (rd.value !== null && !fullyPresent(writerOf(rd.value))) {
        return `client saw a rolled-back value: transaction ${r.n} read ${rd.key}=${rd.value}, whose writer ${writerOf(rd.value)} was rolled back`;
      }
    }
    readsOf.set(r.n, reads);
  }
  // The dependency graph over surviving writers and acknowledged transactions.
  const edges = new Map<number, Map<number, string>>();
  const edge = (a: number, b: number, why: string): void => {
    if (a === b) return;
    let m = edges.get(a);
    if (m === undefined) edges.set(a, (m = new Map()));
    if (!m.has(b)) m.set(b, why);
  };
  for (const [key, vals] of versions) {
    for (let i = 0; i + 1 < vals.length; i++) edge(writerOf(vals[i]!), writerOf(vals[i + 1]!), `ww ${key}`);
  }
  for (const [n, reads] of readsOf) {
    for (const rd of reads) {
      const vals = versions.get(rd.key) ?? [];
      const idx = rd.value === null ? -1 : vals.indexOf(rd.value);
      if (rd.value !== null) edge(writerOf(rd.value), n, `wr ${rd.key}`);
      const next = vals[idx + 1];
      if (next !== undefined) edge(n, writerOf(next), `rw ${rd.key}`);
    }
  }
  const byAck = [...acked].sort((a, b) => a.ackedAt! - b.ackedAt!);
  for (const a of byAck) for (const b of acked) if (b.submittedAt > a.ackedAt!) edge(a.n, b.n, 'real-time');
  const cycle = findCycle(edges);
  if (cycle !== null) {
    const involved = [...new Set([...cycle.matchAll(/T(\d+)/g)].map((m) => Number(m[1])))];
    const lines = involved.map((n) => {
      const r = byN.get(n)!;
      const ops = r.ops.map((o, i) => (o.op === 'put' ? `put ${o.key}=${o.value}` : `get ${o.key}=${r.results?.[i]?.op === 'get' ? r.results[i].value : '?'}`)).join('; ');
      return `    T${n}: submitted ${r.submittedAt} ms, ${r.ackedAt === null ? 'not acknowledged' : `acknowledged ${r.ackedAt} ms`}: ${ops}`;
    });
    const keys = [...new Set([...cycle.matchAll(/(?:ww|wr|rw) (\S+)->/g)].map((m) => m[1]!))];
    const vers = keys.map((k) => `    ${k}: ${(versions.get(k) ?? []).join(' < ')}`);
    return `not strictly serializable: cycle ${cycle}\n${lines.join('\n')}\n  versions:\n${vers.join('\n')}`;
  }
  return null;
}

function findCycle(edges: Map<number, Map<number, string>>): string | null {
  const state = new Map<number, 1 | 2>();
  for (const start of edges.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ node: number; it: Iterator<[number, string]> }> = [{ node: start, it: (edges.get(start) ?? new Map()).entries() }];
    const path: number[] = [start];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const nx = top.it.next();
      if (nx.done === true) {
        state.set(top.node, 2);
        stack.pop();
        path.pop();
        continue;
      }
      const [to, why] = nx.value;
      const st = state.get(to);
      if (st === 1) {
        const from = path.indexOf(to);
        const cyc = path.slice(from);
        return cyc.map((x, i) => `T${x} -${edges.get(x)!.get(cyc[i + 1] ?? to)!}->`).join(' ') + ` T${to}` + (why ? '' : '');
      }
      if (st === undefined) {
        state.set(to, 1);
        path.push(to);
        stack.push({ node: to, it: (edges.get(to) ?? new Map()).entries() });
      }
    }
  }
  return null;
}
