/**
 * The client of a partitioned cluster whose manager and partitions may each be a group of
 * replicas (stage 3; stage 2 is the same with groups of one, see partitioned-client.ts).
 *
 * Discovery: the client asks the manager group's leader for the partition map (any
 * manager replica redirects to the leader it knows; the client sticks to the leader, and
 * on failure tries the others in turn: replica-route.ts), retrying forever with backoff
 * while the managers are down or still waiting for servers. The map lists every server
 * replica, partition-major, and `rf`.
 *
 * Routing: each single-key command goes to its partition's leader (one sticky guess per
 * partition, corrected by `not_leader` hints and moved on when a replica fails). A
 * `wrong_partition` reply means the map is out of date: it is fetched again.
 *
 * Exactly-once: one session spans every partition and every replica, so a mutation keeps
 * its sequence number across retries, leader changes and restarts, and the partition's
 * replicated dedup table answers a retry with the first result.
 *
 * Retries go to the next replica after a pause of the policy's `leaderSearch` backoff (short:
 * a group has a new leader within its election timeout), or `backoff` if it has none.
 *
 * SCAN: every partition at once, page by page from its leader, each page retried on its
 * own (a partition without a leader stalls the SCAN until it has one), and the sorted
 * page streams merged. Not atomic across partitions, as the specs allow: each pair comes
 * from a valid moment of its own partition.
 */
import { type KvCommand, type KvPair, type KvResultOf, compareKeys, isMutation } from '../kv/command';
import { type Address, formatAddress, parseAddress } from '../wire/address';
import { isRecord } from '../wire/envelope';
import type { KvRequest } from '../wire/kv-messages';
import type { TxnRequest } from '../wire/txn-messages';
import type { ManagerRequest } from '../cluster/manager-messages';
import { type PartitionMap, parsePartitionMap, partitionCount, partitionOf, replicaAddresses } from '../cluster/partition-map';
import { ClientSession } from './client-session';
import { KvRequestError } from './errors';
import { KvClientBase, checkedResult } from './kv-client';
import { ReplicaRoute, callGroup } from './replica-route';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import { mergeScanPages } from './scan-merge';
import { collectPages, fetchScanPages, partitionPageLimits } from './scan-pages';
import { ServerChannel } from './server-channel';

/** A map as the client uses it: one route (to the partition's replicas) per partition. */
interface Routing {
  map: PartitionMap;
  partitions: ReplicaRoute[];
}

export class ReplicatedClient extends KvClientBase {
  /** Channels by address: kept across map refreshes and shared by routes, so connections are reused. */
  private readonly channels = new Map<string, ServerChannel>();
  private readonly managers: ReplicaRoute;
  private readonly session = new ClientSession();
  /** The current map, or the one fetch in flight that every waiting operation shares. */
  private routing: Promise<Routing> | undefined;
  private closed = false;

  private readonly policy: RetryPolicy;

  /** `managers`: every manager replica's client address, by replica id. */
  constructor(managers: readonly Address[], policy: RetryPolicy = DEFAULT_RETRY_POLICY) {
    super();
    this.policy = policy.leaderSearch === undefined ? policy : { ...policy, backoff: policy.leaderSearch };
    if (managers.length === 0) throw new RangeError('give at least one manager address');
    this.managers = new ReplicaRoute(managers.map((a) => this.channelTo(formatAddress(a), a)));
  }

  async execute<C extends KvCommand>(cmd: C): Promise<KvResultOf<C>> {
    if (cmd.op === 'scan') return { op: 'scan', pairs: await collectPages(this.scanPages(cmd.start, cmd.end)) } as KvResultOf<C>;
    const tag = isMutation(cmd) ? this.session.begin() : undefined;
    const request: KvRequest = tag ? { type: 'kv', cmd, session: tag } : { type: 'kv', cmd };
    let used: Routing | undefined;
    try {
      const value = await callGroup(
        async () => {
          used = await this.currentRouting();
          return used.partitions[partitionOf(cmd.key, used.partitions.length)]!;
        },
        request,
        this.policy,
        { isOpen: () => !this.closed, onWrongPartition: () => this.refreshRouting(used) },
      );
      return checkedResult(cmd, value);
    } finally {
      if (tag) this.session.finish(tag);
    }
  }

