/**
 * `npm run bench:harness`: what the measuring instrument costs. YCSB-A with 10 clients through
 * `runner bench`, in one run, against
 *   (a) null clients: stand-in clients answering from memory (testing/fake-clients.ts), no store:
 *       the harness's ceiling;
 *   (b) the p1 store: our server and our stdin/stdout client;
 *   (c) Redis (Debian's redis-server, on a free loopback port, no persistence) behind
 *       refcli/src/redis-client.ts, a plain-Node stdin/stdout adapter speaking the same protocol;
 *       skipped with a note when redis-server is absent.
 * For each: the run phase's throughput (the runner's own `[OVERALL]` line), the CPU of the
 * harness (the runner and its client processes, client start-up included) per operation, the
 * store's CPU per operation, and the ratios.
 *
 * CPU is read from /proc: the runner's own time plus that of the children it has reaped, sampled
 * when it announces the run phase and when it prints the run phase's measurements (both phases'
 * clients have exited by then); the store's process is sampled at the same moments.
 *
 *   --ops N        operations per client in the run phase (default 20000)
 *   --clients N    default 10
 *   --dist DIR     the build to measure (runner, client, server, null client), default this
 *                  checkout's dist/; the Redis adapter always comes from this checkout
 *   --only LIST    comma-separated subset of null,p1,redis
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startListening } from '../../../kvstore/src/testing/spawn-node';
import { repoRoot } from '../paths';

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const CLK_TCK = 100;

interface Options {
  ops: number;
  clients: number;
  dist: string;
  only: Set<string>;
}

/** CPU seconds of a process: its own, and its reaped descendants'. */
interface ProcCpu {
  self: number;
  children: number;
}

function readCpu(pid: number): ProcCpu | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name's closing paren: state is field 3, utime 14 .. cstime 17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { self: (Number(f[11]) + Number(f[12])) / CLK_TCK, children: (Number(f[13]) + Number(f[14])) / CLK_TCK };
  } catch {
    return undefined;
  }
}

function total(c: ProcCpu | undefined): number {
  return c === undefined ? 0 : c.self + c.children;
}

interface Target {
  name: string;
  clientCmd: string;
  /** The store's pid, for its CPU; undefined for the null clients. */
  storePid: number | undefined;
}

interface Result {
  name: string;
  opsPerSec: number;
  ops: number;
  harnessUsPerOp: number;
  runnerUsPerOp: number;
  clientsUsPerOp: number;
  storeUsPerOp: number | undefined;
}

function runBench(o: Options, t: Target): Promise<Result> {
  const runner = path.join(o.dist, 'runner', 'src', 'main.js');
  const args = [runner, 'bench', '--num-clis', String(o.clients), '--workload', 'a', '--num-ops', String(o.ops), '--seed', '1', '--client-cmd', t.clientCmd];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let partial = '';
  let start: { runner: ProcCpu; store: number } | undefined;
  let end: { runner: ProcCpu; store: number } | undefined;
  const sample = (): { runner: ProcCpu; store: number } => ({
    runner: readCpu(child.pid!) ?? { self: 0, children: 0 },
    store: t.storePid === undefined ? 0 : total(readCpu(t.storePid)),
  });
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    out += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.includes('Benchmarking [Run] phase')) start = sample();
      if (line.includes('YCSB measurements of the [Run] phase')) end = sample();
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || start === undefined || end === undefined) {
        reject(new Error(`runner bench against ${t.name} failed (exit ${code}):\n${out.slice(-2000)}\n${err.slice(-2000)}`));
        return;
      }
      const tput = [...out.matchAll(/\[OVERALL\], Throughput\(ops\/sec\), ([\d.e+]+)/g)].map((m) => Number(m[1]));
      const ops = o.ops * o.clients;
      const runnerSelf = end.runner.self - start.runner.self;
      const clients = end.runner.children - start.runner.children;
      resolve({
        name: t.name,
        opsPerSec: tput[1] ?? Number.NaN,
        ops,
        harnessUsPerOp: ((runnerSelf + clients) * 1e6) / ops,
        runnerUsPerOp: (runnerSelf * 1e6) / ops,
        clientsUsPerOp: (clients * 1e6) / ops,
        storeUsPerOp: t.storePid === undefined ? undefined : ((end.store - start.store) * 1e6) / ops,
      });
    });
  });
}

