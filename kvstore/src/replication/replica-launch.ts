/**
 * Starting and stopping one replica of a RaftGroup from the template's arguments, for the
 * stage-3 programs (manager replicas and server replicas alike).
 *
 * Replica ids: a group of n replicas has ids 0..n-1; a replica is told its own id and
 * `peers`, the other replicas' peer addresses sorted by replica id (the literal `none`
 * when it has none), so the peers' ids are 0..n-1 without its own, in order.
 */
import type { LogFn } from '../common/log';
import { DelayedTransport } from '../raft/delayed-transport';
import { TcpTransport } from '../raft/tcp-transport';
import type { NodeId } from '../raft/types';
import type { StorageLock } from '../storage/storage-lock';
import { type Address, AddressError, formatAddress, parseAddressList } from '../wire/address';
import { NODE_LISTEN_RETRY_MS } from '../wire/rpc-server';
import { RaftGroup } from './raft-group';
import type { CommandCodec, StateMachine } from './state-machine';

/** A group has at most this many replicas (the template's largest replication factor). */
export const MAX_REPLICAS = 9;

/**
 * The peers of replica `self` from a `--peers` list: replica id -> peer address. A string
 * says what is wrong (a bad address, or an id that does not fit the group's size).
 */
export function parsePeerList(text: string, self: number): Map<NodeId, Address> | string {
  let addresses: Address[];
  try {
    addresses = text.trim() === 'none' ? [] : parseAddressList(text);
  } catch (err) {
    if (err instanceof AddressError) return err.message;
    throw err;
  }
  if (addresses.length === 0 && text.trim() !== 'none') return "no peer addresses: give the other replicas' peer addresses, or none";
  const n = addresses.length + 1;
  if (n > MAX_REPLICAS) return `${n} replicas (${addresses.length} peers and this one); a group has at most ${MAX_REPLICAS}`;
  if (!Number.isSafeInteger(self) || self < 0 || self >= n) return `replica id ${self} does not fit a group of ${n} (${addresses.length} peers and this one: ids 0..${n - 1})`;
  const peers = new Map<NodeId, Address>();
  const others = Array.from({ length: n }, (_, i) => i).filter((i) => i !== self);
  others.forEach((id, i) => peers.set(id, addresses[i]!));
  return peers;
}

export interface ReplicaLaunchOptions {
  replica: NodeId;
  /** The other replicas, by id (parsePeerList). */
  peers: Map<NodeId, Address>;
  /** Where this replica listens for its peers. */
  listen: Address;
  tickMs: number;
  readMode: 'index' | 'lease';
  snapshotEvery: number;
  log: LogFn;
  onFatal: (err: Error) => void;
  heldLock?: StorageLock;
  /** Round trip added on this replica's peer links (DelayedTransport; stage 4's --repl-rtt-ms); undefined or 0: none. */
  replRttMs?: number;
}

/** Listens for peers, then opens (or recovers) the replica's storage under `dir` and joins the group. */
export async function openReplicaGroup<C, R, S extends StateMachine<C, R>>(dir: string, sm: S, codec: CommandCodec<C>, o: ReplicaLaunchOptions): Promise<RaftGroup<C, R, S>> {
  const transport = new TcpTransport(o.replica, o.peers, { log: o.log, listenRetryMs: NODE_LISTEN_RETRY_MS });
  try {
    await transport.listen(o.listen);
  } catch (err) {
    await transport.close();
    throw new Error(`peer port: ${(err as Error).message}`);
  }
  const ids = [o.replica, ...o.peers.keys()].sort((a, b) => a - b);
  try {
    return await RaftGroup.open<C, R, S>(dir, sm, codec, {
      id: o.replica,
      peers: ids,
      transport: o.replRttMs ? new DelayedTransport(transport, o.replRttMs) : transport,
      tickMs: o.tickMs,
      snapshotEvery: o.snapshotEvery,
      raft: { readMode: o.readMode },
      log: o.log,
      onFatal: o.onFatal,
      ...(o.heldLock === undefined ? {} : { heldLock: o.heldLock }),
    });
  } catch (err) {
    await transport.close();
    throw err;
  }
}

/** The peers for a log line: `1=10.0.0.2:3607 2=10.0.0.3:3608`, or `none`. */
export function describePeers(peers: Map<NodeId, Address>): string {
  return peers.size === 0 ? 'none' : [...peers].map(([id, a]) => `${id}=${formatAddress(a)}`).join(' ');
}

/**
 * A leader about to stop first tries, within `budgetMs`, to hand leadership to another
 * replica (the next ones by id, in turn, while the budget lasts: one may be down), so the
 * group does not wait out an election timeout; then the group closes.
 */
export async function stepDownAndClose<C, R, S extends StateMachine<C, R>>(group: RaftGroup<C, R, S>, replicas: number, log: LogFn, budgetMs = 1000): Promise<void> {
  const deadline = Date.now() + budgetMs;
  const self = group.status().id;
  for (let step = 1; step < replicas && group.isLeader && Date.now() < deadline; step++) {
    const to = (self + step) % replicas;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      group.transferLeadership(to).then(
        () => true,
        (err: Error) => err.message,
      ),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('out of time'), Math.max(1, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    if (outcome === true) {
      log(`handed leadership to replica ${to}`);
      break;
    }
    log(`could not hand leadership to replica ${to}: ${outcome}`);
  }
  await group.close();
}
