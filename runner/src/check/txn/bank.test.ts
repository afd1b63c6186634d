import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bankWorkloadProblem, checkBank } from './bank';
import { checkListAppend } from './list-append';
import { type BankSpec, type TxnRecord, txnHistory } from './txn-history';
import { formatBankReport } from './txn-report';
import { incr, read, txn, withOutcome } from '../../testing/txn-builders';

const spec: BankSpec = { accounts: ['a', 'b', 'c'], total: 100 };

/** a starts with 100 (set up before the recorded history), then two transfers. */
function transfers(): TxnRecord[] {
  return [
    txn(0, 0, 10, incr('a', -30), incr('b', 30)),
    txn(1, 20, 30, read('a', '70'), read('b', '30'), read('c', null)),
    withOutcome(txn(0, 40, 50, incr('b', -5), incr('c', 5)), 'aborted', 'lock_conflict'),
    withOutcome(txn(2, 40, null, incr('a', -1), incr('c', 1)), 'unknown'),
    txn(1, 60, 70, read('c', '1'), read('b', '30'), read('a', '69')),
    // A read of two accounts only is not a full read.
    txn(1, 80, 90, read('a', '69'), read('b', '0')),
  ];
}

describe('bank invariant', () => {
  test('every committed full read adds up to the total: no violation', () => {
    const h = txnHistory(transfers(), spec);
    assert.equal(bankWorkloadProblem(h, spec), undefined);
    const r = checkBank(h, spec);
    assert.deepEqual(r, { fullReads: 2, violations: [], violationCount: 0 });
    assert.deepEqual(formatBankReport(r, h, spec.total, { timeUnit: '' }), ['Bank invariant: 2 committed full reads, each adds up to 100']);
  });

  test('accounts are not list keys, even one only read: the list-append check leaves them alone', () => {
    const h = txnHistory([txn(0, 0, 10, incr('a', -30), incr('b', 30)), txn(1, 20, 30, read('a', '70'), read('b', '30'), read('c', '0'))], spec);
    const r = checkListAppend(h);
    assert.equal(r.verdict, 'PASSED', JSON.stringify(r.anomalies));
    assert.equal(r.stats.listKeys, 0);
    assert.equal(r.stats.otherKeys, 3);
    // Without the bank header, c's 0 is an element nobody appended.
    assert.equal(checkListAppend(txnHistory(h.txns)).verdict, 'FAILED');
  });

  test('a read that sees half a transfer is reported with its balances', () => {
    const txns = transfers();
    txns.push(txn(2, 100, 110, read('a', '69'), read('b', '30'), read('c', null)));
    const h = txnHistory(txns, spec);
    const r = checkBank(h, spec);
    assert.equal(r.violationCount, 1);
    assert.deepEqual(r.violations[0], { txn: 6, sum: 99, balances: [['a', '69'], ['b', '30'], ['c', null]], problem: 'the accounts add up to 99, not 100' });
    const lines = formatBankReport(r, h, spec.total, { timeUnit: '' });
    assert.equal(lines[0], 'Bank invariant violated: 1 of 3 committed full reads do not add up to 100');
    assert.equal(lines[1], '   #8: the accounts add up to 99, not 100; balances a=69 b=30 c=null');
  });

  test('a balance that is not an integer, and an account read twice with two values, are violations', () => {
    const bad = checkBank(txnHistory([txn(0, 0, 1, read('a', 'x'), read('b', null), read('c', null))], spec), spec);
    assert.equal(bad.violations[0]?.problem, 'the balance of a is not an integer');
    const twice = checkBank(txnHistory([txn(0, 0, 1, read('a', '100'), read('b', null), read('c', null), read('a', '90'))], spec), spec);
    assert.equal(twice.violations[0]?.problem, 'a read twice, as 100 then 90');
  });

  test('a history that is not a bank workload is refused, naming the transaction', () => {
    assert.deepEqual(bankWorkloadProblem(txnHistory([txn(0, 0, 1, incr('a', -5), incr('b', 4))], spec), spec), { txn: 0, message: 'its INCRs of accounts add up to -1, not 0: not a transfer' });
    const put: TxnRecord = txn(0, 0, 1, { op: 'PUT', key: 'a', value: '5' });
    assert.match(bankWorkloadProblem(txnHistory([put], spec), spec)?.message ?? '', /PUT of account a/);
  });
});
