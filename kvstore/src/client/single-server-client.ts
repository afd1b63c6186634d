/**
 * Stage 1's client: one server, one shared connection carrying any number of
 * requests in flight. Connection failures and timeouts are retried with
 * backoff; mutations carry a session tag, so a retry never applies twice.
 */
import { type KvCommand, type KvResultOf, isMutation } from '../kv/command';
import type { Address } from '../wire/address';
import { CallTimeoutError, ConnectionLostError } from '../wire/rpc-connection';
import { type KvRequest, parseKvResult } from '../wire/kv-messages';
import { Backoff, sleep } from './backoff';
import { ClientSession } from './client-session';
import { KvRequestError, RetriesExhaustedError } from './errors';
import { KvClientBase } from './kv-client';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import { ServerChannel } from './server-channel';

export class SingleServerClient extends KvClientBase {
  private readonly channel: ServerChannel;
  private readonly session = new ClientSession();
  private closed = false;

  constructor(server: Address, private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY) {
    super();
    this.channel = new ServerChannel(server);
  }

  async execute<C extends KvCommand>(cmd: C): Promise<KvResultOf<C>> {
    const tag = isMutation(cmd) ? this.session.begin() : undefined;
    const request: KvRequest = tag ? { type: 'kv', cmd, session: tag } : { type: 'kv', cmd };
    const backoff = new Backoff(this.policy.backoff);
    try {
      for (;;) {
        if (this.closed) throw new ConnectionLostError('client closed');
        let failure: string;
        try {
          const reply = await this.channel.call(request, this.policy.callTimeoutMs);
          if (reply.ok) {
            const result = parseKvResult(cmd, reply.value);
            if (typeof result === 'string') throw new KvRequestError({ code: 'internal', message: `malformed reply: ${result}` });
            return result as KvResultOf<C>;
          }
          if (reply.error.code !== 'unavailable') throw new KvRequestError(reply.error);
          failure = reply.error.message;
        } catch (err) {
          if (!(err instanceof ConnectionLostError || err instanceof CallTimeoutError)) throw err;
          if (err instanceof CallTimeoutError) this.channel.reset();
          failure = err.message;
        }
        if (this.policy.maxAttempts !== undefined && backoff.attempts + 1 >= this.policy.maxAttempts) {
          throw new RetriesExhaustedError(`gave up after ${backoff.attempts + 1} attempts: ${failure}`);
        }
        this.policy.onRetry?.(backoff.attempts + 1, failure);
        await sleep(backoff.nextDelayMs());
      }
    } finally {
      if (tag) this.session.finish(tag);
    }
  }

  close(): void {
    this.closed = true;
    this.channel.close();
  }
}
