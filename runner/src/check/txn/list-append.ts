/**
 * Strict serializability of a list-append history, after Elle (Kingsbury & Alvaro, VLDB 2020).
 *
 * Writes APPEND elements that are unique per key, so a read of a key (a GET of the
 * comma-separated list) shows the order in which its elements were appended: every read is a
 * prefix of the key's version order, and the longest read is the order as far as anyone saw
 * it. From the version orders come the dependency edges between transactions:
 *   ww  T1 appended an element that the next element in the version order, T2's, follows;
 *   wr  T2 read a list ending with T1's element;
 *   rw  T1 read a list, T2 appended the element that comes next (an anti-dependency);
 *   rt  T1 answered committed before T2 was called (real time, for strict serializability).
 * A cycle is an anomaly, named by the edges it needs: G0 (ww only), G1c (ww and wr), G-single
 * (exactly one rw), G2 (two or more rw), realtime (only a cycle through an rt edge). Anomalies
 * that need no cycle: G1a (a read saw an aborted transaction's element), G1b (a read ends
 * inside another transaction's appends to the key), internal (a transaction's reads disagree
 * with each other or with its own appends), non-atomic (a transaction's appends to a key are
 * not adjacent in its version order), incompatible-order (two reads neither of which is a
 * prefix of the other), duplicate and garbage (an element twice in a read, or one nobody
 * appended).
 *
 * Transactions whose outcome is unknown may or may not have committed. One whose element some
 * committed read saw did commit: its appends count, its reads (never answered) do not, and it
 * may have taken effect any time after its call (rt edges only into it). One nobody saw is
 * treated as not committed, which explains every read at least as well.
 *
 * An append no read saw still follows every element that was seen: its writer gets a ww edge
 * from the last seen element's writer and an rw edge from every transaction that read the
 * whole seen list (a read after it that misses it is a violation).
 *
 * Only keys that no PUT, SWAP, DELETE or INCR touches, and no bank account, are list keys;
 * the others are counted and left alone (the bank checker judges INCR transfers).
 */
import { Graph, type EdgeType, RT, RW, WR, WW, mask } from './graph';
import type { TxnHistory, TxnRecord } from './txn-history';

export type EdgeReason =
  /** `next` follows `prev` directly in the key's version order (`prev` null: the first; unseen: after every seen element). */
  | { type: 'ww'; key: string; prev: string; next: string; unseen: boolean }
  /** The reader's read of `key` ended with `elem`. */
  | { type: 'wr'; key: string; elem: string }
  /** The reader's read of `key` ended at `last` (null: empty); `next` comes after it (unseen: no read saw `next`). */
  | { type: 'rw'; key: string; last: string | null; next: string; unseen: boolean }
  | { type: 'rt'; ret: number; call: number };

/** One transaction of a cycle and the edge from it to the next step's transaction (the last one's to the first). */
export interface CycleStep {
  txn: number;
  edge: EdgeReason;
}

export type CycleKind = 'G0' | 'G1c' | 'G-single' | 'G2' | 'realtime';

export type Anomaly =
  | { kind: CycleKind; steps: CycleStep[]; /** For realtime: the class of the cycle's other edges, e.g. G-single-realtime. */ detail?: string }
  | { kind: 'G1a'; reader: number; key: string; elem: string; writer: number }
  | { kind: 'G1b'; reader: number; key: string; elem: string; writer: number; finalElem: string }
  | { kind: 'internal'; txn: number; key: string; read: string[]; problem: string }
  | { kind: 'non-atomic'; writer: number; key: string; elem: string; neighbour: string | null; expected: string | null }
  | { kind: 'incompatible-order'; key: string; a: number; aRead: string[]; b: number; bRead: string[] }
  | { kind: 'duplicate'; txn: number; key: string; elem: string; read: string[] }
  | { kind: 'garbage'; txn: number; key: string; elem: string; read: string[] };

export type AnomalyKind = Anomaly['kind'];

