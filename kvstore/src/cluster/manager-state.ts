/**
 * The replicated manager's state machine (stage 3): what the manager group agrees on,
 * replicated by RaftGroup like the key-value state, and snapshotted like it.
 *
 * State:
 *   config         { servers, rf } once configured, else null. `servers` lists every server
 *                  replica's client address, partition-major (replica R of partition P at
 *                  P·rf + R), so there are servers.length / rf partitions. Never changes
 *                  once set: the partition map is fixed for the cluster's life.
 *   registrations  (partition, replica) -> the address the replica reported, for every
 *                  replica that has registered at least once (never forgotten).
 *
 * Commands (log entries, msgpack):
 *   ['configure', servers, rf]                  -> configured | mismatch (the config stays)
 *   ['register', partition, replica, address]   -> registered (first: whether it is new) |
 *                                                  unconfigured (too early: retry) |
 *                                                  refused (no such replica)
 *   ['epoch', {t, shard, ...}]                   -> epoch (the notices to send to shard leaders) |
 *                                                  unconfigured | refused (no such shard):
 *                                                  stage 4's epoch duty (txn/epoch-manager.ts),
 *                                                  a shard leader's report as an EpochManagerCommand
 *
 * Ready: configured, and every partition has a majority of its replicas registered at least
 * once. Registrations are part of the replicated state, so a restarted manager group is
 * ready at once, and clients are never sent to a partition that never had a quorum up.
 *
 * Snapshot: msgpack { version: 2, config, registrations: [partition, replica, address][],
 * epochs: EpochManagerSnapshot | null } (version 1, without epochs, is still read).
 */
import { Packr } from 'msgpackr';
import type { CommandCodec, StateMachine } from '../replication/state-machine';
import { isRecord } from '../wire/envelope';
import { type EpochManagerCommand, type EpochManagerSnapshot, EpochManagerState, type ManagerNotice } from '../txn/epoch-manager';
import { MAX_PARTITIONS } from './partition-map';

export interface ClusterConfig {
  servers: string[];
  rf: number;
}

export type ManagerCommand =
  | { op: 'configure'; config: ClusterConfig }
  | { op: 'register'; partition: number; replica: number; address: string }
  | { op: 'epoch'; cmd: EpochManagerCommand };

export type ManagerResult =
  | { kind: 'configured' }
  | { kind: 'mismatch'; current: ClusterConfig }
  | { kind: 'registered'; first: boolean }
  | { kind: 'refused'; message: string }
  /** Applied before the configuration: early, not wrong (the configure may be the very next entry). */
  | { kind: 'unconfigured' }
  | { kind: 'epoch'; notices: ManagerNotice[] };

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function sameConfig(a: ClusterConfig, b: ClusterConfig): boolean {
  return a.rf === b.rf && a.servers.length === b.servers.length && a.servers.every((s, i) => s === b.servers[i]);
}

/** A configuration in a few words, for messages: `2 partitions × rf 3 (127.0.0.1:3777,…)`. */
export function describeConfig(c: ClusterConfig): string {
  const p = c.servers.length / c.rf;
  return `${p} partition${p === 1 ? '' : 's'} × rf ${c.rf} (servers ${c.servers.join(',')})`;
}

/** Checks a configuration a manager was given; a string says what is wrong. */
export function validateConfig(c: ClusterConfig): string | undefined {
  if (!Number.isSafeInteger(c.rf) || c.rf < 1 || c.rf % 2 === 0 || c.rf > 9) return `rf must be 1, 3, 5, 7 or 9, got ${c.rf}`;
  if (c.servers.length === 0 || c.servers.length % c.rf !== 0) return `${c.servers.length} servers is not a positive multiple of rf ${c.rf}`;
  if (c.servers.length / c.rf > MAX_PARTITIONS) return `${c.servers.length / c.rf} partitions; a cluster has at most ${MAX_PARTITIONS}`;
  if (!c.servers.every((s) => typeof s === 'string' && s.length > 0)) return 'servers must be addresses';
  return undefined;
}

function registrationKey(partition: number, replica: number): string {
  return `${partition}.${replica}`;
}

export class ManagerStateMachine implements StateMachine<ManagerCommand, ManagerResult> {
  private configValue: ClusterConfig | null = null;
  private registrations = new Map<string, string>();
  /** Stage 4's epochs and final watermarks; created with the configuration. */
  private epochs: EpochManagerState | null = null;

  /** The current transaction epoch (0 before any). */
  get epoch(): number {
    return this.epochs?.epoch ?? 0;
  }

  /** What a shard leader is told when it (re)reports itself, without changing anything: the current epoch and every FVW. */
  currentNotices(): ManagerNotice[] {
    if (this.epochs === null) return [];
    const out: ManagerNotice[] = [{ to: 'all', msg: { type: 'epochChange', epoch: this.epochs.epoch } }];
    for (const [epoch, fvw] of [...this.epochs.fvws].sort((a, b) => a[0] - b[0])) out.push({ to: 'all', msg: { type: 'fvw', epoch, fvw: fvw.slice() } });
    return out;
  }

  get config(): ClusterConfig | null {
    return this.configValue === null ? null : { servers: [...this.configValue.servers], rf: this.configValue.rf };
  }

  get partitionCount(): number {
    return this.configValue === null ? 0 : this.configValue.servers.length / this.configValue.rf;
  }

  /** The address replica `replica` of `partition` registered with, if it ever did. */
  registeredAddress(partition: number, replica: number): string | undefined {
    return this.registrations.get(registrationKey(partition, replica));
  }

  /** Registered replicas per partition (each counted once). */
  registeredCounts(): number[] {
    const counts = new Array<number>(this.partitionCount).fill(0);
    for (const key of this.registrations.keys()) counts[Number(key.split('.')[0])]!++;
    return counts;
  }

