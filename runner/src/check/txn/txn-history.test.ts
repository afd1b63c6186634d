import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TxnHistoryError, formatBankLine, formatTxnLine, isTxnHistoryText, parseTxnHistoryText, parseTxnLine } from './txn-history';
import { append, read, txn, withOutcome } from '../../testing/txn-builders';

function parseError(text: string): string {
  try {
    parseTxnHistoryText(text, 'h.jsonl');
  } catch (err) {
    assert.ok(err instanceof TxnHistoryError, String(err));
    return err.message;
  }
  assert.fail('expected a TxnHistoryError');
}

describe('transactional history format', () => {
  test('a formatted history parses back to the same transactions, with their line numbers and the bank header', () => {
    const txns = [txn(0, 1, 5, append('x', '1'), read('y', null)), withOutcome(txn(1, 2, 9, append('x', '2')), 'aborted', 'lock_conflict'), withOutcome(txn(2, 3, null, read('x', '1')), 'unknown')];
    const text = [formatBankLine({ accounts: ['a', 'b'], total: 10 }), '', ...txns.map(formatTxnLine)].join('\n') + '\n';
    const h = parseTxnHistoryText(text, 'h.jsonl');
    assert.deepEqual(h.txns, txns);
    assert.deepEqual(h.lines, [3, 4, 5]);
    assert.deepEqual(h.bank, { accounts: ['a', 'b'], total: 10 });
  });

  test('the shape tells a transactional history from a single-operation one', () => {
    assert.equal(isTxnHistoryText('\n' + formatTxnLine(txn(0, 1, 2, append('x', '1')))), true);
    assert.equal(isTxnHistoryText(formatBankLine({ accounts: ['a'], total: 0 })), true);
    assert.equal(isTxnHistoryText('{"client": 0, "op": "GET", "key": "k", "call": 1, "ret": 2, "result": null}'), false);
    assert.equal(isTxnHistoryText('not json'), false);
  });

  test('a reason-less unknown transaction that never answered is the documented minimal line', () => {
    const r = parseTxnLine('{"client": 3, "call": 15, "ret": null, "outcome": "unknown", "ops": [{"op": "GET", "key": "x"}]}');
    assert.deepEqual(r, { ok: true, value: { client: 3, call: 15, ret: null, outcome: 'unknown', ops: [{ op: 'GET', key: 'x' }] } });
  });

  test('malformed lines are named with their line number, never a crash', () => {
    const good = formatTxnLine(txn(0, 1, 2, append('x', '1')));
    const cases: Array<[string, RegExp]> = [
      ['{"client": 0', /h\.jsonl:2: not JSON/],
      ['[1, 2]', /h\.jsonl:2: not a JSON object/],
      ['{"client": 0, "call": 1, "ret": 2, "outcome": "done", "ops": [{"op": "GET", "key": "x", "result": null}]}', /:2: "outcome" must be/],
      ['{"client": 0, "call": 1, "ret": null, "outcome": "committed", "ops": [{"op": "GET", "key": "x", "result": null}]}', /:2: a transaction without "ret" never answered/],
      ['{"client": 0, "call": 5, "ret": 2, "outcome": "committed", "ops": [{"op": "GET", "key": "x", "result": null}]}', /:2: "ret" \(2\) is before "call" \(5\)/],
      ['{"client": 0, "call": 1, "ret": 2, "outcome": "committed", "ops": []}', /:2: "ops" must be a non-empty list/],
      ['{"client": 0, "call": 1, "ret": 2, "outcome": "committed", "ops": [{"op": "GET", "key": "x"}]}', /:2: operation 1: a committed GET needs its "result"/],
      ['{"client": 0, "call": 1, "ret": 2, "outcome": "committed", "ops": [{"op": "APPEND", "key": "x", "elem": "a,b"}]}', /:2: operation 1: "elem" of APPEND must be a non-empty string without commas/],
      ['{"client": 0, "call": 1, "ret": 2, "outcome": "committed", "ops": [{"op": "INCR", "key": "x", "delta": 1.5}]}', /:2: operation 1: "delta" of INCR must be an integer/],
      ['{"client": 0, "call": 1, "ret": 2, "outcome": "committed", "ops": [{"op": "SCAN", "key": "x"}]}', /:2: operation 1: "op" must be GET, PUT, SWAP, DELETE, INCR or APPEND \(got "SCAN"\)/],
      ['{"client": 0, "op": "GET", "key": "k", "call": 1, "ret": 2, "result": null}', /:2: a single-operation record/],
      [formatTxnLine(txn(1, 3, 4, append('x', '1'))), /:2: element 1 is appended to x again \(first on line 1\)/],
    ];
    for (const [line, expected] of cases) assert.match(parseError(`${good}\n${line}\n`), expected);
  });

  test('a bad bank header is named too', () => {
    assert.match(parseError('{"bank": {"accounts": [], "total": 1}}\n'), /h\.jsonl:1: "accounts" of the bank must be a non-empty list/);
    assert.match(parseError('{"bank": {"accounts": ["a", "a"], "total": 1}}\n'), /names an account twice/);
    assert.match(parseError('{"bank": {"accounts": ["a"], "total": "lots"}}\n'), /"total" of the bank must be an integer/);
  });
});
