import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Audit, type FinalState, type Transfer, checkLedger, ledgerElements, transferOps } from './transfer-ledger';

function transfer(id: string, from: string, to: string, amount: number, outcome: Transfer['outcome']): Transfer {
  return { id, from, to, amount, fromLedger: `L${from}`, toLedger: `L${to}`, outcome };
}

/** The state the transfers marked present leave. */
function stateOf(present: Transfer[]): FinalState {
  const balances = new Map<string, number>();
  const ledgers = new Map<string, string[]>();
  for (const t of present) {
    balances.set(t.from, (balances.get(t.from) ?? 0) - t.amount);
    balances.set(t.to, (balances.get(t.to) ?? 0) + t.amount);
    for (const l of [t.fromLedger, t.toLedger]) ledgers.set(l, [...(ledgers.get(l) ?? []), t.id]);
  }
  return { balances, ledgers };
}

const t1 = transfer('c0-1', 'a', 'b', 5, 'committed');
const t2 = transfer('c1-1', 'b', 'c', 3, 'committed');
const t3 = transfer('c1-2', 'c', 'a', 7, 'aborted');
const t4 = transfer('c2-1', 'a', 'c', 2, 'unknown');

test('a transfer is two INCRs and two APPENDs of its id', () => {
  assert.deepEqual(transferOps(t1), [
    { op: 'incr', key: 'a', delta: -5 },
    { op: 'incr', key: 'b', delta: 5 },
    { op: 'append', key: 'La', elem: 'c0-1' },
    { op: 'append', key: 'Lb', elem: 'c0-1' },
  ]);
  assert.deepEqual(ledgerElements(null), []);
  assert.deepEqual(ledgerElements('x,y'), ['x', 'y']);
});

test('committed transfers present, aborted absent, unknown either way: no problem', () => {
  for (const unknownTookEffect of [true, false]) {
    const present = unknownTookEffect ? [t1, t2, t4] : [t1, t2];
    const v = checkLedger([t1, t2, t3, t4], [{ client: 0, balances: new Map([['a', -5], ['b', 5]]) }], stateOf(present));
    assert.deepEqual(v.problems, []);
    assert.equal(v.applied, present.length);
    assert.equal(v.unknownApplied, unknownTookEffect ? 1 : 0);
    assert.equal(v.unknownLost, unknownTookEffect ? 0 : 1);
  }
});

test('an acknowledged transfer missing from the final state is reported as lost', () => {
  const v = checkLedger([t1, t2], [], stateOf([t1]));
  assert.equal(v.problems.length, 1);
  assert.match(v.problems[0]!, /acknowledged but lost \(1\): c1-1/);
});

test('a transfer visible in one ledger only breaks all-or-nothing (and the balances)', () => {
  const state = stateOf([t1]);
  state.ledgers.set('Lb', []);
  state.balances.set('b', 0);
  const v = checkLedger([t1], [], state);
  assert.ok(v.problems.some((p) => /applied in part.*c0-1 \(committed\) is in La but not in Lb/.test(p)), v.problems.join('\n'));
  assert.ok(v.problems.some((p) => /sum to -5/.test(p)), v.problems.join('\n'));
});

test('an aborted transfer that left its effects, and one applied twice, are reported', () => {
  const aborted = checkLedger([t1, t3], [], stateOf([t1, t3]));
  assert.ok(aborted.problems.some((p) => /aborted but visible \(1\): c1-2/.test(p)), aborted.problems.join('\n'));
  const twice = checkLedger([t1], [], stateOf([t1, t1]));
  assert.ok(twice.problems.some((p) => /applied twice.*c0-1 twice in La/.test(p)), twice.problems.join('\n'));
  assert.ok(twice.problems.some((p) => /balances that do not match.*a is -10, the transfers present make it -5/.test(p)), twice.problems.join('\n'));
});

test('an id no transfer wrote, and an audit that saw money appear, are reported', () => {
  const state = stateOf([t1]);
  state.ledgers.set('Lz', ['ghost']);
  const audit: Audit = { client: 3, balances: new Map([['a', -5], ['b', 0]]) };
  const v = checkLedger([t1], [audit], state);
  assert.ok(v.problems.some((p) => /ids no transfer wrote there \(1\): ghost in Lz/.test(p)), v.problems.join('\n'));
  assert.ok(v.problems.some((p) => /audits whose balances do not sum to 0 \(1\): client 3 read a total of -5/.test(p)), v.problems.join('\n'));
});
