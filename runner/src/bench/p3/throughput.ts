/**
 * Throughput and latency of one replicated partition (rf 3, the manager group beside it),
 * driven through the client library, beside etcd 3.4 (3 members on loopback) driven by a
 * gRPC client of the same shape, in the same run:
 *
 *   for each client count N: N clients, each one client-library instance (its own
 *   connections), each looping one operation at a time: 100-byte PUTs for the measured time,
 *   then linearizable GETs of the keys it wrote. etcd: N clients, each its own gRPC channel
 *   to the leader, Put then Range with serializable = false (a linearizable read).
 *
 * Ours runs first with etcd not started, then etcd with our cluster stopped, so neither
 * takes CPU from the other.
 */
import * as os from 'node:os';
import { ReplicatedClient } from '../../../../kvstore/src/client/replicated-client';
import { parseAddressList } from '../../../../kvstore/src/wire/address';
import { type ClosedLoopResult, closedLoop } from '../closed-loop';
import { EtcdClient } from '../etcd/etcd-client';
import { LocalEtcdCluster, etcdVersion } from '../etcd/local-etcd';
import { type BenchCluster, type Teardown, startBenchCluster } from './bench-cluster';
import { type ThroughputResult, type ThroughputRow, round, stamp } from './results';

export interface ThroughputOptions {
  clients: number[];
  seconds: number;
  warmupSeconds: number;
  managers: number;
  etcd: boolean;
  teardown: Teardown;
  env?: NodeJS.ProcessEnv;
  /** Profile our nodes (node --cpu-prof) into this folder. */
  cpuProfDir?: string;
}

const RF = 3;
const VALUE_BYTES = 100;
const VALUE = 'v'.repeat(VALUE_BYTES);
/** Keys each client cycles through: enough that GETs read real values, few enough to stay small. */
const KEYS_PER_CLIENT = 1000;

const keyOf = (worker: number, i: number): string => `key${worker}-${i % KEYS_PER_CLIENT}`;

type Op = 'put' | 'get';
type Figures = Map<string, ClosedLoopResult>;
const slot = (clients: number, op: Op): string => `${clients}/${op}`;

/** One PUT phase and one GET phase for each client count, through `client(w)`. */
async function phases(o: ThroughputOptions, label: string, open: (n: number) => Promise<{ put: (w: number, i: number) => Promise<unknown>; get: (w: number, i: number) => Promise<unknown>; close: () => void }>): Promise<Figures> {
  const out: Figures = new Map();
  for (const n of o.clients) {
    const c = await open(n);
    try {
      for (const op of ['put', 'get'] as const) {
        const r = await closedLoop({ workers: n, warmupMs: o.warmupSeconds * 1000, measureMs: o.seconds * 1000 }, op === 'put' ? c.put : c.get);
        out.set(slot(n, op), r);
        console.log(`  ${label} ${String(n).padStart(3)} clients ${op.toUpperCase().padEnd(3)}: ${fmtOps(r.opsPerSec).padStart(7)} ops/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`);
      }
    } finally {
      c.close();
    }
  }
  return out;
}

async function measureOurs(o: ThroughputOptions): Promise<Figures> {
  const bench: BenchCluster = await startBenchCluster({ managers: o.managers, rf: RF, teardown: o.teardown, ...(o.env ? { env: o.env } : {}), ...(o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {}) });
  let ok = false;
  try {
    const managers = parseAddressList(bench.cluster.managerAddresses.join(','));
    const figures = await phases(o, 'ours', async (n) => {
      const clients = Array.from({ length: n }, () => new ReplicatedClient(managers));
      // Every client finds the map and the leader before the clock starts, and writes its keys once so GETs find them.
      await Promise.all(clients.map(async (c, w) => {
        for (let i = 0; i < Math.min(KEYS_PER_CLIENT, 20); i++) await c.put(keyOf(w, i), VALUE);
      }));
      return {
        put: (w, i) => clients[w]!.put(keyOf(w, i), VALUE),
        get: (w, i) => clients[w]!.get(keyOf(w, i)),
        close: () => clients.forEach((c) => c.close()),
      };
    });
    ok = true;
    return figures;
  } finally {
    await bench.stop(!ok);
  }
}

