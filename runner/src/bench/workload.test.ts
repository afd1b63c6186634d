import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random';
import { CoreWorkload, WORKLOADS, javaHashMapOrder, randomFieldValue } from './workload';

test('the load phase inserts records 0..recordcount-1 in hashed key order with 10 fields of 100 bytes', () => {
  const w = new CoreWorkload(WORKLOADS.a, new SeededRandom(1), 10000);
  const first = w.nextInsert();
  assert.equal(first.op, 'INSERT');
  assert.equal(first.key, 'user6284781860667377211');
  assert.equal(first.op === 'INSERT' && first.fields.length, 10);
  assert.ok(first.op === 'INSERT' && first.fields.every(([, v]) => v.length === 100));
  assert.equal(w.nextInsert().key, 'user8517097267634966620');
});

test('operation mixes follow the workload files', () => {
  const mix = (name: keyof typeof WORKLOADS): Record<string, number> => {
    const w = new CoreWorkload(WORKLOADS[name], new SeededRandom(2), 10000);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10000; i++) {
      const op = w.nextTransaction().op;
      counts[op] = (counts[op] ?? 0) + 1;
    }
    return counts;
  };
  const a = mix('a');
  assert.ok(Math.abs(a['READ']! - 5000) < 300 && Math.abs(a['UPDATE']! - 5000) < 300);
  assert.deepEqual(Object.keys(mix('c')), ['READ']);
  const d = mix('d');
  assert.ok(Math.abs(d['INSERT']! - 500) < 100, JSON.stringify(d));
  const e = mix('e');
  assert.ok(Math.abs(e['SCAN']! - 9500) < 150 && Math.abs(e['INSERT']! - 500) < 150);
  const f = mix('f');
  assert.ok(Math.abs(f['READ-MODIFY-WRITE']! - 5000) < 300);
});

test('run-phase keys are loaded records, or ones this client inserted', () => {
  const w = new CoreWorkload(WORKLOADS.d, new SeededRandom(3), 10000);
  const load = new CoreWorkload(WORKLOADS.d, new SeededRandom(3), 10000);
  const known = new Set<string>();
  for (let i = 0; i < 1000; i++) known.add(load.nextInsert().key);
  for (let i = 0; i < 5000; i++) {
    const op = w.nextTransaction();
    if (op.op === 'INSERT') known.add(op.key);
    else assert.ok(known.has(op.key), `${op.op} of unknown ${op.key}`);
  }
});

test('scan lengths are uniform in 1..100 for workload E', () => {
  const w = new CoreWorkload(WORKLOADS.e, new SeededRandom(4), 10000);
  const lengths = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const op = w.nextTransaction();
    if (op.op === 'SCAN') {
      assert.ok(op.count >= 1 && op.count <= 100);
      lengths.add(op.count);
    }
  }
  assert.equal(lengths.size, 100);
});

test("random field bytes are YCSB's: printable from space, with the occasional 0x7f", () => {
  const v = randomFieldValue(new SeededRandom(5), 6000);
  assert.equal(v.length, 6000);
  for (const ch of v) assert.ok(ch.charCodeAt(0) >= 32 && ch.charCodeAt(0) <= 127);
  assert.ok(v.includes(' '));
});

test('fields print in java.util.HashMap order', () => {
  const order = javaHashMapOrder(Array.from({ length: 10 }, (_, i) => `field${i}`));
  assert.equal(order.length, 10);
  assert.deepEqual([...order].sort(), Array.from({ length: 10 }, (_, i) => `field${i}`));
});
