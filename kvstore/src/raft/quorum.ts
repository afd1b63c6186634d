/**
 * Majority arithmetic, kept apart because it is easy to get wrong by one.
 * Membership is static: a group of n voters needs floor(n / 2) + 1 of them.
 */
import type { NodeId } from './types';

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * The largest value that at least a majority of voters have reached: with match indexes
 * it is the highest index stored on a majority (a commit candidate); with acknowledged
 * heartbeat rounds it is the newest round a majority confirmed. A voter missing from
 * `values` counts as 0.
 */
export function majorityValue(voters: readonly NodeId[], values: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const sorted = voters.map((id) => values(id)).sort((a, b) => b - a);
  return sorted[majority(voters.length) - 1]!;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * The outcome of an election so far: won once a majority granted, lost once a majority
 * can no longer be reached, pending otherwise. Votes of non-voters are ignored.
 */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const need = majority(voters.length);
  if (granted >= need) return 'won';
  if (voters.length - rejected < need) return 'lost';
  return 'pending';
}

/** Whether the voters for which `active` holds form a majority. */
export function isMajority(voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  let n = 0;
  for (const id of voters) if (active(id)) n++;
  return n >= majority(voters.length);
}
