/**
 * Raft messages over the store's wire/ RPC layer (length-prefixed msgpack frames).
 *
 * Each node listens on its peer-to-peer address and dials every peer once: one outbound
 * connection per ordered pair of nodes, so a node's messages to a peer travel in order on
 * one TCP stream. A batch of messages is one request `{ raft: [message, …] }` (append
 * entries packed as wire-format.ts describes), answered at
 * once with an empty ok (the answers to Raft messages are Raft messages of their own, sent
 * the other way). Received messages are checked (messages.ts) before they reach the core;
 * a malformed one is dropped with a log line.
 *
 * A link that breaks is dialled again with exponential backoff (20 ms doubling to 1 s);
 * while it is down, messages to that peer are dropped (Raft resends). Requests in flight per
 * link are bounded in number and bytes: a peer that stops reading makes this node drop
 * messages to it rather than buffer without limit, and once a request goes unanswered for
 * `requestTimeoutMs` the connection is dropped and dialled again.
 */
import { type Address, formatAddress } from '../wire/address';
import { type Reply, isRecord, okReply, errorReply } from '../wire/envelope';
import { CallTimeoutError, ConnectionLostError, RpcConnection } from '../wire/rpc-connection';
import { RpcServer } from '../wire/rpc-server';
import type { LogFn } from '../common/log';
import type { Message } from './messages';
import { packMessages, unpackMessage } from './wire-format';
import type { RaftTransport } from './transport';
import type { NodeId } from './types';

export interface TcpTransportOptions {
  /** Requests (message batches) in flight per peer before further messages are dropped. */
  maxInFlightRequests?: number;
  /** Payload bytes in flight per peer before further messages are dropped. */
  maxInFlightBytes?: number;
  /** How long a request may wait for its (empty) answer before it no longer counts as in flight. */
  requestTimeoutMs?: number;
  /** How long a listen keeps retrying a port that is briefly busy. */
  listenRetryMs?: number;
  log: LogFn;
}

export interface LinkStats {
  sentBatches: number;
  sentMessages: number;
  dropped: number;
  connects: number;
}

const MIN_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 1000;

function payloadBytes(messages: Message[]): number {
  let n = 0;
  for (const m of messages) {
    n += 64;
    if (m.type === 'append') for (const e of m.entries) n += e.data.length + 24;
    else if (m.type === 'snapshot') n += m.data.length;
  }
  return n;
}

class PeerLink {
  private conn: RpcConnection | null = null;
  private dialing = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs = MIN_BACKOFF_MS;
  private inFlightBytes = 0;
  private closed = false;
  private wasUp = false;
  readonly stats: LinkStats = { sentBatches: 0, sentMessages: 0, dropped: 0, connects: 0 };

  constructor(
    readonly peer: NodeId,
    public address: Address | null,
    private readonly maxRequests: number,
    private readonly maxBytes: number,
    private readonly timeoutMs: number,
    private readonly log: LogFn,
  ) {}

  send(messages: Message[]): void {
    const c = this.conn;
    if (c === null || !c.isOpen) {
      if (c !== null) this.lost(c);
      this.stats.dropped += messages.length;
      this.dial();
      return;
    }
    if (c.inFlight >= this.maxRequests || this.inFlightBytes >= this.maxBytes) {
      this.stats.dropped += messages.length;
      return;
    }
    const bytes = payloadBytes(messages);
    this.inFlightBytes += bytes;
    this.stats.sentBatches++;
    this.stats.sentMessages += messages.length;
    c.call({ raft: packMessages(messages) }, this.timeoutMs).then(
      (reply: Reply) => {
        this.inFlightBytes -= bytes;
        if (!reply.ok) this.log(`peer ${this.peer} refused messages: ${reply.error.message}`);
      },
      (err: Error) => {
        this.inFlightBytes -= bytes;
        // A peer that has not answered for so long is not reading: drop the connection (and
        // whatever is still buffered for it) rather than let the buffer grow.
        if (err instanceof ConnectionLostError || err instanceof CallTimeoutError) this.lost(c);
      },
    );
  }

  private lost(c: RpcConnection): void {
    if (this.conn !== c) return;
    this.conn = null;
    c.close();
    if (this.wasUp) this.log(`link to node ${this.peer} at ${this.address ? formatAddress(this.address) : '?'} lost; reconnecting`);
    this.wasUp = false;
    this.dial();
  }

  private dial(): void {
    if (this.closed || this.dialing || this.retryTimer !== null || this.conn !== null || this.address === null) return;
    this.dialing = true;
    const address = this.address;
    RpcConnection.connect(address, 2000).then(
      (conn) => {
        this.dialing = false;
        if (this.closed) {
          conn.close();
          return;
        }
        this.conn = conn;
        this.backoffMs = MIN_BACKOFF_MS;
        this.stats.connects++;
        this.wasUp = true;
      },
      () => {
        this.dialing = false;
        if (this.closed) return;
        const wait = this.backoffMs;
        this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.dial();
        }, wait);
        this.retryTimer.unref();
      },
    );
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.conn?.close();
    this.conn = null;
  }
}

export class TcpTransport implements RaftTransport {
  private handler: ((messages: Message[]) => void) | null = null;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly server: RpcServer;
  private badMessages = 0;
  /** The address this node listens on (the bound port when 0 was asked for). */
  address: Address | null = null;

  constructor(
    readonly id: NodeId,
    peers: ReadonlyMap<NodeId, Address | null>,
    private readonly options: TcpTransportOptions,
  ) {
    for (const [peer, address] of peers) {
      if (peer === id) continue;
      this.links.set(
        peer,
        new PeerLink(peer, address, options.maxInFlightRequests ?? 1024, options.maxInFlightBytes ?? 64 * 1024 * 1024, options.requestTimeoutMs ?? 10_000, options.log),
      );
    }
    this.server = new RpcServer((body) => this.receive(body), { log: options.log });
  }

  /** Starts listening for peers; returns the bound address. */
  async listen(address: Address): Promise<Address> {
    this.address = await this.server.listen(address, this.options.listenRetryMs ?? 0);
    return this.address;
  }

  /** Sets (or changes) where a peer listens. */
  setPeerAddress(peer: NodeId, address: Address): void {
    const link = this.links.get(peer);
    if (link === undefined) throw new RangeError(`node ${peer} is not a peer of node ${this.id}`);
    link.address = address;
  }

  onReceive(handler: (messages: Message[]) => void): void {
    this.handler = handler;
  }

  send(to: NodeId, messages: Message[]): void {
    this.links.get(to)?.send(messages);
  }

  linkStats(): Record<number, LinkStats> {
    const out: Record<number, LinkStats> = {};
    for (const [id, l] of this.links) out[id] = { ...l.stats };
    return out;
  }

  async close(): Promise<void> {
    for (const l of this.links.values()) l.close();
    await this.server.close();
  }

  private receive(body: unknown): Reply {
    if (!isRecord(body) || !Array.isArray(body.raft)) return errorReply('bad_request', 'expected { raft: [message, …] }');
    const out: Message[] = [];
    for (const raw of body.raft) {
      const m = unpackMessage(raw);
      if (typeof m === 'string' || m.to !== this.id) {
        // Rate-limited: a confused peer must not flood the log.
        if (this.badMessages++ % 1000 === 0) this.options.log(`dropping a bad raft message: ${typeof m === 'string' ? m : `addressed to node ${m.to}, this is node ${this.id}`}`);
        continue;
      }
      out.push(m);
    }
    if (out.length > 0 && this.handler !== null) this.handler(out);
    return okReply(null);
  }
}
