/** How long a client waits for each reply and how it retries a node that is down. */
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff';

export interface RetryPolicy {
  /** A reply slower than this counts as a lost connection: reconnect and retry. */
  callTimeoutMs: number;
  backoff: BackoffOptions;
  /** Give up after this many failed attempts; undefined retries forever (the stage specs ask for that). */
  maxAttempts?: number;
  /** Called before each retry, e.g. to print a diagnostic on stderr. */
  onRetry?: (attempt: number, reason: string) => void;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { callTimeoutMs: 10_000, backoff: DEFAULT_BACKOFF };