async function measureEtcd(o: ThroughputOptions): Promise<Figures> {
  const etcd = await LocalEtcdCluster.start(3);
  const stop = o.teardown.add(() => etcd.stop());
  try {
    const leader = await etcd.leaderAddress();
    const value = Buffer.from(VALUE);
    return await phases(o, 'etcd', async (n) => {
      const clients = Array.from({ length: n }, () => EtcdClient.connect(leader, 1));
      await Promise.all(clients.map(async (c, w) => {
        for (let i = 0; i < Math.min(KEYS_PER_CLIENT, 20); i++) await c.put(keyOf(w, i), value);
      }));
      return {
        put: (w, i) => clients[w]!.put(keyOf(w, i), value),
        get: (w, i) => clients[w]!.get(keyOf(w, i)),
        close: () => clients.forEach((c) => c.close()),
      };
    });
  } finally {
    await stop();
  }
}

function fmtOps(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export async function throughputBench(o: ThroughputOptions): Promise<ThroughputResult> {
  console.log(`throughput: rf ${RF}, 1 partition, ${o.managers} manager replicas, ${VALUE_BYTES}-byte values; clients ${o.clients.join(', ')}; ${o.seconds} s per phase after ${o.warmupSeconds} s of warm-up; ${os.cpus().length} CPUs`);
  const ours = await measureOurs(o);
  let etcd: Figures | undefined;
  if (o.etcd) {
    const version = etcdVersion();
    if (version === null) console.log('  etcd: not measured (no /usr/bin/etcd: apt-get install -y etcd-server, or set ETCD_BIN)');
    else {
      console.log(`  etcd: ${version}, 3 members on loopback`);
      etcd = await measureEtcd(o);
    }
  }
  const rows: ThroughputRow[] = [];
  for (const n of o.clients) {
    for (const op of ['put', 'get'] as const) {
      const a = ours.get(slot(n, op))!;
      const b = etcd?.get(slot(n, op));
      rows.push({
        clients: n,
        op,
        ours_ops: Math.round(a.opsPerSec),
        etcd_ops: b ? Math.round(b.opsPerSec) : null,
        ratio: b && b.opsPerSec > 0 ? round(a.opsPerSec / b.opsPerSec) : null,
        ours_p50_ms: round(a.p50Ms, 3),
        ours_p99_ms: round(a.p99Ms, 3),
        etcd_p50_ms: b ? round(b.p50Ms, 3) : null,
        etcd_p99_ms: b ? round(b.p99Ms, 3) : null,
      });
    }
  }
  printTable(rows);
  return { kind: 'throughput', ...stamp(), cpus: os.cpus().length, rf: RF, partitions: 1, valueBytes: VALUE_BYTES, seconds: o.seconds, rows };
}

function printTable(rows: ThroughputRow[]): void {
  const na = (v: number | null, f: (x: number) => string): string => (v === null ? '-' : f(v));
  const ms = (x: number): string => x.toFixed(2);
  const head = ['clients', 'op', 'ours ops/s', 'etcd ops/s', 'ratio', 'ours p50 ms', 'ours p99 ms', 'etcd p50 ms', 'etcd p99 ms'];
  const lines = rows.map((r) => [
    String(r.clients),
    r.op.toUpperCase(),
    fmtOps(r.ours_ops),
    na(r.etcd_ops, fmtOps),
    na(r.ratio, (x) => `${x.toFixed(2)}x`),
    ms(r.ours_p50_ms),
    ms(r.ours_p99_ms),
    na(r.etcd_p50_ms, ms),
    na(r.etcd_p99_ms, ms),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  console.log(fmt(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
}
