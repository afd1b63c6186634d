/**
 * What every stage-3 benchmark needs around its measurements: a local cluster of the store's
 * real programs (manager replicas and one partition's replicas, peers dialing each other
 * directly: no link proxies in the way), each node's status and memory, and a teardown that
 * stops every process the benchmark started, whether it ends, fails or is interrupted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocalCluster } from '../../cluster/local-cluster';
import type { NodeStatus } from '../../../../kvstore/src/status/node-status';
import { queryStatus } from '../../../../kvstore/src/status/query-status';
import { startTestCluster } from '../../testing/local-p3';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Stop actions, run last-added first: at the end of a benchmark, when it throws, and on
 * SIGINT/SIGTERM/SIGHUP (then the process exits with 128 + the signal's number).
 */
export class Teardown {
  private readonly actions: Array<() => Promise<void>> = [];
  private running: Promise<void> | undefined;

  constructor() {
    const onSignal = (signal: NodeJS.Signals, code: number): void => {
      process.stderr.write(`\n${signal}: stopping every process the benchmark started\n`);
      void this.run().finally(() => process.exit(128 + code));
    };
    process.once('SIGINT', () => onSignal('SIGINT', 2));
    process.once('SIGTERM', () => onSignal('SIGTERM', 15));
    process.once('SIGHUP', () => onSignal('SIGHUP', 1));
  }

  /** Registers `stop`; the returned function runs it now (once) and unregisters it. */
  add(stop: () => Promise<void>): () => Promise<void> {
    let done = false;
    const once = async (): Promise<void> => {
      if (done) return;
      done = true;
      await stop();
    };
    this.actions.push(once);
    return async () => {
      const i = this.actions.indexOf(once);
      if (i >= 0) this.actions.splice(i, 1);
      await once();
    };
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      while (this.actions.length > 0) {
        const a = this.actions.pop()!;
        await a().catch((err: unknown) => process.stderr.write(`teardown: ${(err as Error).message}\n`));
      }
      this.running = undefined;
    })();
    return this.running;
  }
}

export interface BenchClusterOptions {
  managers: number;
  rf: number;
  serverArgs?: string[];
  teardown: Teardown;
  /** Environment of the nodes (MADKV_RUN_DIR, …). */
  env?: NodeJS.ProcessEnv;
  /** Run every node under `node --cpu-prof`, writing its profile here when it stops (they are stopped by SIGTERM then, not SIGKILL). */
  cpuProfDir?: string;
}

export interface BenchCluster {
  cluster: LocalCluster;
  /** Stops every node and removes the cluster's folder (kept, with the nodes' logs, when `keep`). */
  stop(keep?: boolean): Promise<void>;
}

/** Starts `managers` manager replicas and one partition of `rf` replicas, waits for both leaders. */
export async function startBenchCluster(o: BenchClusterOptions): Promise<BenchCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p3-bench-'));
  let cluster: LocalCluster | undefined;
  let keepDir = false;
  const stop = o.teardown.add(async () => {
    if (cluster !== undefined) await cluster.stopAll(o.cpuProfDir === undefined ? 'SIGKILL' : 'SIGTERM');
    if (keepDir) process.stderr.write(`the cluster's folder (node logs in <node>.log) is kept: ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });
  try {
    cluster = await startTestCluster({
      dir: path.join(dir, 'cluster'),
      stage: 'p3-bench',
      shape: { managers: o.managers, partitions: 1, rf: o.rf },
      env: o.env ?? {},
      ...(o.cpuProfDir === undefined ? {} : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${path.resolve(o.cpuProfDir)}`] }),
      proxies: false,
      ...(o.serverArgs ? { serverArgs: o.serverArgs } : {}),
    });
    const { missing } = await cluster.waitForLeaders(20_000);
    if (missing.length > 0) throw new Error(`no leader in group(s) ${missing.join(', ')} within 20 s`);
  } catch (err) {
    keepDir = true;
    await stop();
    throw err;
  }
  const started = cluster;
  return {
    cluster: started,
    stop: (keep = false) => {
      keepDir = keep;
      return stop();
    },
  };
}

/** The node's status (throws if it does not answer within `timeoutMs`). */
export function nodeStatus(cluster: LocalCluster, node: string, timeoutMs = 2000): Promise<NodeStatus> {
  return queryStatus(cluster.clientAddress(node), timeoutMs);
}

/** Waits until `node` answers status with applied ≥ `index`; the status it answered. */
export async function waitApplied(cluster: LocalCluster, node: string, index: number, waitMs: number, pollMs = 20): Promise<NodeStatus> {
  const deadline = performance.now() + waitMs;
  let last = 'no answer';
  for (;;) {
    try {
      const s = await nodeStatus(cluster, node, 1000);
      if (s.applied >= index) return s;
      last = `applied ${s.applied}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (performance.now() > deadline) throw new Error(`${node} did not apply index ${index} within ${waitMs} ms (${last})`);
    await sleep(pollMs);
  }
}

/** Resident memory of a process in MiB, from /proc (undefined where there is no /proc). */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
