/**
 * Stage 4's server: one replica of a shard. The shard's replicated state (txn/shard-state-machine.ts)
 * lives in a RaftGroup across the shard's replicas; while this replica leads, a transaction
 * core (Mako's, or the 2PC baseline's, by `txnMode`) runs on it through a TxnShardDriver.
 *
 * Requests on the client port:
 *   {type:'txn', ops}          a one-shot transaction this shard coordinates (the leader of its first key's shard)
 *   {type:'kv', cmd}           a single-key command, run as a one-operation transaction
 *                              (kv-as-txn.ts); an abort or an unknown outcome is answered
 *                              `unavailable` with its reason; SCAN pages are read (after a Raft
 *                              read barrier) from the shard's decided versions (below the
 *                              watermark, so acknowledged)
 *   {type:'peer', from, msg}   another shard leader's core message
 *   {type:'epoch', msg}        the manager's epoch notice
 *   admin (status, transfer_leader), answered by every replica as in stage 3
 * Replicas that do not lead answer txn/kv/peer/epoch with `not_leader` (hint: the leader they know).
 *
 * Leadership (the driver contract of txn/core-interface.ts): a core is created only once the
 * leader has applied everything up to its own term's first entry (Raft's no-op), and dropped as
 * soon as the role or term changes (checked every core tick and before any applied entry
 * reaches the core), so a core never sees another leadership's entries.
 *
 * The shard count and every replica's client address come from the manager group's map
 * (the server registers before opening its storage); the group is fixed for the cluster's life.
 */
import type { LogFn } from '../common/log';
import { ReplicaRoute, callGroup } from '../client/replica-route';
import { ServerChannel } from '../client/server-channel';
import { type PartitionMap, partitionCount, partitionOf, replicaAddresses, replicationFactor } from '../cluster/partition-map';
import { type KvCommand, type KvPair, type PageLimits, type ScanPage, compareKeys } from '../kv/command';
import type { NodeId } from '../raft/types';
import { notLeaderReply, replyForGroupError } from '../replication/group-error-reply';
import type { RaftGroup } from '../replication/raft-group';
import { openReplicaGroup, stepDownAndClose } from '../replication/replica-launch';
import { AdminService } from '../status/admin-service';
import { isAdminRequest } from '../status/node-status';
import type { KvReader } from '../state/kv-state-machine';
import { StorageLock } from '../storage/storage-lock';
import type { TxnShardCore } from '../txn/core-interface';
import { type TxnLogEntry, txnLogCodec } from '../txn/log-entry';
import { MakoShardCore } from '../txn/mako-core';
import type { MistakeSwitches } from '../txn/mistakes';
import type { ToManager } from '../txn/messages';
import { ShardStateMachine, type TxnApplyResult } from '../txn/shard-state-machine';
import { TwoPcShardCore } from '../txn/twopc-core';
import { type Address, parseAddress } from '../wire/address';
import { type Reply, errorReply, isRecord, okReply } from '../wire/envelope';
import { parseKvRequest } from '../wire/kv-messages';
import { parseEpochNotice, parsePeerEnvelope } from '../wire/shard-messages';
import { parseTxnRequest } from '../wire/txn-messages';
import { kvCommandAsTxnOp, txnReplyAsKvResult } from './kv-as-txn';
import { PeerRouter } from './peer-router';
import { answerScan } from './scan-reply';
import { TxnShardDriver } from './txn-shard-driver';

export type TxnMode = 'mako' | '2pc';
export type ShardRaftGroup = RaftGroup<TxnLogEntry, TxnApplyResult, DrivenShardStateMachine>;

export interface TxnShardServerOptions {
  shard: number;
  replica: NodeId;
  peers: Map<NodeId, Address>;
  listen: Address;
  backerPath: string;
  snapshotEvery: number;
  tickMs: number;
  readMode: 'index' | 'lease';
  txnMode: TxnMode;
  /** Round trip added on Raft peer links (DelayedTransport); 0: none. */
  replRttMs: number;
  /** The manager group's map: shard count and every replica's client address. */
  map: PartitionMap;
  /** The manager replicas' client addresses (where leader reports go). */
  managers: Address[];
  /** The core's tick (watermark exchange period), ms. */
  coreTickMs?: number;
  /** Test only: a classic mistake put back into the core (txn/mistakes.ts); default none. */
  mistakes?: MistakeSwitches;
  log: LogFn;
  onFatal: (err: Error) => void;
}

/** The shard's state machine, telling the server of every applied entry (after applying it). */
export class DrivenShardStateMachine extends ShardStateMachine {
  onApplied: (entry: TxnLogEntry) => void = () => undefined;

  override apply(entry: TxnLogEntry): TxnApplyResult {
    const result = super.apply(entry);
    this.onApplied(entry);
    return result;
  }
}

