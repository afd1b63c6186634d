/**
 * Synthetic histories for the checker's tests and benchmark: clients issue operations with
 * random durations; each takes effect at a random instant inside its interval on an in-memory
 * map, so the history is linearizable by construction. Faults can be injected (stale reads,
 * lost writes) to produce histories a correct checker must reject. Crash shapes too: writes
 * that never returned (half of them took effect, half never did), and intervals widened on
 * both sides (a slow network or a paused leader: the recorded interval still contains the
 * instant the operation took effect, so the history stays linearizable).
 */
import type { HistoryOp } from '../check/history';
import { SeededRandom } from '../random';

export interface GenOptions {
  clients: number;
  opsPerClient: number;
  keys: string[];
  seed: number;
  /** Fraction of GETs answered from an older value of the key (0 = none). */
  staleReadRate?: number;
  /** Fraction of PUTs acknowledged but never applied (0 = none). */
  lostWriteRate?: number;
  /** Include SCANs (between two random keys) in the mix. */
  scans?: boolean;
  /**
   * This many writes (PUT, SWAP, DELETE), chosen at random, never return (`ret: null`); each
   * took effect (at its instant) or never did, with even odds.
   */
  pendingWrites?: number;
  /** Widen every interval by this much on both sides (calls stay >= 0). */
  widen?: number;
  /** Fraction of operations that are slow (up to 200 time units instead of 30; default 0.05). */
  slowOpRate?: number;
}

interface Planned {
  client: number;
  kind: 'PUT' | 'SWAP' | 'GET' | 'DELETE' | 'SCAN';
  key: string;
  end: string;
  value: string;
  call: number;
  ret: number;
  at: number;
}

export function generateHistory(opts: GenOptions): HistoryOp[] {
  const rnd = new SeededRandom(opts.seed);
  const planned: Planned[] = [];
  let valueCounter = 0;
  for (let c = 0; c < opts.clients; c++) {
    let t = rnd.nextInt(20);
    for (let i = 0; i < opts.opsPerClient; i++) {
      const call = t + 1 + rnd.nextInt(5);
      const duration = 1 + rnd.nextInt(rnd.nextDouble() < (opts.slowOpRate ?? 0.05) ? 200 : 30);
      const ret = call + duration;
      const at = call + rnd.nextDouble() * duration;
      t = ret;
      const r = rnd.nextInt(10);
      const kind = r < 2 ? 'PUT' : r < 4 ? 'SWAP' : r < 7 ? 'GET' : r < 9 ? (opts.scans === false ? 'GET' : 'SCAN') : 'DELETE';
      let key = opts.keys[rnd.nextInt(opts.keys.length)]!;
      let end = key;
      if (kind === 'SCAN') {
        const other = opts.keys[rnd.nextInt(opts.keys.length)]!;
        if (other < key) [key, end] = [other, key];
        else end = other;
      }
      planned.push({ client: c, kind, key, end, value: `v${valueCounter++}x${rnd.alphanumeric(6)}`, call, ret, at });
    }
  }
  const pending = new Set<Planned>();
  const neverApplied = new Set<Planned>();
  const writes = planned.filter((p) => p.kind === 'PUT' || p.kind === 'SWAP' || p.kind === 'DELETE');
  for (let i = 0; i < Math.min(opts.pendingWrites ?? 0, writes.length); i++) {
    // a partial Fisher-Yates draw: distinct writes
    const j = i + rnd.nextInt(writes.length - i);
    [writes[i], writes[j]] = [writes[j]!, writes[i]!];
    pending.add(writes[i]!);
    if (rnd.nextDouble() < 0.5) neverApplied.add(writes[i]!);
  }
  const byEffect = [...planned].sort((a, b) => a.at - b.at);
  const state = new Map<string, string>();
  const past = new Map<string, string[]>();
  const out = new Map<Planned, HistoryOp>();
  const stale = opts.staleReadRate ?? 0;
  const lost = opts.lostWriteRate ?? 0;
  for (const p of byEffect) {
    const cur = state.get(p.key) ?? null;
    const write = (v: string | null): void => {
      const hist = past.get(p.key) ?? [];
      if (cur !== null) hist.push(cur);
      past.set(p.key, hist);
      if (v === null) state.delete(p.key);
      else state.set(p.key, v);
    };
    const widen = opts.widen ?? 0;
    const base = { client: p.client, call: Math.max(0, p.call - widen), ret: p.ret + widen };
    if (pending.has(p)) {
      const never = { client: p.client, call: base.call, ret: null, result: null };
      if (p.kind === 'DELETE') out.set(p, { ...never, op: 'DELETE', key: p.key });
      else out.set(p, { ...never, op: p.kind === 'PUT' ? 'PUT' : 'SWAP', key: p.key, value: p.value });
      if (!neverApplied.has(p)) write(p.kind === 'DELETE' ? null : p.value);
      continue;
    }
    switch (p.kind) {
      case 'PUT':
        out.set(p, { ...base, op: 'PUT', key: p.key, value: p.value, result: cur === null ? 'not_found' : 'found' });
        if (!(lost > 0 && rnd.nextDouble() < lost)) write(p.value);
        break;
      case 'SWAP':
        out.set(p, { ...base, op: 'SWAP', key: p.key, value: p.value, result: cur });
        write(p.value);
        break;
      case 'DELETE':
        out.set(p, { ...base, op: 'DELETE', key: p.key, result: cur === null ? 'not_found' : 'found' });
        write(null);
        break;
      case 'GET': {
        let seen = cur;
        const hist = past.get(p.key);
        if (stale > 0 && hist !== undefined && hist.length > 0 && rnd.nextDouble() < stale) {
          const old = hist[Math.max(0, hist.length - 1 - rnd.nextInt(3))]!;
          if (old !== cur) seen = old;
        }
        out.set(p, { ...base, op: 'GET', key: p.key, result: seen });
        break;
      }
      case 'SCAN': {
        const pairs = [...state.entries()].filter(([k]) => k >= p.key && k <= p.end).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        out.set(p, { ...base, op: 'SCAN', start: p.key, end: p.end, result: pairs });
        break;
      }
    }
  }
  // History lines in return order, as the fuzzer writes them (those that never returned last).
  const order = (p: Planned): number => (pending.has(p) ? Infinity : p.ret);
  return [...planned].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0)).map((p) => out.get(p)!);
}
