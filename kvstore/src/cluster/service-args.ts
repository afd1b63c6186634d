/**
 * The template's `p2::service` convention, as a pure function: a node id picks
 * what to run and derives its arguments from the cluster description.
 *   m   -> the manager on the port of `manager`, for the `servers` list
 *   sX  -> server X on the port of the X-th address of `servers`, registering
 *          with `manager`, storing under `<backer_prefix>.sX`
 * The template's helper also accepts replica ids, `m.R` and `sX.R`; p2 has one
 * replica of everything, so `m.0` is `m` and `sX.0` is `sX` (same storage too),
 * and any other replica number is refused.
 */
import { MAX_PARTITIONS } from './partition-map';
import { AddressError, parseAddress, parseAddressList } from '../wire/address';

export interface ServiceCommand {
  /** The p2 recipe to run. */
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