/** A page of the decided (acknowledged) pairs with start <= key <= end, like KvReader.scanPage. */
export function scanDecided(sm: ShardStateMachine, start: string, end: string, limits: PageLimits): ScanPage {
  if (compareKeys(start, end) > 0) return { pairs: [] };
  const keys: string[] = [];
  for (const [k, v] of sm.store) if (v.value !== null && compareKeys(k, start) >= 0 && compareKeys(k, end) <= 0) keys.push(k);
  keys.sort(compareKeys);
  const pairs: KvPair[] = [];
  let bytes = 0;
  for (const k of keys) {
    const v = sm.store.get(k)!.value!;
    const size = Buffer.byteLength(k) + Buffer.byteLength(v);
    if (pairs.length > 0 && (pairs.length >= limits.maxPairs || bytes + size > limits.maxBytes)) return { pairs, next: k };
    pairs.push([k, v]);
    bytes += size;
  }
  return { pairs };
}

/** The shard's decided pairs as a KvReader (what SCAN answers from). */
class DecidedReader implements KvReader {
  constructor(private readonly sm: ShardStateMachine) {}

  get(key: string): string | null {
    return this.sm.store.get(key)?.value ?? null;
  }

  scan(start: string, end: string): KvPair[] {
    return scanDecided(this.sm, start, end, { maxPairs: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER }).pairs;
  }

  scanPage(start: string, end: string, limits: PageLimits): ScanPage {
    return scanDecided(this.sm, start, end, limits);
  }
}

export class TxnShardServer {
  readonly admin: AdminService;
  readonly driver: TxnShardDriver;
  private readonly router: PeerRouter;
  private readonly managers: ReplicaRoute;
  private readonly shards: number;
  private coreTimer: NodeJS.Timeout | undefined;
  /** The term this replica leads in (a core may exist only for it), or -1. */
  private leadTerm = -1;
  /** The log index the leader must have applied before its core starts. */
  private readyIndex = 0;
  private managerComplaints = 0;
  private closed = false;

  private constructor(
    private readonly options: TxnShardServerOptions,
    readonly group: ShardRaftGroup,
    private readonly sm: DrivenShardStateMachine,
    private readonly lock: StorageLock,
  ) {
    const o = options;
    this.shards = partitionCount(o.map);
    this.admin = new AdminService(group, { node: `s${o.shard}.${o.replica}`, replica: o.replica, replicas: this.replicas, dir: o.backerPath, txn: () => this.driver.summary() });
    const addresses = Array.from({ length: this.shards }, (_, s) => replicaAddresses(o.map, s).map((a) => parseAddress(a)));
    this.router = new PeerRouter(o.shard, addresses);
    this.managers = new ReplicaRoute(o.managers.map((a) => new ServerChannel(a)));
    const shardOf = (key: string): number => partitionOf(key, this.shards);
    this.driver = new TxnShardDriver(
      {
        propose: (entry) => this.group.propose(entry),
        sendPeer: (to, msg) => void this.router.send(to, msg),
        sendManager: (msg) => void this.report(msg),
        log: o.log,
      },
      (): TxnShardCore => {
        const config = { shard: o.shard, shards: this.shards, shardOf, leader: `${o.replica}@${this.leadTerm}`, ...(o.mistakes ? { mistakes: o.mistakes } : {}) };
        o.log(`leading shard ${o.shard} in term ${this.leadTerm}: ${o.txnMode} transaction core started`);
        return o.txnMode === 'mako' ? new MakoShardCore(config, this.sm) : new TwoPcShardCore(config, this.sm);
      },
    );
    sm.onApplied = (entry) => {
      this.checkLeadership();
      this.driver.applied(entry);
    };
    this.coreTimer = setInterval(() => this.tick(), o.coreTickMs ?? 1);
  }

