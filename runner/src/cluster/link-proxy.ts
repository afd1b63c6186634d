/**
 * Link proxies: one TCP listener per ordered peer link A->B of a cluster, so each direction
 * of each pair of nodes can be cut or slowed on its own. Node A is told to reach B at the
 * link's listen port; the proxy forwards to B's real peer address.
 *
 * In the stage-3 store a node dials each peer once and sends it its Raft messages on that
 * stream (the answers to Raft messages travel on the peer's own link the other way), so the
 * link A->B carries exactly A's messages to B. Per link:
 *
 *   pass    bytes flow both ways on each connection;
 *   cut     every open connection of the link is closed (its dialer reconnects); connections
 *           made while it is cut are accepted and everything they send is discarded, nothing
 *           reaches B (a black hole: the dialer learns nothing until its own timeout);
 *           healing closes those black-holed connections, so the dialer starts over on a
 *           clean stream, and new connections pass again;
 *   delay   every chunk A sends is held `delayMs` before it is passed on, in order (a change
 *           of delay never reorders bytes: a chunk never leaves before the one ahead of it);
 *           B's answers on the stream pass at once. A cut link's delay applies once healed
 *           only if set again: heal clears both.
 *
 * Memory stays bounded: a delayed or slow direction holds at most MAX_QUEUED_BYTES before it
 * stops reading from its source until the queue drains.
 */
import * as net from 'node:net';
import type { LogFn } from '../../../kvstore/src/common/log';
import { type Address, formatAddress } from '../../../kvstore/src/wire/address';

/** One ordered link: node `from` reaches node `to` through `listen`; the proxy forwards to `target`. */
export interface LinkSpec {
  from: string;
  to: string;
  listen: Address;
  target: Address;
}

export interface LinkRef {
  from: string;
  to: string;
}

export interface LinkStatus {
  from: string;
  to: string;
  listen: string;
  target: string;
  cut: boolean;
  delayMs: number;
  /** Connections open now (black-holed ones included). */
  connections: number;
  /** Bytes passed on from `from` to `to`, and back, since the proxy started. */
  bytesForward: number;
  bytesBack: number;
}

/** Bytes one direction of a connection may hold (delayed or unsent) before its source is paused. */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export class UnknownLinkError extends Error {
  override readonly name = 'UnknownLinkError';
}

export function linkName(l: LinkRef): string {
  return `${l.from}->${l.to}`;
}

/**
 * One direction of a proxied connection: chunks from `source` are written to `dest` no sooner
 * than `delayMs()` after they arrived, in arrival order.
 */
class DelayedPipe {
  private readonly queue: Array<{ due: number; chunk: Buffer }> = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastDue = 0;
  private ended = false;
  private endSent = false;
  private paused = false;

  constructor(
    private readonly source: net.Socket,
    private readonly dest: net.Socket,
    private readonly delayMs: () => number,
    private readonly onBytes: (n: number) => void,
  ) {
    source.on('data', (chunk: Buffer) => this.push(chunk));
    source.on('end', () => {
      this.ended = true;
      this.flush();
    });
    dest.on('drain', () => this.flush());
  }

  private push(chunk: Buffer): void {
    const now = performance.now();
    const due = Math.max(now + this.delayMs(), this.lastDue);
    this.lastDue = due;
    this.queue.push({ due, chunk });
    this.queuedBytes += chunk.length;
    this.flush();
  }

