/**
 * The physical topology of a stage-3 run, written at the top of every recorded p3 log
 * (fuzz, bench, testcase, nemesis) so a report can say where each node ran. The format,
 * which sumgen parses (madkv_report/topology.py):
 *
 *   Topology:  host <this host's name>  (<source>)
 *     <node>  <address>  <where>[  <state>]
 *     ...
 *
 * One indented line per node, fields separated by two spaces: the node id (m.X, sP.R,
 * proxy), its client address, where it runs (`this host`, or `host <name> (<ip>)`: the
 * name and IP as resolved from the address), and for a local cluster its process (`pid N`,
 * `down`). The source says what the list comes from:
 *   - `local cluster <dir>: M managers, P partitions x rf R[, link proxies]`: the layout
 *     saved by `p3::cluster` (its managers are the ones the run was given);
 *   - `managers given; servers from the manager group's map: P partitions x rf R`;
 *   - `managers given; servers unknown: <why>` when no manager answered the map request.
 * The block ends at the first line that is not indented. No line of it contains
 * `Throughput` or ends in ` us` (the template's bench parser reads such lines).
 */
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ManagerRequest } from '../../../kvstore/src/cluster/manager-messages';
import { type PartitionMap, parsePartitionMap, partitionCount, replicationFactor } from '../../../kvstore/src/cluster/partition-map';
import { isRecord } from '../../../kvstore/src/wire/envelope';
import { parseAddress } from '../../../kvstore/src/wire/address';
import { RpcConnection } from '../../../kvstore/src/wire/rpc-connection';
import type { ClusterLayout } from '../cluster/layout';

export interface TopologyNode {
  id: string;
  address: string;
  /** For a local cluster: its process (`pid 123`, `down`). */
  state?: string;
}

export interface Topology {
  host: string;
  source: string;
  nodes: TopologyNode[];
  /** The servers' replication factor, when the layout or the managers' map says it. */
  rf?: number;
}

export const TOPOLOGY_HEADER = 'Topology:';

/** Node ids of a group's replicas from a list of addresses, partition-major. */
export function serverNodes(servers: readonly string[], rf: number): TopologyNode[] {
  return servers.map((address, i) => ({ id: `s${Math.floor(i / rf)}.${i % rf}`, address }));
}

export function managerNodes(managers: readonly string[]): TopologyNode[] {
  return managers.map((address, x) => ({ id: `m.${x}`, address }));
}