  /** Locks the replica's storage, recovers it and joins the shard's group. Throws StorageLockedError if another process holds it. */
  static async open(options: TxnShardServerOptions): Promise<TxnShardServer> {
    const rf = replicationFactor(options.map);
    if (rf !== options.peers.size + 1) throw new Error(`the manager's map has rf ${rf}, but this shard's group has ${options.peers.size + 1} replicas (--peers): check the arguments`);
    const shards = partitionCount(options.map);
    if (options.shard >= shards) throw new Error(`shard ${options.shard} does not exist: the manager's map has ${shards} shards (0..${shards - 1})`);
    const lock = await StorageLock.acquire(options.backerPath);
    try {
      const sm = new DrivenShardStateMachine(options.shard, shards);
      const group = await openReplicaGroup<TxnLogEntry, TxnApplyResult, DrivenShardStateMachine>(options.backerPath, sm, txnLogCodec, {
        ...options,
        heldLock: lock,
      });
      return new TxnShardServer(options, group, sm, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  get replicas(): number {
    return this.options.peers.size + 1;
  }

  get tookOverLockOf(): number | undefined {
    return this.lock.tookOver?.pid;
  }

  /** Drops the core the moment this replica's leadership (role or term) is not the one it was made for. */
  private checkLeadership(): void {
    const st = this.group.status();
    const leading = st.role === 'leader';
    if (leading && st.term === this.leadTerm) return;
    if (this.driver.leading) this.driver.setLeader(false);
    if (leading) {
      this.leadTerm = st.term;
      // Raft appended its no-op on election: once it is applied, so is every entry held at election.
      this.readyIndex = st.lastIndex;
    } else this.leadTerm = -1;
  }

  private tick(): void {
    if (this.closed) return;
    this.checkLeadership();
    if (this.leadTerm >= 0 && !this.driver.leading && this.group.status().applied >= this.readyIndex) this.driver.setLeader(true);
    this.driver.tick();
  }

  /** A core's report to the manager group's leader; best effort (the core re-sends what it waits for). */
  private async report(msg: ToManager): Promise<void> {
    try {
      await callGroup(() => this.managers, { type: 'txnReport', msg }, { callTimeoutMs: 1000, backoff: { initialMs: 20, maxMs: 200 }, maxAttempts: 3 }, { isOpen: () => !this.closed });
    } catch (err) {
      // Every 100th failure only: a manager without the epoch duty refuses every report.
      if (this.managerComplaints++ % 100 === 0) this.options.log(`report to the manager not delivered: ${(err as Error).message}`);
    }
  }

  handle(body: unknown): Reply | Promise<Reply> {
    if (isAdminRequest(body)) return this.admin.handle(body);
    if (!isRecord(body)) return errorReply('bad_request', 'a request is an object with a type');
    if (!this.driver.leading) {
      if (!this.group.isLeader) return notLeaderReply(this.group.leader);
      if (body.type === 'kv' || body.type === 'txn') return errorReply('unavailable', `shard ${this.options.shard}'s new leader is catching up`);
    }
    switch (body.type) {
      case 'txn':
        return this.handleTxn(body);
      case 'kv':
        return this.handleKv(body);
      case 'peer': {
        const env = parsePeerEnvelope(body, this.shards);
        if (typeof env === 'string') {
          this.options.log(`refused a peer message: ${env}`);
          return errorReply('bad_request', env);
        }
        if (this.driver.leading) this.driver.step(env.from, env.msg);
        return okReply(null);
      }
      case 'epoch': {
        const msg = parseEpochNotice(body, this.shards);
        if (typeof msg === 'string') return errorReply('bad_request', msg);
        if (this.driver.leading) this.driver.fromManager(msg);
        return okReply(null);
      }
      default:
        return errorReply('bad_request', `unknown request type ${JSON.stringify(body.type)} (a stage-4 shard serves txn, kv, peer, epoch and admin requests)`);
    }
  }

  private handleTxn(body: unknown): Reply | Promise<Reply> {
    const req = parseTxnRequest(body);
    if (typeof req === 'string') return errorReply('bad_request', req);
    const first = req.ops[0]!;
    const owner = partitionOf(first.key, this.shards);
    if (owner !== this.options.shard) return errorReply('wrong_partition', `the first key belongs to shard ${owner}, this is ${this.options.shard}`, String(owner));
    const reply = this.driver.request(req.ops);
    if (reply === undefined) return notLeaderReply(this.group.leader);
    return reply.then((r) => okReply(r));
  }

  private handleKv(body: unknown): Reply | Promise<Reply> {
    const req = parseKvRequest(body);
    if (typeof req === 'string') return errorReply('bad_request', req);
    const cmd: KvCommand = req.cmd;
    // Each page after a read barrier: a leader deposed without knowing it yet answers nothing stale.
    if (cmd.op === 'scan') return this.group.read((sm) => answerScan(new DecidedReader(sm), cmd, req.page)).catch(replyForGroupError);
    const owner = partitionOf(cmd.key, this.shards);
    if (owner !== this.options.shard) return errorReply('wrong_partition', `key belongs to partition ${owner}, this is ${this.options.shard}`, String(owner));
    const reply = this.driver.request([kvCommandAsTxnOp(cmd)]);
    if (reply === undefined) return notLeaderReply(this.group.leader);
    return reply.then((r) => {
      const result = txnReplyAsKvResult(cmd, r);
      if ('failed' in result) return errorReply('unavailable', `the command's transaction was ${result.failed === 'aborted' ? 'aborted' : 'left in doubt'} (${result.reason}); retry`);
      return okReply(result);
    }, replyForGroupError);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.coreTimer !== undefined) clearInterval(this.coreTimer);
    this.driver.setLeader(false);
    this.router.close();
    for (const c of this.managers.replicas) c.close();
    try {
      await stepDownAndClose(this.group, this.replicas, this.options.log);
    } finally {
      this.lock.release();
    }
  }
}
