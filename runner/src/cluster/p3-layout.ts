/**
 * A stage-3 cluster on one machine, as the template names its nodes: manager replicas m.X
 * (X = 0..M-1) form the manager group; server replicas sP.R (partition P, replica R =
 * 0..rf-1) form one group per partition. Every node has a client port and a peer (p2p) port.
 * A stage-4 cluster (`txn`) has the same shape, its server replicas being transactional
 * shards (txn-shard-server with --txn-mode and --repl-rtt-ms).
 * Pure: the nodes and their arguments (P3-PLAN.md), nothing started.
 *
 * Ports from one base (the template's defaults with base 3666):
 *   m.X   client base+X (3666…)        p2p base-60+X (3606…)
 *   sP.R  client base+111+k (3777…)    p2p base+41+k (3707…)     k = P·rf + R
 *   proxy control base+1000 (4666)     links base+1001+j (4667…), one per ordered link j
 * so at most 70 server replicas fit (their client and peer ranges would meet).
 *
 * With link proxies (the default for a local cluster), every ordered pair A->B of a group
 * has a link port on the proxy daemon (node `proxy`, started first) that forwards to B's p2p
 * port, and A's `--peers` lists its links' ports instead of the peers' own, so each
 * direction of each pair can be cut or delayed (link-proxy.ts). `--peers` lists the other
 * replicas by replica id, or is the literal `none` for a group of one.
 */
import * as path from 'node:path';
import { BIN_DIR, type GroupSpec, type NodeSpec, type P3Info, type TxnClusterOptions, checkDistinctPorts } from './layout';

export interface P3Shape {
  managers: number;
  partitions: number;
  rf: number;
}

export const REPLICATION_FACTORS = [1, 3, 5, 7, 9] as const;
export const MAX_P3_PARTITIONS = 50;
export const MAX_LOCAL_SERVER_REPLICAS = 70;

export interface P3Ports {
  managerClient: number[];
  managerP2p: number[];
  /** Partition-major: index P·rf + R. */
  serverClient: number[];
  serverP2p: number[];
  /** With proxies: the daemon's control port and one port per link, in linkPairs() order. */
  proxyControl?: number;
  proxyLinks?: number[];
}

export interface P3LayoutOptions {
  stage: string;
  dir: string;
  host: string;
  shape: P3Shape;
  ports: P3Ports;
  proxies: boolean;
  /** Extra arguments for every manager / server replica (e.g. a short --tick-ms in tests). */
  managerArgs?: string[];
  serverArgs?: string[];
  /** Programs standing in for the store's (relative to the repository root), for tests. */
  programs?: { manager?: string; server?: string };
  /** Stage 4: run transactional shards (txn-shard-server) with this protocol instead of stage 3's replicas. */
  txn?: TxnClusterOptions;
}

/** One line of the proxy daemon's links file. */
export interface LinkEntry {
  from: string;
  to: string;
  listen: string;
  target: string;
}

export interface P3Layout {
  nodes: NodeSpec[];
  info: P3Info;
  links: LinkEntry[];
}

/** What is wrong with the shape, or undefined. */
export function checkShape(s: P3Shape): string | undefined {
  const rfs = REPLICATION_FACTORS.join(', ');
  if (!(REPLICATION_FACTORS as readonly number[]).includes(s.managers)) return `managers must be one of ${rfs} (a majority must survive a minority of failures), got ${s.managers}`;
  if (!(REPLICATION_FACTORS as readonly number[]).includes(s.rf)) return `rf must be one of ${rfs}, got ${s.rf}`;
  if (!Number.isInteger(s.partitions) || s.partitions < 1 || s.partitions > MAX_P3_PARTITIONS) return `partitions must be 1..${MAX_P3_PARTITIONS}, got ${s.partitions}`;
  if (s.partitions * s.rf > MAX_LOCAL_SERVER_REPLICAS) {
    return `${s.partitions} partitions × rf ${s.rf} = ${s.partitions * s.rf} server replicas; a local cluster has at most ${MAX_LOCAL_SERVER_REPLICAS} (the template's port spacing)`;
  }
  return undefined;
}

