/**
 * The driver end to end: three replicas as separate processes (testing/raft-kv-node.ts),
 * real storage in temp folders, real loopback TCP, and kill -9.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, repoRoot, startListening, type StartedServer } from '../testing/spawn-node';
import { RpcConnection } from '../wire/rpc-connection';
import { parseAddress } from '../wire/address';
import type { Reply } from '../wire/envelope';
import type { RaftNodeStatus } from './node';

const NODE_BIN = path.join(repoRoot(), 'dist', 'kvstore', 'src', 'raft', 'testing', 'raft-kv-node.js');

const dirs: string[] = [];
const clusters: Cluster[] = [];
after(async () => {
  for (const c of clusters) await c.stopAll();
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Cluster {
  readonly procs = new Map<number, StartedServer>();
  private readonly conns = new Map<number, RpcConnection>();
  private leaderGuess = 1;

  constructor(
    readonly dir: string,
    readonly ids: number[],
    private readonly p2p: Map<number, number>,
    private readonly api: Map<number, number>,
    private readonly extra: string[],
  ) {}

  static async start(n: number, extra: string[] = []): Promise<Cluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-raft-e2e-'));
    dirs.push(dir);
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const p2p = new Map<number, number>();
    const api = new Map<number, number>();
    for (const id of ids) {
      p2p.set(id, await freePort());
      api.set(id, await freePort());
    }
    const c = new Cluster(dir, ids, p2p, api, extra);
    clusters.push(c);
    for (const id of ids) await c.startNode(id);
    return c;
  }

  async startNode(id: number): Promise<void> {
    const peers = this.ids.map((p) => `${p}=127.0.0.1:${this.p2p.get(p)}`).join(',');
    const args = ['--id', String(id), '--peers', peers, '--api', `127.0.0.1:${this.api.get(id)}`, '--dir', path.join(this.dir, `n${id}`), ...this.extra];
    this.procs.set(id, await startListening(NODE_BIN, args));
  }

  async kill(id: number): Promise<void> {
    const p = this.procs.get(id);
    this.procs.delete(id);
    this.conns.get(id)?.close();
    this.conns.delete(id);
    if (p !== undefined) await p.stop('SIGKILL');
  }

  wipe(id: number): void {
    fs.rmSync(path.join(this.dir, `n${id}`), { recursive: true, force: true });
  }

  async stopAll(): Promise<void> {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
    await Promise.all([...this.procs.values()].map((p) => p.stop('SIGKILL')));
    this.procs.clear();
  }

  /** One request to one node; null when it cannot be reached. */
  async callNode(id: number, body: unknown, timeoutMs = 2000): Promise<Reply | null> {
    try {
      let c = this.conns.get(id);
      if (c === undefined || !c.isOpen) {
        c = await RpcConnection.connect(parseAddress(`127.0.0.1:${this.api.get(id)}`), 1000);
        this.conns.set(id, c);
      }
      return await c.call(body, timeoutMs);
    } catch {
      this.conns.get(id)?.close();
      this.conns.delete(id);
      return null;
    }
  }

  /** Sends to the leader, following redirects and retrying until it gets an answer (or 30 s pass). */
  async call(body: unknown): Promise<unknown> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const id = this.leaderGuess;
      const r = await this.callNode(id, body);
      if (r !== null && r.ok) return r.value;
      if (r !== null && r.error.code === 'not_leader' && r.error.hint !== undefined) this.leaderGuess = Number(r.error.hint);
      else this.leaderGuess = this.ids[(this.ids.indexOf(id) + 1) % this.ids.length]!;
      await sleep(r === null ? 20 : 5);
    }
    throw new Error(`no answer to ${JSON.stringify(body)} within 30 s`);
  }

  async status(id: number): Promise<RaftNodeStatus | null> {
    const r = await this.callNode(id, { op: 'status' });
    return r !== null && r.ok ? (r.value as RaftNodeStatus) : null;
  }

  async leader(): Promise<number> {
    for (let i = 0; i < 300; i++) {
      for (const id of this.procs.keys()) {
        const s = await this.status(id);
        if (s !== null && s.role === 'leader') return id;
      }
      await sleep(20);
    }
    throw new Error('no leader');
  }
}

