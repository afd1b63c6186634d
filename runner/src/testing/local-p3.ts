/**
 * Local stage-3 (and stage-4) clusters for tests: free ports for every node and link, and a start with the
 * store's programs or the stand-in replicas (fake-replica.ts).
 */
import * as path from 'node:path';
import { freePort, retryWhilePortTaken } from '../../../kvstore/src/testing/spawn-node';
import { LocalCluster, type StartOptions } from '../cluster/local-cluster';
import { type P3LayoutOptions, type P3Ports, type P3Shape, linkPairs } from '../cluster/p3-layout';

/** The stand-in replica program, relative to the repository root. */
export const FAKE_REPLICA = path.join('dist', 'runner', 'src', 'testing', 'fake-replica.js');

/** Ports free a moment ago, no two alike (the system may hand out a port it just handed out). */
export async function freeP3Ports(shape: P3Shape, proxies = true): Promise<P3Ports> {
  const taken = new Set<number>();
  const one = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const n = async (k: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < k; i++) out.push(await one());
    return out;
  };
  const servers = shape.partitions * shape.rf;
  const ports: P3Ports = {
    managerClient: await n(shape.managers),
    managerP2p: await n(shape.managers),
    serverClient: await n(servers),
    serverP2p: await n(servers),
  };
  if (proxies) {
    ports.proxyControl = await one();
    ports.proxyLinks = await n(linkPairs(shape).length);
  }
  return ports;
}

export interface TestClusterOptions {
  dir: string;
  stage: string;
  shape: P3Shape;
  env: NodeJS.ProcessEnv;
  /** Stand-in replicas instead of the store's programs. */
  standIn?: boolean;
  proxies?: boolean;
  managerArgs?: string[];
  serverArgs?: string[];
  programs?: P3LayoutOptions['programs'];
  /** Stage 4: transactional shards. */
  txn?: P3LayoutOptions['txn'];
  detached?: boolean;
  nodeArgs?: string[];
}

/**
 * Starts a test cluster on free ports. A port free when picked may be taken before its node
 * listens (other tests pick ports at the same time): the start is all or nothing, so such a
 * start is tried again on other ports, up to three times.
 */
export async function startTestCluster(o: TestClusterOptions): Promise<LocalCluster> {
  return retryWhilePortTaken(() => startOnFreePorts(o));
}

async function startOnFreePorts(o: TestClusterOptions): Promise<LocalCluster> {
  const proxies = o.proxies ?? true;
  const options: StartOptions = { detached: o.detached ?? false, env: o.env, ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}) };
  return LocalCluster.startReplicated(
    {
      stage: o.stage,
      dir: o.dir,
      host: '127.0.0.1',
      shape: o.shape,
      ports: await freeP3Ports(o.shape, proxies),
      proxies,
      ...(o.managerArgs ? { managerArgs: o.managerArgs } : {}),
      ...(o.serverArgs ? { serverArgs: o.serverArgs } : {}),
      programs: { ...(o.standIn ? { manager: FAKE_REPLICA, server: FAKE_REPLICA } : {}), ...o.programs },
      ...(o.txn ? { txn: o.txn } : {}),
    },
    options,
  );
}
