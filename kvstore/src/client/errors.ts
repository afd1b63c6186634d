/** Errors the client library reports to its callers. */
import type { WireError } from '../wire/envelope';

/** The server refused the request itself (malformed, or a bug); retrying would not help. */
export class KvRequestError extends Error {
  override name = 'KvRequestError';

  constructor(readonly wire: WireError) {
    super(`${wire.code}: ${wire.message}`);
  }
}

/** The caller's retry budget ran out (only when a finite budget was asked for). */
export class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError';
}