/** The order in which reports list the kinds (cycles first, most basic first). */
export const ANOMALY_KINDS: readonly AnomalyKind[] = ['G0', 'G1c', 'G-single', 'G2', 'realtime', 'G1a', 'G1b', 'internal', 'non-atomic', 'incompatible-order', 'duplicate', 'garbage'];

export interface TxnCheckStats {
  txns: number;
  committed: number;
  aborted: number;
  unknown: number;
  /** Unknown-outcome transactions that a committed read shows committed. */
  unknownSeen: number;
  listKeys: number;
  /** Bank accounts and keys written by PUT, SWAP, DELETE or INCR, which this checker leaves alone. */
  otherKeys: number;
  edges: { ww: number; wr: number; rw: number; rt: number };
}

export interface TxnCheckResult {
  verdict: 'PASSED' | 'FAILED' | 'UNKNOWN';
  /** Examples of each kind found (cycles: the shortest witness found), at most `maxPerKind` each. */
  anomalies: Anomaly[];
  /** How many of each kind were found (for cycles: how many strongly connected components hold one). */
  counts: Partial<Record<AnomalyKind, number>>;
  stats: TxnCheckStats;
  /** Why the verdict is UNKNOWN. */
  undecided?: string;
}

export interface ListAppendOptions {
  /** Stop with UNKNOWN past this many dependency edges (default 4 million, some 400 MB; a history
   * has about 10 per transaction, but reads that miss many unseen appends multiply them). */
  maxEdges?: number;
  maxPerKind?: number;
  /** Candidate edges tried per cycle class when looking for the shortest witness. */
  cycleCandidates?: number;
}

const TYPE_NAMES = ['ww', 'wr', 'rw', 'rt'] as const;

/** The elements of a read value (null: a missing key, the empty list). */
export function listOf(value: string | null): string[] {
  return value === null ? [] : value.split(',');
}

interface Read {
  txn: number;
  key: string;
  list: string[];
  /** Length of the part written by others (the rest is the reader's own appends). */
  baseLen: number;
  /** Usable for edges (no internal, duplicate or order problem). */
  ok: boolean;
}

interface Writer {
  txn: number;
  /** Index among the transaction's appends to this key. */
  index: number;
}

class Findings {
  readonly anomalies: Anomaly[] = [];
  readonly counts: Partial<Record<AnomalyKind, number>> = {};
  constructor(private readonly maxPerKind: number) {}

  add(a: Anomaly, count = 1): void {
    const n = this.counts[a.kind] ?? 0;
    this.counts[a.kind] = n + count;
    if (n < this.maxPerKind) this.anomalies.push(a);
  }
}

