/**
 * The partition map: which server owns which key.
 *
 * Keys are hash-partitioned: partition = crc32(key) mod N. Hashing spreads hot
 * keys and the fuzzer's few shared keys (key00000…key00004) over every
 * partition, so losing one server stalls only the operations on its keys, and
 * YCSB's zipfian hot spots do not pile onto one server. The price: a SCAN
 * visits every partition and merges the sorted results (range partitioning
 * would keep a SCAN local, but put all the fuzzer's keys on one server).
 * The map is fixed for a cluster's life: partition i is the i-th server given
 * to the manager. From stage 3 each partition is a group of `rf` replicas: the
 * list holds every replica, partition-major (replica r of partition p at p·rf + r).
 */
import { crc32 } from 'node:zlib';
import { isRecord } from '../wire/envelope';

export const MAX_PARTITIONS = 50;

export interface PartitionMap {
  /** Client-facing address of each partition's server, by partition id (with rf: of each replica, at p·rf + r). */
  servers: string[];
  /** Replicas per partition (stage 3); absent means 1. */
  rf?: number;
}

/** Replicas per partition of a map. */
export function replicationFactor(map: PartitionMap): number {
  return map.rf ?? 1;
}

export function partitionCount(map: PartitionMap): number {
  return map.servers.length / replicationFactor(map);
}

/** The client addresses of partition p's replicas, by replica id. */
export function replicaAddresses(map: PartitionMap, partition: number): string[] {
  const rf = replicationFactor(map);
  return map.servers.slice(partition * rf, (partition + 1) * rf);
}

export function partitionOf(key: string, partitionCount: number): number {
  return crc32(key) % partitionCount;
}

/** The first `n` names `<prefix><i>` (i = 0, 1, …) that land on `partition` of `partitionCount`. */
export function keysOnPartition(prefix: string, partition: number, partitionCount: number, n: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < n; i++) if (partitionOf(`${prefix}${i}`, partitionCount) === partition) keys.push(`${prefix}${i}`);
  return keys;
}

export function parsePartitionMap(v: unknown): PartitionMap | string {
  if (!isRecord(v) || !Array.isArray(v.servers)) return 'not a partition map';
  if (!v.servers.every((s) => typeof s === 'string')) return 'partition map servers must be addresses';
  const servers = v.servers as string[];
  if (v.rf === undefined || v.rf === null) {
    if (servers.length === 0 || servers.length > MAX_PARTITIONS) return `a partition map has 1..${MAX_PARTITIONS} servers`;
    return { servers };
  }
  const rf = v.rf;
  if (!Number.isSafeInteger(rf) || (rf as number) < 1) return 'a partition map\'s rf must be a positive integer';
  const partitions = servers.length / (rf as number);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) return `a partition map with rf ${rf as number} has 1..${MAX_PARTITIONS} partitions of ${rf as number} servers each`;
  return { servers, rf: rf as number };
}
