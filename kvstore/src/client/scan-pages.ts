/**
 * A SCAN as a stream of pages from one server: ask for a page, then for the next one
 * from the `next` key the server returned, until the range is complete. One page is
 * fetched ahead while the caller works on the current one, so a large SCAN holds at
 * most two pages in memory. Each page is checked (in order, within the range, moving
 * forward) before it is used, so a faulty server cannot make the loop run for ever.
 */
import { type KvPair, type PageLimits, compareKeys } from '../kv/command';
import { type KvRequest, parseScanPage } from '../wire/kv-messages';
import { KvRequestError } from './errors';

/** What a client asks for (the server caps it at its own limits, currently the same). */
export const CLIENT_PAGE_LIMITS: PageLimits = { maxPairs: 10_000, maxBytes: 1024 * 1024 };

/**
 * Bytes of pages a SCAN over partitions may hold across all of them (each holds the page
 * being merged and one fetched ahead): with many partitions, each is asked for smaller pages.
 */
const SCAN_BUFFER_BYTES = 8 * 1024 * 1024;
const MIN_PAGE_BYTES = 64 * 1024;

/** The page size each of `partitions` streams asks for, so that their pages together stay within SCAN_BUFFER_BYTES. */
export function partitionPageLimits(partitions: number): PageLimits {
  const share = Math.floor(SCAN_BUFFER_BYTES / (2 * Math.max(1, partitions)));
  return { maxPairs: CLIENT_PAGE_LIMITS.maxPairs, maxBytes: Math.max(MIN_PAGE_BYTES, Math.min(CLIENT_PAGE_LIMITS.maxBytes, share)) };
}

/** Sends one request (retrying as the caller's policy says) and resolves with the reply's value. */
export type PageFetcher = (request: KvRequest) => Promise<unknown>;

export async function* fetchScanPages(start: string, end: string, fetch: PageFetcher, limits: PageLimits = CLIENT_PAGE_LIMITS): AsyncGenerator<KvPair[]> {
  if (compareKeys(start, end) > 0) return;
  const ask = (from: string): Promise<unknown> => {
    const asked = fetch({ type: 'kv', cmd: { op: 'scan', start: from, end }, page: limits });
    // If the caller stops early, a page fetched ahead is dropped, failure included.
    asked.catch(() => undefined);
    return asked;
  };
  let from = start;
  let pending = ask(from);
  for (;;) {
    const page = parseScanPage(await pending, from, end);
    if (typeof page === 'string') throw new KvRequestError({ code: 'internal', message: `malformed scan page: ${page}` });
    if (page.next !== undefined) pending = ask(page.next);
    yield page.pairs;
    if (page.next === undefined) return;
    from = page.next;
  }
}

/** All pairs of a page stream, for callers that want the whole answer at once. */
export async function collectPages(pages: AsyncIterable<KvPair[]>): Promise<KvPair[]> {
  const all: KvPair[] = [];
  for await (const page of pages) for (const pair of page) all.push(pair);
  return all;
}