export function checkListAppend(h: TxnHistory, options: ListAppendOptions = {}): TxnCheckResult {
  const maxEdges = options.maxEdges ?? 4_000_000;
  const found = new Findings(options.maxPerKind ?? 5);
  const txns = h.txns;

  // Keys, and every append: element -> its writer, per key.
  // A bank's accounts hold integers even where only read (their money was put there before the history).
  const otherKeys = new Set<string>(h.bank?.accounts ?? []);
  const touched = new Set<string>();
  const appendsOf: Array<Map<string, string[]>> = [];
  const writers = new Map<string, Map<string, Writer>>();
  txns.forEach((t, i) => {
    const mine = new Map<string, string[]>();
    for (const op of t.ops) {
      touched.add(op.key);
      if (op.op === 'APPEND') {
        let l = mine.get(op.key);
        if (l === undefined) mine.set(op.key, (l = []));
        let w = writers.get(op.key);
        if (w === undefined) writers.set(op.key, (w = new Map()));
        w.set(op.elem, { txn: i, index: l.length });
        l.push(op.elem);
      } else if (op.op !== 'GET') otherKeys.add(op.key);
    }
    appendsOf.push(mine);
  });
  const isListKey = (k: string): boolean => !otherKeys.has(k);
  const writerOf = (key: string, elem: string): Writer | undefined => writers.get(key)?.get(elem);

  // Reads of committed transactions, checked against the reader's own appends.
  const reads: Read[] = [];
  txns.forEach((t, i) => {
    if (t.outcome === 'committed') collectReads(t, i, reads, found, writerOf, isListKey);
  });

  // Who committed: the committed, and the unknown whose element a committed read saw.
  const node = txns.map((t) => t.outcome === 'committed');
  let unknownSeen = 0;
  for (const r of reads) {
    const seen = new Set<string>();
    for (const e of r.list) {
      if (seen.has(e)) {
        if (r.ok) found.add({ kind: 'duplicate', txn: r.txn, key: r.key, elem: e, read: r.list });
        r.ok = false;
        continue;
      }
      seen.add(e);
      const w = writerOf(r.key, e);
      if (w === undefined) {
        found.add({ kind: 'garbage', txn: r.txn, key: r.key, elem: e, read: r.list });
        continue;
      }
      const wt = txns[w.txn]!;
      if (wt.outcome === 'aborted') found.add({ kind: 'G1a', reader: r.txn, key: r.key, elem: e, writer: w.txn });
      else if (wt.outcome === 'unknown' && !node[w.txn]) {
        node[w.txn] = true;
        unknownSeen++;
      }
    }
  }

  // Beyond the transactions' nodes, one junction per list key at most (see below).
  const graph = new Graph(txns.length + [...touched].filter(isListKey).length);
  let junctions = 0;
  const reasons: EdgeReason[] = [];
  const addEdge = (from: number, to: number, reason: EdgeReason): void => {
    if (from === to) return;
    graph.add(from, to, TYPE_CODES[reason.type]);
    reasons.push(reason);
  };
  const writerNode = (key: string, elem: string): number => {
    const w = writerOf(key, elem);
    return w !== undefined && node[w.txn] ? w.txn : -1;
  };

  // Version order per key, and the ww, wr and rw edges it implies.
  const readsByKey = new Map<string, Read[]>();
  for (const r of reads) {
    if (!r.ok) continue;
    let l = readsByKey.get(r.key);
    if (l === undefined) readsByKey.set(r.key, (l = []));
    l.push(r);
  }
  const unseenByKey = new Map<string, Array<{ txn: number; elem: string }>>();
  let undecided: string | undefined;
  for (const key of [...touched].filter(isListKey).sort()) {
    const keyReads = readsByKey.get(key) ?? [];
    const order = versionOrder(key, keyReads, found);
    const pos = new Map(order.map((e, i) => [e, i]));
    checkAtomicity(key, order, appendsOf, writerOf, node, found);
    for (const r of keyReads) {
      if (r.baseLen === 0) continue;
      const last = r.list[r.baseLen - 1]!;
      const w = writerOf(key, last);
      if (w === undefined || !node[w.txn]) continue;
      const theirs = appendsOf[w.txn]!.get(key)!;
      if (w.index < theirs.length - 1) found.add({ kind: 'G1b', reader: r.txn, key, elem: last, writer: w.txn, finalElem: theirs[theirs.length - 1]! });
    }
    // Appends of committed transactions that no read saw.
    const unseen: Array<{ txn: number; elem: string }> = [];
    const ws = writers.get(key);
    if (ws !== undefined) {
      for (const [elem, w] of ws) {
        if (node[w.txn] && !pos.has(elem) && (unseen.length === 0 || unseen[unseen.length - 1]!.txn !== w.txn)) unseen.push({ txn: w.txn, elem });
      }
    }
    unseenByKey.set(key, unseen);
    for (let i = 1; i < order.length; i++) {
      const a = writerNode(key, order[i - 1]!);
      const b = writerNode(key, order[i]!);
      if (a !== -1 && b !== -1) addEdge(a, b, { type: 'ww', key, prev: order[i - 1]!, next: order[i]!, unseen: false });
    }
    let lastSeen = order.length - 1;
    while (lastSeen >= 0 && writerNode(key, order[lastSeen]!) === -1) lastSeen--;
    if (lastSeen >= 0) {
      const lw = writerNode(key, order[lastSeen]!);
      for (const u of unseen) addEdge(lw, u.txn, { type: 'ww', key, prev: order[lastSeen]!, next: u.elem, unseen: true });
    }
    // Every reader of the whole seen list precedes every unseen append. With several unseen
    // appends, pure readers reach them through one junction node (R -rw-> J -> U) instead of
    // readers x appends edges; a reader that is itself an unseen writer cannot (J -> itself).
    const unseenTxns = new Set(unseen.map((u) => u.txn));
    let junction = -1;
    for (const r of keyReads) {
      if (r.baseLen > 0) {
        const last = r.list[r.baseLen - 1]!;
        const w = writerNode(key, last);
        if (w !== -1) addEdge(w, r.txn, { type: 'wr', key, elem: last });
      }
      const last = r.baseLen > 0 ? r.list[r.baseLen - 1]! : null;
      if (r.baseLen < order.length) {
        const next = order[r.baseLen]!;
        const w = writerNode(key, next);
        if (w !== -1) addEdge(r.txn, w, { type: 'rw', key, last, next, unseen: false });
      } else if (unseen.length >= 2 && !unseenTxns.has(r.txn)) {
        if (junction === -1) {
          junction = txns.length + junctions++;
          for (const u of unseen) addEdge(junction, u.txn, { type: 'ww', key, prev: '', next: u.elem, unseen: true });
        }
        addEdge(r.txn, junction, { type: 'rw', key, last, next: '', unseen: true });
      } else {
        for (const u of unseen) addEdge(r.txn, u.txn, { type: 'rw', key, last, next: u.elem, unseen: true });
      }
      if (graph.edgeCount > maxEdges) break;
    }
    if (graph.edgeCount > maxEdges) {
      undecided = `more than ${maxEdges.toLocaleString('en-US')} dependency edges (at key ${key}); the check stopped there`;
      break;
    }
  }

  if (undecided === undefined) addRealTimeEdges(txns, node, addEdge);

  const stats: TxnCheckStats = {
    txns: txns.length,
    committed: txns.filter((t) => t.outcome === 'committed').length,
    aborted: txns.filter((t) => t.outcome === 'aborted').length,
    unknown: txns.filter((t) => t.outcome === 'unknown').length,
    unknownSeen,
    listKeys: [...touched].filter(isListKey).length,
    otherKeys: otherKeys.size,
    edges: { ww: 0, wr: 0, rw: 0, rt: 0 },
  };
  // A junction's edges count once, as the rw edges into it.
  graph.type.forEach((t, e) => {
    if (graph.from[e]! < txns.length) stats.edges[TYPE_NAMES[t]]++;
  });

  const rtBefore = (a: number, b: number): EdgeReason | undefined => {
    const ta = txns[a]!;
    const tb = txns[b]!;
    return ta.outcome === 'committed' && ta.ret !== null && ta.ret < tb.call ? { type: 'rt', ret: ta.ret, call: tb.call } : undefined;
  };
  if (undecided === undefined) findCycles(graph, reasons, found, options.cycleCandidates ?? 64, rtBefore, txns.length);
  const failed = found.anomalies.length > 0;
  const result: TxnCheckResult = {
    verdict: failed ? 'FAILED' : undecided !== undefined ? 'UNKNOWN' : 'PASSED',
    anomalies: [...found.anomalies].sort((a, b) => ANOMALY_KINDS.indexOf(a.kind) - ANOMALY_KINDS.indexOf(b.kind)),
    counts: found.counts,
    stats,
  };
  if (undecided !== undefined) result.undecided = undecided;
  return result;
}

