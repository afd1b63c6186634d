/**
 * The template's `pN::service` conventions, as pure functions: a node id picks
 * what to run and derives its arguments from the cluster description.
 *
 * Stage 2 (serviceCommand):
 *   m   -> the manager on the port of `manager`, for the `servers` list
 *   sX  -> server X on the port of the X-th address of `servers`, registering
 *          with `manager`, storing under `<backer_prefix>.sX`
 * The template's helper also accepts replica ids, `m.R` and `sX.R`; p2 has one
 * replica of everything, so `m.0` is `m` and `sX.0` is `sX` (same storage too),
 * and any other replica number is refused.
 *
 * Stage 3 (p3ServiceCommand), every group replicated:
 *   m.X  -> manager replica X: client port from managers[X], peer port from
 *           manager_p2ps[X], peers = the other entries of manager_p2ps (by replica id)
 *   sP.R -> replica R of partition P: client port from servers[P·rf + R], peer port from
 *           server_p2ps[P·rf + R], peers = server_p2ps[P·rf .. P·rf + rf - 1] but its own
 *   `m` is `m.0` and `sP` is `sP.0`; `peers` is the literal `none` when the group has one
 *   replica; storage is `<backer_prefix>.<node>` with the full id (`.m.0`, `.s1.2`).
 */
import { MAX_PARTITIONS } from './partition-map';
import { AddressError, parseAddress, parseAddressList } from '../wire/address';

export interface ServiceCommand {
  /** The stage's recipe to run. */
  recipe: 'manager' | 'server';
  /** Its positional arguments, in the recipe's parameter order. */
  args: string[];
}

/** The command for `node`, or a one-line message saying what is wrong. */
export function serviceCommand(given: string, manager: string, servers: string, backerPrefix: string): ServiceCommand | string {
  let node = given;
  let managerPort: number;
  let serverPorts: number[];
  let serverList: string[];
  try {
    managerPort = parseAddress(manager).port;
    serverList = servers
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    serverPorts = parseAddressList(servers).map((a) => a.port);
  } catch (err) {
    if (err instanceof AddressError) return err.message;
    throw err;
  }
  if (serverList.length === 0) return 'the server list is empty: give 1 to 50 addresses, comma-separated';
  if (serverList.length > MAX_PARTITIONS) return `${serverList.length} servers listed; a cluster has at most ${MAX_PARTITIONS}`;

  const replica = /^(m|s(?:0|[1-9][0-9]*))\.(0|[1-9][0-9]*)$/.exec(node);
  if (replica) {
    const [, base, r] = replica;
    if (r !== '0') {
      const what = base === 'm' ? `manager replica ${r}` : `replica ${r} of partition ${base!.slice(1)}`;
      return `node '${node}' is ${what}, but p2 has no replicas: use ${base} (or ${base}.0)`;
    }
    node = base!;
  }
  if (node === 'm') return { recipe: 'manager', args: [String(managerPort), serverList.join(',')] };
  const m = /^s(0|[1-9][0-9]*)$/.exec(node);
  const id = m ? Number(m[1]) : undefined;
  if (id === undefined || id >= serverList.length) {
    return `unknown node '${given}': valid nodes are ${validNodes(serverList.length)}`;
  }
  return { recipe: 'server', args: [String(id), manager, String(serverPorts[id]), `${backerPrefix}.s${id}`] };
}

function validNodes(servers: number): string {
  const ids = servers <= 4 ? Array.from({ length: servers }, (_, i) => `s${i}`).join(', ') : `s0 … s${servers - 1}`;
  return `m (the manager) and ${ids} (one per address in the server list; m.0 and sX.0 name the same nodes)`;
}

/** Replication factors the template allows for a partition. */
export const SERVER_RFS = [1, 3, 5, 7, 9] as const;
/** Most manager replicas a cluster may have. */
export const MAX_MANAGER_REPLICAS = 9;

/** The p3 cluster description `p3::service` receives (lists as the recipe got them). */
export interface P3ClusterArgs {
  managers: string;
  managerP2ps: string;
  serverRf: string;
  servers: string;
  serverP2ps: string;
  backerPrefix: string;
}

/** Which group a node id names: the manager group, or partition P; replica R of it. */
export type P3Node = { group: 'm'; replica: number } | { group: 's'; partition: number; replica: number };

