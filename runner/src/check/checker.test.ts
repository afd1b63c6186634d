import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateHistory } from '../testing/history-gen';
import { CheckRun, checkHistory } from './checker';
import type { HistoryOp } from './history';
import { formatCheckReport, formatCount } from './report';
import { runTimedCheck } from './timed-check';

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

describe('writes that never returned (crashed clients, requests in flight at the end)', () => {
  // 30 writes of distinct values that never returned, called one after another
  const pendingPuts = Array.from({ length: 30 }, (_, i) => put(10 + i, 'k', `p${i}`, [i, null]));

  test('each may take effect late, once, in any order a read sequence needs', () => {
    // reads see p5, p2, p29, p17 in turn: each write took effect just before the read
    const reads = [get(1, 'k', [40, 41], 'p5'), get(1, 'k', [42, 43], 'p2'), get(1, 'k', [44, 45], 'p29'), get(1, 'k', [46, 47], 'p17')];
    assert.equal(verdict([...pendingPuts, ...reads]), 'PASSED');
    // ...or not at all
    assert.equal(verdict([...pendingPuts, get(1, 'k', [40, 41], null)]), 'PASSED');
  });

  test('none takes effect twice, or before its call', () => {
    assert.equal(verdict([...pendingPuts, get(1, 'k', [40, 41], 'p5'), get(1, 'k', [42, 43], 'p2'), get(1, 'k', [44, 45], 'p5')]), 'FAILED');
    assert.equal(verdict([...pendingPuts, get(1, 'k', [12, 13], 'p20')]), 'FAILED');
    assert.equal(verdict([...pendingPuts, get(1, 'k', [20, 21], 'p20')]), 'PASSED');
  });

  test('two that write the same value are two chances to see it', () => {
    const twice = [put(0, 'k', 'x', [0, null]), put(1, 'k', 'x', [5, null])];
    const reads = [get(2, 'k', [10, 11], 'x'), put(2, 'k', 'y', [12, 13], 'found'), get(2, 'k', [14, 15], 'y'), get(2, 'k', [16, 17], 'x')];
    assert.equal(verdict([...twice, ...reads]), 'PASSED');
    assert.equal(verdict([twice[0]!, ...reads]), 'FAILED');
    // the second is called too late to explain the first read
    assert.equal(verdict([put(0, 'k', 'x', [0, null]), put(1, 'k', 'x', [12, null]), ...reads]), 'PASSED');
    assert.equal(verdict([put(0, 'k', 'x', [14, null]), put(1, 'k', 'x', [15, null]), ...reads]), 'FAILED');
  });

  test('found / not_found answers can be explained by them too', () => {
    assert.equal(verdict([put(0, 'k', 'v1', [0, null]), put(1, 'k', 'v2', [5, 6], 'found')]), 'PASSED');
    assert.equal(verdict([put(0, 'k', 'v1', [0, 1], 'not_found'), del(1, 'k', [2, null], null), put(2, 'k', 'v2', [5, 6], 'not_found')]), 'PASSED');
    assert.equal(verdict([put(0, 'k', 'v1', [0, 1], 'not_found'), del(1, 'k', [7, null], null), put(2, 'k', 'v2', [5, 6], 'not_found')]), 'FAILED');
  });

  test('a stale read among many of them is named in the witness', () => {
    const h: HistoryOp[] = [...pendingPuts, put(0, 'k', 'a', [50, 51], 'not_found'), put(0, 'k', 'b', [52, 53], 'found'), get(2, 'k', [54, 55], 'a')];
    const r = checkHistory(h);
    assert.equal(r.verdict, 'FAILED');
    assert.ok(r.violations[0]!.ops.includes(h.length - 1));
    assert.ok(!r.violations[0]!.ops.some((i) => i < 30), 'writes that could not help are left out of the witness');
  });
});

