/**
 * What every server replica program shares (stage 3's replica-server, stage 4's
 * txn-shard-server): the options naming the replica and its managers, their checks, and the
 * identity read from them. A program adds its own options before parsing.
 */
import type { Argv } from 'yargs';
import { type LogFn, makeLogger } from '../common/log';
import { fail } from '../common/process-exit';
import type { NodeId } from '../raft/types';
import { type Address, AddressError, parseAddressList } from '../wire/address';
import { countOption, portOption, replicaOptions } from './replica-cli-options';
import { parsePeerList } from './replica-launch';

/** `group`: what the program's groups are called (partition, shard), in help and errors. */
export function serverReplicaOptions<T>(y: Argv<T>, group: string, apiUsers: string) {
  return replicaOptions(
    y
      .option('part-id', { type: 'number', demandOption: true, describe: `${group} id` })
      .option('rep-id', { type: 'number', demandOption: true, describe: `replica id within the ${group} (0..number of peers)` })
      .option('managers', { type: 'string', default: '127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668', describe: 'manager replicas\' client addresses, comma-separated, by replica id' })
      .option('api-port', { type: 'number', default: 3777, describe: `port to serve ${apiUsers} on` })
      .option('snapshot-every', { type: 'number', default: 100_000, describe: 'snapshot the state and compact the log after this many entries' }),
  ).check((a) => {
    countOption(a['part-id'], '--part-id', 0, `a ${group} id (0, 1, …)`);
    countOption(a['rep-id'], '--rep-id', 0, 'a replica id (0, 1, …)');
    portOption(a['api-port'], '--api-port');
    countOption(a['snapshot-every'], '--snapshot-every', 1, 'a positive integer');
    return true;
  });
}

export interface ServerReplicaIdentity {
  group: number;
  replica: number;
  /** `sP.R`, the template's node id. */
  node: string;
  log: LogFn;
  peers: Map<NodeId, Address>;
  managers: Address[];
}

/** The replica the parsed options name; a bad peer or manager list ends the process with one line. */
export function serverReplicaIdentity(a: { 'part-id': number; 'rep-id': number; peers: string; managers: string }): ServerReplicaIdentity {
  const group = a['part-id'];
  const replica = a['rep-id'];
  const node = `s${group}.${replica}`;
  const peers = parsePeerList(a.peers, replica);
  if (typeof peers === 'string') fail(`--peers: ${peers}`);
  let managers: Address[];
  try {
    managers = parseAddressList(a.managers);
  } catch (err) {
    if (err instanceof AddressError) fail(`--managers: ${err.message}`);
    throw err;
  }
  if (managers.length === 0) fail('--managers: give the manager replicas\' addresses');
  return { group, replica, node, log: makeLogger(`server ${node}[${process.pid}]`), peers, managers };
}