  async *scanPages(start: string, end: string): AsyncGenerator<KvPair[]> {
    if (compareKeys(start, end) > 0) return;
    const routing = await this.currentRouting();
    const limits = partitionPageLimits(routing.partitions.length);
    // The map is fixed for a cluster's life, so the parts follow the map the SCAN started with.
    const parts = routing.partitions.map((route) =>
      fetchScanPages(start, end, (request) => callGroup(() => route, request, this.policy, { isOpen: () => !this.closed }), limits),
    );
    yield* mergeScanPages(parts);
  }

  protected get txnRetryPolicy() {
    return this.policy.txn;
  }

  /** A transaction goes to the leader of its first key's shard, which coordinates it. */
  protected callTxn(request: TxnRequest, resendAfterLoss: boolean): Promise<unknown> {
    const key = request.ops[0]!.key;
    let used: Routing | undefined;
    return callGroup(
      async () => {
        used = await this.currentRouting();
        return used.partitions[partitionOf(key, used.partitions.length)]!;
      },
      request,
      this.policy,
      { isOpen: () => !this.closed, onWrongPartition: () => this.refreshRouting(used), resendAfterLoss },
    );
  }

  /** The partition map the client routes by (fetching it first if needed). */
  async partitionMap(): Promise<PartitionMap> {
    return (await this.currentRouting()).map;
  }

  /** The replica id the client believes leads each partition (for tools and tests). */
  async leaderGuesses(): Promise<number[]> {
    return (await this.currentRouting()).partitions.map((r) => r.leaderGuess);
  }

  close(): void {
    this.closed = true;
    for (const c of this.channels.values()) c.close();
  }

  private channelTo(text: string, address: Address): ServerChannel {
    let channel = this.channels.get(text);
    if (channel === undefined) {
      channel = new ServerChannel(address);
      this.channels.set(text, channel);
    }
    return channel;
  }

  private currentRouting(): Promise<Routing> {
    if (this.routing === undefined) {
      const fetch = this.fetchRouting();
      this.routing = fetch;
      // A failed fetch (the client closed, a malformed map) is not kept: the next operation asks again.
      fetch.catch(() => {
        if (this.routing === fetch) this.routing = undefined;
      });
    }
    return this.routing;
  }

  /** After a redirect: drop the map the failed attempt used, unless someone already replaced it. */
  private async refreshRouting(stale: Routing | undefined): Promise<void> {
    const current = this.routing;
    if (current !== undefined && stale !== undefined && (await current.catch(() => undefined)) === stale && this.routing === current) {
      this.routing = undefined;
    }
  }

  private async fetchRouting(): Promise<Routing> {
    const request: ManagerRequest = { type: 'get_map' };
    // `unavailable` (the managers are still waiting for servers) is retried like a manager that is down.
    const value = await callGroup(() => this.managers, request, this.policy, { isOpen: () => !this.closed });
    const from = this.managers.channel.label;
    const map = isRecord(value) ? parsePartitionMap(value.map) : 'not a map reply';
    if (typeof map === 'string') throw new KvRequestError({ code: 'internal', message: `manager at ${from} sent a bad map: ${map}` });
    const partitions = Array.from({ length: partitionCount(map) }, (_, p) => {
      const channels = replicaAddresses(map, p).map((s) => {
        let address: Address;
        try {
          address = parseAddress(s);
        } catch (err) {
          throw new KvRequestError({ code: 'internal', message: `manager at ${from} sent a bad map: ${(err as Error).message}` });
        }
        return this.channelTo(s, address);
      });
      return new ReplicaRoute(channels);
    });
    return { map, partitions };
  }
}
