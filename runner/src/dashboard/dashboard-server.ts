/**
 * The dashboard's HTTP server (node:http, loopback by default). It polls its cluster source
 * every `everyMs` (250 ms: about 4 updates a second; a poll that takes longer delays the
 * next, polls never overlap) and pushes each view to every open page.
 *
 *   GET  /             the page (dashboard-page.ts): one self-contained HTML file
 *   GET  /events       server-sent events: `data: <Frame JSON>` per poll, the latest at once
 *   GET  /api/state    the latest Frame, as JSON
 *   POST /api/action   body {"kind": "kill", "node": "s0.1"} (cut/heal: and "peer") ->
 *                      200 {"ok": true, "message": "s0.1 killed (kill -9)"}
 *                      400 bad request, 403 refused (a watched cluster; a cross-site request),
 *                      409 {"ok": false, "error": why it failed}
 *
 *   Frame = { info: SourceInfo, view: DashboardView, error?: why the last poll failed }
 *
 * Actions change processes on this machine, so a request must come from the page itself:
 * JSON only (a form on another site cannot send it without the browser asking first), an
 * Origin, when sent, equal to the server's own, and, on loopback, a Host naming loopback (a
 * site whose name was pointed at 127.0.0.1 is refused).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ClusterSource, type SourceInfo, parseAction } from './cluster-source';
import { DashboardModel, type DashboardView } from './dashboard-model';
import { dashboardPage } from './dashboard-page';

export interface Frame {
  info: SourceInfo;
  view: DashboardView;
  error?: string;
}

export interface DashboardServerOptions {
  host?: string;
  /** 0: any free port. */
  port?: number;
  everyMs?: number;
  /** Sparkline points kept per group. */
  historyPoints?: number;
}

const MAX_BODY_BYTES = 4096;
const MAX_STREAMS = 32;
/** A page that stops reading is dropped once this much is waiting for it. */
const MAX_BUFFERED_BYTES = 1 << 20;
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class DashboardServer {
  private readonly model: DashboardModel;
  private readonly streams = new Set<http.ServerResponse>();
  private frame: Frame;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  private constructor(
    private readonly source: ClusterSource,
    private readonly server: http.Server,
    private readonly options: DashboardServerOptions,
  ) {
    this.model = new DashboardModel({ ...(options.historyPoints !== undefined ? { historyPoints: options.historyPoints } : {}), observeNodeChanges: source.info.actions.length === 0 });
    this.frame = { info: source.info, view: this.model.view };
  }

  /** Listens, polls once, then keeps polling until closed. */
  static async start(source: ClusterSource, options: DashboardServerOptions = {}): Promise<DashboardServer> {
    const server = http.createServer();
    const dashboard = new DashboardServer(source, server, options);
    server.on('request', (req, res) => dashboard.route(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    dashboard.polling = dashboard.poll();
    await dashboard.polling;
    return dashboard;
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${a.port}/`;
  }

  /** The latest frame (what every page shows now). */
  get latest(): Frame {
    return this.frame;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    for (const s of this.streams) s.end();
    this.streams.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async poll(): Promise<void> {
    const started = Date.now();
    try {
      const view = this.model.observe(await this.source.observe());
      this.frame = { info: this.source.info, view };
    } catch (err) {
      this.frame = { info: this.source.info, view: this.model.view, error: `polling the cluster failed: ${(err as Error).message}` };
    }
    this.broadcast();
    if (this.stopped) return;
    const wait = Math.max(0, (this.options.everyMs ?? 250) - (Date.now() - started));
    this.timer = setTimeout(() => {
      this.polling = this.poll();
    }, wait);
  }

  private broadcast(): void {
    const data = `data: ${JSON.stringify(this.frame)}\n\n`;
    for (const s of this.streams) {
      if (s.writableLength > MAX_BUFFERED_BYTES) {
        s.destroy();
        this.streams.delete(s);
      } else s.write(data);
    }
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const refusal = this.refusal(req);
    if (refusal !== undefined) return send(res, 403, { ok: false, error: refusal });
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(dashboardPage());
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') return this.stream(res);
    if (req.method === 'GET' && url.pathname === '/api/state') return send(res, 200, this.frame);
    if (url.pathname === '/api/action') {
      if (req.method !== 'POST') return send(res, 405, { ok: false, error: 'POST an action as JSON' });
      void this.action(req, res);
      return;
    }
    send(res, 404, { ok: false, error: `nothing at ${url.pathname}: the page is at /` });
  }

  /** Why a request may not come in (see the file's header), or undefined. */
  private refusal(req: http.IncomingMessage): string | undefined {
    const host = req.headers.host ?? '';
    const bound = this.server.address() as AddressInfo;
    const loopback = bound.address.startsWith('127.') || bound.address === '::1';
    if (loopback && !LOOPBACK_NAMES.has(host.replace(/:\d+$/, ''))) return `the dashboard answers only requests for this machine (Host ${JSON.stringify(host)})`;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) return `a request from another site (${origin}) is refused`;
    return undefined;
  }

  private stream(res: http.ServerResponse): void {
    if (this.streams.size >= MAX_STREAMS) return send(res, 503, { ok: false, error: `${MAX_STREAMS} pages are open already; close one` });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: 1000\ndata: ${JSON.stringify(this.frame)}\n\n`);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }

  private async action(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return send(res, 400, { ok: false, error: 'send the action as application/json' });
    let body: string;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      return send(res, 400, { ok: false, error: (err as Error).message });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return send(res, 400, { ok: false, error: 'the body is not JSON' });
    }
    const action = parseAction(parsed);
    if (typeof action === 'string') return send(res, 400, { ok: false, error: action });
    if (this.source.info.actions.length === 0) return send(res, 403, { ok: false, error: this.source.info.readOnlyReason ?? 'this dashboard only watches' });
    try {
      send(res, 200, { ok: true, message: await this.source.perform(action) });
    } catch (err) {
      send(res, 409, { ok: false, error: (err as Error).message });
    }
  }
}

function send(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`the body is over ${limit} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
