/**
 * The commands of a shard's replicated log in stage 4 (what the shard leader proposes to its
 * Raft group and every replica's ShardStateMachine applies), and their codec.
 *
 * ## Entries (msgpack maps, field `t` tells the kind)
 *
 *     { t: 'writes',   epoch, txns: [{ txn, vclock, writes: [{ key, value|null }] }] }
 *         M3: a batch of installed transactions' writes at this shard, in install order.
 *         Pending on followers until decided (covered by a Barrier's vw or by the Fvw).
 *     { t: 'barrier',  epoch, b, vw }
 *         M4: every transaction of `epoch` that wrote here with clock component ≤ b is in the
 *         log before this entry. The shard watermark is the highest committed b of the epoch.
 *         vw is the leader's vector watermark of the epoch: pending writes ≤ vw are decided.
 *     { t: 'epochEnd', epoch }
 *         M6: closes `epoch` at this shard. The shard's final watermark of the epoch is the
 *         highest Barrier(epoch) before the first epochEnd(epoch) in the log (later duplicates,
 *         written by a leader that took over before seeing the first one commit, are ignored),
 *         so recomputing it after another failure gives the same value.
 *     { t: 'fvw',      epoch, fvw }
 *         M6: the finalized vector watermark of `epoch`: pending writes of the epoch ≤ fvw are
 *         applied, the others rolled back.
 *     { t: 'prepare',  txn, coordinator, writes: [{ key, value|null }] }
 *         2PC baseline: the participant's prepare record (its locks are held meanwhile);
 *         coordinator: the shard whose log holds the decision (asked after a leader change).
 *     { t: 'decision', txn, commit }
 *         2PC baseline: the decision; a commit applies the prepared writes.
 *
 * Numbers are non-negative safe integers; vclock, vw and fvw have one component per shard.
 */
import { Packr } from 'msgpackr';
import type { CommandCodec } from '../replication/state-machine';
import { isRecord } from '../wire/envelope';
import type { Epoch, KeyWrite, ShardId, TxnId, VClock } from './types';

export interface InstalledTxn {
  txn: TxnId;
  vclock: VClock;
  writes: KeyWrite[];
}

export type TxnLogEntry =
  | { t: 'writes'; epoch: Epoch; txns: InstalledTxn[] }
  | { t: 'barrier'; epoch: Epoch; b: number; vw: VClock }
  | { t: 'epochEnd'; epoch: Epoch }
  | { t: 'fvw'; epoch: Epoch; fvw: VClock }
  | { t: 'prepare'; txn: TxnId; coordinator: ShardId; writes: KeyWrite[] }
  | { t: 'decision'; txn: TxnId; commit: boolean };

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isClock(v: unknown): v is VClock {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x));
}

function parseWrites(v: unknown): KeyWrite[] | string {
  if (!Array.isArray(v)) return 'writes is not a list';
  const out: KeyWrite[] = [];
  for (const w of v) {
    if (!isRecord(w) || typeof w.key !== 'string' || !(w.value === null || typeof w.value === 'string')) return 'a write is not { key, value|null }';
    out.push({ key: w.key, value: w.value });
  }
  return out;
}

/** Checks a decoded value; returns the entry or a message saying what is wrong. */
export function parseTxnLogEntry(v: unknown): TxnLogEntry | string {
  if (!isRecord(v)) return 'entry is not a map';
  switch (v.t) {
    case 'writes': {
      if (!isCount(v.epoch) || !Array.isArray(v.txns)) return 'writes entry needs epoch and txns';
      const txns: InstalledTxn[] = [];
      for (const t of v.txns) {
        if (!isRecord(t) || typeof t.txn !== 'string' || !isClock(t.vclock)) return 'writes entry has a bad transaction';
        const writes = parseWrites(t.writes);
        if (typeof writes === 'string') return writes;
        txns.push({ txn: t.txn, vclock: t.vclock, writes });
      }
      return { t: 'writes', epoch: v.epoch, txns };
    }
    case 'barrier':
      if (!isCount(v.epoch) || typeof v.b !== 'number' || !Number.isSafeInteger(v.b) || !isClock(v.vw)) return 'barrier entry needs epoch, b and vw';
      return { t: 'barrier', epoch: v.epoch, b: v.b, vw: v.vw };
    case 'epochEnd':
      if (!isCount(v.epoch)) return 'epochEnd entry needs epoch';
      return { t: 'epochEnd', epoch: v.epoch };
    case 'fvw':
      if (!isCount(v.epoch) || !isClock(v.fvw)) return 'fvw entry needs epoch and fvw';
      return { t: 'fvw', epoch: v.epoch, fvw: v.fvw };
    case 'prepare': {
      if (typeof v.txn !== 'string' || !isCount(v.coordinator)) return 'prepare entry needs txn and coordinator';
      const writes = parseWrites(v.writes);
      if (typeof writes === 'string') return writes;
      return { t: 'prepare', txn: v.txn, coordinator: v.coordinator, writes };
    }
    case 'decision':
      if (typeof v.txn !== 'string' || typeof v.commit !== 'boolean') return 'decision entry needs txn and commit';
      return { t: 'decision', txn: v.txn, commit: v.commit };
    default:
      return `unknown entry kind ${JSON.stringify(v.t)}`;
  }
}

export const txnLogCodec: CommandCodec<TxnLogEntry> = {
  encode(entry) {
    return packr.pack(entry);
  },
  decode(bytes) {
    const parsed = parseTxnLogEntry(packr.unpack(bytes));
    if (typeof parsed === 'string') throw new Error(`log record is not a transaction log entry: ${parsed}`);
    return parsed;
  },
};