export function managerId(x: number): string {
  return `m.${x}`;
}

export function serverId(p: number, r: number): string {
  return `s${p}.${r}`;
}

/** The groups: the manager group `m`, then partitions `0`, `1`, … */
export function groupsOf(s: P3Shape): GroupSpec[] {
  return [
    { id: 'm', members: Array.from({ length: s.managers }, (_, x) => managerId(x)) },
    ...Array.from({ length: s.partitions }, (_, p) => ({ id: String(p), members: Array.from({ length: s.rf }, (_, r) => serverId(p, r)) })),
  ];
}

/** Every ordered pair of replicas of a group, group by group, then by sender, then by receiver. */
export function linkPairs(s: P3Shape): Array<{ from: string; to: string }> {
  const out: Array<{ from: string; to: string }> = [];
  for (const g of groupsOf(s)) for (const from of g.members) for (const to of g.members) if (from !== to) out.push({ from, to });
  return out;
}

/** Ports laid out from `base` as the header says; fails if any falls outside 1..65535. */
export function portsFromBase(s: P3Shape, base: number, proxies: boolean): P3Ports {
  const servers = s.partitions * s.rf;
  const ports: P3Ports = {
    managerClient: Array.from({ length: s.managers }, (_, x) => base + x),
    managerP2p: Array.from({ length: s.managers }, (_, x) => base - 60 + x),
    serverClient: Array.from({ length: servers }, (_, k) => base + 111 + k),
    serverP2p: Array.from({ length: servers }, (_, k) => base + 41 + k),
  };
  if (proxies) {
    ports.proxyControl = base + 1000;
    ports.proxyLinks = linkPairs(s).map((_, j) => base + 1001 + j);
  }
  const all = [...ports.managerClient, ...ports.managerP2p, ...ports.serverClient, ...ports.serverP2p, ...(ports.proxyLinks ?? []), ...(ports.proxyControl ? [ports.proxyControl] : [])];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  if (!Number.isInteger(base) || lo < 1 || hi > 65535) throw new Error(`base port ${base} puts ports at ${lo}..${hi}; they must be within 1..65535 (manager peer ports start at base-60)`);
  return ports;
}

