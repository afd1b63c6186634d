/**
 * Stage 3's manager replica: the manager's state (manager-state.ts) replicated by a
 * RaftGroup across the manager replicas, and the requests of manager-messages.ts served
 * by the group's leader.
 *
 * - get_map: a linearizable read on the leader (RaftGroup.read): `{ map: { servers, rf } }`
 *   once the cluster is ready, `unavailable` before (saying what it waits for).
 * - register { partition, replica, address }: answered with the map at once (ready or
 *   not). A replica's first registration, or a new address, is proposed to the group; a
 *   heartbeat that changes nothing is answered after a read, so heartbeats do not grow the log.
 * - Any other replica answers `not_leader`, hinting the leader's replica id when it knows it.
 * - status and transfer_leader (status/admin-service.ts) on every replica.
 * - txnReport { msg } (stage 4, from a shard leader's transaction core): proposed as an epoch
 *   command (txn/epoch-manager.ts); the notices it yields are sent, as `{type:'epoch', msg}`, to
 *   the leader of the shard named (or of every shard), best effort. While the epoch is above 0
 *   the leader also re-sends the current epoch and every FVW to every shard leader each
 *   `noticeEveryMs`, so a notice lost with a manager or shard failover still arrives.
 *
 * Configuration: each replica is started with the cluster's configuration { servers, rf }.
 * A leader that finds the replicated state unconfigured proposes its own (the first
 * configure applied wins). A replica whose arguments differ from the replicated
 * configuration logs the difference and answers every request but status with
 * `bad_request`, naming both: a mistyped replica must not hand out a map of its own.
 */
import type { LogFn } from '../common/log';
import { replyForGroupError } from '../replication/group-error-reply';
import type { RaftGroup } from '../replication/raft-group';
import { AdminService } from '../status/admin-service';
import { isAdminRequest } from '../status/node-status';
import { RequestMeter } from '../status/request-meter';
import { type Reply, errorReply, okReply } from '../wire/envelope';
import { type ManagerRequest, type MapReply, type RegisterReply, parseManagerRequest } from './manager-messages';
import { type ClusterConfig, type ManagerCommand, type ManagerResult, ManagerStateMachine, describeConfig, sameConfig } from './manager-state';
import { type PartitionMap, replicaAddresses } from './partition-map';
import { PeerRouter } from '../server/peer-router';
import type { EpochManagerCommand, ManagerNotice } from '../txn/epoch-manager';
import type { ToManager } from '../txn/messages';
import { parseAddress } from '../wire/address';
import { isRecord } from '../wire/envelope';
import { parseTxnReport } from '../wire/shard-messages';

export type ManagerGroup = RaftGroup<ManagerCommand, ManagerResult, ManagerStateMachine>;

export interface ReplicatedManagerOptions {
  /** This replica's id and the manager group's size. */
  replica: number;
  replicas: number;
  /** The configuration this replica was started with. */
  config: ClusterConfig;
  /** The replica's storage folder (for status). */
  dir: string;
  log: LogFn;
  /** How often the replica checks whether, as leader, it must configure the group. */
  maintainEveryMs?: number;
  /** How often the leader re-sends the current epoch and FVWs to every shard leader (stage 4). */
  noticeEveryMs?: number;
}

/** How many partitions a "waiting" message names before it abbreviates. */
const WAITING_LISTED = 5;
const NOT_CONFIGURED = 'the manager group is not configured yet; retry shortly';

export class ReplicatedManager {
  readonly admin: AdminService;
  /** Client requests answered and their time, for status. */
  readonly meter = new RequestMeter();
  private configuring = false;
  private warnedMismatch = false;
  private announcedReady = false;
  private timer: NodeJS.Timeout | undefined;
  private noticeTimer: NodeJS.Timeout | undefined;
  /** Routes to every shard's replicas, once the configuration is known (stage 4's notices). */
  private shardRouter: PeerRouter | undefined;