/** Reads a p3 node id (`m`, `m.X`, `sP`, `sP.R`); undefined if it has another shape. */
export function parseP3Node(node: string): P3Node | undefined {
  const m = /^(?:m|s(0|[1-9][0-9]{0,2}))(?:\.(0|[1-9][0-9]{0,2}))?$/.exec(node);
  if (!m) return undefined;
  const replica = m[2] === undefined ? 0 : Number(m[2]);
  return m[1] === undefined ? { group: 'm', replica } : { group: 's', partition: Number(m[1]), replica };
}

/** The p3 command for `node`, or a one-line message saying what is wrong. */
export function p3ServiceCommand(given: string, c: P3ClusterArgs): ServiceCommand | string {
  const lists: Record<string, string[]> = {};
  for (const [name, text] of [
    ['managers', c.managers],
    ['manager_p2ps', c.managerP2ps],
    ['servers', c.servers],
    ['server_p2ps', c.serverP2ps],
  ] as const) {
    const list = addressList(text);
    if (typeof list === 'string') return `${name}: ${list}`;
    if (list.length === 0) return `${name} is empty: give comma-separated host:port addresses`;
    lists[name] = list;
  }
  const managers = lists['managers']!;
  const managerP2ps = lists['manager_p2ps']!;
  const servers = lists['servers']!;
  const serverP2ps = lists['server_p2ps']!;
  const rf = /^[0-9]+$/.test(c.serverRf) ? Number(c.serverRf) : Number.NaN;
  if (!(SERVER_RFS as readonly number[]).includes(rf)) return `server_rf must be one of ${SERVER_RFS.join(', ')}, got '${c.serverRf}'`;
  if (managers.length > MAX_MANAGER_REPLICAS) return `${managers.length} managers listed; the manager group has at most ${MAX_MANAGER_REPLICAS} replicas`;
  if (managerP2ps.length !== managers.length) return `managers lists ${managers.length} replicas but manager_p2ps lists ${managerP2ps.length}: give one peer address per manager replica`;
  if (servers.length % rf !== 0) return `servers lists ${servers.length} addresses, not a multiple of server_rf ${rf} (one address per replica of every partition)`;
  if (serverP2ps.length !== servers.length) return `servers lists ${servers.length} addresses but server_p2ps lists ${serverP2ps.length}: give one peer address per server replica`;
  const partitions = servers.length / rf;
  if (partitions > MAX_PARTITIONS) return `${partitions} partitions (${servers.length} servers / rf ${rf}); a cluster has at most ${MAX_PARTITIONS}`;
  const node = parseP3Node(given);
  const valid = `valid nodes are m.0 … m.${managers.length - 1} (manager replicas) and sP.R for partition P < ${partitions}, replica R < ${rf}; m means m.0 and sP means sP.0`;
  if (node === undefined) return `unknown node '${given}': ${valid}`;
  const id = node.group === 'm' ? `m.${node.replica}` : `s${node.partition}.${node.replica}`;
  const backer = `${c.backerPrefix}.${id}`;
  if (node.group === 'm') {
    if (node.replica >= managers.length) return `unknown node '${given}': there are ${managers.length} manager replicas; ${valid}`;
    const x = node.replica;
    return { recipe: 'manager', args: [String(x), port(managers[x]!), port(managerP2ps[x]!), peersOf(managerP2ps, x), String(rf), servers.join(','), backer] };
  }
  if (node.partition >= partitions || node.replica >= rf) return `unknown node '${given}': there are ${partitions} partitions of ${rf} replicas; ${valid}`;
  const first = node.partition * rf;
  const group = serverP2ps.slice(first, first + rf);
  const i = first + node.replica;
  return { recipe: 'server', args: [String(node.partition), String(node.replica), managers.join(','), port(servers[i]!), port(serverP2ps[i]!), peersOf(group, node.replica), backer] };
}

/** The other replicas' peer addresses, by replica id, or the literal `none`. */
function peersOf(group: string[], self: number): string {
  const others = group.filter((_, i) => i !== self);
  return others.length === 0 ? 'none' : others.join(',');
}

function port(address: string): string {
  return String(parseAddress(address).port);
}

/** The addresses of a comma-separated list, trimmed and checked, or what is wrong. */
function addressList(text: string): string[] | string {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  try {
    for (const a of list) parseAddress(a);
  } catch (err) {
    if (err instanceof AddressError) return err.message;
    throw err;
  }
  return list;
}
