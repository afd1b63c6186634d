/**
 * SCANs larger than a frame (9,000 pairs of 8 KB: 72 MB against a 64 MiB frame limit;
 * fewer, larger pairs keep the loading quick) through the compiled stdin/stdout client,
 * against a real stage-1 server and a real stage-2 cluster: every line arrives, in order,
 * and neither the client nor the servers hold the answer in memory.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectClient } from '../client/connect';
import type { KvClient } from '../client/kv-client';
import { DEFAULT_MAX_FRAME_BYTES } from '../wire/frame';
import { type StartedServer, binPath, freePort, startListening } from '../testing/spawn-node';
import { LocalCluster } from '../../../runner/src/cluster/local-cluster';

const KEYS = 9_000;
const VALUE_BYTES = 8000;
/**
 * Bounds, for an answer whose text is 72 MB. A server may grow by less than this over what
 * it holds once loaded (building the answer whole takes it twice the answer: the encoded
 * frame and its copy). The client's resident memory stays below this, with its JS heap
 * capped at CLIENT_HEAP_MIB, less than the answer, so holding the answer would end it with
 * an out-of-memory error; the rest is Node itself (about 50 MiB) and buffers not yet collected.
 */
const SERVER_GROWTH_BOUND_MIB = 64;
const CLIENT_RSS_BOUND_MIB = 160;
const CLIENT_HEAP_MIB = 64;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-bigscan-test-'));
const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const stop of stops) await stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const key = (i: number): string => `k${String(i).padStart(6, '0')}`;
/** A value of VALUE_BYTES that says which key it belongs to, so each line can be checked. */
const valueOf = (i: number): string => `${key(i)}:`.padEnd(VALUE_BYTES, 'x');

async function load(client: KvClient): Promise<void> {
  // Many requests in flight, in waves, so the load is quick without queueing everything at once.
  const wave = 1000;
  for (let base = 0; base < KEYS; base += wave) {
    await Promise.all(Array.from({ length: Math.min(wave, KEYS - base) }, (_, j) => client.put(key(base + j), valueOf(base + j))));
  }
}

function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0; // the process has just exited
  }
}

interface ScanRun {
  lines: number;
  millis: number;
  clientPeakMiB: number;
  serverPeakMiB: number[];
}

/**
 * Runs `SCAN` and `STOP` through the client process, checking every line as it streams in
 * (nothing is kept), while sampling the client's and the servers' resident memory.
 */
async function scanThroughClient(clientArgs: string[], serverPids: number[], timeoutMs: number): Promise<ScanRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${CLIENT_HEAP_MIB}`, binPath('client'), ...clientArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
  stops.push(async () => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const peaks = { client: 0, servers: serverPids.map(() => 0) };
  const sampler = setInterval(() => {
    peaks.client = Math.max(peaks.client, rssMiB(child.pid!));
    serverPids.forEach((pid, i) => (peaks.servers[i] = Math.max(peaks.servers[i]!, rssMiB(pid))));
  }, 25);
  const expected = (n: number): string => (n === 0 ? `SCAN ${key(0)} k999999 BEGIN` : n <= KEYS ? `  ${key(n - 1)} ${valueOf(n - 1)}` : n === KEYS + 1 ? 'SCAN END' : 'STOP');
  let lines = 0;
  let partial = '';
  let mismatch: string | undefined;
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      if (mismatch === undefined && line !== expected(lines)) mismatch = `line ${lines + 1}: ${JSON.stringify(line.slice(0, 60))}, expected ${JSON.stringify(expected(lines).slice(0, 60))}`;
      lines++;
    }
  });
  child.stdin.end(`SCAN ${key(0)} k999999\nSTOP\n`);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  clearInterval(sampler);
  assert.equal(mismatch, undefined, mismatch);
  assert.equal(code, 0, `client exit ${code} after ${lines} lines; stderr: ${stderr.slice(-500)}`);
  assert.equal(partial, '');
  return { lines, millis: performance.now() - t0, clientPeakMiB: peaks.client, serverPeakMiB: peaks.servers };
}

test(`a SCAN of ${KEYS} pairs of ${VALUE_BYTES} bytes through the client against a stage-1 server streams every line in bounded memory`, async (t) => {
  assert.ok(KEYS * VALUE_BYTES > DEFAULT_MAX_FRAME_BYTES, 'the answer is larger than a frame');
  const server: StartedServer = await startListening(binPath('server'), ['--listen', '127.0.0.1:0', '--stage', 'test'], { MADKV_RUN_DIR: path.join(dir, 'run') });
  stops.push(() => server.stop('SIGKILL'));
  const loader = connectClient({ server: server.address });
  const loadStart = performance.now();
  await load(loader);
  t.diagnostic(`loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  loader.close();
  const loaded = rssMiB(server.child.pid!);
  const run = await scanThroughClient(['--server', server.address], [server.child.pid!], 120_000);
  t.diagnostic(`${run.lines} lines in ${(run.millis / 1000).toFixed(1)} s; client RSS peak ${run.clientPeakMiB.toFixed(0)} MiB; server RSS ${loaded.toFixed(0)} MiB loaded, peak ${run.serverPeakMiB[0]!.toFixed(0)} MiB during the SCAN`);
  assert.equal(run.lines, KEYS + 3);
  assert.ok(run.clientPeakMiB < CLIENT_RSS_BOUND_MIB, `client RSS peaked at ${run.clientPeakMiB.toFixed(0)} MiB`);
  assert.ok(run.serverPeakMiB[0]! - loaded < SERVER_GROWTH_BOUND_MIB, `server RSS grew from ${loaded.toFixed(0)} to ${run.serverPeakMiB[0]!.toFixed(0)} MiB`);
});

test(`the same SCAN against a stage-2 cluster of 3 partitions: a paged k-way merge, in bounded memory`, async (t) => {
  const ports = await Promise.all(Array.from({ length: 4 }, () => freePort()));
  const cluster = await LocalCluster.start(
    { stage: 'test-bigscan', dir: path.join(dir, 'p2'), host: '127.0.0.1', managerPort: ports[0]!, serverPorts: ports.slice(1) },
    { detached: false, env: { MADKV_RUN_DIR: path.join(dir, 'run') } },
  );
  stops.push(() => cluster.stopAll('SIGKILL'));
  const loader = connectClient({ manager: cluster.managerAddress });
  const loadStart = performance.now();
  await load(loader);
  t.diagnostic(`loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  loader.close();
  const pids = [0, 1, 2].map((i) => cluster.layout.processes[`s${i}`]!.pid);
  const loaded = pids.map(rssMiB);
  const run = await scanThroughClient(['--manager', cluster.managerAddress], pids, 180_000);
  t.diagnostic(`${run.lines} lines in ${(run.millis / 1000).toFixed(1)} s; client RSS peak ${run.clientPeakMiB.toFixed(0)} MiB; servers' RSS loaded ${loaded.map((m) => m.toFixed(0)).join('/')} MiB, peak ${run.serverPeakMiB.map((m) => m.toFixed(0)).join('/')} MiB`);
  assert.equal(run.lines, KEYS + 3);
  assert.ok(run.clientPeakMiB < CLIENT_RSS_BOUND_MIB, `client RSS peaked at ${run.clientPeakMiB.toFixed(0)} MiB`);
  run.serverPeakMiB.forEach((peak, i) => assert.ok(peak - loaded[i]! < SERVER_GROWTH_BOUND_MIB, `server s${i} RSS grew from ${loaded[i]!.toFixed(0)} to ${peak.toFixed(0)} MiB`));
});