  constructor(
    private readonly group: ManagerGroup,
    /** The state machine the group applies to: read directly only for what never changes once set (the configuration). */
    private readonly sm: ManagerStateMachine,
    private readonly options: ReplicatedManagerOptions,
  ) {
    this.admin = new AdminService(group, { node: `m.${options.replica}`, replica: options.replica, replicas: options.replicas, dir: options.dir, meter: this.meter });
  }

  /** Starts checking, as leader, that the group is configured. */
  start(): void {
    const every = this.options.maintainEveryMs ?? 100;
    this.timer = setInterval(() => this.maintain(), every);
    this.timer.unref();
    this.noticeTimer = setInterval(() => this.renotify(), this.options.noticeEveryMs ?? 1000);
    this.noticeTimer.unref();
    this.maintain();
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.noticeTimer);
    this.shardRouter?.close();
  }

  handle(body: unknown): Reply | Promise<Reply> {
    if (isAdminRequest(body)) return this.admin.handle(body);
    if (isRecord(body) && body.type === 'txnReport') return this.txnReport(body).catch(replyForGroupError);
    return this.meter.track(this.serve(body), performance.now());
  }

  private serve(body: unknown): Reply | Promise<Reply> {
    const req = parseManagerRequest(body);
    if (typeof req === 'string') return errorReply('bad_request', req);
    const mismatch = this.mismatch();
    if (mismatch !== undefined) return errorReply('bad_request', mismatch);
    const answer = req.type === 'get_map' ? this.getMap() : this.register(req);
    return answer.catch(replyForGroupError);
  }

  /** Why this replica's arguments disagree with the group's configuration, if they do. */
  private mismatch(): string | undefined {
    const current = this.sm.config;
    if (current === null || sameConfig(current, this.options.config)) return undefined;
    const message = `manager replica m.${this.options.replica} was started with ${describeConfig(this.options.config)}, but the manager group's configuration is ${describeConfig(current)}: restart it with the group's arguments`;
    if (!this.warnedMismatch) this.options.log(`error: ${message}`);
    this.warnedMismatch = true;
    return message;
  }

  private async getMap(): Promise<Reply<MapReply>> {
    return this.group.read((sm) => {
      // Checked again now that the state is current: a replica that just started may not have replayed the configuration before the read.
      const mismatch = this.mismatch();
      if (mismatch !== undefined) return errorReply('bad_request', mismatch);
      const config = sm.config;
      if (config === null) return errorReply('unavailable', NOT_CONFIGURED);
      if (!sm.ready) return errorReply('unavailable', waitingMessage(sm, config));
      return okReply({ map: mapOf(config) });
    });
  }

  private async register(req: Extract<ManagerRequest, { type: 'register' }>): Promise<Reply<RegisterReply>> {
    const replica = req.replica ?? 0;
    const known = await this.group.read((sm) => ({ config: sm.config, address: sm.registeredAddress(req.partition, replica) }));
    const mismatch = this.mismatch();
    if (mismatch !== undefined) return errorReply('bad_request', mismatch);
    if (known.config !== null && known.address === req.address) return okReply({ map: mapOf(known.config) });
    const result = await this.group.propose({ op: 'register', partition: req.partition, replica, address: req.address });
    if (result.kind === 'unconfigured') return errorReply('unavailable', NOT_CONFIGURED);
    if (result.kind === 'refused') return errorReply('bad_request', result.message);
    const config = this.sm.config!;
    if (result.kind === 'registered' && result.first) {
      const counts = this.sm.registeredCounts();
      this.options.log(`s${req.partition}.${replica} registered (serving ${req.address}); partition ${req.partition} has ${counts[req.partition]} of ${config.rf} replicas registered`);
      if (this.sm.ready && !this.announcedReady) this.options.log('every partition has a majority of its replicas registered: handing out the map');
      this.announcedReady ||= this.sm.ready;
    }
    return okReply({ map: mapOf(config) });
  }

  /** A shard leader's report: replicated as an epoch command, then its notices are sent. */
  private async txnReport(body: unknown): Promise<Reply> {
    if (!this.group.isLeader) return errorReply('not_leader', 'this manager replica is not the leader', this.group.leader >= 0 ? String(this.group.leader) : undefined);
    const shards = this.sm.partitionCount;
    if (shards === 0) return errorReply('unavailable', NOT_CONFIGURED);
    const msg = parseTxnReport(body, shards);
    if (typeof msg === 'string') return errorReply('bad_request', msg);
    const result = await this.group.propose({ op: 'epoch', cmd: epochCommandOf(msg) });
    if (result.kind === 'unconfigured') return errorReply('unavailable', NOT_CONFIGURED);
    if (result.kind === 'refused') return errorReply('bad_request', result.message);
    if (result.kind !== 'epoch') return errorReply('internal', `an epoch command was answered ${result.kind}`);
    if (msg.type === 'leaderReport') this.options.log(`shard ${msg.shard}'s leader ${msg.leader} reported; epoch ${this.sm.epoch}`);
    else this.options.log(`shard ${msg.shard} closed epoch ${msg.epoch} at watermark ${msg.watermark}`);
    this.notify(result.notices);
    return okReply(null);
  }

  private notify(notices: ManagerNotice[]): void {
    const router = this.router();
    if (router === undefined) return;
    for (const n of notices) {
      const targets = n.to === 'all' ? Array.from({ length: this.sm.partitionCount }, (_, s) => s) : [n.to];
      for (const s of targets) void router.deliver(s, { type: 'epoch', msg: n.msg });
    }
  }

  private renotify(): void {
    if (this.group.isLeader && this.sm.epoch > 0) this.notify(this.sm.currentNotices());
  }

  private router(): PeerRouter | undefined {
    if (this.shardRouter !== undefined) return this.shardRouter;
    const config = this.sm.config;
    if (config === null) return undefined;
    const map = mapOf(config);
    const shards = Array.from({ length: this.sm.partitionCount }, (_, s) => replicaAddresses(map, s).map((a) => parseAddress(a)));
    this.shardRouter = new PeerRouter(-1, shards);
    return this.shardRouter;
  }

  /** As leader, configures an unconfigured group from this replica's arguments. */
  private maintain(): void {
    if (!this.group.isLeader || this.configuring) return;
    if (this.sm.config !== null) {
      this.mismatch();
      return;
    }
    this.configuring = true;
    const config = this.options.config;
    this.group
      // A new leader may not have applied everything yet: read first, so an earlier configure is seen.
      .read((sm) => sm.config)
      .then(async (current) => {
        if (current !== null) return;
        const result = await this.group.propose({ op: 'configure', config });
        if (result.kind === 'configured') this.options.log(`configured the cluster: ${describeConfig(config)}`);
        else this.mismatch();
      })
      .catch(() => undefined) // lost leadership meanwhile: whoever leads next configures
      .finally(() => {
        this.configuring = false;
      });
  }
}

function epochCommandOf(msg: ToManager): EpochManagerCommand {
  return msg.type === 'leaderReport'
    ? { t: 'leaderReport', shard: msg.shard, leader: msg.leader, fresh: msg.fresh }
    : { t: 'epochClosed', shard: msg.shard, epoch: msg.epoch, watermark: msg.watermark };
}

function mapOf(config: ClusterConfig): PartitionMap {
  return { servers: [...config.servers], rf: config.rf };
}

function waitingMessage(sm: ManagerStateMachine, config: ClusterConfig): string {
  const counts = sm.registeredCounts();
  const majority = Math.floor(config.rf / 2) + 1;
  const waiting = sm.partitionsWithoutQuorum();
  const named = waiting.slice(0, WAITING_LISTED).map((p) => `s${p} (${counts[p]} of ${config.rf})`);
  if (waiting.length > WAITING_LISTED) named.push(`${waiting.length - WAITING_LISTED} more`);
  return `waiting for servers: every partition needs ${majority} of its ${config.rf} replicas registered; still short: ${named.join(', ')}`;
}