const TYPE_CODES: Record<EdgeReason['type'], EdgeType> = { ww: WW, wr: WR, rw: RW, rt: RT };

/** A committed transaction's reads of list keys, each split into the part others wrote and its own appends. */
function collectReads(
  t: TxnRecord,
  i: number,
  reads: Read[],
  found: Findings,
  writerOf: (key: string, elem: string) => Writer | undefined,
  isListKey: (k: string) => boolean,
): void {
  const own = new Map<string, string[]>();
  const base = new Map<string, string[]>();
  for (const op of t.ops) {
    if (!isListKey(op.key)) continue;
    if (op.op === 'APPEND') {
      let l = own.get(op.key);
      if (l === undefined) own.set(op.key, (l = []));
      l.push(op.elem);
      continue;
    }
    if (op.op !== 'GET' || op.result === undefined) continue;
    const list = listOf(op.result);
    const mine = own.get(op.key) ?? [];
    const read: Read = { txn: i, key: op.key, list, baseLen: list.length - mine.length, ok: false };
    reads.push(read);
    const internal = (problem: string): void => found.add({ kind: 'internal', txn: i, key: op.key, read: list, problem });
    if (read.baseLen < 0 || mine.some((e, j) => list[read.baseLen + j] !== e)) {
      internal(`the list does not end with its own earlier appends (${mine.join(',')})`);
      continue;
    }
    const b = list.slice(0, read.baseLen);
    const selfWritten = b.find((e) => writerOf(op.key, e)?.txn === i);
    if (selfWritten !== undefined) {
      internal(`the list holds its own element ${selfWritten} out of place`);
      continue;
    }
    const before = base.get(op.key);
    if (before !== undefined && (before.length !== b.length || before.some((e, j) => b[j] !== e))) {
      internal(`an earlier read in the same transaction found ${before.length === 0 ? 'it empty' : before.join(',')} before its own appends`);
      continue;
    }
    base.set(op.key, b);
    read.ok = true;
  }
}

