import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateHistory } from '../testing/history-gen';
import { lostUpdateHistory, staleReadHistory } from '../testing/check-page-examples';
import { type CheckResult, type Violation, checkHistory } from './checker';
import { type BarView, MAX_CONTEXT_BARS, MAX_CORE_BARS, MAX_KEYS, buildCheckPage, buildKeyView, opsOnKey } from './check-page';
import { escapeHtml, renderCheckPage } from './check-page-html';
import type { HistoryOp } from './history';

const roles = (bars: BarView[], role: BarView['role']): number[] => bars.filter((b) => b.role === role).map((b) => b.op + 1).sort((a, b) => a - b);

describe('the page model: which operations are highlighted', () => {
  test('a stale read: exactly the read is marked as impossible to place, with why, and the write before it as earlier', () => {
    const h = staleReadHistory();
    const result = checkHistory(h);
    assert.equal(result.verdict, 'FAILED');
    const page = buildCheckPage(result, h);
    const k = page.keys[0]!;
    assert.deepEqual(roles(k.bars, 'blocked'), [3]);
    assert.deepEqual(roles(k.bars, 'earlier'), [2]);
    assert.deepEqual(k.blocked.map((b) => [b.op + 1, b.reason]), [[3, "read 'a', but the value is 'b'"]]);
    assert.equal(k.blocked[0]!.valueThen, "the value then is 'b', left by the earlier write #2 PUT k 'b' -> found");
    assert.equal(k.startWriter, "#2 PUT k 'b' -> found");
    // Every operation on the key is drawn (a small history), the others as context.
    assert.deepEqual(k.bars.map((b) => b.op).sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(roles(k.bars, 'context'), [1, 4, 5]);
  });

  test('a lost update: the longest legal order is numbered and the SWAP that cannot follow it is marked', () => {
    const h = lostUpdateHistory();
    const page = buildCheckPage(checkHistory(h), h);
    const k = page.keys[0]!;
    const witness = [3, 4, 5, 6, 7];
    const inWitness = [...roles(k.bars, 'placed'), ...roles(k.bars, 'blocked'), ...roles(k.bars, 'open')].sort((a, b) => a - b);
    assert.deepEqual(inWitness, witness);
    assert.ok(k.blocked.length >= 1);
    for (const b of k.blocked) assert.match(b.reason, /returned old value '\w+', but the value is '\w+'|every order continuing with it fails later/);
    // Steps are numbered 1.. in order, the bars carry the same numbers, each step's value follows.
    assert.deepEqual(k.steps.map((s) => s.step), k.steps.map((_, i) => i + 1));
    for (const s of k.steps) assert.equal(k.bars.find((b) => b.op === s.op)?.step, s.step);
    const last = k.steps.at(-1)!;
    assert.match(k.blocked[0]!.valueThen, new RegExp(`the value then is ${last.valueAfter}`));
  });

  test('roles come from the violation: order, blocked with reasons, the rest of the witness open, earlier writes', () => {
    const h: HistoryOp[] = [
      { client: 0, op: 'PUT', key: 'x', value: 'p', call: 0, ret: 5, result: 'not_found' },
      { client: 1, op: 'PUT', key: 'x', value: 'q', call: 10, ret: 20, result: 'found' },
      { client: 2, op: 'GET', key: 'x', call: 12, ret: 18, result: 'z' },
      { client: 0, op: 'GET', key: 'x', call: 25, ret: 30, result: 'p' },
      { client: 3, op: 'PUT', key: 'x', value: 'r', call: 11, ret: null, result: null },
      { client: 4, op: 'GET', key: 'y', call: 0, ret: 1, result: null },
    ];
    const v: Violation = {
      key: 'x',
      summary: 'no order of these 4 operations on key x is legal',
      ops: [1, 2, 3, 4],
      context: [0],
      priorValues: ['p'],
      explanation: ['(hand-made)'],
      deepest: { startValue: 'p', order: [1], valuesAfter: ['q'], blocked: [{ op: 2, reason: "read 'z', but the value is 'q'" }], boundary: 2 },
    };
    const k = buildKeyView(v, h);
    assert.deepEqual(roles(k.bars, 'placed'), [2]);
    assert.deepEqual(roles(k.bars, 'blocked'), [3]);
    assert.deepEqual(roles(k.bars, 'open'), [4, 5]);
    assert.deepEqual(roles(k.bars, 'earlier'), [1]);
    assert.equal(k.bars.length, 5, 'the GET on key y is not drawn');
    const open = new Map(k.bars.filter((b) => b.role === 'open').map((b) => [b.op + 1, b.reason]));
    assert.match(open.get(4)!, /called after #3 returned/);
    assert.match(open.get(5)!, /never returned/);
    assert.equal(k.blocked[0]!.valueThen, "the value then is 'q', left by step 1: #2 PUT x 'q' -> found");
    assert.equal(k.startWriter, "#1 PUT x 'p' -> not_found");
  });

  test('a violation without a search (a SCAN out of its range) marks its operations with the summary', () => {
    const h: HistoryOp[] = [{ client: 0, op: 'SCAN', start: 'a', end: 'c', call: 0, ret: 1, result: [['d', 'v']] }];
    const result = checkHistory(h);
    const k = buildCheckPage(result, h).keys[0]!;
    assert.deepEqual(roles(k.bars, 'blocked'), [1]);
    assert.match(k.blocked[0]!.reason, /outside its range/);
    assert.equal(k.startValue, undefined);
  });

  test("the timeline: a client's bars never overlap in one row; a bar that never returned runs to the end", () => {
    const h = lostUpdateHistory();
    const k = buildCheckPage(checkHistory(h), h).keys[0]!;
    for (const a of k.bars) {
      for (const b of k.bars) if (a !== b && a.row === b.row) assert.ok(a.x1 < b.x0 || b.x1 < a.x0, `#${a.op + 1} and #${b.op + 1} overlap`);
      const lane = k.lanes.find((l) => l.client === a.client)!;
      assert.ok(a.row >= lane.firstRow && a.row < lane.firstRow + lane.rows);
      assert.equal(a.x1 === k.events.length, a.ret === null);
      assert.equal(k.events[a.x0], a.call);
    }
  });

  test('a big history is cut down to the witness and a little context; the rest is counted', () => {
    const keys = ['key00000', 'key00001'];
    const h = generateHistory({ clients: 5, opsPerClient: 2000, keys, seed: 5, scans: true, staleReadRate: 0.002 });
    const result = checkHistory(h);
    assert.equal(result.verdict, 'FAILED');
    const page = buildCheckPage(result, h);
    for (const k of page.keys) {
      assert.ok(k.bars.length <= MAX_CORE_BARS + MAX_CONTEXT_BARS, `${k.bars.length} bars`);
      assert.ok(k.bars.some((b) => b.role === 'blocked'));
      assert.equal(k.bars.length + k.hiddenBefore + k.hiddenNear + k.hiddenAfter + k.hiddenWitness, opsOnKey(h, k.key).length);
    }
    assert.ok(renderCheckPage(page).length < 400_000);
  });

  test('at most MAX_KEYS keys are drawn; the others are named', () => {
    const h = Array.from({ length: MAX_KEYS + 2 }, (_, i) => staleReadHistory(`k${String(i).padStart(2, '0')}`)).flat();
    const page = buildCheckPage(checkHistory(h), h);
    assert.equal(page.keys.length, MAX_KEYS);
    assert.deepEqual(page.moreKeys, [`k${MAX_KEYS}`, `k${MAX_KEYS + 1}`]);
  });
});

describe("the witness's longest order as data", () => {
  test('matches the explanation lines: the same order, the same reasons, values that follow step by step', () => {
    const histories = [staleReadHistory(), lostUpdateHistory(), generateHistory({ clients: 4, opsPerClient: 300, keys: ['a', 'b'], seed: 9, staleReadRate: 0.02, lostWriteRate: 0.02 })];
    let seen = 0;
    for (const h of histories) {
      for (const v of checkHistory(h).violations) {
        const d = v.deepest;
        if (d === undefined) continue;
        seen++;
        assert.equal(d.valuesAfter.length, d.order.length);
        for (const b of d.blocked) assert.ok(v.explanation.includes(`  #${b.op + 1}: ${b.reason}`), `#${b.op + 1} in ${v.explanation.join(' / ')}`);
        const tail = d.order.slice(-8).map((i) => `#${i + 1}`).join(', ');
        if (d.order.length > 0) assert.ok(v.explanation[0]!.includes(tail), v.explanation[0]);
        for (const op of [...d.order, ...d.blocked.map((b) => b.op)]) assert.ok(v.ops.includes(op));
      }
    }
    assert.ok(seen >= 3, `${seen} explained violations`);
  });
});

describe('the page: escaping and verdicts', () => {
  test('escapeHtml escapes the five characters that matter in text and quoted attributes', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  test('keys and values from the history never reach the page unescaped', () => {
    const key = `k<b>&"q'`;
    const value = `<script>x</script>`;
    const h: HistoryOp[] = [
      { client: 0, op: 'PUT', key, value, call: 0, ret: 10, result: 'not_found' },
      { client: 1, op: 'GET', key, call: 20, ret: 30, result: null },
    ];
    const result = checkHistory(h);
    assert.equal(result.verdict, 'FAILED');
    const html = renderCheckPage(buildCheckPage(result, h, { source: `/tmp/a<b>.jsonl` }));
    assert.ok(!html.includes(key) && !html.includes('<b>'), 'the raw key is not in the page');
    assert.ok(!html.includes(value));
    assert.equal(html.split('<script>').length - 1, 1, "only the page's own script");
    assert.ok(html.includes('k&lt;b&gt;&amp;&quot;q&#39;'));
    assert.ok(html.includes('&lt;script&gt;x&lt;/script&gt;'));
    assert.ok(html.includes('/tmp/a&lt;b&gt;.jsonl'));
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'nothing loaded from elsewhere');
  });

  test('a PASSED page says so briefly, an UNKNOWN one names the keys left undecided', () => {
    const passed = renderCheckPage(buildCheckPage(checkHistory([]), []));
    assert.match(passed, /Linearizability check: <span class="verdict PASSED"[^>]*>PASSED/);
    assert.match(passed, /Every key's history is linearizable/);
    assert.ok(!passed.includes('<section'));
    const unknown: CheckResult = { ...checkHistory([]), verdict: 'UNKNOWN', undecided: [{ key: 'a&b', reason: 'time' }], undecidedKeys: ['a&b'] };
    const html = renderCheckPage(buildCheckPage(unknown, []));
    assert.match(html, /did not decide every key/);
    assert.match(html, /<code>a&amp;b<\/code> \(time limit\)/);
  });

  test('the page carries a note, e.g. a client failure', () => {
    const html = renderCheckPage(buildCheckPage(checkHistory([]), [], { notes: ['Client failure: client 0 exited with code 3 <eof>'] }));
    assert.match(html, /<p class="note">Client failure: client 0 exited with code 3 &lt;eof&gt;<\/p>/);
  });
});
