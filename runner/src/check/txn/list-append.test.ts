import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Anomaly, type AnomalyKind, type TxnCheckResult, checkListAppend } from './list-append';
import { type TxnRecord, txnHistory } from './txn-history';
import { formatTxnCheckReport } from './txn-report';
import { append, read, txn, withOutcome } from '../../testing/txn-builders';

function check(...txns: TxnRecord[]): TxnCheckResult {
  return checkListAppend(txnHistory(txns));
}

/** The kinds found, in report order. */
function kinds(r: TxnCheckResult): AnomalyKind[] {
  return [...new Set(r.anomalies.map((a) => a.kind))];
}

function only<K extends AnomalyKind>(r: TxnCheckResult, kind: K): Anomaly & { kind: K } {
  const a = r.anomalies.filter((x): x is Anomaly & { kind: K } => x.kind === kind);
  assert.equal(a.length, 1, `one ${kind} expected, got ${JSON.stringify(r.anomalies)}`);
  return a[0]!;
}

/** The cycle as `txn index -edge-> ...`, starting anywhere. */
function cycleOf(a: Anomaly): string[] {
  assert.ok('steps' in a);
  return a.steps.map((s) => `${s.txn}-${s.edge.type}`);
}

describe('list-append checker: legal histories', () => {
  test('appends read back in order, serially: PASSED with the ww, wr, rw and rt edges of the order', () => {
    const r = check(txn(0, 0, 10, append('x', '1')), txn(1, 20, 30, read('x', '1'), append('x', '2')), txn(0, 40, 50, read('x', '1,2')));
    assert.equal(r.verdict, 'PASSED', JSON.stringify(r.anomalies));
    assert.deepEqual(r.stats.edges, { ww: 1, wr: 2, rw: 0, rt: 2 });
  });

  test('concurrent transactions that serialize in some order other than their call order: PASSED', () => {
    // T1 reads before T0's append takes effect although T0 was called first; they overlap.
    const r = check(txn(0, 0, 50, append('x', '1')), txn(1, 10, 40, read('x', null)), txn(2, 60, 70, read('x', '1')));
    assert.equal(r.verdict, 'PASSED', JSON.stringify(r.anomalies));
  });

  test('an aborted transaction nobody saw changes nothing: PASSED', () => {
    const r = check(withOutcome(txn(0, 0, 10, append('x', '9')), 'aborted', 'lock_conflict'), txn(1, 20, 30, read('x', null)), txn(1, 40, 50, append('x', '1')), txn(2, 60, 70, read('x', '1')));
    assert.equal(r.verdict, 'PASSED', JSON.stringify(r.anomalies));
    assert.equal(r.stats.aborted, 1);
  });

  test('an unknown transaction that a read saw committed: PASSED, counted as seen', () => {
    const r = check(withOutcome(txn(0, 0, null, append('x', '5'), read('y', null)), 'unknown'), txn(1, 20, 30, read('x', '5')));
    assert.equal(r.verdict, 'PASSED', JSON.stringify(r.anomalies));
    assert.equal(r.stats.unknownSeen, 1);
  });

  test('an unknown transaction nobody saw may not have committed: PASSED', () => {
    const r = check(withOutcome(txn(0, 0, 10, append('x', '5')), 'unknown', 'connection_lost'), txn(1, 20, 30, read('x', null)));
    assert.equal(r.verdict, 'PASSED', JSON.stringify(r.anomalies));
    assert.equal(r.stats.unknownSeen, 0);
  });

  test('an unknown transaction may take effect after its answer: a read between sees nothing, a later one sees it: PASSED', () => {
    const r = check(withOutcome(txn(0, 0, 10, append('x', '1')), 'unknown', 'timeout'), txn(1, 20, 30, read('x', null)), txn(1, 40, 50, read('x', '1')));
    assert.equal(r.verdict, 'PASSED', JSON.stringify(r.anomalies));
    // The same with the answer COMMITTED is a stale read (see the real-time tests).
    assert.equal(check(txn(0, 0, 10, append('x', '1')), txn(1, 20, 30, read('x', null)), txn(1, 40, 50, read('x', '1'))).verdict, 'FAILED');
  });

  test('a transaction reads its own appends on top of what it read before: PASSED', () => {
    const r = check(txn(0, 0, 10, append('x', '1')), txn(1, 20, 30, read('x', '1'), append('x', '2'), read('x', '1,2'), append('x', '3'), read('x', '1,2,3')));
    assert.equal(r.verdict, 'PASSED', JSON.stringify(r.anomalies));
  });
});