async function startRedis(): Promise<{ pid: number; address: string; stop: () => Promise<void>; version: string }> {
  const port = await freePort();
  const version = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-redis-'));
  const child = spawn(REDIS_SERVER, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start: ${log.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { pid: child.pid!, address: `127.0.0.1:${port}`, stop, version };
}

function fmt(x: number | undefined, digits = 0): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const o: Options = {
    ops: Number(value('--ops') ?? '20000'),
    clients: Number(value('--clients') ?? '10'),
    dist: path.resolve(value('--dist') ?? path.join(repoRoot(), 'dist')),
    only: new Set((value('--only') ?? 'null,p1,redis').split(',')),
  };
  if (!Number.isInteger(o.ops) || o.ops < 1 || !Number.isInteger(o.clients) || o.clients < 1) throw new Error('--ops and --clients take positive integers');
  if (!fs.existsSync(path.join(o.dist, 'runner', 'src', 'main.js'))) throw new Error(`no build in ${o.dist} (expected runner/src/main.js there)`);
  return o;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const node = JSON.stringify(process.execPath);
  const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`harness benchmark: YCSB-A, ${o.clients} clients x ${o.ops} run-phase operations, build ${o.dist}`);
  console.log(`machine: ${os.cpus().length} cores, load average ${load()} (1/5/15 min) before the run`);
  const results: Result[] = [];

  if (o.only.has('null')) {
    const fake = path.join(o.dist, 'runner', 'src', 'testing', 'fake-clients.js');
    results.push(await runBench(o, { name: 'null clients', clientCmd: `${node} ${JSON.stringify(fake)}`, storePid: undefined }));
  }
  if (o.only.has('p1')) {
    const server = await startListening(path.join(o.dist, 'kvstore', 'src', 'bin', 'server.js'), ['--listen', '127.0.0.1:0', '--stage', 'bench-harness']);
    try {
      const client = path.join(o.dist, 'kvstore', 'src', 'bin', 'client.js');
      results.push(await runBench(o, { name: 'p1 store', clientCmd: `${node} ${JSON.stringify(client)} --server ${server.address}`, storePid: server.child.pid }));
    } finally {
      await server.stop();
    }
  }
  let redisNote: string | undefined;
  if (o.only.has('redis')) {
    if (!fs.existsSync(REDIS_SERVER)) {
      redisNote = `Redis skipped: ${REDIS_SERVER} is not installed (Debian: apt-get install -y redis-server)`;
    } else {
      const redis = await startRedis();
      try {
        const adapter = path.join(repoRoot(), 'dist', 'refcli', 'src', 'redis-client.js');
        results.push(await runBench(o, { name: 'Redis + adapter', clientCmd: `${node} ${JSON.stringify(adapter)} --server ${redis.address}`, storePid: redis.pid }));
        redisNote = `Redis: ${redis.version}`;
      } finally {
        await redis.stop();
      }
    }
  }

  console.log('');
  console.log('| target | ops/s | harness CPU µs/op (runner + clients) | store CPU µs/op |');
  console.log('|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.name} | ${fmt(r.opsPerSec)} | ${fmt(r.harnessUsPerOp, 1)} (${fmt(r.runnerUsPerOp, 1)} + ${fmt(r.clientsUsPerOp, 1)}) | ${fmt(r.storeUsPerOp, 1)} |`);
  }
  const by = (name: string): Result | undefined => results.find((r) => r.name === name);
  const nul = by('null clients');
  const p1 = by('p1 store');
  const redis = by('Redis + adapter');
  console.log('');
  if (nul !== undefined) console.log(`null-client ceiling: ${fmt(nul.opsPerSec)} ops/s (target >= 40,000: ${nul.opsPerSec >= 40_000 ? 'met' : `missed by ${fmt(40_000 - nul.opsPerSec)} ops/s`})`);
  if (p1 !== undefined && nul !== undefined) console.log(`p1 / null ceiling: ${(p1.opsPerSec / nul.opsPerSec).toFixed(2)}x ops/s`);
  if (p1 !== undefined && redis !== undefined) {
    console.log(
      `p1 / Redis+adapter: ${(p1.opsPerSec / redis.opsPerSec).toFixed(2)}x ops/s (target >= 1: ${p1.opsPerSec >= redis.opsPerSec ? 'met' : 'missed'}); ` +
        `harness CPU ${(p1.harnessUsPerOp / redis.harnessUsPerOp).toFixed(2)}x; client + store CPU ${((p1.clientsUsPerOp + (p1.storeUsPerOp ?? 0)) / (redis.clientsUsPerOp + (redis.storeUsPerOp ?? 0))).toFixed(2)}x`,
    );
  }
  if (redisNote !== undefined) console.log(redisNote);
  console.log(`load average after the run: ${load()}`);
}

main().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
