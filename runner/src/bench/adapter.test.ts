import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { SeededRandom } from '../random';
import { CoreWorkload, WORKLOADS, WORKLOAD_NAMES } from './workload';
import { basicDbLineToCalls, kvValue, newKeySet, printedFields, scanEndKey, toCalls } from './adapter';

test('values are the printed tokens after [ each prefixed with _, as the template sends them', () => {
  assert.equal(kvValue(printedFields([['field1', 'ab c'], ['field0', 'xyz']])), '_field1=ab_c_field0=xyz_]');
});

test("YCSB's DEL bytes (0x7f) reach the client unchanged, as the template sends them", () => {
  assert.equal(kvValue(' field0=a\x7fb \x7f ]'), '_field0=a\x7fb_\x7f_]');
  const calls = toCalls({ op: 'INSERT', key: 'user1', fields: [['field0', '\x7f\x7f']] }, newKeySet());
  assert.deepEqual(calls, [{ op: 'PUT', key: 'usertable_user1', value: '_field0=\x7f\x7f_]' }]);
});

test('YCSB operations become client commands', () => {
  const inserted = newKeySet();
  assert.deepEqual(toCalls({ op: 'INSERT', key: 'user1', fields: [['field0', 'v']] }, inserted), [{ op: 'PUT', key: 'usertable_user1', value: '_field0=v_]' }]);
  assert.deepEqual(toCalls({ op: 'READ', key: 'user1' }, inserted), [{ op: 'GET', key: 'usertable_user1' }]);
  assert.deepEqual(toCalls({ op: 'UPDATE', key: 'user1', fields: [['field3', 'w']] }, inserted), [{ op: 'SWAP', key: 'usertable_user1', value: '_field3=w_]' }]);
  assert.deepEqual(
    toCalls({ op: 'READ-MODIFY-WRITE', key: 'user1', fields: [['field3', 'w']] }, inserted).map((c) => c.op),
    ['GET', 'SWAP'],
  );
  assert.ok(inserted.has('usertable_user1'));
});

test('a SCAN ends at the count-th inserted key at or after its start, else the last one', () => {
  const s = newKeySet();
  assert.equal(scanEndKey(s, 'usertable_user5', 3), 'zzzzzzzz');
  for (const k of ['usertable_user1', 'usertable_user3', 'usertable_user5', 'usertable_user7']) s.set(k, true);
  assert.equal(scanEndKey(s, 'usertable_user3', 1), 'usertable_user3');
  assert.equal(scanEndKey(s, 'usertable_user3', 2), 'usertable_user5');
  assert.equal(scanEndKey(s, 'usertable_user2', 2), 'usertable_user5');
  assert.equal(scanEndKey(s, 'usertable_user5', 10), 'usertable_user7');
  assert.equal(scanEndKey(s, 'usertable_user8', 1), 'usertable_user7');
});

test("lines printed by YCSB's basic binding translate the same way", () => {
  const s = newKeySet();
  assert.deepEqual(basicDbLineToCalls('INSERT usertable user42 [ field1=a b field0=c ]', s), {
    ycsbOp: 'INSERT',
    calls: [{ op: 'PUT', key: 'usertable_user42', value: '_field1=a_b_field0=c_]' }],
  });
  assert.deepEqual(basicDbLineToCalls('READ usertable user42 [ <all fields>]', s), { ycsbOp: 'READ', calls: [{ op: 'GET', key: 'usertable_user42' }] });
  assert.deepEqual(basicDbLineToCalls('SCAN usertable user40 5 [ <all fields>]', s), {
    ycsbOp: 'SCAN',
    calls: [{ op: 'SCAN', start: 'usertable_user40', end: 'usertable_user42' }],
  });
  assert.equal(basicDbLineToCalls('"recordcount"="1000"', s), undefined);
  assert.equal(basicDbLineToCalls('[OVERALL], RunTime(ms), 10', s), undefined);
});

test("a value is every space-separated token of the printed fields, each prefixed with '_', for any text", () => {
  const byTokens = (printed: string): string => printed.split(' ').filter((t) => t.length > 0).map((t) => `_${t}`).join('');
  const rnd = new SeededRandom(4);
  const alphabet = '  a=\t\x7f]';
  for (let i = 0; i < 5000; i++) {
    let s = '';
    for (let n = rnd.nextInt(12); n > 0; n--) s += alphabet[rnd.nextInt(alphabet.length)];
    assert.equal(kvValue(s), byTokens(s), JSON.stringify(s));
  }
});

test('the YCSB trace of every workload is the one it has always been (a digest of its first 800 operations)', () => {
  // Digests of the commands the built-in engine sends for seed 7 (300 load inserts, then 500
  // transactions); a change here changes every benchmark's load, so it must be deliberate.
  const expected: Record<string, string> = {
    a: '9917180d8f1c41e2a9263bc69535b851',
    b: 'df574618423bf373a895fed8a083ac95',
    c: '74ffd53b57d3c9ec0e0419b3c934c344',
    d: 'beacdad0c88cecedbc720f99f9bbadeb',
    e: 'b0ef51df78dc668b9e37377f7e0fcd22',
    f: '9c1ae317e34408ea55e3bb41d247e62b',
  };
  for (const w of WORKLOAD_NAMES) {
    const h = createHash('sha256');
    const workload = new CoreWorkload(WORKLOADS[w], new SeededRandom(7), 500);
    const inserted = newKeySet();
    for (let i = 0; i < 300; i++) h.update(JSON.stringify(toCalls(workload.nextInsert(), inserted)));
    for (let i = 0; i < 500; i++) h.update(JSON.stringify(toCalls(workload.nextTransaction(), inserted)));
    assert.equal(h.digest('hex').slice(0, 32), expected[w], `workload ${w}`);
  }
});
