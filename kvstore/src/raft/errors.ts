/** Errors a Raft node gives its callers, each saying what to do next. */
import type { NodeId } from './types';
import { NONE } from './types';

/** This node is not the leader: send the request to `leader` (NONE if unknown: retry later or elsewhere). */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';

  constructor(
    readonly leader: NodeId,
    why = 'this node is not the leader',
  ) {
    super(`${why}; ${leader === NONE ? 'the leader is unknown, retry shortly' : `the leader is node ${leader}`}`);
  }
}

/**
 * A proposal this node accepted will not be answered here: leadership moved, or its log
 * entry was replaced by another leader's. It may or may not have been applied; retry it
 * with the same session sequence, and the state machine's dedup table answers it once.
 */
export class ProposalDroppedError extends Error {
  override name = 'ProposalDroppedError';
}

/** The node was closed (or stopped after a storage failure) before the request finished. */
export class RaftClosedError extends Error {
  override name = 'RaftClosedError';
}
