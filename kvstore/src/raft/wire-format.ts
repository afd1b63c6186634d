/**
 * How a batch of Raft messages travels in one wire/ frame. Messages go as they are (small
 * msgpack maps), except the entries of an append, which are packed for speed: their
 * payloads concatenated into one byte string, with their sizes and run-length-encoded terms
 * beside it (indexes follow from prevIndex):
 *
 *   append entries [{index: 8, term: 3, data: "ab"}, {index: 9, term: 3, data: "cde"}]
 *   → { …, entries: undefined, n: 2, terms: [3, 2], sizes: [2, 3], data: "abcde" }
 *      terms is [term, count, term, count, …]
 *
 * A receiver gets each entry's data as a view into the received frame (no copy).
 */
import { type AppendRequest, type Message, parseMessage } from './messages';
import type { Entry } from './types';

interface PackedAppend extends Omit<AppendRequest, 'entries'> {
  n: number;
  terms: number[];
  sizes: number[];
  data: Uint8Array;
}

export function packMessages(messages: Message[]): unknown[] {
  return messages.map((m) => (m.type === 'append' && m.entries.length > 0 ? packAppend(m) : m));
}

function packAppend(m: AppendRequest): PackedAppend {
  const terms: number[] = [];
  const sizes: number[] = new Array<number>(m.entries.length);
  const chunks: Uint8Array[] = new Array<Uint8Array>(m.entries.length);
  let total = 0;
  m.entries.forEach((e, i) => {
    if (terms.length > 0 && terms[terms.length - 2] === e.term) terms[terms.length - 1]!++;
    else terms.push(e.term, 1);
    sizes[i] = e.data.length;
    chunks[i] = e.data;
    total += e.data.length;
  });
  const { entries: _entries, ...rest } = m;
  return { ...rest, n: m.entries.length, terms, sizes, data: Buffer.concat(chunks, total) };
}

function isIntList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
}

/** Unpacks and checks one received message (see messages.ts parseMessage); a string says what is wrong. */
export function unpackMessage(raw: unknown): Message | string {
  if (typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'append' && 'n' in raw) {
    const p = raw as Record<string, unknown>;
    const { n, terms, sizes, data } = p;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || !isIntList(terms) || !isIntList(sizes) || !(data instanceof Uint8Array)) {
      return 'append: packed entries must have n, terms, sizes and data';
    }
    if (sizes.length !== n || terms.length % 2 !== 0) return 'append: packed entries are inconsistent';
    if (typeof p.prevIndex !== 'number' || !Number.isSafeInteger(p.prevIndex)) return 'append: prevIndex must be an integer ≥ 0';
    const entries: Entry[] = new Array<Entry>(n);
    let offset = 0;
    let t = 0;
    let left = 0;
    const view = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < n; i++) {
      if (left === 0) {
        if (t >= terms.length) return 'append: packed terms cover fewer entries than n';
        left = terms[t + 1]!;
        t += 2;
        if (left === 0) return 'append: a packed term run of length 0';
      }
      const term = terms[t - 2]!;
      left--;
      const size = sizes[i]!;
      if (offset + size > view.length) return 'append: packed sizes exceed the data';
      entries[i] = { index: (p.prevIndex as number) + 1 + i, term, data: view.subarray(offset, offset + size) };
      offset += size;
    }
    if (offset !== view.length || left !== 0 || t !== terms.length) return 'append: packed entries do not add up';
    const { n: _n, terms: _t, sizes: _s, data: _d, ...rest } = p;
    return parseMessage({ ...rest, entries });
  }
  return parseMessage(raw);
}