  /** Partitions that have not yet had a majority of their replicas register. */
  partitionsWithoutQuorum(): number[] {
    if (this.configValue === null) return [];
    const majority = Math.floor(this.configValue.rf / 2) + 1;
    return this.registeredCounts().flatMap((n, p) => (n >= majority ? [] : [p]));
  }

  get ready(): boolean {
    return this.configValue !== null && this.partitionsWithoutQuorum().length === 0;
  }

  apply(command: ManagerCommand): ManagerResult {
    if (command.op === 'configure') {
      if (this.configValue === null) {
        this.configValue = { servers: [...command.config.servers], rf: command.config.rf };
        this.epochs = new EpochManagerState(this.partitionCount);
        return { kind: 'configured' };
      }
      return sameConfig(this.configValue, command.config) ? { kind: 'configured' } : { kind: 'mismatch', current: this.config! };
    }
    const c = this.configValue;
    if (c === null) return { kind: 'unconfigured' };
    const partitions = c.servers.length / c.rf;
    if (command.op === 'epoch') {
      if (command.cmd.shard >= partitions) return { kind: 'refused', message: `shard ${command.cmd.shard} does not exist: the cluster has ${partitions} shards` };
      return { kind: 'epoch', notices: this.epochs!.apply(command.cmd) };
    }
    if (command.partition >= partitions) {
      return { kind: 'refused', message: `partition ${command.partition} does not exist: the cluster has ${partitions} partition${partitions === 1 ? '' : 's'} (0..${partitions - 1})` };
    }
    if (command.replica >= c.rf) return { kind: 'refused', message: `replica ${command.replica} does not exist: partitions have ${c.rf} replicas (0..${c.rf - 1})` };
    const key = registrationKey(command.partition, command.replica);
    const first = !this.registrations.has(key);
    this.registrations.set(key, command.address);
    return { kind: 'registered', first };
  }

  snapshot(): Uint8Array {
    const registrations = [...this.registrations].map(([key, address]) => {
      const [p, r] = key.split('.').map(Number);
      return [p, r, address];
    });
    return packr.pack({ version: 2, config: this.configValue, registrations, epochs: this.epochs?.snapshot() ?? null });
  }

  restore(data: Buffer): void {
    const body: unknown = packr.unpack(data);
    if (!isRecord(body) || (body.version !== 1 && body.version !== 2) || !Array.isArray(body.registrations)) throw new Error('unrecognised manager snapshot');
    const config = body.config === null ? null : parseConfig(body.config);
    if (typeof config === 'string') throw new Error(`manager snapshot: ${config}`);
    const registrations = new Map<string, string>();
    for (const r of body.registrations as unknown[]) {
      if (!Array.isArray(r) || r.length !== 3 || !Number.isSafeInteger(r[0]) || !Number.isSafeInteger(r[1]) || typeof r[2] !== 'string') throw new Error('manager snapshot: bad registration');
      registrations.set(registrationKey(r[0] as number, r[1] as number), r[2]);
    }
    this.configValue = config;
    this.registrations = registrations;
    const shards = config === null ? 0 : config.servers.length / config.rf;
    this.epochs = config === null ? null : isRecord(body.epochs) ? EpochManagerState.restore(shards, body.epochs as unknown as EpochManagerSnapshot) : new EpochManagerState(shards);
  }
}

function parseConfig(v: unknown): ClusterConfig | string {
  if (!isRecord(v) || !Array.isArray(v.servers) || !v.servers.every((s) => typeof s === 'string') || !Number.isSafeInteger(v.rf)) return 'bad configuration';
  const c: ClusterConfig = { servers: v.servers as string[], rf: v.rf as number };
  return validateConfig(c) ?? c;
}

export const managerCommandCodec: CommandCodec<ManagerCommand> = {
  encode(command) {
    if (command.op === 'epoch') return packr.pack(['epoch', command.cmd]);
    return packr.pack(command.op === 'configure' ? ['configure', command.config.servers, command.config.rf] : ['register', command.partition, command.replica, command.address]);
  },
  decode(bytes) {
    const v: unknown = packr.unpack(bytes);
    if (Array.isArray(v) && v[0] === 'configure' && v.length === 3) {
      const config = parseConfig({ servers: v[1], rf: v[2] });
      if (typeof config === 'string') throw new Error(`log record: ${config}`);
      return { op: 'configure', config };
    }
    if (Array.isArray(v) && v[0] === 'register' && v.length === 4 && Number.isSafeInteger(v[1]) && Number.isSafeInteger(v[2]) && typeof v[3] === 'string' && v[1] >= 0 && v[2] >= 0) {
      return { op: 'register', partition: v[1] as number, replica: v[2] as number, address: v[3] };
    }
    if (Array.isArray(v) && v[0] === 'epoch' && v.length === 2) {
      const cmd = parseEpochCommand(v[1]);
      if (typeof cmd === 'string') throw new Error(`log record: ${cmd}`);
      return { op: 'epoch', cmd };
    }
    throw new Error('log record is not a manager command');
  },
};

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** An epoch command as the log holds it; a string says what is wrong. */
function parseEpochCommand(v: unknown): EpochManagerCommand | string {
  if (!isRecord(v) || !isCount(v.shard)) return 'bad epoch command';
  if (v.t === 'leaderReport' && typeof v.leader === 'string' && typeof v.fresh === 'boolean') return { t: 'leaderReport', shard: v.shard, leader: v.leader, fresh: v.fresh };
  if (v.t === 'epochClosed' && isCount(v.epoch) && isCount(v.watermark)) return { t: 'epochClosed', shard: v.shard, epoch: v.epoch, watermark: v.watermark };
  return 'bad epoch command';
}