/** The cluster's nodes (the proxy first), the groups and addresses clients need, and the proxy's links. */
export function p3Layout(o: P3LayoutOptions): P3Layout {
  const problem = checkShape(o.shape);
  if (problem !== undefined) throw new Error(problem);
  const { shape, ports, host } = o;
  const servers = shape.partitions * shape.rf;
  const want = (name: string, list: number[] | undefined, n: number): number[] => {
    if (list === undefined || list.length !== n) throw new Error(`${name}: expected ${n} ports, got ${list?.length ?? 0}`);
    return list;
  };
  want('manager client ports', ports.managerClient, shape.managers);
  want('manager peer ports', ports.managerP2p, shape.managers);
  want('server client ports', ports.serverClient, servers);
  want('server peer ports', ports.serverP2p, servers);
  const pairs = linkPairs(shape);
  if (o.proxies) {
    want('proxy link ports', ports.proxyLinks, pairs.length);
    if (ports.proxyControl === undefined) throw new Error('proxy control port: missing');
  }

  const addr = (port: number): string => `${host}:${port}`;
  const p2pOf = new Map<string, number>();
  for (let x = 0; x < shape.managers; x++) p2pOf.set(managerId(x), ports.managerP2p[x]!);
  for (let k = 0; k < servers; k++) p2pOf.set(serverId(Math.floor(k / shape.rf), k % shape.rf), ports.serverP2p[k]!);
  const linkPort = new Map<string, number>();
  pairs.forEach((l, j) => {
    if (o.proxies) linkPort.set(`${l.from}->${l.to}`, ports.proxyLinks![j]!);
  });
  /** Where `from` reaches `to`: its link's proxy port, or `to`'s own peer port. */
  const peerAddress = (from: string, to: string): string => addr(o.proxies ? linkPort.get(`${from}->${to}`)! : p2pOf.get(to)!);
  const peersArg = (self: string, members: string[]): string => {
    const others = members.filter((m) => m !== self);
    return others.length === 0 ? 'none' : others.map((to) => peerAddress(self, to)).join(',');
  };

  const groups = groupsOf(shape);
  const managerAddresses = ports.managerClient.map(addr);
  const serverAddresses = ports.serverClient.map(addr);
  const nodes: NodeSpec[] = [];
  const links: LinkEntry[] = pairs.map((l) => ({ from: l.from, to: l.to, listen: peerAddress(l.from, l.to), target: addr(p2pOf.get(l.to)!) }));
  const info: P3Info = { managers: shape.managers, partitions: shape.partitions, rf: shape.rf, managerAddresses, serverAddresses, groups, ...(o.txn ? { txn: o.txn } : {}) };
  const serverProgram = o.programs?.server ?? path.join(BIN_DIR, o.txn ? 'txn-shard-server.js' : 'replica-server.js');
  const txnArgs = o.txn ? ['--txn-mode', o.txn.mode, '--repl-rtt-ms', String(o.txn.replRttMs)] : [];

  if (o.proxies) {
    info.proxyControl = addr(ports.proxyControl!);
    nodes.push({
      id: 'proxy',
      program: path.join('dist', 'runner', 'src', 'cluster', 'link-proxy-main.js'),
      args: ['--control', info.proxyControl, '--links', path.join(o.dir, 'links.json'), '--stage', o.stage],
      ports: [{ port: ports.proxyControl!, what: 'control' }, ...pairs.map((l, j) => ({ port: ports.proxyLinks![j]!, what: `link ${l.from}->${l.to}` }))],
    });
  }
  const managerGroup = groups[0]!;
  for (let x = 0; x < shape.managers; x++) {
    const id = managerId(x);
    nodes.push({
      id,
      program: o.programs?.manager ?? path.join(BIN_DIR, 'replicated-manager.js'),
      args: [
        '--rep-id', String(x),
        '--port', String(ports.managerClient[x]),
        '--p2p-port', String(ports.managerP2p[x]),
        '--peers', peersArg(id, managerGroup.members),
        '--server-rf', String(shape.rf),
        '--servers', serverAddresses.join(','),
        '--backer-path', path.join(o.dir, `backer.${id}`),
        '--listen-host', host,
        '--stage', o.stage,
        ...(o.managerArgs ?? []),
      ],
      ports: [
        { port: ports.managerClient[x]!, what: 'client' },
        { port: ports.managerP2p[x]!, what: 'p2p' },
      ],
      storage: `backer.${id}`,
    });
  }
  for (let p = 0; p < shape.partitions; p++) {
    const group = groups[p + 1]!;
    for (let r = 0; r < shape.rf; r++) {
      const id = serverId(p, r);
      const k = p * shape.rf + r;
      nodes.push({
        id,
        program: serverProgram,
        args: [
          '--part-id', String(p),
          '--rep-id', String(r),
          '--managers', managerAddresses.join(','),
          '--api-port', String(ports.serverClient[k]),
          '--p2p-port', String(ports.serverP2p[k]),
          '--peers', peersArg(id, group.members),
          '--backer-path', path.join(o.dir, `backer.${id}`),
          '--listen-host', host,
          '--stage', o.stage,
          ...txnArgs,
          ...(o.serverArgs ?? []),
        ],
        ports: [
          { port: ports.serverClient[k]!, what: 'client' },
          { port: ports.serverP2p[k]!, what: 'p2p' },
        ],
        storage: `backer.${id}`,
      });
    }
  }
  checkDistinctPorts(nodes);
  return { nodes, info, links };
}

/** The group a node belongs to and its replica id there; undefined for the proxy or an unknown id. */
export function groupOfNode(groups: readonly GroupSpec[], node: string): { group: GroupSpec; replica: number } | undefined {
  for (const group of groups) {
    const replica = group.members.indexOf(node);
    if (replica >= 0) return { group, replica };
  }
  return undefined;
}
