/**
 * Stage 2's client: asks the manager for the partition map (retrying while the
 * manager is down or still waiting for servers), then sends each single-key
 * command straight to the server owning its key. A `wrong_partition` reply means
 * our map is outdated: fetch it again and retry.
 *
 * One session spans every partition, so each mutation has a sequence number
 * unique across the client and a retry to any server is answered exactly once.
 * A SCAN goes to every partition at once, page by page; each page is retried on
 * its own (a down partition stalls the SCAN until it is back) and the sorted page
 * streams are merged. That SCAN is not atomic across partitions, which stage 2
 * allows: each pair comes from a valid moment of its own partition.
 */
import { type KvCommand, type KvPair, type KvResultOf, type PageLimits, compareKeys, isMutation } from '../kv/command';
import { type Address, parseAddress } from '../wire/address';
import { isRecord } from '../wire/envelope';
import { type KvRequest } from '../wire/kv-messages';
import type { ManagerRequest } from '../cluster/manager-messages';
import { type PartitionMap, parsePartitionMap, partitionOf } from '../cluster/partition-map';
import { callWithRetry } from './call-with-retry';
import { ClientSession } from './client-session';
import { KvRequestError } from './errors';
import { KvClientBase, checkedResult } from './kv-client';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import { mergeScanPages } from './scan-merge';
import { CLIENT_PAGE_LIMITS, collectPages, fetchScanPages } from './scan-pages';
import { ServerChannel } from './server-channel';

/**
 * Bytes of pages a SCAN may hold across all partitions (each holds the page being merged
 * and one fetched ahead): with many partitions, each is asked for smaller pages.
 */
const SCAN_BUFFER_BYTES = 8 * 1024 * 1024;
const MIN_PAGE_BYTES = 64 * 1024;

/** The page size each of `partitions` streams asks for, so that their pages together stay within SCAN_BUFFER_BYTES. */
export function partitionPageLimits(partitions: number): PageLimits {
  const share = Math.floor(SCAN_BUFFER_BYTES / (2 * Math.max(1, partitions)));
  return { maxPairs: CLIENT_PAGE_LIMITS.maxPairs, maxBytes: Math.max(MIN_PAGE_BYTES, Math.min(CLIENT_PAGE_LIMITS.maxBytes, share)) };
}

/** A map as the client uses it: one channel per partition. */
interface Routing {
  map: PartitionMap;
  channels: ServerChannel[];
}

export class PartitionedClient extends KvClientBase {
  private readonly managerChannel: ServerChannel;
  /** Channels by server address: kept across map refreshes, so connections are reused. */
  private readonly channels = new Map<string, ServerChannel>();
  private readonly session = new ClientSession();
  /** The current map, or the one fetch in flight that every waiting operation shares. */
  private routing: Promise<Routing> | undefined;
  private closed = false;

  constructor(manager: Address, private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY) {
    super();
    this.managerChannel = new ServerChannel(manager);
  }

  async execute<C extends KvCommand>(cmd: C): Promise<KvResultOf<C>> {
    if (cmd.op === 'scan') return { op: 'scan', pairs: await collectPages(this.scanPages(cmd.start, cmd.end)) } as KvResultOf<C>;
    const tag = isMutation(cmd) ? this.session.begin() : undefined;
    const request: KvRequest = tag ? { type: 'kv', cmd, session: tag } : { type: 'kv', cmd };
    let used: Routing | undefined;
    try {
      const value = await callWithRetry(
        async () => {
          used = await this.currentRouting();
          return used.channels[partitionOf(cmd.key, used.channels.length)]!;
        },
        request,
        this.policy,
        { isOpen: () => !this.closed, onRedirect: () => this.refreshRouting(used) },
      );
      return checkedResult(cmd, value);
    } finally {
      if (tag) this.session.finish(tag);
    }
  }

  /** The partition map the client routes by (fetching it first if needed). */
  async partitionMap(): Promise<PartitionMap> {
    return (await this.currentRouting()).map;
  }

  close(): void {
    this.closed = true;
    this.managerChannel.close();
    for (const c of this.channels.values()) c.close();
  }

  async *scanPages(start: string, end: string): AsyncGenerator<KvPair[]> {
    if (compareKeys(start, end) > 0) return;
    const routing = await this.currentRouting();
    const limits = partitionPageLimits(routing.channels.length);
    // The map is fixed for a cluster's life, so the parts follow the map the SCAN started with.
    const parts = routing.channels.map((channel) =>
      fetchScanPages(start, end, (request) => callWithRetry(() => channel, request, this.policy, { isOpen: () => !this.closed }), limits),
    );
    yield* mergeScanPages(parts);
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
    // `unavailable` (the manager is still waiting for servers) is retried like a manager that is down.
    const value = await callWithRetry(() => this.managerChannel, request, this.policy, { isOpen: () => !this.closed });
    const map = isRecord(value) ? parsePartitionMap(value.map) : 'not a map reply';
    if (typeof map === 'string') throw new KvRequestError({ code: 'internal', message: `manager at ${this.managerChannel.label} sent a bad map: ${map}` });
    const channels = map.servers.map((s) => {
      let channel = this.channels.get(s);
      if (channel === undefined) {
        let address: Address;
        try {
          address = parseAddress(s);
        } catch (err) {
          throw new KvRequestError({ code: 'internal', message: `manager at ${this.managerChannel.label} sent a bad map: ${(err as Error).message}` });
        }
        channel = new ServerChannel(address);
        this.channels.set(s, channel);
      }
      return channel;
    });
    return { map, channels };
  }
}
