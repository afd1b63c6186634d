/**
 * The local cluster tool (`p2::cluster`, `p2::crash`, `p2::restart`, …): a start never
 * touches a running cluster or a folder it cannot start in, every fault it injects is
 * journaled, and node ids it does not know are errors.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectClient } from '../../../kvstore/src/client/connect';
import { freePort, repoRoot, runToCompletion } from '../../../kvstore/src/testing/spawn-node';
import { LocalCluster } from './local-cluster';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-local-cluster-'));
const env = { MADKV_RUN_DIR: path.join(scratch, 'run') };
const clusters: LocalCluster[] = [];
const cliDirs: string[] = [];
const cliMain = path.join(repoRoot(), 'dist', 'runner', 'src', 'cluster', 'main.js');

function cli(dir: string, args: string[]): ReturnType<typeof runToCompletion> {
  return runToCompletion(process.execPath, [cliMain, '--dir', dir, ...args], '', { env, timeoutMs: 40_000 });
}

after(async () => {
  await Promise.all(clusters.map((c) => c.stopAll('SIGKILL')));
  for (const dir of cliDirs) {
    // Whatever the CLI left running: the pids it recorded.
    try {
      const layout = JSON.parse(fs.readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as { processes: Record<string, { pid: number }> };
      for (const p of Object.values(layout.processes)) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    } catch {
      // no layout: nothing was started
    }
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function startCluster(dir: string, servers = 1): Promise<LocalCluster> {
  const ports = await Promise.all(Array.from({ length: servers + 1 }, () => freePort()));
  const c = await LocalCluster.start({ stage: 'test-local-cluster', dir, host: '127.0.0.1', managerPort: ports[0]!, serverPorts: ports.slice(1) }, { detached: false, env });
  clusters.push(c);
  return c;
}

async function canBind(port: number): Promise<boolean> {
  const srv = net.createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The first of n consecutive ports that were free a moment ago (the CLI puts server i on base-port + i). */
async function freeRun(n: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base + n > 65535) continue;
    let ok = true;
    for (let i = 1; i < n && ok; i++) ok = await canBind(base + i);
    if (ok) return base;
  }
}

/** Every file under dir with its size and modification time, to show nothing was touched. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.log')) {
        const st = fs.statSync(p);
        out[path.relative(dir, p)] = `${st.size}@${st.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}

test('starting a cluster in a folder where one is running refuses, names the live nodes, and changes nothing', async () => {
  const dir = path.join(scratch, 'running');
  const first = await startCluster(dir);
  const client = connectClient({ manager: first.managerAddress });
  await client.put('kept', 'yes');
  const before = snapshotTree(dir);

  await assert.rejects(startCluster(dir), (err: Error) => {
    assert.match(err.message, new RegExp(`a cluster is running in ${dir}: m \\(pid ${first.layout.processes['m']!.pid}\\), s0 \\(pid ${first.layout.processes['s0']!.pid}\\)`));
    return true;
  });
  assert.deepEqual(snapshotTree(dir), before, 'storage, layout and journal untouched');
  assert.ok(first.isRunning('m') && first.isRunning('s0'));
  assert.equal(await client.get('kept'), 'yes');
  client.close();
});

test('a server still running from a lost layout is found by its storage lock, and the start refuses', async () => {
  const dir = path.join(scratch, 'lost-layout');
  const first = await startCluster(dir);
  fs.rmSync(path.join(dir, 'cluster.json'));
  await assert.rejects(startCluster(dir), new RegExp(`a cluster is running in ${dir}: .*s0 \\(pid ${first.layout.processes['s0']!.pid}\\)`));
  assert.ok(fs.existsSync(path.join(dir, 'backer.s0')));
});

test('a start whose port is taken by another program fails before wiping anything', async () => {
  const dir = path.join(scratch, 'busy-port');
  const old = await startCluster(dir);
  await old.stopAll();
  const before = snapshotTree(dir);
  const squatter = net.createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
  const busy = (squatter.address() as net.AddressInfo).port;
  try {
    const free = await freePort();
    await assert.rejects(
      LocalCluster.start({ stage: 'test-local-cluster', dir, host: '127.0.0.1', managerPort: free, serverPorts: [busy] }, { detached: false, env }),
      new RegExp(`port ${busy} \\(for s0\\) on 127\\.0\\.0\\.1 is in use`),
    );
  } finally {
    squatter.close();
  }
  assert.deepEqual(snapshotTree(dir), before, 'the old cluster\'s storage is still there');
});

test('the cluster journals every kill, stop and restart it performs', async () => {
  const dir = path.join(scratch, 'journal');
  const c = await startCluster(dir, 2);
  const t0 = Date.now();
  await c.kill('s1', 'SIGKILL');
  await c.restart('s1');
  await c.stopAll();
  const events = fs
    .readFileSync(path.join(dir, 'faults.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { t: number; node: string; event: string; signal?: string });
  const seen = events.map((e) => `${e.node} ${e.event} ${e.signal ?? '-'}`);
  assert.deepEqual(seen.slice(0, 2), ['s1 killed SIGKILL', 's1 restarted -']);
  // cluster-stop stops the nodes in parallel: any order.
  assert.deepEqual(seen.slice(2).sort(), ['m stopped SIGTERM', 's0 stopped SIGTERM', 's1 stopped SIGTERM']);
  for (const e of events) assert.ok(e.t >= t0 && e.t <= Date.now(), 'wall-clock milliseconds');
});

test('crash and restart of a node the cluster does not have fail, listing the valid nodes', async () => {
  const dir = path.join(scratch, 'cli');
  cliDirs.push(dir);
  const up = await cli(dir, ['start', '--servers', '3', '--man-port', String(await freePort()), '--base-port', String(await freeRun(3))]);
  assert.equal(up.code, 0, up.stderr);
  for (const args of [['crash', '7'], ['crash', 's7'], ['restart', '7'], ['crash', 'x']]) {
    const r = await cli(dir, args);
    assert.notEqual(r.code, 0, `${args.join(' ')} must fail: ${r.stdout}`);
    assert.match(r.stderr, /^error: unknown node '(s7|x)': this cluster has m, s0, s1, s2\n$/, args.join(' '));
  }
  const again = await cli(dir, ['start', '--servers', '3', '--man-port', String(await freePort()), '--base-port', String(await freePort())]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /^error: a cluster is running in .*: m \(pid \d+\), s0 \(pid \d+\), s1 \(pid \d+\), s2 \(pid \d+\); nothing was changed\. Stop it first: just p2::cluster-stop ".*"\n$/);
  const down = await cli(dir, ['stop']);
  assert.equal(down.code, 0, down.stderr);
});
