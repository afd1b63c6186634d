/** How long a client waits for each reply and how it retries a node that is down. */
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import type { TxnRetryPolicy } from './txn-retry';

export interface RetryPolicy {
  /** A reply slower than this counts as a lost connection: reconnect and retry. */
  callTimeoutMs: number;
  backoff: BackoffOptions;
  /**
   * The backoff while looking for a replicated group's leader (stage 3: a leader that went
   * down, a group electing). A group elects a new leader within its election timeout, so
   * the search retries often rather than with `backoff`'s long pauses, which would add up to
   * a second after the new leader is up. Undefined: `backoff`.
   */
  leaderSearch?: BackoffOptions;
  /** Give up after this many failed attempts; undefined retries forever (the stage specs ask for that). */
  maxAttempts?: number;
  /** How aborted transactions are rerun (stage 4); undefined: DEFAULT_TXN_RETRY. */
  txn?: TxnRetryPolicy;
  /** Called before each retry, e.g. to print a diagnostic on stderr. */
  onRetry?: (attempt: number, reason: string) => void;
}

/** Pauses of 5–150 ms: a request or two per replica and election round, cheap for the replicas that answer them. */
export const LEADER_SEARCH_BACKOFF: BackoffOptions = { initialMs: 10, maxMs: 100 };

export const DEFAULT_RETRY_POLICY: RetryPolicy = { callTimeoutMs: 10_000, backoff: DEFAULT_BACKOFF, leaderSearch: LEADER_SEARCH_BACKOFF };
