/**
 * The server side of the admin requests (node-status.ts) for a node of a RaftGroup:
 * `status` from the group's Raft status plus the sizes of its files on disk, and
 * `transfer_leader` on the leader. Both manager replicas and server replicas put it in
 * front of their own request handling.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Role } from '../raft/types';
import type { RaftNodeStatus } from '../raft/node';
import { notLeaderReply, replyForGroupError } from '../replication/group-error-reply';
import { type Reply, errorReply, okReply } from '../wire/envelope';
import type { TxnCoreSummary } from '../txn/core-interface';
import { type NodeRole, type NodeStatus, parseAdminRequest } from './node-status';
import type { RequestMeter } from './request-meter';

/** What the admin service needs of a replica: RaftGroup has it all. */
export interface AdminTarget {
  status(): RaftNodeStatus;
  get isLeader(): boolean;
  get leader(): number;
  transferLeadership(to: number): Promise<void>;
}

export interface AdminServiceOptions {
  /** The node id shown in status: `m.X` or `sP.R`. */
  node: string;
  /** This replica's id, and how many replicas its group has (ids 0..replicas-1). */
  replica: number;
  replicas: number;
  /** The replica's storage folder (its log/ and snapshots/ are measured for status). */
  dir: string;
  /** Counts the node's client requests, reported in status when given. */
  meter?: RequestMeter;
  /** A stage-4 shard's transaction core state, reported in status while it leads. */
  txn?: () => TxnCoreSummary | undefined;
  /** How long a transfer may take before the request answers `unavailable`. */
  transferTimeoutMs?: number;
}

export const ROLE_NAMES: Record<Role, NodeRole> = { leader: 'leader', follower: 'follower', candidate: 'candidate', preCandidate: 'precandidate' };

export class AdminService {
  constructor(
    private readonly group: AdminTarget,
    private readonly options: AdminServiceOptions,
  ) {}

  async handle(body: unknown): Promise<Reply> {
    const req = parseAdminRequest(body);
    if (typeof req === 'string') return errorReply('bad_request', req);
    if (req.type === 'status') return okReply(await this.status());
    return this.transfer(req.to);
  }

  async status(): Promise<NodeStatus> {
    const s = this.group.status();
    const txn = this.options.txn?.();
    const [logBytes, snapshotBytes] = await Promise.all([folderBytes(path.join(this.options.dir, 'log')), folderBytes(path.join(this.options.dir, 'snapshots'))]);
    return {
      node: this.options.node,
      role: ROLE_NAMES[s.role],
      term: s.term,
      leader: s.leader,
      commit: s.commit,
      applied: s.applied,
      lastIndex: s.lastIndex,
      snapshotIndex: s.snapshotIndex,
      logBytes,
      snapshotBytes,
      ...(this.options.meter !== undefined ? { requests: this.options.meter.requests, requestMicros: this.options.meter.requestMicros } : {}),
      ...(txn !== undefined ? { txn } : {}),
    };
  }

  private async transfer(to: number): Promise<Reply> {
    const { replica, replicas } = this.options;
    if (to >= replicas) return errorReply('bad_request', `replica ${to} does not exist: the group has replicas 0..${replicas - 1}`);
    if (!this.group.isLeader) return notLeaderReply(this.group.leader, `replica ${replica} is not the leader; ask the leader to transfer`);
    if (to === replica) return okReply(null);
    const timeoutMs = this.options.transferTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`leadership did not move to replica ${to} within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.group.transferLeadership(to), timeout]);
      return okReply(null);
    } catch (err) {
      const reply = replyForGroupError(err);
      // A transfer that did not complete (the target is down or behind) is worth retrying later.
      return !reply.ok && reply.error.code === 'internal' ? errorReply('unavailable', reply.error.message) : reply;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Bytes of the files directly in `dir` (0 if it does not exist). */
async function folderBytes(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return 0;
  }
  const sizes = await Promise.all(names.map((n) => fs.promises.stat(path.join(dir, n)).then((s) => (s.isFile() ? s.size : 0), () => 0)));
  return sizes.reduce((a, b) => a + b, 0);
}
