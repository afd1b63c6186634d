/**
 * The vocabulary every stage-4 transaction core shares: shards, epochs, vector clocks,
 * version tags and one-shot transaction operations.
 *
 * ## Vector clocks
 * A vector clock has one component per shard (index = shard id, shards numbered 0..n-1).
 * `a ≤ b` is component-wise. A transaction's vector clock is the per-shard maximum of the
 * clocks its shards handed out in GetClock and of the vector clocks of every version it
 * read, so a transaction that depends on another has a clock ≥ the other's (M2).
 *
 * ## Watermarks
 * A shard watermark `w` (per epoch) means: every transaction of that epoch that wrote at the
 * shard with clock component ≤ w is in the shard's committed log. A transaction is
 * acknowledged only when its vector clock ≤ the vector watermark of its epoch (M5).
 */

export type ShardId = number;
export type Epoch = number;
/** Unique across the cluster: `<coordinator shard>.<epoch>.<coordinator sequence>` from the coordinator core. */
export type TxnId = string;
export type VClock = number[];

export function zeroClock(shards: number): VClock {
  return new Array<number>(shards).fill(0);
}

/** a ≤ b component-wise. */
export function clockLeq(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i]! > (b[i] ?? Number.NEGATIVE_INFINITY)) return false;
  return true;
}

/** The component-wise maximum (a new array). */
export function clockMax(a: readonly number[], b: readonly number[]): VClock {
  const out = a.slice();
  for (let i = 0; i < b.length; i++) out[i] = Math.max(out[i] ?? 0, b[i]!);
  return out;
}

/** Who wrote a version, in which epoch, at which vector clock. The initial (absent) state of a key has writer null. */
export interface VersionTag {
  txn: TxnId;
  epoch: Epoch;
  vclock: VClock;
}

/** One write of a transaction at one key; value null deletes the key. */
export interface KeyWrite {
  key: string;
  value: string | null;
}

/**
 * One operation of a one-shot transaction, and its answer (GET the value or null; SWAP the old
 * value or null; DELETE whether the key existed; INCR the new value; PUT and APPEND ok): the
 * types every layer shares (kv/txn-op.ts).
 */
export type { TxnOp, TxnOpResult } from '../kv/txn-op';

/** Why a transaction aborted (each is retryable by the client unless noted). */
export type AbortReason =
  | 'lock_conflict' // Lock found a key locked by another transaction (no waiting)
  | 'validation_failed' // a read version changed or is locked
  | 'higher_epoch_read' // M7: it read a version of a newer epoch
  | 'epoch_changed' // a shard moved to another epoch before the transaction was certified
  | 'rolled_back' // certified, but not below the finalized vector watermark of its epoch
  | 'shard_unavailable' // a shard did not answer in time before the commit point
  | 'not_integer'; // INCR on a value that is not an integer (not retryable)

/** Maps a key to its shard; the same function must be used by every shard and client. */
export type ShardOf = (key: string) => ShardId;
