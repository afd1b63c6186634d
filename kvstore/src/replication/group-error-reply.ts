/**
 * How a server of a replicated group answers when the group could not do a request: the
 * errors RaftGroup gives (replication/raft-group.ts) as wire replies a client acts on.
 *
 *   NotLeaderError        -> not_leader, hint = the leader's replica id (absent if unknown)
 *   ProposalDroppedError  -> unavailable: retry (with the same session sequence)
 *   RaftClosedError       -> unavailable: the node is stopping
 *   anything else         -> internal
 */
import { type Reply, errorReply } from '../wire/envelope';
import { NONE } from '../raft/types';
import { NotLeaderError, ProposalDroppedError, RaftClosedError } from './raft-group';

export function replyForGroupError(err: unknown): Reply<never> {
  if (err instanceof NotLeaderError) return errorReply('not_leader', err.message, err.leader === NONE ? undefined : String(err.leader));
  if (err instanceof ProposalDroppedError || err instanceof RaftClosedError) return errorReply('unavailable', err.message);
  return errorReply('internal', err instanceof Error ? err.message : String(err));
}

/** The `not_leader` answer of a replica that knows `leader` (NONE if it knows none). */
export function notLeaderReply(leader: number, what = 'this replica is not the leader'): Reply<never> {
  return replyForGroupError(new NotLeaderError(leader, what));
}
