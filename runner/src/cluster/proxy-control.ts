/**
 * The link proxy daemon's control protocol, on its control port, in the store's wire/ RPC
 * envelope (length-prefixed msgpack request/reply frames):
 *
 *   {type: 'cut',    links: [{from, to}, …]}            -> {changed: [{from, to}, …]}
 *   {type: 'heal',   links?: [{from, to}, …]}           -> {changed: […]}   (no links: every link)
 *   {type: 'delay',  links: [{from, to}, …], ms: <int>} -> {changed: […]}   (ms 0: no delay)
 *   {type: 'status'}                                    -> {links: [LinkStatus, …]}
 *
 * `changed` lists the links whose state the request changed (a cut of a cut link changes
 * nothing), so whoever journals faults journals each change once. A request naming a link
 * the proxy does not have changes nothing and is answered `bad_request` naming it; so is any
 * malformed request.
 */
import { type Address } from '../../../kvstore/src/wire/address';
import { type Reply, errorReply, isRecord, okReply } from '../../../kvstore/src/wire/envelope';
import { RpcConnection } from '../../../kvstore/src/wire/rpc-connection';
import { type LinkProxy, type LinkRef, type LinkStatus, UnknownLinkError } from './link-proxy';

export type ProxyRequest =
  | { type: 'cut'; links: LinkRef[] }
  | { type: 'heal'; links?: LinkRef[] }
  | { type: 'delay'; links: LinkRef[]; ms: number }
  | { type: 'status' };

/** Control messages are tiny; a bigger frame is garbage. */
export const MAX_CONTROL_FRAME_BYTES = 1024 * 1024;

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_DELAY_MS = 60_000;

function parseLinks(v: unknown): LinkRef[] | string {
  if (!Array.isArray(v)) return 'links must be a list of {from, to}';
  const out: LinkRef[] = [];
  for (const l of v) {
    if (!isRecord(l) || typeof l.from !== 'string' || typeof l.to !== 'string' || !NODE_ID.test(l.from) || !NODE_ID.test(l.to)) return 'each link is {from: <node id>, to: <node id>}';
    out.push({ from: l.from, to: l.to });
  }
  return out;
}

/** The request, or what is wrong with it. */
export function parseProxyRequest(body: unknown): ProxyRequest | string {
  if (!isRecord(body) || typeof body.type !== 'string') return 'expected {type: cut|heal|delay|status, …}';
  switch (body.type) {
    case 'status':
      return { type: 'status' };
    case 'cut': {
      const links = parseLinks(body.links);
      return typeof links === 'string' ? links : { type: 'cut', links };
    }
    case 'heal': {
      if (body.links === undefined) return { type: 'heal' };
      const links = parseLinks(body.links);
      return typeof links === 'string' ? links : { type: 'heal', links };
    }
    case 'delay': {
      const links = parseLinks(body.links);
      if (typeof links === 'string') return links;
      const ms = body.ms;
      if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) return `ms must be a whole number of milliseconds from 0 to ${MAX_DELAY_MS}`;
      return { type: 'delay', links, ms };
    }
    default:
      return `unknown request type '${String(body.type).slice(0, 40)}': expected cut, heal, delay or status`;
  }
}

/** Answers one control request against the proxy; `onChange` hears of every change made. */
export function handleProxyRequest(proxy: LinkProxy, body: unknown, onChange?: (what: string, changed: LinkRef[]) => void): Reply {
  const req = parseProxyRequest(body);
  if (typeof req === 'string') return errorReply('bad_request', req);
  try {
    let changed: LinkRef[];
    switch (req.type) {
      case 'status':
        return okReply({ links: proxy.status() });
      case 'cut':
        changed = proxy.cut(req.links);
        break;
      case 'heal':
        changed = proxy.heal(req.links);
        break;
      case 'delay':
        changed = proxy.delay(req.links, req.ms);
        break;
    }
    if (changed.length > 0) onChange?.(req.type === 'delay' ? `delayed ${req.ms} ms` : req.type === 'cut' ? 'cut' : 'healed', changed);
    return okReply({ changed });
  } catch (err) {
    if (err instanceof UnknownLinkError || err instanceof RangeError) return errorReply('bad_request', err.message);
    throw err;
  }
}

/** Asks the proxy daemon at `address`; throws with its message when it refuses or cannot be reached. */
export async function callProxy(address: Address, req: Exclude<ProxyRequest, { type: 'status' }>, timeoutMs?: number): Promise<{ changed: LinkRef[] }>;
export async function callProxy(address: Address, req: { type: 'status' }, timeoutMs?: number): Promise<{ links: LinkStatus[] }>;
export async function callProxy(address: Address, req: ProxyRequest, timeoutMs = 5000): Promise<unknown> {
  let conn: RpcConnection;
  try {
    conn = await RpcConnection.connect(address, timeoutMs);
  } catch (err) {
    throw new Error(`the link proxy does not answer (${(err as Error).message}); is the cluster running?`);
  }
  try {
    const reply = await conn.call(req, timeoutMs);
    if (!reply.ok) throw new Error(`the link proxy refused: ${reply.error.message}`);
    const v = reply.value;
    if (req.type === 'status' ? !(isRecord(v) && Array.isArray(v.links)) : !(isRecord(v) && Array.isArray(v.changed))) {
      throw new Error('the link proxy answered something unexpected');
    }
    return v;
  } finally {
    conn.close();
  }
}
