import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { checkBank } from './bank';
import { checkListAppend } from './list-append';
import { type TxnHistoryOp, type TxnRecord, txnHistory } from './txn-history';
import { buildTxnPage } from './txn-page';
import { renderTxnPage } from './txn-page-html';

const txn = (client: number, call: number, ret: number | null, ops: TxnHistoryOp[], outcome: TxnRecord['outcome'] = 'committed'): TxnRecord => ({ client, call, ret, outcome, ops });
const append = (key: string, elem: string): TxnHistoryOp => ({ op: 'APPEND', key, elem });
const get = (key: string, result: string | null): TxnHistoryOp => ({ op: 'GET', key, result });

describe("the transactional checker's page", () => {
  test('a stale read after a committed append: one section, its two transactions by call time, the cycle\'s rt and rw edges', () => {
    const h = txnHistory([txn(1, 20, 30, [get('x', null)]), txn(0, 0, 10, [append('x', '1')])]);
    const page = buildTxnPage(checkListAppend(h), h, undefined, { timeUnit: 'us', elapsedMs: 1, source: 'h.jsonl' });
    assert.equal(page.verdict, 'FAILED');
    assert.equal(page.sections.length, 1);
    const s = page.sections[0]!;
    assert.match(s.title, /real-time violation/);
    assert.deepEqual(s.txns.map((t) => [t.name, t.call, t.ret]), [['#2', 0, 10], ['#1', 20, 30]]);
    assert.deepEqual(s.edges.map((e) => e.type).sort(), ['rt', 'rw']);
    assert.ok(s.edges.every((e) => e.text.length > 0));
    const html = renderTxnPage(page);
    assert.equal(html.match(/data-role="bar"/g)?.length, 2);
    assert.equal(html.match(/data-role="edge-arrow"/g)?.length, 2);
    assert.match(html, /<tr data-op="1" data-role="txn"><td>#2<\/td>/);
  });

  test('a history strictly serializable: PASSED and nothing drawn', () => {
    const h = txnHistory([txn(0, 0, 10, [append('x', '1')]), txn(1, 20, 30, [get('x', '1')])]);
    const html = renderTxnPage(buildTxnPage(checkListAppend(h), h, undefined, { timeUnit: '', elapsedMs: 1 }));
    assert.match(html, /id="verdict">PASSED</);
    assert.match(html, /nothing to show/);
    assert.doesNotMatch(html, /data-role="anomaly"/);
  });

  test('a transaction never answered is drawn open to the right edge; an aborted read\'s writer is shown with its reason', () => {
    const h = txnHistory([
      { ...txn(0, 0, 5, [append('k', '7')], 'aborted'), reason: 'conflict' },
      txn(1, 10, null, [get('k', '7')], 'unknown'),
      txn(2, 12, 20, [get('k', '7')]),
    ]);
    const page = buildTxnPage(checkListAppend(h), h, undefined, { timeUnit: 'us', elapsedMs: 1 });
    const g1a = page.sections.find((s) => s.title.startsWith('G1a'));
    assert.ok(g1a, page.sections.map((s) => s.title).join(' | '));
    assert.deepEqual(g1a.txns.map((t) => t.outcome), ['aborted (conflict)', 'committed']);
    const withOpen = buildTxnPage({ ...checkListAppend(h), anomalies: [{ kind: 'G1a', reader: 1, key: 'k', elem: '7', writer: 0 }] }, h, undefined, { timeUnit: 'us', elapsedMs: 1 });
    assert.match(renderTxnPage(withOpen), /<g class="txnbar open" data-op="1"/);
  });

  test('bank invariant violations get a section each; counts beyond the witnesses are listed, not drawn', () => {
    const h = txnHistory(
      [txn(0, 0, 10, [{ op: 'INCR', key: 'a', delta: -3 }, { op: 'INCR', key: 'b', delta: 3 }]), txn(1, 20, 30, [get('a', '7'), get('b', null)])],
      { accounts: ['a', 'b'], total: 10 },
    );
    const bank = checkBank(h, h.bank!);
    const page = buildTxnPage(checkListAppend(h), h, bank, { timeUnit: '', elapsedMs: 1 });
    assert.equal(page.verdict, 'FAILED');
    // The bank declaration is line 1 of such a file, so the reading transaction is line 3.
    assert.deepEqual(page.sections.map((s) => s.txns.map((t) => t.name)), [['#3']]);
    const many = buildTxnPage(checkListAppend(h), h, { ...bank, violationCount: 4 }, { timeUnit: '', elapsedMs: 1 });
    assert.deepEqual(many.more, ['3 more bank invariant violations']);
  });

  test('every string from the history is escaped', () => {
    const key = '<script>alert(1)</script>';
    const h = txnHistory([txn(0, 0, 10, [append(key, '1')]), txn(1, 20, 30, [get(key, null)])]);
    const html = renderTxnPage(buildTxnPage(checkListAppend(h), h, undefined, { timeUnit: '', elapsedMs: 1, source: '"><b>' }));
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /"><b>/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });
});
