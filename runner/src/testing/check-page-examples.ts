/** Small hand-made histories that fail, for the checker page's tests and its screenshot. */
import type { HistoryOp } from '../check/history';

type T = [number, number | null];
const put = (c: number, key: string, value: string, [call, ret]: T, result: 'found' | 'not_found' | null): HistoryOp => ({ client: c, op: 'PUT', key, value, call, ret, result });
const swap = (c: number, key: string, value: string, [call, ret]: T, result: string | null): HistoryOp => ({ client: c, op: 'SWAP', key, value, call, ret, result });
const get = (c: number, key: string, [call, ret]: T, result: string | null): HistoryOp => ({ client: c, op: 'GET', key, call, ret, result });
const del = (c: number, key: string, [call, ret]: T, result: 'found' | 'not_found' | null): HistoryOp => ({ client: c, op: 'DELETE', key, call, ret, result });

/**
 * A lost update: five overlapping SWAPs on one key, the last two both saw 'v3'. The longest
 * legal order is #3, #4, #5, #6; then #7 (old value 'v3') cannot follow, the key holds 'v4'.
 */
export function lostUpdateHistory(key = 'key00001'): HistoryOp[] {
  return [
    put(0, key, 'v0', [0, 12], 'not_found'),
    get(1, key, [4, 10], null),
    swap(0, key, 'v1', [20, 100], 'v0'),
    swap(1, key, 'v2', [30, 110], 'v1'),
    swap(2, key, 'v3', [40, 120], 'v2'),
    swap(3, key, 'v4', [50, 130], 'v3'),
    swap(4, key, 'v5', [60, 140], 'v3'),
    put(2, key, 'v6', [125, null], null),
    get(0, key, [150, 160], 'v5'),
    del(1, key, [145, 170], 'found'),
    get(3, key, [175, 190], null),
  ];
}

/**
 * A stale read: #3 reads 'a' after #2 overwrote it with 'b' and returned. Only #3 cannot be
 * placed; #2 is the earlier write that left 'b'.
 */
export function staleReadHistory(key = 'k'): HistoryOp[] {
  return [
    put(0, key, 'a', [0, 10], 'not_found'),
    put(1, key, 'b', [12, 20], 'found'),
    get(2, key, [22, 30], 'a'),
    get(0, key, [24, 32], 'b'),
    put(1, key, 'c', [26, 40], 'found'),
  ];
}
