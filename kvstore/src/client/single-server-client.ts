/**
 * Stage 1's client: one server, one shared connection carrying any number of
 * requests in flight. Connection failures and timeouts are retried with
 * backoff; mutations carry a session tag, so a retry never applies twice.
 */
import { type KvCommand, type KvPair, type KvResultOf, isMutation } from '../kv/command';
import type { Address } from '../wire/address';
import type { KvRequest } from '../wire/kv-messages';
import type { TxnRequest } from '../wire/txn-messages';
import { callWithRetry } from './call-with-retry';
import { ClientSession } from './client-session';
import { KvClientBase, checkedResult } from './kv-client';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import { collectPages, fetchScanPages } from './scan-pages';
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
    if (cmd.op === 'scan') return { op: 'scan', pairs: await collectPages(this.scanPages(cmd.start, cmd.end)) } as KvResultOf<C>;
    const tag = isMutation(cmd) ? this.session.begin() : undefined;
    const request: KvRequest = tag ? { type: 'kv', cmd, session: tag } : { type: 'kv', cmd };
    try {
      const value = await callWithRetry(() => this.channel, request, this.policy, { isOpen: () => !this.closed });
      return checkedResult(cmd, value);
    } finally {
      if (tag) this.session.finish(tag);
    }
  }

  scanPages(start: string, end: string): AsyncIterable<KvPair[]> {
    return fetchScanPages(start, end, (request) => callWithRetry(() => this.channel, request, this.policy, { isOpen: () => !this.closed }));
  }

  protected get txnRetryPolicy() {
    return this.policy.txn;
  }

  protected callTxn(request: TxnRequest, resendAfterLoss: boolean): Promise<unknown> {
    return callWithRetry(() => this.channel, request, this.policy, { isOpen: () => !this.closed, resendAfterLoss });
  }

  close(): void {
    this.closed = true;
    this.channel.close();
  }
}