/** The longest read, after checking that every read is a prefix of it. */
function versionOrder(key: string, keyReads: Read[], found: Findings): string[] {
  let longest: Read | undefined;
  for (const r of keyReads) if (longest === undefined || r.list.length > longest.list.length) longest = r;
  if (longest === undefined) return [];
  const order = longest.list;
  let first: Read | undefined;
  let bad = 0;
  for (const r of keyReads) {
    if (r.list.every((e, i) => order[i] === e)) continue;
    bad++;
    first ??= r;
    r.ok = false;
  }
  if (first !== undefined) found.add({ kind: 'incompatible-order', key, a: longest.txn, aRead: order, b: first.txn, bRead: first.list }, bad);
  return order;
}

/** A committed transaction's appends to a key must sit side by side, in its order, in the version order. */
function checkAtomicity(
  key: string,
  order: string[],
  appendsOf: Array<Map<string, string[]>>,
  writerOf: (key: string, elem: string) => Writer | undefined,
  node: boolean[],
  found: Findings,
): void {
  for (let p = 0; p < order.length; p++) {
    const w = writerOf(key, order[p]!);
    if (w === undefined || !node[w.txn]) continue;
    const theirs = appendsOf[w.txn]!.get(key)!;
    const prevExpected = w.index > 0 ? theirs[w.index - 1]! : undefined;
    if (prevExpected !== undefined && order[p - 1] !== prevExpected) {
      found.add({ kind: 'non-atomic', writer: w.txn, key, elem: order[p]!, neighbour: order[p - 1] ?? null, expected: prevExpected });
    } else if (w.index < theirs.length - 1 && p + 1 < order.length && order[p + 1] !== theirs[w.index + 1]) {
      found.add({ kind: 'non-atomic', writer: w.txn, key, elem: order[p]!, neighbour: order[p + 1]!, expected: theirs[w.index + 1]! });
    }
  }
}

/**
 * rt edges, transitively reduced as Elle does: a call gets an edge from each transaction of the
 * frontier (committed ones whose answer no later-called committed one follows); an answer joins
 * the frontier and retires the members it follows. Calls go first at equal times (not ordered).
 */
