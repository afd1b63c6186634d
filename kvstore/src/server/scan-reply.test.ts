import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvStateMachine } from '../state/kv-state-machine';
import { SERVER_PAGE_LIMITS, answerScan } from './scan-reply';

function stateWith(count: number, valueBytes: number): KvStateMachine {
  const sm = new KvStateMachine();
  const value = 'v'.repeat(valueBytes);
  for (let i = 0; i < count; i++) sm.apply({ op: 'put', key: `k${String(i).padStart(6, '0')}`, value });
  return sm;
}

const scan = { op: 'scan', start: 'k', end: 'k999999' } as const;

test('a paged SCAN gets at most what it asked for, and never more than the server allows', () => {
  const sm = stateWith(30_000, 10);
  const small = answerScan(sm, scan, { maxPairs: 5, maxBytes: 1 << 30 });
  assert.ok(small.ok);
  assert.deepEqual(small.ok && small.value, { op: 'scan', pairs: sm.scan('k', 'k000004'), next: 'k000005' });
  const greedy = answerScan(sm, scan, { maxPairs: 1_000_000, maxBytes: 1 << 30 });
  const pairs = greedy.ok ? (greedy.value as { pairs: unknown[] }).pairs : [];
  assert.equal(pairs.length, SERVER_PAGE_LIMITS.maxPairs, 'capped by the server');
});

test("a page's keys and values stay within the server's byte limit however much is asked", () => {
  const sm = stateWith(3000, 1000);
  const r = answerScan(sm, scan, { maxPairs: 1_000_000, maxBytes: 1 << 30 });
  assert.ok(r.ok);
  const { pairs, next } = r.value as { pairs: [string, string][]; next?: string };
  const bytes = pairs.reduce((n, [k, v]) => n + k.length + v.length, 0);
  assert.ok(bytes <= SERVER_PAGE_LIMITS.maxBytes && bytes > SERVER_PAGE_LIMITS.maxBytes - 1007, `${bytes} bytes`);
  assert.equal(next, `k${String(pairs.length).padStart(6, '0')}`);
});

test('a SCAN without page is answered whole when it fits in one page, refused when it does not', () => {
  const sm = stateWith(100, 10);
  assert.deepEqual(answerScan(sm, scan, undefined), { ok: true, value: { op: 'scan', pairs: sm.scan('k', 'k999999') } });
  const big = stateWith(SERVER_PAGE_LIMITS.maxPairs + 1, 1);
  const r = answerScan(big, scan, undefined);
  assert.equal(!r.ok && r.error.code, 'bad_request');
  assert.match(!r.ok ? r.error.message : '', /larger than one page.*page by page/);
});
