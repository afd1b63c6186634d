/**
 * What a local cluster is made of, as saved in `<dir>/cluster.json`: its nodes, each a
 * program with the arguments it is started (and restarted) with, the ports it listens on,
 * and its storage folder. Stage 2's layout (one manager, N partition servers) is built here;
 * stage 3's in p3-layout.ts. Pure: nothing here starts or touches anything.
 */
import * as path from 'node:path';

export interface NodeSpec {
  /** m, sN (p2); m.X, sP.R, proxy (p3). */
  id: string;
  /** The program, relative to the repository root (e.g. dist/kvstore/src/bin/manager.js). */
  program: string;
  args: string[];
  /** Every port it listens on, with what for (checked free before a start). */
  ports: Array<{ port: number; what: string }>;
  /** Its storage folder's name under the cluster folder (backer.<id>), if it has one. */
  storage?: string;
}

/** A replication group of a p3 cluster: the manager group (`m`) or a partition (`0`, `1`, …). */
export interface GroupSpec {
  id: string;
  /** Its replicas' node ids, by replica id. */
  members: string[];
}

export interface P3Info {
  managers: number;
  partitions: number;
  rf: number;
  /** Client addresses of the manager replicas, by replica id (the `managers` argument). */
  managerAddresses: string[];
  /** Client addresses of every server replica, partition-major (the `servers` argument). */
  serverAddresses: string[];
  groups: GroupSpec[];
  /** The link proxy daemon's control address, when peer links go through proxies. */
  proxyControl?: string;
  /** Stage 4: the server replicas are transactional shards (txn-shard-server) running this protocol. */
  txn?: TxnClusterOptions;
}

/** How a stage-4 cluster's shards run transactions. */
export interface TxnClusterOptions {
  mode: 'mako' | '2pc';
  /** Round trip added on the shards' Raft replication links (geo-replication on one machine). */
  replRttMs: number;
}

export interface ClusterLayout {
  stage: string;
  dir: string;
  host: string;
  kind: 'p2' | 'p3';
  /** p2: the manager's port and the servers' ports (partition i is server i). */
  managerPort?: number;
  serverPorts?: number[];
  p3?: P3Info;
  /** In start order (a proxy first). */
  nodes: NodeSpec[];
  /** Node id -> pid and start time of its current process, and whether it is paused (SIGSTOP). */
  processes: Record<string, { pid: number; startTime: string; paused?: boolean }>;
}

export const BIN_DIR = path.join('dist', 'kvstore', 'src', 'bin');

/** A stage-2 cluster's nodes: the manager `m` and servers `s0…`. */
export function p2Nodes(o: { stage: string; host: string; managerPort: number; serverPorts: number[]; serverArgs?: string[]; dir: string }): NodeSpec[] {
  const servers = o.serverPorts.map((p) => `${o.host}:${p}`).join(',');
  const manager: NodeSpec = {
    id: 'm',
    program: path.join(BIN_DIR, 'manager.js'),
    args: ['--stage', o.stage, '--listen-host', o.host, '--port', String(o.managerPort), '--servers', servers],
    ports: [{ port: o.managerPort, what: 'client' }],
  };
  return [
    manager,
    ...o.serverPorts.map((port, i) => ({
      id: `s${i}`,
      program: path.join(BIN_DIR, 'partition-server.js'),
      args: [
        '--stage', o.stage,
        '--id', String(i),
        '--manager', `${o.host}:${o.managerPort}`,
        '--listen-host', o.host,
        '--api-port', String(port),
        '--backer-path', path.join(o.dir, `backer.s${i}`),
        ...(o.serverArgs ?? []),
      ],
      ports: [{ port, what: 'client' }],
      storage: `backer.s${i}`,
    })),
  ];
}

/** Fails, naming both, if two nodes are given one port. */
export function checkDistinctPorts(nodes: readonly NodeSpec[]): void {
  const seen = new Map<number, string>();
  for (const n of nodes) {
    for (const { port, what } of n.ports) {
      const other = seen.get(port);
      const me = portLabel(n.id, what);
      if (other !== undefined) throw new Error(`port ${port} is given to both ${other} and ${me}`);
      if (!(Number.isInteger(port) && port > 0 && port <= 65535)) throw new Error(`port ${port} for ${me} is not a port number (1..65535)`);
      seen.set(port, me);
    }
  }
}

/** How a node's port is named in messages: `s0.1` for its client port, `s0.1 p2p` for another. */
export function portLabel(node: string, what: string): string {
  return what === 'client' ? node : `${node} ${what}`;
}
