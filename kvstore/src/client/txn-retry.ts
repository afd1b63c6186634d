/**
 * Running a transaction until it commits: an aborted transaction had no effect, so the
 * client runs it again after a pause (exponential backoff with jitter, so two clients that
 * conflicted do not collide again in lockstep), up to a bounded number of tries. Aborts
 * whose reason retrying cannot cure (FINAL_ABORT_REASONS) and unknown outcomes (the
 * transaction may have committed: running it again could apply it twice) end at once.
 */
import { FINAL_ABORT_REASONS, type TxnOpResult } from '../kv/txn-op';
import type { TxnReply } from '../wire/txn-messages';
import { Backoff, type BackoffOptions, sleep } from './backoff';

/** What `txn(ops)` gives: the outcome and how many times the transaction was run. */
export type TxnResult =
  | { outcome: 'committed'; results: TxnOpResult[]; tries: number }
  | { outcome: 'aborted'; reason: string; tries: number }
  | { outcome: 'unknown'; reason: string; tries: number };

export interface TxnRetryPolicy {
  /** Runs of one transaction at most (1: never retried). */
  maxTries: number;
  /** Pause before each rerun. */
  backoff: BackoffOptions;
  /** Called before each rerun, e.g. to note it on stderr. */
  onAbort?: (tries: number, reason: string) => void;
}

/** Short pauses: a conflicting transaction holds its locks for a round trip among leaders, not longer. */
export const DEFAULT_TXN_RETRY: TxnRetryPolicy = { maxTries: 10, backoff: { initialMs: 2, maxMs: 200 } };

export async function runWithRetries(attempt: () => Promise<TxnReply>, policy: TxnRetryPolicy, pause: (ms: number) => Promise<void> = sleep): Promise<TxnResult> {
  if (!Number.isSafeInteger(policy.maxTries) || policy.maxTries < 1) throw new RangeError(`maxTries must be a positive integer, got ${policy.maxTries}`);
  const backoff = new Backoff(policy.backoff);
  for (let tries = 1; ; tries++) {
    const reply = await attempt();
    if (reply.outcome !== 'aborted' || FINAL_ABORT_REASONS.has(reply.reason) || tries >= policy.maxTries) return { ...reply, tries };
    policy.onAbort?.(tries, reply.reason);
    await pause(backoff.nextDelayMs());
  }
}
