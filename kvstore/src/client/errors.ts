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

/**
 * A request that changes the store was sent and its connection broke (or its reply timed out)
 * before an answer came: it may or may not have taken effect, so it is not sent again.
 */
export class OutcomeUnknownError extends Error {
  override name = 'OutcomeUnknownError';

  /** `reason`: one wire-style token (connection_lost, timeout). */
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}
