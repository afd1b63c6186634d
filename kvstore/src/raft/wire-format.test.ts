import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import type { Message } from './messages';
import { packMessages, unpackMessage } from './wire-format';

// The frames' msgpack settings (wire/frame.ts).
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const roundTrip = (ms: Message[]): unknown[] => packr.unpack(packr.pack(packMessages(ms))) as unknown[];

test('wire format: append entries survive packing, across term changes, with empty and large payloads', () => {
  const m: Message = {
    type: 'append',
    from: 1,
    to: 2,
    term: 5,
    prevIndex: 40,
    prevTerm: 3,
    commit: 39,
    entries: [
      { index: 41, term: 3, data: Buffer.from('a') },
      { index: 42, term: 3, data: new Uint8Array(0) },
      { index: 43, term: 5, data: Buffer.alloc(70_000, 7) },
      { index: 44, term: 5, data: Buffer.from('last') },
    ],
  };
  const [raw] = roundTrip([m]);
  const back = unpackMessage(raw);
  assert.ok(typeof back !== 'string' && back.type === 'append');
  assert.deepEqual(
    back.entries.map((e) => [e.index, e.term, Buffer.from(e.data).toString('hex').slice(0, 8), e.data.length]),
    m.entries.map((e) => [e.index, e.term, Buffer.from(e.data).toString('hex').slice(0, 8), e.data.length]),
  );
  assert.equal(back.commit, 39);
});

test('wire format: other messages and empty appends travel unchanged', () => {
  const ms: Message[] = [
    { type: 'append', from: 1, to: 2, term: 5, prevIndex: 40, prevTerm: 3, commit: 39, entries: [] },
    { type: 'voteResp', from: 2, to: 1, term: 5, pre: true, granted: false },
  ];
  const back = roundTrip(ms).map(unpackMessage);
  assert.deepEqual(back, ms);
});

test('wire format: inconsistent packed entries are refused with a reason, never half-read', () => {
  const [raw] = roundTrip([
    { type: 'append', from: 1, to: 2, term: 5, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 5, data: Buffer.from('abc') }] },
  ]) as Array<Record<string, unknown>>;
  const bad: Array<Record<string, unknown>> = [
    { ...raw, sizes: [4] },
    { ...raw, n: 2 },
    { ...raw, terms: [5, 2] },
    { ...raw, terms: [5] },
    { ...raw, data: 'abc' },
    { ...raw, prevIndex: -1 },
  ];
  for (const b of bad) assert.equal(typeof unpackMessage(b), 'string', JSON.stringify(b));
});
