/**
 * The envelopes that carry the transaction cores' messages between processes (stage 4),
 * and their validation: a shard server takes them from the network, so each is `unknown`
 * until checked here, field by field, against txn/messages.ts.
 *
 *   shard leader -> shard leader:   { type: 'peer', from: <shard id>, msg: PeerMessage }
 *   shard leader -> manager:        { type: 'txnReport', msg: ToManager }
 *   manager -> shard leader:        { type: 'epoch', msg: FromManager }
 *
 * Shard ids are integers 0..shards-1; epochs, clocks and watermarks non-negative safe
 * integers; vector clocks have one component per shard; keys are protocol tokens; a
 * transaction id is 1 to 128 printable characters; reasons are `[a-z0-9_]{1,64}`.
 */
import { isValidToken } from '../kv/command';
import type { FromManager, PeerMessage, ReadCheck, ReadResult, ShardWatermark, ToManager } from '../txn/messages';
import type { AbortReason, KeyWrite, VClock, VersionTag } from '../txn/types';
import { isRecord } from './envelope';

export interface PeerEnvelope {
  type: 'peer';
  from: number;
  msg: PeerMessage;
}

/** Most keys, reads or writes one message may list (a transaction has at most 64 operations). */
const MAX_ITEMS = 64;

class Invalid extends Error {}

function fail(why: string): never {
  throw new Invalid(why);
}

