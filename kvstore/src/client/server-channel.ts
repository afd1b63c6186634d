/**
 * A lazily (re)connected channel to one server. Concurrent callers share one
 * connection and one reconnect attempt; a broken connection is replaced on the
 * next call. Retry policy lives with the caller, not here.
 */
import { type Address, formatAddress } from '../wire/address';
import type { Reply } from '../wire/envelope';
import { ConnectionLostError, RpcConnection } from '../wire/rpc-connection';

/** The connection could not be made, so the request was never sent: resending it is always safe. */
export class NotSentError extends ConnectionLostError {
  override name = 'NotSentError';
}

export class ServerChannel {
  private connection: Promise<RpcConnection> | undefined;
  /** The current connection once it is made: calls on it skip the promise above (a few microtask hops each). */
  private ready: RpcConnection | undefined;

  constructor(readonly address: Address, private readonly connectTimeoutMs = 3000) {}

  get label(): string {
    return formatAddress(this.address);
  }

  /** Rejects with ConnectionLostError (NotSentError if it never left) or CallTimeoutError; the caller may retry. */
  call(body: unknown, timeoutMs: number): Promise<Reply> {
    const ready = this.ready;
    if (ready !== undefined && ready.isOpen) return ready.call(body, timeoutMs);
    return this.connect().then(
      (conn) => conn.call(body, timeoutMs),
      (err: Error) => {
        throw new NotSentError(err.message);
      },
    );
  }

  /** Drops the current connection so the next call reconnects (used after a timeout). */
  reset(): void {
    const c = this.connection;
    this.connection = undefined;
    this.ready = undefined;
    c?.then((conn) => conn.close(), () => undefined);
  }

  close(): void {
    this.reset();
  }

  private connect(): Promise<RpcConnection> {
    if (this.connection) {
      const current = this.connection;
      // A connection that has since closed is replaced.
      return current.then((conn) => (conn.isOpen ? conn : this.reconnect(current)), () => this.reconnect(current));
    }
    return this.reconnect(undefined);
  }

  private reconnect(stale: Promise<RpcConnection> | undefined): Promise<RpcConnection> {
    if (this.connection !== stale && this.connection !== undefined) return this.connect();
    const attempt = RpcConnection.connect(this.address, this.connectTimeoutMs);
    this.connection = attempt;
    this.ready = undefined;
    attempt.then(
      (conn) => {
        if (this.connection === attempt) this.ready = conn;
      },
      () => {
        if (this.connection === attempt) this.connection = undefined;
      },
    );
    return attempt;
  }
}
