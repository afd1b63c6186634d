import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateHistory } from '../testing/history-gen';
import { checkHistory } from './checker';
import type { HistoryOp } from './history';
import { formatCheckReport } from './report';

// Compact builders: times are [call, ret]; ret null = never returned.
type T = [number, number | null];
const put = (c: number, key: string, value: string, [call, ret]: T, result: 'found' | 'not_found' | null = null): HistoryOp => ({ client: c, op: 'PUT', key, value, call, ret, result });
const swap = (c: number, key: string, value: string, [call, ret]: T, result: string | null): HistoryOp => ({ client: c, op: 'SWAP', key, value, call, ret, result });
const get = (c: number, key: string, [call, ret]: T, result: string | null): HistoryOp => ({ client: c, op: 'GET', key, call, ret, result });
const del = (c: number, key: string, [call, ret]: T, result: 'found' | 'not_found' | null): HistoryOp => ({ client: c, op: 'DELETE', key, call, ret, result });
const scan = (c: number, start: string, end: string, [call, ret]: T, result: Array<[string, string]> | null): HistoryOp => ({ client: c, op: 'SCAN', start, end, call, ret, result });

function verdict(h: HistoryOp[]): string {
  return checkHistory(h).verdict;
}

describe('checker accepts legal histories', () => {
  test('sequential single client, every operation', () => {
    assert.equal(
      verdict([
        put(0, 'a', 'v1', [0, 1], 'not_found'),
        get(0, 'a', [2, 3], 'v1'),
        swap(0, 'a', 'v2', [4, 5], 'v1'),
        put(0, 'b', 'w1', [6, 7], 'not_found'),
        scan(0, 'a', 'c', [8, 9], [['a', 'v2'], ['b', 'w1']]),
        del(0, 'a', [10, 11], 'found'),
        get(0, 'a', [12, 13], null),
        del(0, 'a', [14, 15], 'not_found'),
        swap(0, 'a', 'v3', [16, 17], null),
      ]),
      'PASSED',
    );
  });

  test('a read concurrent with a write may see either value', () => {
    assert.equal(verdict([put(0, 'a', 'v1', [0, 10], 'not_found'), get(1, 'a', [1, 2], 'v1')]), 'PASSED');
    assert.equal(verdict([put(0, 'a', 'v1', [0, 10], 'not_found'), get(1, 'a', [1, 2], null)]), 'PASSED');
  });

  test('operations returning at the instant another is called count as concurrent', () => {
    assert.equal(verdict([put(0, 'a', 'v1', [0, 5], 'not_found'), put(1, 'a', 'v2', [5, 6], 'found'), get(2, 'a', [7, 8], 'v2')]), 'PASSED');
  });

  test('a pending write explains a later read, or never happens', () => {
    assert.equal(verdict([put(0, 'a', 'v1', [0, null]), get(1, 'a', [5, 6], 'v1')]), 'PASSED');
    assert.equal(verdict([put(0, 'a', 'v1', [0, null]), get(1, 'a', [5, 6], null)]), 'PASSED');
    assert.equal(verdict([put(0, 'a', 'v1', [0, null]), get(1, 'a', [5, 6], null), get(1, 'a', [7, 8], 'v1')]), 'PASSED');
    assert.equal(verdict([swap(0, 'a', 'v1', [0, null], null), get(1, 'a', [5, 6], 'v1')]), 'PASSED');
  });

  test('a pending read constrains nothing', () => {
    assert.equal(verdict([put(0, 'a', 'v1', [0, 1], 'not_found'), get(1, 'a', [2, null], 'zzz')]), 'PASSED');
  });

  test('possible states carry across quiescent points', () => {
    const h = [put(0, 'a', 'v1', [0, 10], 'not_found'), put(1, 'a', 'v2', [0, 10], null)];
    // the second PUT's found/not_found decides the order; with found it went second
    h[1] = put(1, 'a', 'v2', [0, 10], 'found');
    assert.equal(verdict([...h, get(2, 'a', [20, 21], 'v2')]), 'PASSED');
    assert.equal(verdict([...h, get(2, 'a', [20, 21], 'v1')]), 'FAILED');
    const blind = [swap(0, 'a', 'v1', [0, 10], null), put(1, 'a', 'v2', [0, 10], 'not_found'), del(2, 'a', [0, 10], 'found')];
    // SWAP saw absent, PUT saw absent, DELETE found something: DELETE after one write, before the other
    assert.equal(verdict([...blind, get(3, 'a', [20, 21], 'v1')]), 'PASSED');
    assert.equal(verdict([...blind, get(3, 'a', [20, 21], 'v2')]), 'PASSED');
    assert.equal(verdict([...blind, get(3, 'a', [20, 21], 'v2'), get(3, 'a', [22, 23], 'v1')]), 'FAILED');
  });

  test('a SCAN is a read of each key it covers, at any point of its interval', () => {
    const h = [put(0, 'a', 'v1', [0, 1], 'not_found'), put(1, 'b', 'w1', [2, 20], 'not_found'), scan(2, 'a', 'c', [3, 4], [['a', 'v1']])];
    assert.equal(verdict(h), 'PASSED');
    assert.equal(verdict([...h, scan(2, 'a', 'c', [5, 6], [['a', 'v1'], ['b', 'w1']])]), 'PASSED');
  });

  test('keys a SCAN returns that no operation names are not judged', () => {
    assert.equal(verdict([scan(0, 'a', 'c', [0, 1], [['bb', 'leftover']])]), 'PASSED');
  });
});

