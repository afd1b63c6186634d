import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KvPair } from '../kv/command';
import { answerScan } from '../server/scan-reply';
import { KvStateMachine } from '../state/kv-state-machine';
import type { KvRequest } from '../wire/kv-messages';
import { KvRequestError } from './errors';
import { collectPages, fetchScanPages } from './scan-pages';

function store(keys: number): KvStateMachine {
  const sm = new KvStateMachine();
  for (let i = 0; i < keys; i++) sm.apply({ op: 'put', key: `k${String(i).padStart(4, '0')}`, value: `v${i}` });
  return sm;
}

/** A server in a function: answers each page request from `sm`, remembering the requests. */
function serverOf(sm: KvStateMachine, asked: KvRequest[]): (request: KvRequest) => Promise<unknown> {
  return (request) => {
    asked.push(request);
    if (request.cmd.op !== 'scan') throw new Error('not a scan');
    const reply = answerScan(sm, request.cmd, request.page);
    return reply.ok ? Promise.resolve(reply.value) : Promise.reject(new Error(reply.error.message));
  };
}

test("pages are fetched by following each page's next key until the range is complete", async () => {
  const sm = store(1000);
  const asked: KvRequest[] = [];
  const pages: KvPair[][] = [];
  for await (const page of fetchScanPages('k0100', 'k0949', serverOf(sm, asked), { maxPairs: 100, maxBytes: 1 << 20 })) pages.push(page);
  assert.deepEqual(pages.flat(), sm.scan('k0100', 'k0949'));
  assert.deepEqual(pages.map((p) => p.length), [100, 100, 100, 100, 100, 100, 100, 100, 50]);
  assert.deepEqual(asked.map((r) => r.cmd.op === 'scan' && r.cmd.start), ['k0100', 'k0200', 'k0300', 'k0400', 'k0500', 'k0600', 'k0700', 'k0800', 'k0900']);
  assert.ok(asked.every((r) => r.cmd.op === 'scan' && r.cmd.end === 'k0949' && r.page?.maxPairs === 100));
});

test('one page is fetched ahead of the caller, no more', async () => {
  const asked: KvRequest[] = [];
  const pages = fetchScanPages('k', 'k9999', serverOf(store(1000), asked), { maxPairs: 10, maxBytes: 1 << 20 });
  const it = pages[Symbol.asyncIterator]();
  await it.next();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(asked.length, 2, 'the page in hand and the next one');
  await it.next();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(asked.length, 3);
  await it.return(undefined);
});

test('an empty range asks no one; a range with no keys is one empty page', async () => {
  const asked: KvRequest[] = [];
  assert.deepEqual(await collectPages(fetchScanPages('z', 'a', serverOf(store(10), asked))), []);
  assert.equal(asked.length, 0);
  assert.deepEqual(await collectPages(fetchScanPages('x', 'y', serverOf(store(10), asked))), []);
  assert.equal(asked.length, 1);
});

test('a page that would not move the scan forward is an error, not an endless loop', async () => {
  const stuck = (request: KvRequest): Promise<unknown> => Promise.resolve({ op: 'scan', pairs: [], next: request.cmd.op === 'scan' ? request.cmd.start : '' });
  await assert.rejects(collectPages(fetchScanPages('a', 'z', stuck)), (err: Error) => err instanceof KvRequestError && /malformed scan page: next key does not move forward/.test(err.message));
});

test('a failing page fetch fails the scan with its error', async () => {
  let n = 0;
  const flaky = (): Promise<unknown> => (++n === 2 ? Promise.reject(new Error('server refused')) : Promise.resolve({ op: 'scan', pairs: [[`k${n}`, 'v']], next: `k${n}x` }));
  await assert.rejects(collectPages(fetchScanPages('k', 'kz', flaky)), /server refused/);
});