describe('list-append checker: each anomaly class, with its witness', () => {
  test('G0: two transactions append to x and y in opposite orders', () => {
    const r = check(
      txn(0, 0, 50, append('x', '1'), append('y', '2')),
      txn(1, 0, 50, append('x', '3'), append('y', '4')),
      txn(2, 60, 70, read('x', '1,3'), read('y', '4,2')),
    );
    assert.equal(r.verdict, 'FAILED');
    assert.equal(kinds(r)[0], 'G0');
    const g0 = only(r, 'G0');
    assert.equal(g0.steps.length, 2);
    assert.ok(g0.steps.every((s) => s.edge.type === 'ww'));
  });

  test('G1a: a read sees an element of an aborted transaction', () => {
    const r = check(withOutcome(txn(0, 0, 10, append('x', '1')), 'aborted', 'validation_failed'), txn(1, 20, 30, read('x', '1')));
    assert.deepEqual(kinds(r), ['G1a']);
    assert.deepEqual({ ...only(r, 'G1a') }, { kind: 'G1a', reader: 1, key: 'x', elem: '1', writer: 0 });
  });

  test('G1b: a read sees the first of two appends one transaction made to a key', () => {
    const r = check(txn(0, 0, 50, append('x', '1'), append('x', '2')), txn(1, 10, 40, read('x', '1')));
    assert.ok(kinds(r).includes('G1b'), JSON.stringify(r.anomalies));
    const g = only(r, 'G1b');
    assert.equal(g.elem, '1');
    assert.equal(g.finalElem, '2');
  });

  test('G1c: each of two transactions reads the other one’s append', () => {
    const r = check(txn(0, 0, 50, append('x', '1'), read('y', '2')), txn(1, 0, 50, append('y', '2'), read('x', '1')));
    assert.deepEqual(kinds(r), ['G1c']);
    assert.deepEqual(cycleOf(only(r, 'G1c')).sort(), ['0-wr', '1-wr']);
  });

  test('G-single (read skew): a read sees T’s append to y but not its append to x', () => {
    const r = check(txn(0, 0, 50, append('x', '1'), append('y', '2')), txn(1, 10, 40, read('x', null), read('y', '2')), txn(2, 60, 70, read('x', '1')));
    assert.deepEqual(kinds(r), ['G-single']);
    assert.deepEqual(cycleOf(only(r, 'G-single')).sort(), ['0-wr', '1-rw']);
  });

  test('G-single (lost update): two read-then-append transactions on x both read it empty', () => {
    const r = check(txn(0, 0, 50, read('x', null), append('x', '1')), txn(1, 0, 50, read('x', null), append('x', '2')), txn(2, 60, 70, read('x', '1,2')));
    assert.deepEqual(kinds(r), ['G-single']);
    assert.deepEqual(cycleOf(only(r, 'G-single')).sort(), ['0-ww', '1-rw']);
  });

  test('G2 (write skew): each transaction misses the other one’s append', () => {
    const r = check(txn(0, 0, 50, read('x', null), append('y', '1')), txn(1, 0, 50, read('y', null), append('x', '2')), txn(2, 60, 70, read('x', '2'), read('y', '1')));
    assert.deepEqual(kinds(r), ['G2']);
    assert.deepEqual(cycleOf(only(r, 'G2')).sort(), ['0-rw', '1-rw']);
  });

  test('real time: a read called after a committed append answered misses it (serializable, not strictly)', () => {
    const r = check(txn(0, 0, 10, append('x', '1')), txn(1, 20, 30, read('x', null)), txn(2, 40, 50, read('x', '1')));
    assert.deepEqual(kinds(r), ['realtime']);
    const a = only(r, 'realtime');
    assert.equal(a.detail, 'G-single-realtime');
    assert.deepEqual(cycleOf(a).sort(), ['0-rt', '1-rw']);
  });

  test('real time: a committed append nobody ever reads back is missed by a later read', () => {
    const r = check(txn(0, 0, 10, append('x', '1')), txn(1, 20, 30, read('x', null)));
    assert.deepEqual(kinds(r), ['realtime']);
    const rw = only(r, 'realtime').steps.find((s) => s.edge.type === 'rw');
    assert.deepEqual(rw?.edge, { type: 'rw', key: 'x', last: null, next: '1', unseen: true });
  });

  test('two concurrent appends nobody saw, each after reading the whole list: a cycle of two rw edges', () => {
    const r = check(txn(0, 0, 10, append('x', '1')), txn(1, 20, 30, read('x', '1')), txn(2, 40, 60, read('x', '1'), append('x', '2')), txn(3, 40, 60, read('x', '1'), append('x', '3')));
    assert.deepEqual(kinds(r), ['G2']);
  });

  test('internal: a transaction does not see its own append', () => {
    const r = check(txn(0, 0, 10, append('x', '1'), read('x', null)));
    assert.deepEqual(kinds(r), ['internal']);
  });

  test('internal: two reads of one key in a transaction find different states', () => {
    const r = check(txn(0, 0, 10, append('x', '1')), txn(1, 0, 10, read('x', null), read('x', '1')));
    assert.deepEqual(kinds(r), ['internal']);
  });

  test('incompatible orders: [1,2] and [1,3]', () => {
    const r = check(txn(0, 0, 10, append('x', '1')), txn(1, 20, 30, append('x', '2')), txn(2, 20, 30, append('x', '3')), txn(3, 40, 50, read('x', '1,2')), txn(4, 40, 50, read('x', '1,3')));
    assert.ok(kinds(r).includes('incompatible-order'), JSON.stringify(r.anomalies));
  });

  test('non-atomic: another element between one transaction’s two appends', () => {
    const r = check(txn(0, 0, 10, append('x', '1'), append('x', '3')), txn(1, 0, 10, append('x', '2')), txn(2, 40, 50, read('x', '1,2,3')));
    assert.ok(kinds(r).includes('non-atomic'), JSON.stringify(r.anomalies));
    assert.ok(kinds(r).includes('G0'), 'and the ww edges make a write cycle');
  });

  test('duplicate and garbage elements', () => {
    assert.deepEqual(kinds(check(txn(0, 0, 10, append('x', '1')), txn(1, 20, 30, read('x', '1,1')))), ['duplicate']);
    assert.deepEqual(kinds(check(txn(0, 0, 10, append('x', '1')), txn(1, 20, 30, read('x', '1,7')))), ['garbage']);
  });

  test('a witness reads on one screen: every transaction with client, times and ops, every edge with its reason', () => {
    const h = txnHistory([txn(0, 0, 50, append('x', '1'), append('y', '2')), txn(1, 10, 40, read('x', null), read('y', '2')), txn(2, 60, 70, read('x', '1'))]);
    const lines = formatTxnCheckReport(checkListAppend(h), h, { timeUnit: 'us' });
    assert.ok(lines.length <= 20, lines.join('\n'));
    const text = lines.join('\n');
    assert.match(text, /G-single/);
    assert.match(text, /#1 {6}client 0 {3}\[0us \.\. 50us\] +committed: APPEND x 1; APPEND y 2/);
    assert.match(text, /#2 {6}client 1 {3}\[10us \.\. 40us\] +committed: GET x -> null; GET y -> \[2\]/);
    assert.match(text, /wr y: #2 read y ending with 2, which #1 appended/);
    assert.match(text, /rw x: #2 read x empty, missing 1, which #1 appended next/);
  });
});

describe('list-append checker: limits', () => {
  test('past the edge budget the verdict is UNKNOWN and says why', () => {
    const txns = [txn(0, 0, 10, append('x', '1'))];
    for (let i = 0; i < 20; i++) txns.push(txn(i + 1, 20 + i, 100 + i, read('x', '1')));
    const r = checkListAppend(txnHistory(txns), { maxEdges: 5 });
    assert.equal(r.verdict, 'UNKNOWN');
    assert.match(r.undecided ?? '', /more than 5 dependency edges/);
  });
});

describe('list-append checker: witnesses are short', () => {
  test('a stale read long after the append: two transactions and one rt edge, not the chain of answers between them', () => {
    const txns = [txn(0, 0, 10, append('x', '1'))];
    // One client's transactions one after another: real time between #1 and the read is a chain.
    for (let i = 1; i <= 8; i++) txns.push(txn(1, i * 20, i * 20 + 10, append('y', String(i))));
    txns.push(txn(2, 500, 510, read('x', null)));
    txns.push(txn(2, 600, 610, read('x', '1')));
    const a = only(check(...txns), 'realtime');
    assert.deepEqual(cycleOf(a).sort(), ['0-rt', '9-rw']);
    assert.deepEqual(a.steps.find((s) => s.edge.type === 'rt')?.edge, { type: 'rt', ret: 10, call: 500 });
  });
});

describe('list-append checker: appends no read saw', () => {
  test('many reads of an empty list beside many concurrent appends nobody saw: PASSED with one rw edge per read, not reads x appends', () => {
    const txns: TxnRecord[] = [];
    for (let i = 0; i < 50; i++) txns.push(txn(i, 0, 100, read('x', null)));
    for (let i = 0; i < 50; i++) txns.push(txn(100 + i, 0, 100, append('x', String(i))));
    const r = check(...txns);
    assert.equal(r.verdict, 'PASSED', JSON.stringify(r.anomalies));
    assert.equal(r.stats.edges.rw, 50);
  });

  test('a read after two committed appends nobody else saw misses both: the witness names the append it missed', () => {
    const r = check(txn(0, 0, 10, append('x', '1')), txn(1, 0, 10, append('x', '2')), txn(2, 20, 30, read('x', null)));
    const a = only(r, 'realtime');
    assert.equal(a.steps.length, 2);
    const rw = a.steps.find((s) => s.edge.type === 'rw');
    assert.equal(rw?.txn, 2);
    assert.ok(rw?.edge.type === 'rw' && ['1', '2'].includes(rw.edge.next), JSON.stringify(rw));
  });

  test('two transactions that each read the whole list and append unseen: a cycle of two rw edges', () => {
    const r = check(txn(0, 0, 10, read('x', null), append('x', '1')), txn(1, 0, 10, read('x', null), append('x', '2')), txn(2, 0, 10, append('x', '3')));
    assert.deepEqual(kinds(r), ['G2']);
    assert.deepEqual(cycleOf(only(r, 'G2')).sort(), ['0-rw', '1-rw']);
  });
});

describe('list-append checker: bounded witness search', () => {
  test('rw edges that only a second rw edge can close do not use up the tries of the G-single search', () => {
    const r = checkListAppend(
      txnHistory([
        // Write skew on a and b (G2), whose rw edges come first...
        txn(0, 0, 50, read('a', null), append('b', '1')),
        txn(1, 0, 50, read('b', null), append('a', '2')),
        txn(2, 60, 70, read('a', '2'), read('b', '1')),
        // ... and a lost update on x (G-single).
        txn(3, 0, 50, read('x', null), append('x', '3')),
        txn(4, 0, 50, read('x', null), append('x', '4')),
        txn(5, 60, 70, read('x', '3,4')),
      ]),
      { cycleCandidates: 2 },
    );
    assert.deepEqual(kinds(r), ['G-single', 'G2']);
  });
});