function count(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} is not a non-negative integer`);
  return v;
}

function txnId(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 128 || !/^[\x21-\x7e]+$/.test(v)) fail('txn is not an id');
  return v;
}

function key(v: unknown): string {
  if (typeof v !== 'string' || !isValidToken(v)) fail('a key is not a token');
  return v;
}

function valueOrNull(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !isValidToken(v)) fail('a value is not a token or null');
  return v;
}

function list<T>(v: unknown, what: string, item: (x: unknown) => T): T[] {
  if (!Array.isArray(v) || v.length > MAX_ITEMS) fail(`${what} is not a list of at most ${MAX_ITEMS}`);
  return v.map(item);
}

function clock(v: unknown, shards: number): VClock {
  if (!Array.isArray(v) || v.length !== shards) fail(`a vector clock needs ${shards} components`);
  return v.map((x) => count(x, 'a clock component'));
}

function reason(v: unknown): AbortReason {
  if (typeof v !== 'string' || !/^[a-z0-9_]{1,64}$/.test(v)) fail('reason is not [a-z0-9_]');
  return v as AbortReason;
}

function watermark(v: unknown): ShardWatermark | null {
  if (v === null) return null;
  if (!isRecord(v)) fail('wm is not { epoch, w } or null');
  return { epoch: count(v.epoch, 'wm.epoch'), w: count(v.w, 'wm.w') };
}

function write(v: unknown): KeyWrite {
  if (!isRecord(v)) fail('a write is not { key, value }');
  return { key: key(v.key), value: valueOrNull(v.value) };
}

function check(v: unknown): ReadCheck {
  if (!isRecord(v)) fail('a read check is not { key, writer }');
  return { key: key(v.key), writer: v.writer === null ? null : txnId(v.writer) };
}

function verdict<T extends object>(v: Record<string, unknown>, base: T): T & ({ ok: true } | { ok: false; reason: AbortReason }) {
  if (v.ok === true) return { ...base, ok: true };
  if (v.ok === false) return { ...base, ok: false, reason: reason(v.reason) };
  return fail('ok is not a boolean');
}

function parsePeer(v: unknown, shards: number): PeerMessage {
  if (!isRecord(v)) fail('msg is not an object');
  const version = (x: unknown): VersionTag | null => {
    if (x === null) return null;
    if (!isRecord(x)) fail('a version is not { txn, epoch, vclock } or null');
    // The 2PC baseline's versions carry no vector clock (an empty one).
    const vclock = Array.isArray(x.vclock) && x.vclock.length === 0 ? [] : clock(x.vclock, shards);
    return { txn: txnId(x.txn), epoch: count(x.epoch, 'version epoch'), vclock };
  };
  const read = (x: unknown): ReadResult => {
    if (!isRecord(x)) fail('a read is not { key, value, version }');
    return { key: key(x.key), value: valueOrNull(x.value), version: version(x.version) };
  };
  switch (v.type) {
    case 'read':
    case 'lock':
      return { type: v.type, txn: txnId(v.txn), epoch: count(v.epoch, 'epoch'), keys: list(v.keys, 'keys', key) };
    case 'getClock':
      if (typeof v.writes !== 'boolean') fail('writes is not a boolean');
      return { type: 'getClock', txn: txnId(v.txn), epoch: count(v.epoch, 'epoch'), writes: v.writes };
    case 'validate':
      return { type: 'validate', txn: txnId(v.txn), epoch: count(v.epoch, 'epoch'), reads: list(v.reads, 'reads', check) };
    case 'install':
      return { type: 'install', txn: txnId(v.txn), epoch: count(v.epoch, 'epoch'), vclock: clock(v.vclock, shards), writes: list(v.writes, 'writes', write) };
    case 'abort':
    case 'inquire':
      return { type: v.type, txn: txnId(v.txn), epoch: count(v.epoch, 'epoch') };
    case 'watermark':
      return { type: 'watermark', epoch: count(v.epoch, 'epoch'), w: count(v.w, 'w') };
    case 'readReply': {
      const base = { type: 'readReply' as const, txn: txnId(v.txn), wm: watermark(v.wm) };
      if (v.ok === true) return { ...base, ok: true, reads: list(v.reads, 'reads', read) };
      return verdict(v, base) as PeerMessage;
    }
    case 'clockReply': {
      const base = { type: 'clockReply' as const, txn: txnId(v.txn), wm: watermark(v.wm) };
      if (v.ok === true) return { ...base, ok: true, clock: count(v.clock, 'clock') };
      return verdict(v, base) as PeerMessage;
    }
    case 'lockReply':
    case 'validateReply':
    case 'installReply':
      return verdict(v, { type: v.type, txn: txnId(v.txn), wm: watermark(v.wm) });
    case 'prepare':
      return { type: 'prepare', txn: txnId(v.txn), reads: list(v.reads, 'reads', check), writes: list(v.writes, 'writes', write) };
    case 'prepareReply':
      return verdict(v, { type: 'prepareReply' as const, txn: txnId(v.txn) });
    case 'decide':
      if (typeof v.commit !== 'boolean') fail('commit is not a boolean');
      return { type: 'decide', txn: txnId(v.txn), commit: v.commit };
    case 'decideReply':
      return { type: 'decideReply', txn: txnId(v.txn) };
    case 'decisionQuery':
      return { type: 'decisionQuery', txn: txnId(v.txn) };
    default:
      return fail(`unknown peer message type ${JSON.stringify(v.type)?.slice(0, 32)}`);
  }
}

function guard<T>(parse: () => T): T | string {
  try {
    return parse();
  } catch (err) {
    if (err instanceof Invalid) return err.message;
    throw err;
  }
}

/** A shard leader's message to this one, for a cluster of `shards` shards. */
export function parsePeerEnvelope(body: unknown, shards: number): PeerEnvelope | string {
  return guard(() => {
    if (!isRecord(body) || body.type !== 'peer') fail('not a peer message');
    const from = count(body.from, 'from');
    if (from >= shards) fail(`from names shard ${from}, but there are ${shards}`);
    return { type: 'peer' as const, from, msg: parsePeer(body.msg, shards) };
  });
}

/** A shard leader's report to the manager. */
export function parseTxnReport(body: unknown, shards: number): ToManager | string {
  return guard(() => {
    if (!isRecord(body) || body.type !== 'txnReport' || !isRecord(body.msg)) fail('not a txn report');
    const m = body.msg;
    const shard = count(m.shard, 'shard');
    if (shard >= shards) fail(`shard ${shard} does not exist (there are ${shards})`);
    if (m.type === 'leaderReport') {
      if (typeof m.leader !== 'string' || m.leader.length === 0 || m.leader.length > 128) fail('leader is not an id of 1 to 128 characters');
      if (typeof m.fresh !== 'boolean') fail('fresh is not a boolean');
      return { type: 'leaderReport' as const, shard, leader: m.leader, epoch: count(m.epoch, 'epoch'), fresh: m.fresh };
    }
    if (m.type === 'epochClosed') return { type: 'epochClosed' as const, shard, epoch: count(m.epoch, 'epoch'), watermark: count(m.watermark, 'watermark') };
    return fail(`unknown report type ${JSON.stringify(m.type)?.slice(0, 32)}`);
  });
}

/** The manager's notice to a shard leader. */
export function parseEpochNotice(body: unknown, shards: number): FromManager | string {
  return guard(() => {
    if (!isRecord(body) || body.type !== 'epoch' || !isRecord(body.msg)) fail('not an epoch notice');
    const m = body.msg;
    if (m.type === 'epochChange') return { type: 'epochChange' as const, epoch: count(m.epoch, 'epoch') };
    if (m.type === 'fvw') return { type: 'fvw' as const, epoch: count(m.epoch, 'epoch'), fvw: clock(m.fvw, shards) };
    return fail(`unknown notice type ${JSON.stringify(m.type)?.slice(0, 32)}`);
  });
}