test('raft e2e: kill -9 of the leader and of a follower under load; every acknowledged write survives, none applies twice', async () => {
  const c = await Cluster.start(3, ['--snapshot-every', '300', '--snapshot-margin', '50']);
  const writers = 8;
  const acked: number[] = new Array<number>(writers).fill(0);
  const violations: string[] = [];
  let running = true;
  // Each writer SWAPs its own key through 1, 2, 3, …, with a session tag so a retry is
  // answered from the dedup table: each answer must be exactly the previous value.
  const load = Array.from({ length: writers }, async (_, w) => {
    for (let n = 1; running; n++) {
      const out = (await c.call({ op: 'propose', cmd: { op: 'swap', key: `w${w}`, value: String(n) }, session: { client: `w${w}`, seq: n, ack: n - 1 } })) as {
        kind: string;
        result: { old: string | null };
      };
      const expected = n === 1 ? null : String(n - 1);
      if (out.result.old !== expected) violations.push(`writer ${w}: SWAP ${n} returned ${out.result.old}, expected ${expected}`);
      acked[w] = n;
    }
  });
  const progress = (): number => acked.reduce((a, b) => a + b, 0);
  await sleep(500);
  for (const victim of ['leader', 'follower', 'leader'] as const) {
    const before = progress();
    const l = await c.leader();
    const id = victim === 'leader' ? l : c.ids.find((x) => x !== l)!;
    await c.kill(id);
    await sleep(400);
    await c.startNode(id);
    await sleep(400);
    assert.ok(progress() > before, `no progress around the crash of the ${victim}`);
  }
  running = false;
  await Promise.all(load);
  assert.deepEqual(violations, []);
  for (let w = 0; w < writers; w++) assert.equal(await c.call({ op: 'get', key: `w${w}` }), String(acked[w]));
  await c.stopAll();
});

test('raft e2e: a replica whose storage was wiped catches up from an InstallSnapshot', async () => {
  const c = await Cluster.start(3, ['--snapshot-every', '200', '--snapshot-margin', '20']);
  const l = await c.leader();
  await Promise.all(Array.from({ length: 10 }, async (_, w) => {
    for (let i = 0; i < 60; i++) await c.call({ op: 'propose', cmd: { op: 'put', key: `k${w}.${i}`, value: `v${i}` } });
  }));
  const victim = c.ids.find((x) => x !== l)!;
  await c.kill(victim);
  c.wipe(victim);
  for (let i = 0; i < 300; i++) await c.call({ op: 'propose', cmd: { op: 'put', key: `after${i % 10}`, value: String(i) } });
  await c.startNode(victim);
  const leaderStatus = (await c.status(await c.leader()))!;
  let s: RaftNodeStatus | null = null;
  for (let i = 0; i < 500; i++) {
    s = await c.status(victim);
    if (s !== null && s.applied >= leaderStatus.commit) break;
    await sleep(20);
  }
  assert.ok(s !== null && s.applied >= leaderStatus.commit, `the wiped replica reached ${s?.applied}, the leader had committed ${leaderStatus.commit}`);
  assert.ok(s.snapshotIndex > 0 && s.firstIndex > 1, 'it caught up without a snapshot');
  // Make it the leader and read through it: its state is the group's.
  const cur = await c.leader();
  const r = await c.callNode(cur, { op: 'transfer', to: victim }, 5000);
  assert.ok(r !== null && r.ok, `transfer failed: ${JSON.stringify(r)}`);
  const direct = await c.callNode(victim, { op: 'get', key: 'k7.59' });
  assert.deepEqual(direct, { ok: true, value: 'v59' });
  assert.deepEqual(await c.callNode(victim, { op: 'get', key: 'after9' }), { ok: true, value: '299' });
  await c.stopAll();
});
