/**
 * How every server answers a SCAN: one bounded page at a time (see the paging rules in
 * wire/kv-messages.ts), so no answer, however large the range, needs more than a page of
 * memory on either side or comes near the frame limit. A page is read from the state at
 * one instant (the caller holds no lock: the read is synchronous on the event loop).
 */
import type { KvCommand, PageLimits } from '../kv/command';
import type { KvReader } from '../state/kv-state-machine';
import { type Reply, errorReply, okReply } from '../wire/envelope';

/**
 * The server's own page bounds, whatever a client asks: 1 MiB of keys and values keeps a
 * page far below the frame limit and quick to encode (other requests wait meanwhile),
 * while large enough that the per-page round trip costs little; the pair cap bounds the
 * objects built for a page of tiny pairs.
 */
export const SERVER_PAGE_LIMITS: PageLimits = { maxPairs: 10_000, maxBytes: 1024 * 1024 };

export function answerScan(reader: KvReader, cmd: Extract<KvCommand, { op: 'scan' }>, page: PageLimits | undefined): Reply {
  const limits: PageLimits = page
    ? { maxPairs: Math.min(page.maxPairs, SERVER_PAGE_LIMITS.maxPairs), maxBytes: Math.min(page.maxBytes, SERVER_PAGE_LIMITS.maxBytes) }
    : SERVER_PAGE_LIMITS;
  const { pairs, next } = reader.scanPage(cmd.start, cmd.end, limits);
  if (page === undefined) {
    // A caller that does not page would take a partial answer for the whole: refuse instead.
    if (next !== undefined) {
      return errorReply('bad_request', `the SCAN answer is larger than one page (${limits.maxPairs} pairs or ${limits.maxBytes} bytes); ask for it page by page`);
    }
    return okReply({ op: 'scan', pairs });
  }
  return okReply(next === undefined ? { op: 'scan', pairs } : { op: 'scan', pairs, next });
}
