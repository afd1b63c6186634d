/**
 * Picks the client for a cluster: a stage-1 server directly, or a stage-2
 * cluster through its manager. Every caller (stdin/stdout client, testcases,
 * runner, benchmarks) goes through here, so it works against either.
 */
import { parseAddress } from '../wire/address';
import type { KvClient } from './kv-client';
import { PartitionedClient } from './partitioned-client';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import { SingleServerClient } from './single-server-client';

export type ClientTarget = { server: string } | { manager: string };

/** Throws AddressError for a malformed address; connects lazily (the first operation waits for the node). */
export function connectClient(target: ClientTarget, policy: RetryPolicy = DEFAULT_RETRY_POLICY): KvClient {
  return 'manager' in target ? new PartitionedClient(parseAddress(target.manager), policy) : new SingleServerClient(parseAddress(target.server), policy);
}
