import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientStats, formatTemplateHeader, formatTemplatePhase, formatYcsbLines, mergeAsTemplate } from './stats';

function client(ms: number, reads: number[], updates: number[]): ClientStats {
  const c = new ClientStats();
  c.startMs = 0;
  c.endMs = ms;
  for (const r of reads) c.record('READ', r);
  for (const u of updates) c.record('UPDATE', u);
  c.transactions = reads.length + updates.length;
  return c;
}

test("the template's merge: time max, throughput and counts summed, mean of averages, min, max, p99 max", () => {
  const a = client(1000, [100, 100, 100, 100], [200]);
  const b = client(2000, [300, 300], []);
  const m = mergeAsTemplate([a, b]);
  assert.equal(m.totalMs, 2000);
  assert.equal(m.throughput, 5 + 1);
  assert.deepEqual(m.ops.get('READ'), { ops: 6, avg: 200, min: 100, max: 300, p99: 300 });
  assert.deepEqual(m.ops.get('UPDATE'), { ops: 1, avg: 200, min: 200, max: 200, p99: 200 });
});

test("the template's block, character for character", () => {
  const m = mergeAsTemplate([client(1530, [80, 120], [300])]);
  assert.equal(formatTemplateHeader('a', 10), 'Benchmarking results:  YCSB-a  10 clients');
  assert.deepEqual(formatTemplatePhase('Run', m), [
    '  [Run]     1530 ms',
    '    Throughput:       1.96 ops/sec',
    '    Latency:    READ    ops      2  avg    100.00  min     80  max    120  p99    120  us',
    '                UPDATE  ops      1  avg    300.00  min    300  max    300  p99    300  us',
  ]);
  assert.equal(formatTemplatePhase('Load', m)[0], '  [Load]    1530 ms');
});

test("YCSB's own measurement lines", () => {
  const lines = formatYcsbLines([client(1000, [100, 300], [])], 1000);
  assert.deepEqual(lines.slice(0, 4), ['[OVERALL], RunTime(ms), 1000', '[OVERALL], Throughput(ops/sec), 2', '[READ], Operations, 2', '[READ], AverageLatency(us), 200']);
  assert.ok(lines.includes('[READ], 50thPercentileLatency(us), 100'));
  assert.ok(lines.includes('[READ], 99thPercentileLatency(us), 300'));
});
