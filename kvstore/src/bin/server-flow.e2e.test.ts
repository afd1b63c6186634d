/**
 * The compiled stage-1 server against a hostile peer that pipelines requests for a large
 * value and never reads the replies: the server's memory stays bounded, and other
 * clients are served meanwhile.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_RETRY_POLICY } from '../client/retry-policy';
import { SingleServerClient } from '../client/single-server-client';
import { type StartedServer, binPath, startListening } from '../testing/spawn-node';
import { parseAddress } from '../wire/address';
import { encodeFrame } from '../wire/frame';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-flow-test-'));
const started: StartedServer[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.stop('SIGKILL')));
  fs.rmSync(runDir, { recursive: true, force: true });
});

/** Resident memory of a process, in MiB (VmRSS of /proc/<pid>/status). */
function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** Runs `count` GETs one after another; returns each one's latency in ms. */
async function timedGets(client: SingleServerClient, key: string, expected: string, count: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    assert.equal(await client.get(key), expected);
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!);

const RSS_BOUND_MIB = 300;
const HOSTILE_SECONDS = 4;

test(`a peer pipelining GETs of a 60 KB value without reading keeps the server under ${RSS_BOUND_MIB} MiB; another client is served meanwhile`, async (t) => {
  const server = await startListening(binPath('server'), ['--listen', '127.0.0.1:0', '--stage', 'test'], { MADKV_RUN_DIR: runDir });
  started.push(server);
  const pid = server.child.pid!;
  const address = parseAddress(server.address);
  // A few attempts only: if the server is stopped for using too much memory, the test ends.
  const normal = new SingleServerClient(address, { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 });
  await normal.put('big', 'b'.repeat(60 * 1024));
  await normal.put('small', 's');
  const before = await timedGets(normal, 'small', 's', 200);
  const rssBefore = rssMiB(pid);

  // The hostile peer: writes GET frames as fast as the server takes them and reads nothing.
  const peer = net.connect(address.port, address.host);
  peer.pause();
  peer.on('error', () => undefined);
  const gone = new Promise<void>((resolve) => peer.once('close', () => resolve()));
  const get = encodeFrame({ id: 1, body: { type: 'kv', cmd: { op: 'get', key: 'big' } } });
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => get));
  let framesSent = 0;
  let hostile = true;
  const pump = (async (): Promise<void> => {
    while (hostile) {
      framesSent += 1000;
      // Once the server stops reading, this waits until the peer is destroyed.
      if (!peer.write(batch)) await Promise.race([new Promise((r) => peer.once('drain', r)), gone]);
    }
  })();

  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMiB(pid));
    // Past the bound the test has failed already: stop the server before the machine runs out of memory.
    if (peakRss > RSS_BOUND_MIB) {
      hostile = false;
      clearInterval(sampler);
      process.kill(pid, 'SIGKILL');
    }
  }, 50);
  const during: number[] = [];
  const deadline = Date.now() + HOSTILE_SECONDS * 1000;
  let served: Error | undefined;
  try {
    while (Date.now() < deadline && hostile) during.push(...(await timedGets(normal, 'small', 's', 20)));
  } catch (err) {
    served = err as Error;
  }
  hostile = false;
  clearInterval(sampler);
  peer.destroy();
  await pump;
  during.sort((a, b) => a - b);

  t.diagnostic(`server RSS ${rssBefore.toFixed(0)} MiB before, peak ${peakRss.toFixed(0)} MiB while the peer sent ${framesSent} GETs (${((framesSent * 60) / 1024).toFixed(0)} MiB of replies asked for)`);
  t.diagnostic(`other client's GET latency: median ${percentile(before, 50).toFixed(2)} ms before, ${percentile(during, 50).toFixed(2)} ms during (x${(percentile(during, 50) / percentile(before, 50)).toFixed(1)}); p99 ${percentile(before, 99).toFixed(2)} / ${percentile(during, 99).toFixed(2)} ms`);
  assert.ok(peakRss < RSS_BOUND_MIB, `server RSS reached ${peakRss.toFixed(0)} MiB (and the server was stopped)`);
  assert.equal(served, undefined, 'the other client was served throughout');
  assert.ok(during.length >= 100, `the other client got ${during.length} answers in ${HOSTILE_SECONDS} s`);
  assert.equal(await normal.get('big'), 'b'.repeat(60 * 1024), 'the server still serves large values');
  normal.close();
});
