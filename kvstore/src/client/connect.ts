/**
 * Picks the client for a cluster: a stage-1 server directly, a stage-2 cluster
 * through its manager, or a stage-3 cluster through its manager replicas. Every
 * caller (stdin/stdout client, testcases, runner, benchmarks) goes through here,
 * so it works against any of them.
 */
import { AddressError, parseAddress, parseAddressList } from '../wire/address';
import type { KvClient } from './kv-client';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import { SingleServerClient } from './single-server-client';

/** `managers`: every manager replica's address by replica id, as a list or comma-separated. */
export type ClientTarget = { server: string } | { manager: string } | { managers: string | readonly string[] };

/** Throws AddressError for a malformed address; connects lazily (the first operation waits for the node). */
export function connectClient(target: ClientTarget, policy: RetryPolicy = DEFAULT_RETRY_POLICY): KvClient {
  if ('managers' in target) {
    const list = typeof target.managers === 'string' ? parseAddressList(target.managers) : target.managers.map(parseAddress);
    if (list.length === 0) throw new AddressError('no manager addresses given');
    return new (replicatedClient().ReplicatedClient)(list, policy);
  }
  return 'manager' in target ? new (partitionedClient().PartitionedClient)(parseAddress(target.manager), policy) : new SingleServerClient(parseAddress(target.server), policy);
}

// Loaded when a cluster client is made: a stage-1 client (one per benchmark client, started
// afresh for every run) then starts without the routing, leader search and merge code.
function replicatedClient(): typeof import('./replicated-client') {
  return require('./replicated-client') as typeof import('./replicated-client');
}

function partitionedClient(): typeof import('./partitioned-client') {
  return require('./partitioned-client') as typeof import('./partitioned-client');
}