describe('checker rejects illegal histories', () => {
  test('stale read', () => {
    const r = checkHistory([put(0, 'a', 'v1', [0, 1], 'not_found'), put(1, 'a', 'v2', [2, 3], 'found'), get(2, 'a', [4, 5], 'v1')]);
    assert.equal(r.verdict, 'FAILED');
    assert.equal(r.violations[0]!.key, 'a');
    // the GET alone cannot follow the sequential PUTs; the PUT of v2 is shown as context
    assert.deepEqual(r.violations[0]!.ops, [2]);
    assert.deepEqual(r.violations[0]!.context, [1]);
  });

  test('lost write', () => {
    assert.equal(verdict([put(0, 'a', 'v1', [0, 1], 'not_found'), get(1, 'a', [2, 3], null)]), 'FAILED');
    assert.equal(verdict([put(0, 'a', 'v1', [0, 1], 'not_found'), put(1, 'a', 'v2', [2, 3], 'not_found')]), 'FAILED');
  });

  test('read of a value never written', () => {
    const r = checkHistory([put(0, 'a', 'v1', [0, 1], 'not_found'), get(1, 'a', [2, 3], 'bogus')]);
    assert.equal(r.verdict, 'FAILED');
    assert.match(r.violations[0]!.summary, /no operation ever wrote/);
    assert.deepEqual(r.violations[0]!.ops, [1]);
  });

  test('SWAP returning a wrong old value', () => {
    assert.equal(verdict([put(0, 'a', 'v1', [0, 1], 'not_found'), put(0, 'a', 'v2', [2, 3], 'found'), swap(1, 'a', 'v3', [4, 5], 'v1')]), 'FAILED');
    assert.equal(verdict([put(0, 'a', 'v1', [0, 1], 'not_found'), swap(1, 'a', 'v3', [4, 5], null)]), 'FAILED');
  });

  test('PUT and DELETE answering found/not_found wrongly', () => {
    assert.equal(verdict([put(0, 'a', 'v1', [0, 1], 'found')]), 'FAILED');
    assert.equal(verdict([del(0, 'a', [0, 1], 'found')]), 'FAILED');
    assert.equal(verdict([put(0, 'a', 'v1', [0, 1], 'not_found'), del(0, 'a', [2, 3], 'not_found')]), 'FAILED');
  });

  test('a pending write cannot take effect before it was called', () => {
    assert.equal(verdict([get(1, 'a', [0, 1], 'v1'), put(0, 'a', 'v1', [2, null])]), 'FAILED');
  });

  test('a pending write takes effect at most once, and stays', () => {
    assert.equal(verdict([put(0, 'a', 'v1', [0, null]), get(1, 'a', [5, 6], 'v1'), get(1, 'a', [7, 8], null)]), 'FAILED');
    assert.equal(
      verdict([put(0, 'a', 'v1', [0, null]), put(1, 'a', 'v2', [5, 6], 'found'), get(1, 'a', [7, 8], 'v1')]),
      'FAILED',
    );
    assert.equal(
      verdict([put(0, 'a', 'v1', [0, null]), put(1, 'a', 'v2', [5, 6], 'not_found'), get(1, 'a', [7, 8], 'v1')]),
      'PASSED',
    );
  });

  test('a write concurrent with two sequential reads cannot be undone', () => {
    assert.equal(verdict([put(0, 'a', 'v1', [0, 100], 'not_found'), get(1, 'a', [1, 2], 'v1'), get(1, 'a', [3, 4], null)]), 'FAILED');
  });

  test('SCAN returning a key outside its range', () => {
    const r = checkHistory([put(0, 'z', 'v1', [0, 1], 'not_found'), scan(1, 'a', 'c', [2, 3], [['z', 'v1']])]);
    assert.equal(r.verdict, 'FAILED');
    assert.match(r.violations[0]!.summary, /outside its range/);
  });

  test('SCAN missing a key it should have returned', () => {
    const r = checkHistory([put(0, 'b', 'v1', [0, 1], 'not_found'), scan(1, 'a', 'c', [2, 3], [])]);
    assert.equal(r.verdict, 'FAILED');
    assert.equal(r.violations[0]!.key, 'b');
  });

  test('SCAN pairs unsorted or duplicated', () => {
    const base = [put(0, 'a', 'v1', [0, 1], 'not_found'), put(0, 'b', 'w1', [2, 3], 'not_found')];
    assert.equal(verdict([...base, scan(1, 'a', 'c', [4, 5], [['b', 'w1'], ['a', 'v1']])]), 'FAILED');
    assert.equal(verdict([...base, scan(1, 'a', 'c', [4, 5], [['a', 'v1'], ['a', 'v1'], ['b', 'w1']])]), 'FAILED');
  });

  test('SCAN returning a stale value of one key', () => {
    const h = [put(0, 'a', 'v1', [0, 1], 'not_found'), put(0, 'a', 'v2', [2, 3], 'found'), scan(1, 'a', 'c', [4, 5], [['a', 'v1']])];
    assert.equal(verdict(h), 'FAILED');
  });
});

