/**
 * Messages between shard leaders, between shard leaders and the configuration manager, and
 * the outcome a coordinator gives its client. Plain data (msgpack-able), no classes.
 *
 * ## Shard leader ↔ shard leader (Mako, M2/M5)
 *   coordinator → participant              participant → coordinator
 *   read     { txn, epoch, keys }          readReply     { txn, ok, reads | reason, wm }
 *   lock     { txn, epoch, keys }          lockReply     { txn, ok, reason?, wm }
 *   getClock { txn, epoch, writes }        clockReply    { txn, ok, clock | reason, wm }
 *   validate { txn, epoch, reads }         validateReply { txn, ok, reason?, wm }
 *   install  { txn, epoch, vclock, writes} installReply  { txn, ok, reason?, wm }
 *   abort    { txn, epoch }                (no reply: releases locks and the clock obligation)
 *                                          inquire { txn, epoch }  locks held a timeout with neither
 *                                          Install nor abort; the coordinator answers abort if it no
 *                                          longer runs txn (a lost or overtaken abort)
 *   watermark { epoch, w }                 every leader to every other, each watermark tick
 * `wm` piggybacks the sender's shard watermark { epoch, w } (or null) on every reply.
 *
 * ## 2PC-over-Raft baseline
 *   read (as above, no epoch rules)
 *   prepare { txn, reads, writes }  → prepareReply { txn, ok, reason? }   after the prepare record commits
 *   decide  { txn, commit }         → decideReply  { txn }                after the decision commits
 *   decisionQuery { txn }            → decide { txn, commit }              a participant's new leader asks the
 *                                                                          coordinator's shard (no decision logged: abort)
 *
 * ## Shard leader ↔ configuration manager (M6)
 *   to manager:   leaderReport { shard, leader, epoch }    a replica became its shard's leader
 *                                                          (leader: unique per leadership, e.g. replica id + Raft term;
 *                                                          fresh: its shard's log holds no entry yet)
 *                 epochClosed  { shard, epoch, watermark } its epochEnd(epoch) committed
 *   from manager: epochChange  { epoch }                   a new epoch began; close older ones
 *                 fvw          { epoch, fvw }              the finalized vector watermark
 */
import type { AbortReason, Epoch, KeyWrite, ShardId, TxnId, TxnOpResult, VClock, VersionTag } from './types';

/** A shard's own watermark of an epoch, as exchanged between leaders. */
export interface ShardWatermark {
  epoch: Epoch;
  w: number;
}

/** What a read saw: the newest certified version (version null: the key never existed or its writer is unknown initial state). */
export interface ReadResult {
  key: string;
  value: string | null;
  version: VersionTag | null;
}

/** A read to validate: the key and the writer of the version read (null: the initial absent state). */
export interface ReadCheck {
  key: string;
  writer: TxnId | null;
}

type Verdict = { ok: true } | { ok: false; reason: AbortReason };

export type PeerMessage =
  | { type: 'read'; txn: TxnId; epoch: Epoch; keys: string[] }
  | ({ type: 'readReply'; txn: TxnId; wm: ShardWatermark | null } & ({ ok: true; reads: ReadResult[] } | { ok: false; reason: AbortReason }))
  | { type: 'lock'; txn: TxnId; epoch: Epoch; keys: string[] }
  | ({ type: 'lockReply'; txn: TxnId; wm: ShardWatermark | null } & Verdict)
  | { type: 'getClock'; txn: TxnId; epoch: Epoch; writes: boolean }
  | ({ type: 'clockReply'; txn: TxnId; wm: ShardWatermark | null } & ({ ok: true; clock: number } | { ok: false; reason: AbortReason }))
  | { type: 'validate'; txn: TxnId; epoch: Epoch; reads: ReadCheck[] }
  | ({ type: 'validateReply'; txn: TxnId; wm: ShardWatermark | null } & Verdict)
  | { type: 'install'; txn: TxnId; epoch: Epoch; vclock: VClock; writes: KeyWrite[] }
  | ({ type: 'installReply'; txn: TxnId; wm: ShardWatermark | null } & Verdict)
  | { type: 'abort'; txn: TxnId; epoch: Epoch }
  | { type: 'inquire'; txn: TxnId; epoch: Epoch }
  | { type: 'watermark'; epoch: Epoch; w: number }
  | { type: 'prepare'; txn: TxnId; reads: ReadCheck[]; writes: KeyWrite[] }
  | ({ type: 'prepareReply'; txn: TxnId } & Verdict)
  | { type: 'decide'; txn: TxnId; commit: boolean }
  | { type: 'decideReply'; txn: TxnId }
  | { type: 'decisionQuery'; txn: TxnId };

export type ToManager =
  | { type: 'leaderReport'; shard: ShardId; leader: string; epoch: Epoch; fresh: boolean }
  | { type: 'epochClosed'; shard: ShardId; epoch: Epoch; watermark: number };

export type FromManager = { type: 'epochChange'; epoch: Epoch } | { type: 'fvw'; epoch: Epoch; fvw: VClock };

/** What the coordinator answers its client. */
export type TxnOutcome = { outcome: 'committed'; results: TxnOpResult[] } | { outcome: 'aborted'; reason: AbortReason };
