/**
 * `npm run bench:raft`: throughput and latency of the Raft library, beside etcd's, in the
 * same run.
 *
 * Ours: rf 3 and rf 5 replicas of RaftGroup (the key-value state machine) in this one
 * process, talking over loopback TCP, each with its own DurableLog in a temporary folder
 * (real fsync). N proposers each loop: propose a 100-byte PUT to the leader, wait for it
 * to commit and apply. etcd: 3 members of /usr/bin/etcd on loopback, N gRPC clients each
 * looping over 100-byte PUTs to the leader (skipped with a note if etcd is absent).
 *
 *   npm run bench:raft -- [--seconds 5] [--proposers 10,50,200] [--rf 3,5] [--no-etcd]
 *
 * Prints one line per configuration, with how many entries each leader fsync and each
 * AppendEntries carried on average.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../../../kvstore/src/state/kv-log-command';
import type { ApplyOutcome } from '../../../kvstore/src/state/kv-state-machine';
import { RaftGroup } from '../../../kvstore/src/replication/raft-group';
import { TcpTransport } from '../../../kvstore/src/raft/tcp-transport';
import type { NodeId } from '../../../kvstore/src/raft/types';
import { EtcdClient } from './etcd/etcd-client';
import { LocalEtcdCluster, etcdVersion } from './etcd/local-etcd';

type KvGroup = RaftGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const SECONDS = Number(arg('seconds', '5'));
const WARMUP_MS = 1000;
const PROPOSERS = arg('proposers', '10,50,200').split(',').map(Number);
const RFS = arg('rf', '3,5').split(',').map(Number);
const WITH_ETCD = !process.argv.includes('--no-etcd');
const VALUE = 'v'.repeat(80);

interface Result {
  commits: number;
  seconds: number;
  p50: number;
  p99: number;
  extra: string;
}

function fmt(r: Result): string {
  return `${Math.round(r.commits / r.seconds).toLocaleString('en-US')} commits/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`;
}

/**
 * Runs `workers` loops of `op` for the warm-up plus SECONDS, recording latencies after the
 * warm-up; `onMeasureStart` runs when measuring begins.
 */
async function drive(workers: number, op: (worker: number, i: number) => Promise<void>, onMeasureStart: () => void): Promise<{ commits: number; seconds: number; p50: number; p99: number }> {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const started = performance.now();
  const measureFrom = started + WARMUP_MS;
  const stopAt = measureFrom + SECONDS * 1000;
  let measuring = false;
  let commits = 0;
  const timer = setTimeout(() => {
    measuring = true;
    onMeasureStart();
  }, WARMUP_MS);
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; performance.now() < stopAt; i++) {
        const t0 = performance.now();
        await op(w, i);
        const t1 = performance.now();
        if (measuring && t0 >= measureFrom) {
          commits++;
          hist.recordValue(Math.max(1, Math.round((t1 - t0) * 1000)));
        }
      }
    }),
  );
  clearTimeout(timer);
  const out = { commits, seconds: SECONDS, p50: hist.getValueAtPercentile(50) / 1000, p99: hist.getValueAtPercentile(99) / 1000 };
  hist.destroy();
  return out;
}

async function openCluster(dir: string, rf: number): Promise<KvGroup[]> {
  const ids: NodeId[] = Array.from({ length: rf }, (_, i) => i + 1);
  const transports = ids.map((id) => new TcpTransport(id, new Map(ids.map((p) => [p, null])), { log: () => undefined }));
  const addresses = await Promise.all(transports.map((t) => t.listen({ host: '127.0.0.1', port: 0 })));
  transports.forEach((t, i) => ids.forEach((p, j) => p !== ids[i] && t.setPeerAddress(p, addresses[j]!)));
  return Promise.all(
    ids.map((id, i) =>
      RaftGroup.open<KvLogCommand, ApplyOutcome, KvLogStateMachine>(path.join(dir, `n${id}`), new KvLogStateMachine(), kvLogCodec, {
        id,
        peers: ids,
        transport: transports[i]!,
        snapshotEvery: 100_000,
        onFatal: (err) => {
          throw err;
        },
      }),
    ),
  );
}

async function waitForLeader(groups: KvGroup[]): Promise<KvGroup> {
  for (let i = 0; i < 1000; i++) {
    const l = groups.find((g) => g.isLeader);
    if (l !== undefined && (await l.read(() => true).catch(() => false))) return l;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no leader within 10 s');
}

async function benchRaft(rf: number, proposers: number): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-raft-bench-'));
  let groups: KvGroup[] = [];
  try {
    groups = await openCluster(dir, rf);
    const leader = await waitForLeader(groups);
    let base = leader.node.stats();
    const r = await drive(
      proposers,
      async (w, i) => {
        await leader.propose({ cmd: { op: 'put', key: `w${w}k${i % 1000}`, value: VALUE } });
      },
      () => (base = leader.node.stats()),
    );
    const s = leader.node.stats();
    const perSync = (s.logEntriesWritten - base.logEntriesWritten) / Math.max(1, s.logSyncs - base.logSyncs);
    const perAppend = (s.appendEntries - base.appendEntries) / Math.max(1, s.appendMessages - base.appendMessages);
    if (!leader.isLeader) throw new Error('leadership moved during the run');
    return { ...r, extra: `; ${perSync.toFixed(1)} entries per leader fsync, ${perAppend.toFixed(1)} per AppendEntries` };
  } finally {
    await Promise.all(groups.map((g) => g.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function benchEtcd(cluster: LocalEtcdCluster, clients: number): Promise<Result> {
  const leader = await cluster.leaderAddress();
  const value = Buffer.from(VALUE);
  // One HTTP/2 connection per 10 clients, as a client library would pool them.
  const client = EtcdClient.connect(leader, Math.max(1, Math.ceil(clients / 10)));
  try {
    const r = await drive(
      clients,
      (w, i) => client.put(`w${w}k${i % 1000}`, value),
      () => undefined,
    );
    return { ...r, extra: '' };
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  console.log(`Raft library benchmark: ${SECONDS} s per configuration after ${WARMUP_MS / 1000} s of warm-up, 100-byte commands (PUT of an 80-byte value), ${os.cpus().length} CPUs`);
  console.log('ours: every replica in this process, loopback TCP, DurableLog with fsync; proposers call the leader directly');
  const ours = new Map<string, Result>();
  for (const rf of RFS) {
    for (const n of PROPOSERS) {
      const r = await benchRaft(rf, n);
      ours.set(`${rf}/${n}`, r);
      console.log(`rf ${rf}, ${n} proposers: ${fmt(r)}${r.extra}`);
    }
  }
  if (!WITH_ETCD) return;
  const version = etcdVersion();
  if (version === null) {
    console.log('etcd: skipped (no /usr/bin/etcd; install Debian etcd-server or set ETCD_BIN to compare)');
    return;
  }
  console.log(`etcd (${version}): 3 members on loopback, gRPC clients putting to the leader`);
  const cluster = await LocalEtcdCluster.start(3);
  try {
    for (const n of PROPOSERS) {
      const r = await benchEtcd(cluster, n);
      const mine = ours.get(`3/${n}`);
      const ratio = mine === undefined ? '' : `; ours at rf 3 is ${(mine.commits / r.commits).toFixed(1)}x`;
      console.log(`etcd 3 members, ${n} clients: ${fmt(r).replace('commits/s', 'PUT/s')}${ratio}`);
    }
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});