function addRealTimeEdges(txns: readonly TxnRecord[], node: boolean[], addEdge: (from: number, to: number, reason: EdgeReason) => void): void {
  const events: Array<{ time: number; ret: boolean; txn: number }> = [];
  txns.forEach((t, i) => {
    if (!node[i]) return;
    events.push({ time: t.call, ret: false, txn: i });
    if (t.outcome === 'committed' && t.ret !== null) events.push({ time: t.ret, ret: true, txn: i });
  });
  events.sort((a, b) => a.time - b.time || Number(a.ret) - Number(b.ret) || a.txn - b.txn);
  let frontier: number[] = [];
  for (const ev of events) {
    const t = txns[ev.txn]!;
    if (!ev.ret) {
      for (const f of frontier) addEdge(f, ev.txn, { type: 'rt', ret: txns[f]!.ret!, call: t.call });
    } else {
      frontier = frontier.filter((f) => !(txns[f]!.ret! < t.call));
      frontier.push(ev.txn);
    }
  }
}

interface CycleClass {
  /** Candidate edges: their type, and the components both ends must share. */
  type: EdgeType;
  comp: Int32Array;
  also?: (from: number, to: number) => boolean;
  /** Ways to close the cycle from the edge's head back to its tail, tried in order: the first that succeeds names it. */
  closers: Array<{ kind: CycleKind; pathMask: number }>;
}

/**
 * One shortest witness per cycle class, among at most `candidates` edges per class: a
 * candidate edge a -> b in a strongly connected component is closed by a shortest path
 * b -> a. An rw edge closed by ww and wr edges alone makes a G-single; one that needs
 * another rw edge, a G2.
 */
function findCycles(
  graph: Graph,
  reasons: EdgeReason[],
  found: Findings,
  candidates: number,
  rtBefore: (a: number, b: number) => EdgeReason | undefined,
  txnCount: number,
): void {
  const ww = graph.components(mask(WW));
  const wwr = graph.components(mask(WW, WR));
  const full = graph.components(mask(WW, WR, RW));
  const all = graph.components(mask(WW, WR, RW, RT));
  const classes: CycleClass[] = [
    { type: WW, comp: ww, closers: [{ kind: 'G0', pathMask: mask(WW) }] },
    { type: WR, comp: wwr, closers: [{ kind: 'G1c', pathMask: mask(WW, WR) }] },
    // Tarjan numbers components sinks first, so a ww/wr path b -> a needs wwr[a] <= wwr[b]:
    // the other rw edges can only be closed with more rw edges, and do not crowd out the first.
    {
      type: RW,
      comp: full,
      also: (a, b) => wwr[a]! <= wwr[b]!,
      closers: [
        { kind: 'G-single', pathMask: mask(WW, WR) },
        { kind: 'G2', pathMask: mask(WW, WR, RW) },
      ],
    },
    { type: RW, comp: full, also: (a, b) => wwr[a]! > wwr[b]!, closers: [{ kind: 'G2', pathMask: mask(WW, WR, RW) }] },
    // Only rt edges between components that have no cycle of their own: the cycle needs real time.
    { type: RT, comp: all, also: (a, b) => full[a] !== full[b], closers: [{ kind: 'realtime', pathMask: mask(WW, WR, RW, RT) }] },
  ];
  const best = new Map<CycleKind, number[]>();
  const components = new Map<CycleKind, Set<number>>();
  for (const c of classes) {
    let tried = 0;
    for (let e = 0; e < graph.edgeCount && tried < candidates; e++) {
      const a = graph.from[e]!;
      const b = graph.to[e]!;
      if (graph.type[e] !== c.type || c.comp[a] !== c.comp[b] || (c.also !== undefined && !c.also(a, b))) continue;
      tried++;
      for (const closer of c.closers) {
        const rest = graph.shortestPath(b, a, closer.pathMask, c.comp);
        if (rest === undefined) continue;
        let comps = components.get(closer.kind);
        if (comps === undefined) components.set(closer.kind, (comps = new Set()));
        comps.add(c.comp[a]!);
        const cur = best.get(closer.kind);
        if (cur === undefined || rest.length + 1 < cur.length) best.set(closer.kind, [e, ...rest]);
        break;
      }
    }
  }
  for (const kind of ['G0', 'G1c', 'G-single', 'G2', 'realtime'] as const) {
    const cycle = best.get(kind);
    if (cycle === undefined) continue;
    let steps = cycleSteps(cycle, graph, reasons, txnCount);
    if (kind === 'realtime') steps = shortcutRealTime(steps, rtBefore);
    const anomaly: Anomaly = { kind, steps };
    if (kind === 'realtime') anomaly.detail = `${realTimeOf(steps)}-realtime`;
    found.add(anomaly, components.get(kind)!.size);
  }
}