/** A local cluster's layout (cluster.json) as a topology: every node, its address and process. */
export function localClusterTopology(layout: ClusterLayout, alive: (pid: number) => boolean = pidAlive): Topology {
  const p3 = layout.p3;
  if (layout.kind !== 'p3' || p3 === undefined) throw new Error(`${layout.dir} holds a stage-2 cluster, not a stage-3 one`);
  const state = (id: string): string => {
    const p = layout.processes[id];
    if (p === undefined || !alive(p.pid)) return 'down';
    return p.paused === true ? `pid ${p.pid} paused` : `pid ${p.pid}`;
  };
  const nodes = [...managerNodes(p3.managerAddresses), ...serverNodes(p3.serverAddresses, p3.rf)];
  if (p3.proxyControl !== undefined) nodes.push({ id: 'proxy', address: p3.proxyControl });
  return {
    host: os.hostname(),
    source: `local cluster ${layout.dir}: ${p3.managers} managers, ${p3.partitions} partition${p3.partitions === 1 ? '' : 's'} x rf ${p3.rf}${p3.proxyControl !== undefined ? ', link proxies' : ''}`,
    nodes: nodes.map((n) => ({ ...n, state: state(n.id) })),
    rf: p3.rf,
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The saved layout in `dir` if it is a stage-3 cluster whose manager addresses are `managers`. */
export function matchingLocalCluster(dir: string, managers: readonly string[]): ClusterLayout | undefined {
  let layout: ClusterLayout;
  try {
    layout = JSON.parse(fs.readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as ClusterLayout;
  } catch {
    return undefined;
  }
  const given = managers.map(portKey);
  const mine = layout.kind === 'p3' ? (layout.p3?.managerAddresses ?? []).map(portKey) : [];
  if (mine.length === 0 || mine.length !== given.length || mine.some((m, i) => m !== given[i])) return undefined;
  return { ...layout, dir: path.resolve(dir) };
}

/** host:port with every loopback or wildcard host written the same, to compare addresses of this machine. */
function portKey(address: string): string {
  try {
    const a = parseAddress(address);
    return `${isThisHost(a.host) ? 'local' : a.host.toLowerCase()}:${a.port}`;
  } catch {
    return address;
  }
}

function localAddresses(): Set<string> {
  const out = new Set<string>(['localhost', '0.0.0.0', '::', os.hostname().toLowerCase()]);
  for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) out.add(i.address.toLowerCase());
  return out;
}

function isThisHost(host: string): boolean {
  const h = host.toLowerCase();
  return h.startsWith('127.') || h === '::1' || localAddresses().has(h);
}

/** The map from the manager group: each manager asked in turn (a non-leader's hint followed), within timeoutMs in all. */
export async function fetchMap(managers: readonly string[], timeoutMs: number): Promise<PartitionMap | string> {
  const deadline = Date.now() + timeoutMs;
  const request: ManagerRequest = { type: 'get_map' };
  const problems: string[] = [];
  const order = managers.map((_, i) => i);
  const tried = new Set<number>();
  while (order.length > 0 && Date.now() < deadline) {
    const i = order.shift()!;
    if (tried.has(i)) continue;
    tried.add(i);
    const address = managers[i]!;
    try {
      const conn = await RpcConnection.connect(parseAddress(address), Math.max(1, deadline - Date.now()));
      try {
        const reply = await conn.call(request, Math.max(1, deadline - Date.now()));
        if (reply.ok) {
          const map = isRecord(reply.value) ? parsePartitionMap(reply.value.map) : 'not a map reply';
          if (typeof map !== 'string') return map;
          problems.push(`${address}: ${map}`);
        } else {
          problems.push(`${address}: ${reply.error.code}`);
          const hint = Number(reply.error.hint);
          if (reply.error.code === 'not_leader' && Number.isInteger(hint) && hint >= 0 && hint < managers.length) order.unshift(hint);
        }
      } finally {
        conn.close();
      }
    } catch (err) {
      problems.push(`${address}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return problems.length > 0 ? problems.join('; ') : `no answer within ${timeoutMs} ms`;
}

/**
 * The topology of a run given the managers' addresses: the local cluster in `clusterDir` if
 * its managers are those, else the managers and the servers of the manager group's map.
 */
export async function discoverTopology(managers: readonly string[], clusterDir: string, timeoutMs = 3000): Promise<Topology> {
  const local = matchingLocalCluster(clusterDir, managers);
  if (local !== undefined) return localClusterTopology(local);
  const map = await fetchMap(managers, timeoutMs);
  if (typeof map === 'string') return { host: os.hostname(), source: `managers given; servers unknown: ${map}`, nodes: managerNodes(managers) };
  const rf = replicationFactor(map);
  const parts = partitionCount(map);
  return {
    host: os.hostname(),
    source: `managers given; servers from the manager group's map: ${parts} partition${parts === 1 ? '' : 's'} x rf ${rf}`,
    nodes: [...managerNodes(managers), ...serverNodes(map.servers, rf)],
    rf,
  };
}

/**
 * Why a run labelled with replication factor `labelled` must not run against this cluster
 * (its log would be filed, and reported, under the wrong rf), or undefined when the cluster's
 * rf is the label's or is not known.
 */
export function rfMismatch(labelled: number, t: Topology): string | undefined {
  if (t.rf === undefined || t.rf === labelled) return undefined;
  // A saved layout whose processes are all gone says nothing of what runs on its ports now.
  const local = t.nodes.some((n) => n.state !== undefined);
  if (local && !t.nodes.some((n) => n.state?.startsWith('pid ') === true)) return undefined;
  return `server_rf is ${labelled}, but the cluster (${t.source}) has rf ${t.rf}: its log would be filed under the wrong replication factor; pass server_rf=${t.rf}, or start a cluster with rf ${labelled}`;
}

/** Where an address's host is: `this host`, or `host <name> (<ip>)` resolved both ways (each within timeoutMs). */
export async function whereIs(address: string, timeoutMs = 1000): Promise<string> {
  let host: string;
  try {
    host = parseAddress(address).host;
  } catch {
    return 'unknown host';
  }
  if (isThisHost(host)) return 'this host';
  const bounded = <T>(p: Promise<T>): Promise<T | undefined> =>
    Promise.race([p.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs).unref())]);
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  if (isIp) {
    const names = await bounded(dns.promises.reverse(host));
    return `host ${names?.[0] ?? host} (${host})`;
  }
  const ip = await bounded(dns.promises.lookup(host));
  if (ip !== undefined && isThisHost(ip.address)) return 'this host';
  return `host ${host} (${ip?.address ?? 'unresolved'})`;
}

/** The log lines: the header, then one line per node with where it runs. */
export async function topologyLines(t: Topology): Promise<string[]> {
  const wheres = await Promise.all(t.nodes.map((n) => whereIs(n.address)));
  const idWidth = Math.max(...t.nodes.map((n) => n.id.length), 1);
  const addrWidth = Math.max(...t.nodes.map((n) => n.address.length), 1);
  return [
    `${TOPOLOGY_HEADER}  host ${t.host}  (${t.source})`,
    ...t.nodes.map((n, i) => `  ${n.id.padEnd(idWidth)}  ${n.address.padEnd(addrWidth)}  ${wheres[i]}${n.state !== undefined ? `  ${n.state}` : ''}`.trimEnd()),
  ];
}
