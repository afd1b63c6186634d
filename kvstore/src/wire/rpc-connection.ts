/**
 * The calling side of a connection: sends request frames, matches reply frames
 * to pending calls by id. A broken connection fails every pending call with
 * ConnectionLostError; the caller (client library) decides whether to retry.
 *
 * Flow control: when the peer reads slower than we call (a server that stopped
 * reading from us, see rpc-server.ts), requests are not encoded into an ever
 * growing socket buffer; past MAX_UNSENT_REQUEST_BYTES a call waits in a queue,
 * still unencoded, and is written when the socket drains. Its caller is simply
 * awaiting its reply meanwhile, and its timeout runs from the call.
 */
import * as net from 'node:net';
import { type Address, formatAddress } from './address';
import { type Reply, parseReplyFrame } from './envelope';
import { FrameDecoder, FrameError, encodeFrame } from './frame';

export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
}

export class CallTimeoutError extends Error {
  override name = 'CallTimeoutError';
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
  /** performance.now() after which the call fails; Infinity for no limit. */
  deadline: number;
  timeoutMs: number | undefined;
}

/** How often pending calls are checked against their deadlines: one timer per connection, not one per call. */
const SWEEP_INTERVAL_MS = 50;

/**
 * Request bytes queued in the socket before further calls wait unencoded: enough for
 * hundreds of requests in one write (so pipelining is never slowed), small enough that a
 * peer that stops reading costs us little.
 */
export const MAX_UNSENT_REQUEST_BYTES = 4 * 1024 * 1024;

interface Unsent {
  id: number;
  body: unknown;
}

export class RpcConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new FrameDecoder();
  private closedError: Error | undefined;
  private corked = false;
  private sweeper: NodeJS.Timeout | undefined;
  /** Calls waiting for room in the socket, oldest first (from `unsentHead` on). */
  private unsent: Unsent[] = [];
  private unsentHead = 0;

  private readonly maxUnsentBytes: number;

  private constructor(private readonly socket: net.Socket, readonly peer: string, maxUnsentBytes: number) {
    // 'drain' comes only after a write found the buffer above its high-water mark, so the bound may not be lower.
    this.maxUnsentBytes = Math.max(maxUnsentBytes, socket.writableHighWaterMark);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.writeWaiting());
    socket.on('error', (err) => this.fail(new ConnectionLostError(`connection to ${peer} failed: ${err.message}`)));
    socket.on('close', () => this.fail(new ConnectionLostError(`connection to ${peer} closed`)));
  }

  /** Opens a connection; rejects (ConnectionLostError) if it cannot be made within `timeoutMs`. */
  static connect(address: Address, timeoutMs = 5000, maxUnsentBytes = MAX_UNSENT_REQUEST_BYTES): Promise<RpcConnection> {
    const peer = formatAddress(address);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: address.host, port: address.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectionLostError(`connecting to ${peer} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RpcConnection(socket, peer, maxUnsentBytes));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new ConnectionLostError(`cannot connect to ${peer}: ${err.message}`));
      });
    });
  }

  get isOpen(): boolean {
    return this.closedError === undefined;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Request bytes handed to the socket and not yet sent. */
  get unsentBytes(): number {
    return this.socket.writableLength;
  }

  /** Calls waiting for room in the socket, not yet encoded. */
  get waitingCalls(): number {
    return this.unsent.length - this.unsentHead;
  }

  call(body: unknown, timeoutMs?: number): Promise<Reply> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
      this.pending.set(id, { resolve, reject, deadline, timeoutMs });
      if (timeoutMs !== undefined && this.sweeper === undefined) this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
      if (this.waitingCalls === 0 && this.socket.writableLength < this.maxUnsentBytes) this.write(encodeFrame({ id, body }));
      else this.unsent.push({ id, body });
    });
  }

  /** The socket drained: write waiting calls (skipping those that timed out) until it is full again. */
  private writeWaiting(): void {
    while (this.unsentHead < this.unsent.length && this.socket.writableLength < this.maxUnsentBytes && this.closedError === undefined) {
      const call = this.unsent[this.unsentHead++]!;
      if (this.pending.has(call.id)) this.write(encodeFrame({ id: call.id, body: call.body }));
    }
    if (this.unsentHead === this.unsent.length) {
      this.unsent = [];
      this.unsentHead = 0;
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const [id, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(id);
        p.reject(new CallTimeoutError(`no reply from ${this.peer} within ${p.timeoutMs} ms`));
      }
    }
    if (this.pending.size === 0) this.stopSweeper();
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  close(): void {
    this.fail(new ConnectionLostError(`connection to ${this.peer} closed by caller`));
  }

  /** Coalesces the frames written in one turn of the event loop into one socket write. */
  private write(frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  private onData(chunk: Buffer): void {
    let bodies: unknown[];
    try {
      bodies = this.decoder.push(chunk);
    } catch (err) {
      this.fail(new ConnectionLostError(`bad data from ${this.peer}: ${(err as FrameError).message}`));
      return;
    }
    for (const body of bodies) {
      const frame = parseReplyFrame(body);
      if (!frame) {
        this.fail(new ConnectionLostError(`malformed reply from ${this.peer}`));
        return;
      }
      const p = this.pending.get(frame.id);
      if (!p) continue; // the call already timed out
      this.pending.delete(frame.id);
      p.resolve(frame.reply);
    }
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.socket.destroy();
    this.stopSweeper();
    this.unsent = [];
    this.unsentHead = 0;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
