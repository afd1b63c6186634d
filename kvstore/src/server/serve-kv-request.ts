/**
 * How a partition's server answers a key-value request, whatever replicates its state
 * (stage 2's LocalLogGroup, stage 3's RaftGroup): refuse keys of other partitions with
 * `wrong_partition` (hint: the owner), send mutations through the group (with their
 * session tag, so a retry is answered once), and answer reads from the group's
 * linearizable read: a GET at once, a SCAN one bounded page per read (scan-reply.ts).
 * Errors of the group (not the leader, leadership lost) reject the returned promise.
 */
import { commandKey, isMutation } from '../kv/command';
import { partitionOf } from '../cluster/partition-map';
import type { ReplicationGroup } from '../replication/state-machine';
import type { ApplyOutcome, KvMutation, KvQuery } from '../state/kv-state-machine';
import type { KvLogCommand, KvLogStateMachine } from '../state/kv-log-command';
import { type Reply, errorReply, okReply } from '../wire/envelope';
import type { KvRequest } from '../wire/kv-messages';
import { answerScan } from './scan-reply';

export type KvGroup = ReplicationGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>;

/** The owner of the request's key, if another partition than `partition` owns it. */
export function foreignOwner(req: KvRequest, partition: number, partitionCount: number): number | undefined {
  const key = commandKey(req.cmd);
  if (key === undefined) return undefined;
  const owner = partitionOf(key, partitionCount);
  return owner === partition ? undefined : owner;
}

export function serveKvRequest(req: KvRequest, group: KvGroup, partition: number, partitionCount: number): Reply | Promise<Reply> {
  const owner = foreignOwner(req, partition, partitionCount);
  if (owner !== undefined) return errorReply('wrong_partition', `key belongs to partition ${owner}, this is ${partition}`, String(owner));
  if (isMutation(req.cmd)) {
    const command: KvLogCommand = req.session ? { cmd: req.cmd as KvMutation, session: req.session } : { cmd: req.cmd as KvMutation };
    return group.propose(command).then((outcome) => (outcome.kind === 'stale' ? errorReply('bad_request', `sequence ${req.session?.seq} was already acknowledged`) : okReply(outcome.result)));
  }
  const query = req.cmd as KvQuery;
  // Each page is one linearizable read; the client asks for the next one.
  if (query.op === 'scan') return group.read((sm) => answerScan(sm.kv, query, req.page));
  return group.read((sm) => okReply(sm.kv.query(query)));
}