  private flush(): void {
    if (this.dest.destroyed) return;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now && !this.dest.writableNeedDrain) {
      const { chunk } = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      this.onBytes(chunk.length);
      this.dest.write(chunk);
    }
    const full = this.queuedBytes >= MAX_QUEUED_BYTES || this.dest.writableNeedDrain;
    if (full !== this.paused) {
      this.paused = full;
      if (full) this.source.pause();
      else this.source.resume();
    }
    if (this.queue.length > 0 && !this.dest.writableNeedDrain && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, Math.max(0, this.queue[0]!.due - now));
    }
    if (this.queue.length === 0 && this.ended && !this.endSent) {
      this.endSent = true;
      this.dest.end();
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

class Link {
  cut = false;
  delayMs = 0;
  bytesForward = 0;
  bytesBack = 0;
  /** Every open connection: its sockets, closed together. */
  private readonly connections = new Set<{ client: net.Socket; upstream: net.Socket | undefined; stop: () => void }>();
  private server: net.Server | undefined;

  constructor(readonly spec: LinkSpec, private readonly log: LogFn) {}

  listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`link ${linkName(this.spec)}: cannot listen on ${formatAddress(this.spec.listen)}: ${err.message}`)));
      server.listen({ host: this.spec.listen.host, port: this.spec.listen.port, exclusive: true }, () => {
        server.removeAllListeners('error');
        server.on('error', (err) => this.log(`link ${linkName(this.spec)}: ${err.message}`));
        resolve();
      });
    });
  }

  get openConnections(): number {
    return this.connections.size;
  }

  private accept(client: net.Socket): void {
    client.setNoDelay(true);
    client.on('error', () => undefined);
    if (this.cut) {
      // A black hole: read everything, pass nothing, answer nothing.
      const entry = { client, upstream: undefined, stop: () => undefined };
      this.connections.add(entry);
      client.on('data', () => undefined);
      client.on('close', () => this.connections.delete(entry));
      return;
    }
    const upstream = net.connect({ host: this.spec.target.host, port: this.spec.target.port });
    upstream.setNoDelay(true);
    upstream.on('error', () => undefined);
    const forward = new DelayedPipe(client, upstream, () => this.delayMs, (n) => (this.bytesForward += n));
    const back = new DelayedPipe(upstream, client, () => 0, (n) => (this.bytesBack += n));
    const entry = {
      client,
      upstream,
      stop: () => {
        forward.stop();
        back.stop();
      },
    };
    this.connections.add(entry);
    // Either side gone: the other goes too (the dialer sees its link break and redials).
    const close = (): void => {
      if (!this.connections.delete(entry)) return;
      entry.stop();
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
  }

  /** Closes every open connection of the link. */
  dropConnections(): void {
    for (const c of [...this.connections]) {
      this.connections.delete(c);
      c.stop();
      c.client.destroy();
      c.upstream?.destroy();
    }
  }

  status(): LinkStatus {
    return {
      from: this.spec.from,
      to: this.spec.to,
      listen: formatAddress(this.spec.listen),
      target: formatAddress(this.spec.target),
      cut: this.cut,
      delayMs: this.delayMs,
      connections: this.connections.size,
      bytesForward: this.bytesForward,
      bytesBack: this.bytesBack,
    };
  }

  close(): Promise<void> {
    this.dropConnections();
    const server = this.server;
    if (server === undefined) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

export class LinkProxy {
  private readonly links = new Map<string, Link>();

  private constructor(specs: readonly LinkSpec[], log: LogFn) {
    for (const s of specs) {
      const name = linkName(s);
      if (this.links.has(name)) throw new Error(`link ${name} is given twice`);
      this.links.set(name, new Link(s, log));
    }
  }

  /** Listens on every link's port; all or nothing. */
  static async open(specs: readonly LinkSpec[], log: LogFn): Promise<LinkProxy> {
    const proxy = new LinkProxy(specs, log);
    const results = await Promise.allSettled([...proxy.links.values()].map((l) => l.listen()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await proxy.close();
      throw failed.reason;
    }
    return proxy;
  }

  /** Cuts the links; returns those that were not cut already. Unknown links: UnknownLinkError, nothing changed. */
  cut(refs: readonly LinkRef[]): LinkRef[] {
    const links = this.resolve(refs);
    const changed: LinkRef[] = [];
    for (const l of links) {
      if (!l.cut) changed.push({ from: l.spec.from, to: l.spec.to });
      l.cut = true;
      l.delayMs = 0;
      l.dropConnections();
    }
    return changed;
  }

  /**
   * Lets the links pass again without delay (all links when `refs` is undefined); returns
   * those that were cut or delayed. Black-holed connections are closed so their dialers start afresh.
   */
  heal(refs?: readonly LinkRef[]): LinkRef[] {
    const links = refs === undefined ? [...this.links.values()] : this.resolve(refs);
    const changed: LinkRef[] = [];
    for (const l of links) {
      if (!l.cut && l.delayMs === 0) continue;
      changed.push({ from: l.spec.from, to: l.spec.to });
      if (l.cut) l.dropConnections();
      l.cut = false;
      l.delayMs = 0;
    }
    return changed;
  }

  /** Sets the links' delay (0: none); a cut link stays cut. Returns the links whose delay changed. */
  delay(refs: readonly LinkRef[], ms: number): LinkRef[] {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`a delay is a whole number of milliseconds, 0 or more: ${ms}`);
    const changed: LinkRef[] = [];
    for (const l of this.resolve(refs)) {
      if (l.cut || l.delayMs === ms) continue;
      l.delayMs = ms;
      changed.push({ from: l.spec.from, to: l.spec.to });
    }
    return changed;
  }

  status(): LinkStatus[] {
    return [...this.links.values()].map((l) => l.status());
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }

  private resolve(refs: readonly LinkRef[]): Link[] {
    const out: Link[] = [];
    const unknown: string[] = [];
    for (const r of refs) {
      const l = this.links.get(linkName(r));
      if (l === undefined) unknown.push(linkName(r));
      else out.push(l);
    }
    if (unknown.length > 0) throw new UnknownLinkError(`no link ${unknown.join(', ')}`);
    return out;
  }
}
