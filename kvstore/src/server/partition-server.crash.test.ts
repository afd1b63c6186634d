/**
 * Durability of the stage-2 server under real crashes: separate processes,
 * kill -9 in the middle of a write load, restart on the same storage.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectClient } from '../client/connect';
import { keysOnPartition } from '../cluster/partition-map';
import type { KvClient } from '../client/kv-client';
import { freePort } from '../testing/spawn-node';
import { LocalCluster } from '../../../runner/src/cluster/local-cluster';

const clusters: LocalCluster[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(clusters.map((c) => c.stopAll('SIGKILL')));
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

async function cluster(servers: number, serverArgs: string[] = []): Promise<LocalCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-crash-'));
  dirs.push(dir);
  const ports = await Promise.all(Array.from({ length: servers + 1 }, () => freePort()));
  const c = await LocalCluster.start(
    { stage: 'test-crash', dir, host: '127.0.0.1', managerPort: ports[0]!, serverPorts: ports.slice(1) },
    { detached: false, serverArgs, env: { MADKV_RUN_DIR: path.join(dir, 'run') } },
  );
  clusters.push(c);
  return c;
}

test('kill -9 during a write load, many times: every acknowledged write survives and none applies twice', async () => {
  // A small snapshot interval, so crashes also land around snapshots and compaction.
  const c = await cluster(1, ['--snapshot-every', '300']);
  const writers = 16;
  const clients: KvClient[] = Array.from({ length: writers }, () => connectClient({ manager: c.managerAddress }));
  const acked: number[] = new Array<number>(writers).fill(0);
  const violations: string[] = [];
  let running = true;
  // Each writer SWAPs its own key through 1, 2, 3, …: each answer must be exactly the previous
  // acknowledged value. A lost acknowledged write or a retry applied twice breaks the chain.
  const load = clients.map(async (cl, w) => {
    for (let n = 1; running; n++) {
      const old = await cl.swap(`w${w}`, String(n));
      const expected = n === 1 ? null : String(n - 1);
      if (old !== expected) violations.push(`writer ${w}: SWAP ${n} returned ${old}, expected ${expected}`);
      acked[w] = n;
    }
  });
  const total = (): number => acked.reduce((a, b) => a + b, 0);
  try {
    for (let cycle = 0; cycle < 6; cycle++) {
      const before = total();
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 350));
      // On a busy machine the first writes may take longer than that: crash only once the load has moved on.
      for (const deadline = Date.now() + 20_000; total() === before && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      assert.ok(total() > before, 'the load made progress before the crash');
      assert.ok(await c.kill('s0', 'SIGKILL'), 'server was running');
      await new Promise((r) => setTimeout(r, 100));
      await c.startServer(0);
    }
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(load);
  } finally {
    // A failed assertion must not leave the writers retrying forever (the test file would never end).
    running = false;
    clients.forEach((cl) => cl.close());
  }
  assert.deepEqual(violations, []);
  const reader = connectClient({ manager: c.managerAddress });
  for (let w = 0; w < writers; w++) assert.equal(await reader.get(`w${w}`), String(acked[w]), `writer ${w}`);
  const recovered = fs.readFileSync(c.logFile('s0'), 'utf8').match(/recovered .* replayed/g) ?? [];
  assert.equal(recovered.length, 7, 'started once and recovered after each of 6 crashes');
  reader.close();
});

test('an operation on a crashed partition waits for it; other partitions keep serving', async () => {
  const c = await cluster(3);
  const client = connectClient({ manager: c.managerAddress });
  const keyOn = (p: number): string => keysOnPartition('probe', p, 3, 1)[0]!;
  for (const p of [0, 1, 2]) await client.put(keyOn(p), `v${p}`);
  await c.kill('s1', 'SIGKILL');
  assert.equal(await client.get(keyOn(0)), 'v0');
  assert.equal(await client.swap(keyOn(2), 'w2'), 'v2');
  const blocked = client.get(keyOn(1));
  const early = await Promise.race([blocked, new Promise((r) => setTimeout(() => r('waiting'), 1000))]);
  assert.equal(early, 'waiting');
  await c.startServer(1);
  assert.equal(await blocked, 'v1');
  client.close();
});

test('the manager may start last: servers and clients started first wait for it', async () => {
  const c = await cluster(2);
  await c.stopAll('SIGKILL');
  // Fresh storage, so the servers know nothing of the cluster until the manager answers.
  [0, 1].forEach((i) => fs.rmSync(c.backerPath(i), { recursive: true, force: true }));
  // Bring servers up first (they retry registering), then a client (it retries asking for the map).
  await c.startServer(0);
  await c.startServer(1);
  const client = connectClient({ manager: c.managerAddress });
  const pending = client.put('late-manager', 'ok');
  await new Promise((r) => setTimeout(r, 700));
  await c.startManager();
  assert.equal(await pending, false);
  assert.equal(await client.get('late-manager'), 'ok');
  client.close();
});

test('a server whose log is damaged in the middle refuses to start, naming the file; a torn tail is cut and the server serves', async () => {
  const c = await cluster(1);
  const client = connectClient({ manager: c.managerAddress });
  for (let i = 0; i < 50; i++) await client.put(`k${i}`, `v${i}`);
  await c.kill('s0', 'SIGKILL');
  const logDir = path.join(c.backerPath(0), 'log');
  const segment = path.join(logDir, fs.readdirSync(logDir).filter((f) => f.endsWith('.log')).sort()[0]!);
  const original = fs.readFileSync(segment);

  // A torn tail: the last record cut short, as a crash mid-write leaves it. It was never acknowledged.
  fs.writeFileSync(segment, Buffer.concat([original, original.subarray(0, 30)]));
  await c.startServer(0);
  assert.equal(await client.get('k49'), 'v49');
  assert.match(fs.readFileSync(c.logFile('s0'), 'utf8'), /torn tail of 30 bytes cut off/);
  await c.kill('s0', 'SIGKILL');

  // Damage in the middle: a flipped byte inside an early record.
  const damaged = Buffer.from(original);
  damaged[200] = damaged[200]! ^ 0xff;
  fs.writeFileSync(segment, damaged);
  await assert.rejects(c.startServer(0), (err: Error) => {
    assert.match(err.message, /s0 exited \(1\)/);
    assert.match(err.message, new RegExp(`error: ${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at byte \\d+`));
    return true;
  });
  client.close();
});
