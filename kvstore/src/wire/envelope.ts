/**
 * The request/response envelope every connection uses: a request carries an id
 * chosen by the caller, and its reply carries the same id, so one connection
 * holds many requests in flight and replies may come back in any order.
 */

export type ErrorCode =
  /** The request is malformed; retrying will not help. */
  | 'bad_request'
  /** This node does not own the key; `hint` says who does (stage 2+). */
  | 'wrong_partition'
  /** This replica is not the leader; `hint` names the leader it knows (stage 3+). */
  | 'not_leader'
  /** The node cannot serve now (starting, recovering, no quorum); retry later. */
  | 'unavailable'
  /** A bug or I/O failure on the node. */
  | 'internal';

export interface WireError {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export type Reply<T = unknown> = { ok: true; value: T } | { ok: false; error: WireError };

export interface RequestFrame {
  id: number;
  body: unknown;
}

export interface ReplyFrame {
  id: number;
  reply: Reply;
}

export function okReply<T>(value: T): Reply<T> {
  return { ok: true, value };
}

export function errorReply(code: ErrorCode, message: string, hint?: string): Reply<never> {
  return hint === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, hint } };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseRequestFrame(v: unknown): RequestFrame | undefined {
  if (!isRecord(v) || !Number.isSafeInteger(v.id)) return undefined;
  return { id: v.id as number, body: v.body };
}

export function parseReplyFrame(v: unknown): ReplyFrame | undefined {
  if (!isRecord(v) || !Number.isSafeInteger(v.id) || !isRecord(v.reply)) return undefined;
  const r = v.reply;
  if (r.ok === true) return { id: v.id as number, reply: { ok: true, value: r.value } };
  if (r.ok === false && isRecord(r.error) && typeof r.error.code === 'string' && typeof r.error.message === 'string') {
    const error: WireError = { code: r.error.code as ErrorCode, message: r.error.message };
    if (typeof r.error.hint === 'string') error.hint = r.error.hint;
    return { id: v.id as number, reply: { ok: false, error } };
  }
  return undefined;
}
