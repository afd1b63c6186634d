/**
 * The retry loop every client shares: send a request to the node `route` picks,
 * and on a lost connection, a timeout, or a node that cannot serve yet, back off
 * and try again, forever unless the policy sets a budget. A redirect (wrong
 * partition, not the leader) lets the caller update its routing before the next try.
 */
import type { WireError } from '../wire/envelope';
import { CallTimeoutError, ConnectionLostError } from '../wire/rpc-connection';
import { Backoff, sleep } from './backoff';
import { KvRequestError, RetriesExhaustedError } from './errors';
import type { RetryPolicy } from './retry-policy';
import type { ServerChannel } from './server-channel';

export interface RetryHooks {
  /** Whether the client is still open; a closed client stops retrying. */
  isOpen: () => boolean;
  /** A `wrong_partition` or `not_leader` reply: refresh routing; the request is retried. Absent: such replies are errors. */
  onRedirect?: (error: WireError, channel: ServerChannel) => void | Promise<void>;
}

export async function callWithRetry(route: () => ServerChannel | Promise<ServerChannel>, body: unknown, policy: RetryPolicy, hooks: RetryHooks): Promise<unknown> {
  const backoff = new Backoff(policy.backoff);
  for (;;) {
    if (!hooks.isOpen()) throw new ConnectionLostError('client closed');
    let failure: string;
    const channel = await route();
    try {
      const reply = await channel.call(body, policy.callTimeoutMs);
      if (reply.ok) return reply.value;
      const code = reply.error.code;
      if ((code === 'wrong_partition' || code === 'not_leader') && hooks.onRedirect) {
        await hooks.onRedirect(reply.error, channel);
      } else if (code !== 'unavailable') {
        throw new KvRequestError(reply.error);
      }
      failure = `${channel.label}: ${reply.error.message}`;
    } catch (err) {
      if (!(err instanceof ConnectionLostError || err instanceof CallTimeoutError)) throw err;
      // A silent node may have a half-dead connection: start over with a fresh one.
      if (err instanceof CallTimeoutError) channel.reset();
      failure = err.message;
    }
    const attempt = backoff.attempts + 1;
    if (policy.maxAttempts !== undefined && attempt >= policy.maxAttempts) {
      throw new RetriesExhaustedError(`gave up after ${attempt} attempts: ${failure}`);
    }
    policy.onRetry?.(attempt, failure);
    await sleep(backoff.nextDelayMs());
  }
}
