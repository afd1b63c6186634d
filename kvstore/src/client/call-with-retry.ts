/**
 * The retry loop every client shares: send a request to the node `route` picks,
 * and on a lost connection, a timeout, or a node that cannot serve yet, back off
 * and try again, forever unless the policy sets a budget. A redirect (wrong
 * partition, not the leader) lets the caller update its routing before the next try;
 * a redirect that names where to go is followed at once (a few times in a row at most,
 * so two confused nodes pointing at each other cannot make it spin).
 */
import type { WireError } from '../wire/envelope';
import { CallTimeoutError, ConnectionLostError } from '../wire/rpc-connection';
import { Backoff, sleep } from './backoff';
import { KvRequestError, OutcomeUnknownError, RetriesExhaustedError } from './errors';
import type { RetryPolicy } from './retry-policy';
import { NotSentError, type ServerChannel } from './server-channel';

/** Redirects followed without a pause before the loop backs off anyway. */
export const MAX_QUICK_REDIRECTS = 3;

export interface RetryHooks {
  /** Whether the client is still open; a closed client stops retrying. */
  isOpen: () => boolean;
  /**
   * A `wrong_partition` or `not_leader` reply: refresh routing; the request is retried.
   * Resolving to true means the reply said where to go and the retry may go there at once.
   * Absent: such replies are errors.
   */
  onRedirect?: (error: WireError, channel: ServerChannel) => boolean | void | Promise<boolean | void>;
  /** The node did not answer, or answered `unavailable`: e.g. try another replica next time. */
  onFailure?: (channel: ServerChannel) => void;
  /**
   * False for a request that must not run twice and carries no session tag (a transaction
   * that writes): once it may have reached the node, a lost connection or a timeout throws
   * OutcomeUnknownError instead of resending. Undefined: true.
   */
  resendAfterLoss?: boolean;
}

export async function callWithRetry(route: () => ServerChannel | Promise<ServerChannel>, body: unknown, policy: RetryPolicy, hooks: RetryHooks): Promise<unknown> {
  const backoff = new Backoff(policy.backoff);
  let quick = 0;
  for (;;) {
    if (!hooks.isOpen()) throw new ConnectionLostError('client closed');
    let failure: string;
    const channel = await route();
    try {
      const reply = await channel.call(body, policy.callTimeoutMs);
      if (reply.ok) return reply.value;
      const code = reply.error.code;
      if ((code === 'wrong_partition' || code === 'not_leader') && hooks.onRedirect) {
        if ((await hooks.onRedirect(reply.error, channel)) === true && quick < MAX_QUICK_REDIRECTS) {
          quick++;
          continue;
        }
      } else if (code === 'unavailable') {
        hooks.onFailure?.(channel);
      } else {
        throw new KvRequestError(reply.error);
      }
      failure = `${channel.label}: ${reply.error.message}`;
    } catch (err) {
      if (!(err instanceof ConnectionLostError || err instanceof CallTimeoutError)) throw err;
      // A silent node may have a half-dead connection: start over with a fresh one.
      if (err instanceof CallTimeoutError) channel.reset();
      if (hooks.resendAfterLoss === false && !(err instanceof NotSentError)) {
        hooks.onFailure?.(channel);
        throw new OutcomeUnknownError(err instanceof CallTimeoutError ? 'timeout' : 'connection_lost', `${channel.label}: ${err.message}`);
      }
      hooks.onFailure?.(channel);
      failure = err.message;
    }
    quick = 0;
    const attempt = backoff.attempts + 1;
    if (policy.maxAttempts !== undefined && attempt >= policy.maxAttempts) {
      throw new RetriesExhaustedError(`gave up after ${attempt} attempts: ${failure}`);
    }
    policy.onRetry?.(attempt, failure);
    await sleep(backoff.nextDelayMs());
  }
}
