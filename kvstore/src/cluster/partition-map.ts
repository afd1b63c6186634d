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
 * to the manager.
 */
import { crc32 } from 'node:zlib';
import { isRecord } from '../wire/envelope';

export const MAX_PARTITIONS = 50;

export interface PartitionMap {
  /** Client-facing address of each partition's server, by partition id. */
  servers: string[];
}

export function partitionOf(key: string, partitionCount: number): number {
  return crc32(key) % partitionCount;
}

export function parsePartitionMap(v: unknown): PartitionMap | string {
  if (!isRecord(v) || !Array.isArray(v.servers)) return 'not a partition map';
  if (v.servers.length === 0 || v.servers.length > MAX_PARTITIONS) return `a partition map has 1..${MAX_PARTITIONS} servers`;
  if (!v.servers.every((s) => typeof s === 'string')) return 'partition map servers must be addresses';
  return { servers: v.servers as string[] };
}
