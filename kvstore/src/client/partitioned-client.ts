/**
 * Stage 2's client: one manager, and partitions of one server each. It is the
 * replicated client (replicated-client.ts) with groups of one: it asks the manager for
 * the partition map (retrying while the manager is down or still waiting for servers),
 * sends each single-key command straight to the server owning its key, fetches the map
 * again after a `wrong_partition` reply, and fans a SCAN out to every partition, page by
 * page, merging the sorted streams. One session spans every partition, so a retry to any
 * server is answered exactly once.
 */
import type { Address } from '../wire/address';
import { ReplicatedClient } from './replicated-client';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';

export class PartitionedClient extends ReplicatedClient {
  constructor(manager: Address, policy: RetryPolicy = DEFAULT_RETRY_POLICY) {
    super([manager], policy);
  }
}