/** The cycle's transactions and edges, a path through a junction (R -rw-> J -> U) told as R's rw edge to U. */
function cycleSteps(cycle: number[], graph: Graph, reasons: EdgeReason[], txnCount: number): CycleStep[] {
  const steps: CycleStep[] = [];
  for (let i = 0; i < cycle.length; i++) {
    const e = cycle[i]!;
    const edge = reasons[e]!;
    const out = cycle[i + 1];
    if (graph.to[e]! >= txnCount && out !== undefined && edge.type === 'rw') {
      const via = reasons[out]!;
      steps.push({ txn: graph.from[e]!, edge: { ...edge, next: via.type === 'ww' ? via.next : '' } });
      i++;
    } else steps.push({ txn: graph.from[e]!, edge });
  }
  return steps;
}

/**
 * Real time is transitive, but the graph holds only a reduction of it, so a real-time cycle
 * found there may take many steps that one rt edge covers. The shortest cycle over the same
 * transactions, using the cycle's own edges and any rt edge between them.
 */
function shortcutRealTime(steps: CycleStep[], rtBefore: (a: number, b: number) => EdgeReason | undefined): CycleStep[] {
  const k = steps.length;
  if (k > 200) return steps;
  const next = (i: number): number[] => {
    const out = [(i + 1) % k];
    for (let j = 0; j < k; j++) if (j !== i && j !== (i + 1) % k && rtBefore(steps[i]!.txn, steps[j]!.txn) !== undefined) out.push(j);
    return out;
  };
  let best: number[] = steps.map((_, i) => i);
  for (let s = 0; s < k; s++) {
    const parent = new Map<number, number>([[s, -1]]);
    let frontier = [s];
    let closedBy = -1;
    for (let depth = 1; frontier.length > 0 && closedBy === -1 && depth < best.length; depth++) {
      const following: number[] = [];
      for (const i of frontier) {
        for (const j of next(i)) {
          if (j === s) {
            closedBy = i;
            break;
          }
          if (parent.has(j)) continue;
          parent.set(j, i);
          following.push(j);
        }
        if (closedBy !== -1) break;
      }
      frontier = following;
    }
    if (closedBy === -1) continue;
    const cycle: number[] = [];
    for (let v = closedBy; v !== -1; v = parent.get(v)!) cycle.push(v);
    if (cycle.length < best.length) best = cycle.reverse();
  }
  return best.map((p, i) => {
    const q = best[(i + 1) % best.length]!;
    const edge = q === (p + 1) % k ? steps[p]!.edge : rtBefore(steps[p]!.txn, steps[q]!.txn)!;
    return { txn: steps[p]!.txn, edge };
  });
}

/** The class a real-time cycle's other edges would give it. */
function realTimeOf(steps: CycleStep[]): string {
  const rw = steps.filter((s) => s.edge.type === 'rw').length;
  const wr = steps.filter((s) => s.edge.type === 'wr').length;
  return rw >= 2 ? 'G2' : rw === 1 ? 'G-single' : wr > 0 ? 'G1c' : 'G0';
}