describe('long intervals', () => {
  test('everything overlapping: any order the results allow', () => {
    // 12 SWAPs, all concurrent, each returning the value of the one before it (listed backwards)
    const values = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
    const chain: HistoryOp[] = values.map((v, i) => swap(i, 'k', v, [i % 3, 100 - (i % 5)], i === 0 ? null : values[i - 1]!)).reverse();
    assert.equal(verdict([...chain, get(20, 'k', [101, 102], 'l')]), 'PASSED');
    assert.equal(verdict([...chain, get(20, 'k', [101, 102], 'k')]), 'FAILED');
    assert.equal(verdict([...chain, get(20, 'k', [50, 102], 'k'), get(21, 'k', [50, 102], 'c')]), 'PASSED');
    assert.equal(verdict([...chain, get(20, 'k', [50, 60], 'k'), get(21, 'k', [61, 102], 'c')]), 'FAILED');
  });

  test('generated, widened and with writes that never returned: PASSED; with stale reads: FAILED', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const opts = { clients: 5, opsPerClient: 300, keys: ['k0', 'k1'], seed, slowOpRate: 0, widen: 8, pendingWrites: 20 };
      const ok = checkHistory(generateHistory(opts));
      assert.equal(ok.verdict, 'PASSED', `seed ${seed}: ${ok.violations.map((v) => v.summary).join('; ')}`);
      assert.equal(checkHistory(generateHistory({ ...opts, staleReadRate: 0.05 })).verdict, 'FAILED', `stale, seed ${seed}`);
    }
  });
});

describe('bounded work and memory', () => {
  const hard = generateHistory({ clients: 5, opsPerClient: 100, keys: ['a', 'b'], seed: 4, scans: true, slowOpRate: 0, widen: 10, pendingWrites: 5 });

  test('a memo cap too small ends the keys UNKNOWN (memory), not in a crash', () => {
    assert.equal(checkHistory(hard).verdict, 'PASSED');
    const r = checkHistory(hard, { memoBytes: 4096 });
    assert.equal(r.verdict, 'UNKNOWN');
    assert.deepEqual(r.undecided, [
      { key: 'a', reason: 'memory' },
      { key: 'b', reason: 'memory' },
    ]);
    assert.match(formatCheckReport(r, hard, { timeUnit: '' }).join('\n'), /memo reached its cap: key\(s\) a, b/);
  });

  test('the check can stop anywhere and resume: same verdict in small slices', () => {
    const run = new CheckRun(hard);
    let slices = 0;
    while (!run.advance(100)) slices++;
    assert.ok(slices > 10);
    assert.equal(run.result().verdict, 'PASSED');
  });

  test('stopped early, the keys not decided are named', () => {
    const run = new CheckRun(hard);
    run.advance(50);
    const r = run.result();
    assert.equal(r.verdict, 'UNKNOWN');
    assert.deepEqual(r.undecidedKeys, ['a', 'b']);
    assert.ok(r.undecided.every((u) => u.reason === 'time'));
  });

  test('a timed check reports progress and stops at its time limit', () => {
    const hopeless = generateHistory({ clients: 5, opsPerClient: 400, keys: ['a'], seed: 2, scans: false, slowOpRate: 0, widen: 300 });
    const lines: string[] = [];
    const t = runTimedCheck(hopeless, { timeoutMs: 400, progressEveryMs: 50, onProgress: (l) => lines.push(l) });
    assert.equal(t.timedOut, true);
    assert.equal(t.result.verdict, 'UNKNOWN');
    assert.deepEqual(t.result.undecidedKeys, ['a']);
    assert.ok(lines.length >= 1);
    assert.match(lines[0]!, /^ {2}checking: 0 \/ 1 keys decided; key a: [\d,]+ \/ 2,000 operations placed; memo [\d,]+ entries, \d+ MB; \d+ s$/);
  });

  test('counts are printed with their thousands separated by commas', () => {
    for (const n of [0, 7, 999, 1000, 41069, 999999, 1000000, 2972851, 123456789012]) assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
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
  test('linearizable by construction: PASSED', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const h = generateHistory({ clients: 5, opsPerClient: 400, keys: ['k0', 'k1', 'k2', 'k3', 'k4'], seed });
      // a few writes that never returned, carried to the end
      h.push({ client: 7, op: 'PUT', key: 'k1', value: 'lost-in-flight', call: 50, ret: null, result: null });
      h.push({ client: 8, op: 'SWAP', key: 'k2', value: 'lost-too', call: 900, ret: null, result: null });
      const r = checkHistory(h);
      assert.equal(r.verdict, 'PASSED', `seed ${seed}: ${r.violations.map((v) => v.summary).join('; ')}`);
    }
  });

  test('with stale reads or lost writes: FAILED', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const stale = generateHistory({ clients: 3, opsPerClient: 400, keys: ['k0', 'k1', 'k2'], seed, staleReadRate: 0.05 });
      assert.equal(checkHistory(stale).verdict, 'FAILED', `stale seed ${seed}`);
      const lost = generateHistory({ clients: 3, opsPerClient: 400, keys: ['k0', 'k1', 'k2'], seed, lostWriteRate: 0.05 });
      assert.equal(checkHistory(lost).verdict, 'FAILED', `lost seed ${seed}`);
    }
  });
});
