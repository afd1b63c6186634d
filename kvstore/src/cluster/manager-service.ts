/**
 * Stage 2's manager as plain logic (no sockets, so it is tested directly): it
 * holds the server list it was started with, which is the partition map
 * (partition i = i-th server), and learns which servers are up from their
 * registrations.
 *
 * Clients get the map only once every partition has registered at least once
 * since this manager started: a client that routed to a server that never came
 * up would only block on it. Registration is idempotent because servers repeat
 * it as a heartbeat, which is also how a restarted manager relearns them.
 */
import { type LogFn, silentLogger } from '../common/log';
import { AddressError, parseAddress } from '../wire/address';
import { type Reply, errorReply, okReply } from '../wire/envelope';
import { type ManagerRequest, type MapReply, type RegisterReply, parseManagerRequest } from './manager-messages';
import { MAX_PARTITIONS, type PartitionMap } from './partition-map';

/** The server list cannot make a cluster (empty, too long, malformed, repeated). */
export class ManagerConfigError extends Error {
  override name = 'ManagerConfigError';
}

/** How many missing servers a "waiting" message names before it abbreviates. */
const MISSING_LISTED = 5;

/** Checks a manager's server list; throws ManagerConfigError with a message a user can act on. */
export function validateServerList(servers: readonly string[]): void {
  if (servers.length === 0) throw new ManagerConfigError('the server list is empty: give 1 to 50 addresses, comma-separated');
  if (servers.length > MAX_PARTITIONS) throw new ManagerConfigError(`${servers.length} servers listed; a cluster has at most ${MAX_PARTITIONS}`);
  const seen = new Map<string, number>();
  servers.forEach((s, i) => {
    try {
      parseAddress(s);
    } catch (err) {
      if (err instanceof AddressError) throw new ManagerConfigError(`server ${i}: ${err.message}`);
      throw err;
    }
    const first = seen.get(s);
    // Two partitions on one address would both be served by whichever server bound it.
    if (first !== undefined) throw new ManagerConfigError(`${s} is listed twice (servers ${first} and ${i})`);
    seen.set(s, i);
  });
}

export class ManagerService {
  private readonly servers: readonly string[];
  private readonly registered: boolean[];
  private registeredCount = 0;
  /** Addresses a server reported that disagree with the list, already warned about (one warning each). */
  private readonly warned = new Set<string>();

  /** Throws ManagerConfigError for a list that cannot make a cluster. */
  constructor(servers: readonly string[], private readonly log: LogFn = silentLogger) {
    validateServerList(servers);
    this.servers = [...servers];
    this.registered = servers.map(() => false);
  }

  get partitionCount(): number {
    return this.servers.length;
  }

  /** Whether every partition has registered since this manager started (clients get the map only then). */
  get ready(): boolean {
    return this.registeredCount === this.servers.length;
  }

  /** Partitions that have not registered yet. */
  get missing(): number[] {
    return this.registered.flatMap((r, i) => (r ? [] : [i]));
  }

  /** A fresh copy each time: callers in the same process must not be able to change the manager's map. */
  get map(): PartitionMap {
    return { servers: [...this.servers] };
  }

  handle(body: unknown): Reply {
    const req = parseManagerRequest(body);
    if (typeof req === 'string') return errorReply('bad_request', req);
    switch (req.type) {
      case 'register':
        return this.register(req);
      case 'get_map':
        return this.getMap();
    }
  }

  private register(req: Extract<ManagerRequest, { type: 'register' }>): Reply<RegisterReply> {
    const n = this.servers.length;
    if (req.partition >= n) {
      return errorReply('bad_request', `partition ${req.partition} does not exist: this manager has ${n} server${n === 1 ? '' : 's'} (partitions 0..${n - 1})`);
    }
    if ((req.replica ?? 0) !== 0) return errorReply('bad_request', `replica ${req.replica} of partition ${req.partition}: this stage-2 manager has one server per partition (replica 0)`);
    this.warnOnPortMismatch(req.partition, req.address);
    if (!this.registered[req.partition]) {
      this.registered[req.partition] = true;
      this.registeredCount++;
      this.log(`s${req.partition} registered (serving ${req.address}); ${this.registeredCount} of ${n} registered`);
      if (this.ready) this.log(`all ${n} servers registered: handing out the partition map`);
    }
    return okReply({ map: this.map });
  }

  private getMap(): Reply<MapReply> {
    if (this.ready) return okReply({ map: this.map });
    const missing = this.missing;
    const named = missing.slice(0, MISSING_LISTED).map((p) => `s${p} at ${this.servers[p]}`);
    if (missing.length > MISSING_LISTED) named.push(`${missing.length - MISSING_LISTED} more`);
    return errorReply('unavailable', `waiting for servers: ${this.registeredCount} of ${this.servers.length} registered (missing ${named.join(', ')})`);
  }

  /**
   * Servers know only their port, so clients go to the address in the list; a
   * server listening on another port than its list entry is unreachable for
   * them. Worth one line in the log, not a refusal: the operator may be
   * forwarding ports on purpose.
   */
  private warnOnPortMismatch(partition: number, reported: string): void {
    let reportedPort: number;
    try {
      reportedPort = parseAddress(reported).port;
    } catch {
      return; // a free-form description of itself; nothing to compare
    }
    const listed = this.servers[partition]!;
    const key = `${partition} ${reported}`;
    if (parseAddress(listed).port === reportedPort || this.warned.has(key)) return;
    this.warned.add(key);
    this.log(`warning: s${partition} says it serves ${reported}, but clients are sent to ${listed} (check the server's id and port)`);
  }
}