describe('failure reports', () => {
  test('the witness leaves out reads that do not matter and explains the rest', () => {
    // one long read keeps everything in one segment, so the shrinking has work to do
    const h: HistoryOp[] = [put(0, 'k', 'v1', [0, 10], 'not_found'), get(5, 'k', [0, 50], 'v1')];
    for (let i = 0; i < 20; i++) h.push(get(1 + (i % 3), 'k', [1 + i / 4, 9], i % 2 === 0 ? 'v1' : null));
    h.push(put(0, 'k', 'v2', [11, 12], 'found'));
    h.push(get(4, 'k', [40, 41], 'v1'));
    const r = checkHistory(h);
    assert.equal(r.verdict, 'FAILED');
    const v = r.violations[0]!;
    assert.ok(v.ops.length <= 3, `witness has ${v.ops.length} ops: ${v.ops.join(',')}`);
    assert.ok(v.ops.includes(h.length - 1));
    const text = formatCheckReport(r, h, { timeUnit: 'us' }).join('\n');
    assert.match(text, /Violation on key k/);
    assert.match(text, /read 'v1', but the value is 'v2'/);
  });

  test('a search out of budget is UNKNOWN, not PASSED', () => {
    const h = generateHistory({ clients: 5, opsPerClient: 200, keys: ['a'], seed: 3 });
    assert.equal(checkHistory(h, { maxSteps: 10 }).verdict, 'UNKNOWN');
  });
});

describe('generated histories', () => {
  test('linearizable by construction: PASSED, however the histories are cut', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const h = generateHistory({ clients: 5, opsPerClient: 400, keys: ['k0', 'k1', 'k2', 'k3', 'k4'], seed });
      // a few writes that never returned, carried to the end
      h.push({ client: 7, op: 'PUT', key: 'k1', value: 'lost-in-flight', call: 50, ret: null, result: null });
      h.push({ client: 8, op: 'SWAP', key: 'k2', value: 'lost-too', call: 900, ret: null, result: null });
      for (const cutPolicy of [undefined, { longSegment: 1, maxOpenAtCut: 3 }, { longSegment: 4, maxOpenAtCut: 1 }]) {
        const r = checkHistory(h, cutPolicy === undefined ? {} : { cutPolicy });
        assert.equal(r.verdict, 'PASSED', `seed ${seed} ${JSON.stringify(cutPolicy)}: ${r.violations.map((v) => v.summary).join('; ')}`);
      }
    }
  });

  test('with stale reads or lost writes: FAILED', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const stale = generateHistory({ clients: 3, opsPerClient: 400, keys: ['k0', 'k1', 'k2'], seed, staleReadRate: 0.05 });
      assert.equal(checkHistory(stale).verdict, 'FAILED', `stale seed ${seed}`);
      assert.equal(checkHistory(stale, { cutPolicy: { longSegment: 1, maxOpenAtCut: 3 } }).verdict, 'FAILED', `stale seed ${seed}, fine cuts`);
      const lost = generateHistory({ clients: 3, opsPerClient: 400, keys: ['k0', 'k1', 'k2'], seed, lostWriteRate: 0.05 });
      assert.equal(checkHistory(lost).verdict, 'FAILED', `lost seed ${seed}`);
    }
  });
});
