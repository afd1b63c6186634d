/**
 * The serving side: accepts connections, decodes request frames, hands each
 * body to the handler and writes its reply. A peer that sends garbage, an
 * oversized frame, or hangs up mid-frame loses only its own connection.
 *
 * Flow control, per connection: a peer that sends requests faster than it reads
 * the replies would make the server queue replies (and pending requests) without
 * bound. So each connection bounds its unsent reply bytes (`socket.writableLength`)
 * and its requests in flight (dispatched, reply not yet written); past either
 * bound the server stops reading from that peer (`socket.pause()`, and TCP pushes
 * back on the sender) and resumes once its replies have drained ('drain') and
 * the work in flight is back under the bound. Requests already read when a bound
 * is reached wait in the connection's backlog, at most one read's worth.
 */
import * as net from 'node:net';
import { type Address, formatAddress } from './address';
import { type Reply, type RequestFrame, errorReply, parseRequestFrame } from './envelope';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrame } from './frame';
import type { LogFn } from '../common/log';

/** How long a node (re)starting on its fixed port keeps trying a port that is briefly busy. */
export const NODE_LISTEN_RETRY_MS = 2000;

/**
 * Reply bytes a connection may have queued before the server stops reading from it: a
 * few SCAN pages (1 MiB each), so a peer that keeps reading is seldom held back, while a peer that
 * never reads costs the server at most this (plus one reply) in memory.
 */
export const MAX_UNSENT_REPLY_BYTES = 4 * 1024 * 1024;

/**
 * Requests a connection may have dispatched and not yet answered: far more than any of
 * our callers pipelines on one connection (a stdin/stdout client has one, the benchmarks
 * 16) and plenty to fill a group-commit batch, while the requests a server holds for one
 * peer stay bounded (each at most two 64 KiB tokens).
 */
export const MAX_REQUESTS_IN_FLIGHT = 512;

export type RequestHandler = (body: unknown) => Reply | Promise<Reply>;

export interface FlowLimits {
  maxUnsentReplyBytes: number;
  maxRequestsInFlight: number;
}

export interface RpcServerOptions {
  maxFrameBytes?: number;
  /** Per-connection bounds; the defaults above unless a test needs small ones. */
  flow?: FlowLimits;
  log: LogFn;
}
export class RpcServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly handler: RequestHandler, private readonly options: RpcServerOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /**
   * Starts listening; resolves with the bound address (port 0 picks a free port).
   * With `inUseRetryMs`, a port that is busy is tried again for that long: a node
   * restarted on its old port may find it held for a moment (by a connection whose
   * ephemeral port happens to be that one).
   */
  async listen(address: Address, inUseRetryMs = 0): Promise<Address> {
    const deadline = Date.now() + inUseRetryMs;
    for (;;) {
      try {
        return await this.listenOnce(address);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() >= deadline) {
          throw new Error(`cannot listen on ${formatAddress(address)}: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private listenOnce(address: Address): Promise<Address> {
    return new Promise((resolve, reject) => {
      // Both listeners are removed whichever way it goes, so retries do not pile them up.
      const onError = (err: Error): void => {
        this.server.off('listening', onListening);
        reject(err);
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.options.log(`server error: ${err.message}`));
        const bound = this.server.address() as net.AddressInfo;
        resolve({ host: bound.address, port: bound.port });
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen({ host: address.host, port: address.port });
    });
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const flow = this.options.flow ?? { maxUnsentReplyBytes: MAX_UNSENT_REPLY_BYTES, maxRequestsInFlight: MAX_REQUESTS_IN_FLIGHT };
    new PeerConnection(socket, this.handler, flow, this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, this.options.log);
  }
}

/** One accepted connection: decoding, dispatch under the flow bounds, replies. */
class PeerConnection {
  private readonly peer: string;
  private readonly decoder: FrameDecoder;
  /** Requests read but not yet dispatched because a bound was reached. */
  private backlog: RequestFrame[] = [];
  private backlogHead = 0;
  private inFlight = 0;
  private reading = true;
  private corked = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly handler: RequestHandler,
    private readonly flow: FlowLimits,
    maxFrameBytes: number,
    private readonly log: LogFn,
  ) {
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.pump());
    socket.on('end', () => {
      if (this.decoder.pendingBytes > 0) this.log(`connection ${this.peer} closed mid-frame (${this.decoder.pendingBytes} bytes discarded)`);
      // The peer is gone and our side ends with it: requests not yet dispatched will never be answered.
      this.clearBacklog();
      socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A client process that exits without closing its socket is routine, not news.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') this.log(`connection ${this.peer}: ${err.message}`);
    });
    socket.on('close', () => this.clearBacklog());
  }

  private onData(chunk: Buffer): void {
    let bodies: unknown[];
    try {
      bodies = this.decoder.push(chunk);
    } catch (err) {
      this.drop((err as Error).message);
      return;
    }
    for (const body of bodies) {
      const frame = parseRequestFrame(body);
      if (!frame) {
        this.drop('frame is not a request');
        return;
      }
      if (this.backlogHead === this.backlog.length && this.hasRoom()) this.dispatch(frame);
      else this.backlog.push(frame);
    }
    this.pump();
  }

  private hasRoom(): boolean {
    // 'drain' comes only after a write found the buffer above its high-water mark, so the byte bound is at least that.
    const maxUnsent = Math.max(this.flow.maxUnsentReplyBytes, this.socket.writableHighWaterMark);
    return this.inFlight < this.flow.maxRequestsInFlight && this.socket.writableLength < maxUnsent;
  }

  /** Dispatches waiting requests while both bounds hold, and reads from the peer only when none wait. */
  private pump(): void {
    while (this.backlogHead < this.backlog.length && this.hasRoom() && !this.socket.destroyed) {
      this.dispatch(this.backlog[this.backlogHead++]!);
    }
    if (this.backlogHead === this.backlog.length && this.backlogHead > 0) this.clearBacklog();
    const readMore = this.backlogHead === this.backlog.length && this.hasRoom();
    if (readMore !== this.reading) {
      this.reading = readMore;
      if (readMore) this.socket.resume();
      else this.socket.pause();
    }
  }

  private clearBacklog(): void {
    this.backlog = [];
    this.backlogHead = 0;
  }

  private drop(why: string): void {
    this.log(`dropping connection ${this.peer}: ${why}`);
    this.clearBacklog();
    this.socket.destroy();
  }

  private dispatch(frame: RequestFrame): void {
    let out: Reply | Promise<Reply>;
    try {
      out = this.handler(frame.body);
    } catch (err) {
      this.log(`handler failed: ${(err as Error).stack ?? String(err)}`);
      this.send(frame.id, errorReply('internal', (err as Error).message));
      return;
    }
    if (!(out instanceof Promise)) {
      this.send(frame.id, out);
      return;
    }
    this.inFlight++;
    out.then(
      (reply) => this.complete(frame.id, reply),
      (err: unknown) => {
        this.log(`handler failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        this.complete(frame.id, errorReply('internal', err instanceof Error ? err.message : String(err)));
      },
    );
  }

  private complete(id: number, reply: Reply): void {
    this.inFlight--;
    this.send(id, reply);
    if (!this.reading) this.pump();
  }

  /** Replies written in one turn of the event loop leave in one socket write. */
  private send(id: number, reply: Reply): void {
    if (this.socket.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodeFrame({ id, reply }));
  }
}
