/**
 * A fresh store for each run of a campaign, on free loopback ports: a p1 server, a p2 cluster
 * (manager + n partition servers), a p3 cluster (3 manager replicas, 2 partitions × rf
 * replicas, peers dialing each other directly) or, for a p4 fuzz run, a stage-4 cluster
 * (3 manager replicas, 3 transactional shards × rf 3 running the run's txn mode, as
 * `p4::cluster` starts by default), with fresh storage in the campaign's cluster folder. Everything started here is stopped by `stop()`; nodes are children of the campaign
 * (not detached), so they do not outlive it.
 */
import { startListening, binPath, freePort, retryWhilePortTaken } from '../../../kvstore/src/testing/spawn-node';
import { LocalCluster } from '../cluster/local-cluster';
import { freeP3Ports } from '../testing/local-p3';
import type { CampaignStage } from './plan';

export interface Target {
  /** What the run's recipe is given: the server's, manager's or managers' address(es). */
  address: string;
  /** p2/p3: the cluster, for the faults of crashing runs. */
  cluster?: LocalCluster;
  /** What it is, for the progress line. */
  description: string;
  stop: () => Promise<void>;
}

/** p3 clusters: the template's default shape but for the replication factor. */
export const P3_MANAGERS = 3;
export const P3_PARTITIONS = 2;
/** p4 clusters: `p4::cluster`'s default shape. */
export const P4_SHARDS = 3;
const LEADER_WAIT_MS = 30_000;

/** Starts a fresh store for a run of `stage` of the given size (p2: partitions; p3, p4: replication factor; p4: in txnMode). */
export async function startTarget(stage: CampaignStage, size: number, clusterDir: string, txnMode?: 'mako' | '2pc'): Promise<Target> {
  if (stage === 'p1') {
    const server = await startListening(binPath('server'), ['--stage', 'p1', '--listen', '127.0.0.1:0']);
    return { address: server.address, description: `server ${server.address}`, stop: () => server.stop('SIGTERM') };
  }
  if (stage === 'p2') {
    const cluster = await retryWhilePortTaken(async () => {
      const ports = await distinctFreePorts(size + 1);
      return LocalCluster.start({ stage: 'p2', dir: clusterDir, host: '127.0.0.1', managerPort: ports[0]!, serverPorts: ports.slice(1) }, { detached: false });
    });
    return { address: cluster.managerAddress, cluster, description: `manager ${cluster.managerAddress}, ${size} server${size === 1 ? '' : 's'}`, stop: () => cluster.stopAll('SIGTERM') };
  }
  if (stage === 'p4' && txnMode === undefined) throw new Error('a stage-4 cluster needs its txn mode');
  const shape = { managers: P3_MANAGERS, partitions: stage === 'p4' ? P4_SHARDS : P3_PARTITIONS, rf: size };
  const txn = txnMode !== undefined ? { txn: { mode: txnMode, replRttMs: 0 } } : {};
  const cluster = await retryWhilePortTaken(async () =>
    LocalCluster.startReplicated({ stage, dir: clusterDir, host: '127.0.0.1', shape, ports: await freeP3Ports(shape, false), proxies: false, ...txn }, { detached: false }),
  );
  const { missing } = await cluster.waitForLeaders(LEADER_WAIT_MS);
  if (missing.length > 0) {
    await cluster.stopAll('SIGKILL');
    throw new Error(`no leader in ${missing.join(', ')} after ${LEADER_WAIT_MS / 1000} s (node logs under ${clusterDir})`);
  }
  const managers = cluster.managerAddresses.join(',');
  return {
    address: managers,
    cluster,
    description: `${P3_MANAGERS} managers, ${shape.partitions} ${stage === 'p4' ? `shards (${txnMode})` : 'partitions'} × rf ${size}`,
    stop: () => cluster.stopAll('SIGTERM'),
  };
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
