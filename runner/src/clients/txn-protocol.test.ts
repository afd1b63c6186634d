import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type TxnCallOp, type TxnLineStep, formatTxnBlock, txnAnswerReader } from './txn-protocol';

const ops: TxnCallOp[] = [
  { op: 'APPEND', key: 'x', elem: '0-1' },
  { op: 'GET', key: 'y' },
];

function feed(lines: string[]): TxnLineStep[] {
  const read = txnAnswerReader(ops);
  return lines.map((l) => read(l));
}

test('a block is the TXN line and one line per operation', () => {
  assert.equal(formatTxnBlock(ops), 'TXN 2\nAPPEND x 0-1\nGET y\n');
});

test('a committed answer runs from TXN COMMITTED to TXN END, one answer per operation', () => {
  const steps = feed(['TXN COMMITTED', 'APPEND x ok', '', 'GET y 3-4,0-2\r', 'TXN END']);
  assert.deepEqual(steps.slice(0, 4).map((s) => s.kind), ['more', 'more', 'more', 'more']);
  assert.deepEqual(steps[4], { kind: 'answer', answer: { outcome: 'committed', results: [{ op: 'APPEND' }, { op: 'GET', value: '3-4,0-2' }] } });
  assert.deepEqual(feed(['TXN COMMITTED', 'APPEND x ok', 'GET y null', 'TXN END'])[3], { kind: 'answer', answer: { outcome: 'committed', results: [{ op: 'APPEND' }, { op: 'GET', value: null }] } });
});

test('aborted and unknown answers are one line with their reason', () => {
  assert.deepEqual(feed(['TXN ABORTED lock_conflict'])[0], { kind: 'answer', answer: { outcome: 'aborted', reason: 'lock_conflict' } });
  assert.deepEqual(feed(['TXN UNKNOWN connection lost'])[0], { kind: 'answer', answer: { outcome: 'unknown', reason: 'connection lost' } });
});

test('anything else is an error quoting the line and the block', () => {
  const cases: string[][] = [['ERROR no cluster'], ['TXN ABORTED'], ['PUT x found'], ['TXN COMMITTED', 'GET y null'], ['TXN COMMITTED', 'APPEND x ok', 'GET z null'], ['TXN COMMITTED', 'APPEND x ok', 'GET y a', 'GET y a']];
  for (const lines of cases) {
    const last = feed(lines).pop()!;
    assert.equal(last.kind, 'error', lines.join(' | '));
    if (last.kind === 'error') assert.match(last.message, /^client answered '.*' to 'TXN 2; APPEND x 0-1; GET y': /);
  }
});
