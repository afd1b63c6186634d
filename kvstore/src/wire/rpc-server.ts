/**
 * The serving side: accepts connections, decodes request frames, hands each
 * body to the handler and writes its reply. A peer that sends garbage, an
 * oversized frame, or hangs up mid-frame loses only its own connection.
 */
import * as net from 'node:net';
import { type Address, formatAddress } from './address';
import { type Reply, errorReply, parseRequestFrame } from './envelope';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrame } from './frame';
import type { LogFn } from '../common/log';

/** How long a node (re)starting on its fixed port keeps trying a port that is briefly busy. */
export const NODE_LISTEN_RETRY_MS = 2000;

export type RequestHandler = (body: unknown) => Reply | Promise<Reply>;

export interface RpcServerOptions {
  maxFrameBytes?: number;
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
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const decoder = new FrameDecoder(this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let corked = false;
    const send = (id: number, reply: Reply): void => {
      if (socket.destroyed) return;
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(() => {
          corked = false;
          socket.uncork();
        });
      }
      socket.write(encodeFrame({ id, reply }));
    };
    const drop = (why: string): void => {
      this.options.log(`dropping connection ${peer}: ${why}`);
      socket.destroy();
    };

    socket.on('data', (chunk: Buffer) => {
      let bodies: unknown[];
      try {
        bodies = decoder.push(chunk);
      } catch (err) {
        drop((err as Error).message);
        return;
      }
      for (const body of bodies) {
        const frame = parseRequestFrame(body);
        if (!frame) {
          drop('frame is not a request');
          return;
        }
        this.dispatch(frame.id, frame.body, send);
      }
    });
    socket.on('end', () => {
      if (decoder.pendingBytes > 0) this.options.log(`connection ${peer} closed mid-frame (${decoder.pendingBytes} bytes discarded)`);
      socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A client process that exits without closing its socket is routine, not news.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') this.options.log(`connection ${peer}: ${err.message}`);
    });
    socket.on('close', () => this.sockets.delete(socket));
  }

  private dispatch(id: number, body: unknown, send: (id: number, reply: Reply) => void): void {
    let out: Reply | Promise<Reply>;
    try {
      out = this.handler(body);
    } catch (err) {
      this.options.log(`handler failed: ${(err as Error).stack ?? String(err)}`);
      send(id, errorReply('internal', (err as Error).message));
      return;
    }
    if (out instanceof Promise) {
      out.then(
        (reply) => send(id, reply),
        (err: unknown) => {
          this.options.log(`handler failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
          send(id, errorReply('internal', err instanceof Error ? err.message : String(err)));
        },
      );
    } else {
      send(id, out);
    }
  }
}
