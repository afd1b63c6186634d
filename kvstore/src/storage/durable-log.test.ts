import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DurableLog, RECORD_HEADER_BYTES, type NewLogEntry } from './durable-log';
import { StorageClosedError, StorageFailedError } from './errors';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'durable-log-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function entry(text: string, term = 0): NewLogEntry {
  return { term, payload: Buffer.from(text) };
}

function texts(log: DurableLog): string[] {
  return log.entries(log.firstIndex, log.lastIndex).map((e) => e.payload.toString());
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
}

test('a new log is empty and continues at index 1', async (t) => {
  const log = await DurableLog.open(path.join(await tempDir(t), 'new', 'log'));
  assert.equal(log.firstIndex, 1);
  assert.equal(log.lastIndex, 0);
  assert.deepEqual(log.entries(1, 0), []);
  assert.equal(log.term(1), undefined);
  assert.deepEqual(log.recovery, { segments: 0, records: 0, tornTail: null });
  await log.close();
});

test('appended records read back at once and after a reopen', async (t) => {
  const dir = await tempDir(t);
  const log = await DurableLog.open(dir);
  assert.equal(await log.append(entry('a', 1)), 1);
  assert.deepEqual(await log.append([entry('b', 1), entry('', 2), entry('d', 3)]), [2, 3, 4]);
  assert.deepEqual(await log.append([]), []);
  assert.deepEqual(texts(log), ['a', 'b', '', 'd']);
  assert.equal(log.term(3), 2);
  assert.deepEqual(log.entry(4), { index: 4, term: 3, payload: Buffer.from('d') });
  await log.close();

  const again = await DurableLog.open(dir);
  assert.deepEqual(again.recovery, { segments: 1, records: 4, tornTail: null });
  assert.equal(again.firstIndex, 1);
  assert.equal(again.lastIndex, 4);
  assert.deepEqual(texts(again), ['a', 'b', '', 'd']);
  assert.deepEqual(again.entries(2, 3).map((e) => [e.index, e.term]), [[2, 1], [3, 2]]);
  assert.equal(await again.append(entry('e')), 5, 'indexes continue after a reopen');
  await again.close();
});

test('group commit: 200 concurrent appends share a handful of fsyncs', async (t) => {
  const log = await DurableLog.open(await tempDir(t));
  const indexes = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(entry(`r${i}`))));
  assert.deepEqual(indexes, Array.from({ length: 200 }, (_, i) => i + 1), 'indexes follow call order');
  const stats = log.stats;
  assert.equal(stats.records, 200);
  // The first append starts alone; everything arriving during its fsync goes in the next batch.
  assert.ok(stats.batches <= 3, `expected ≤ 3 batches, got ${stats.batches}`);
  assert.ok(stats.fsyncs <= 4, `expected ≤ 4 fsyncs (batches + the directory of the new segment), got ${stats.fsyncs}`);
  await log.close();
});

test('a writer that keeps appending while others wait gets batched with them', async (t) => {
  const log = await DurableLog.open(await tempDir(t));
  const writers = 20;
  const perWriter = 25;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let n = 0; n < perWriter; n++) await log.append(entry(`w${w}-${n}`));
    }),
  );
  const { records, batches } = log.stats;
  assert.equal(records, writers * perWriter);
  assert.ok(batches <= perWriter + 2, `${records} records in ${batches} batches: expected about one batch per round of writers`);
  await log.close();
});

test('segments roll over at the size threshold; reads and reopen span them', async (t) => {
  const dir = await tempDir(t);
  const log = await DurableLog.open(dir, { segmentBytes: 100 });
  for (let i = 1; i <= 20; i++) await log.append(entry(`record-${i}`, Math.ceil(i / 5)));
  const files = await segmentFiles(dir);
  assert.ok(files.length >= 5, `expected several segments, got ${files.join(', ')}`);
  assert.equal(files[0], '00000000000000000001.log');
  for (const f of files) assert.ok((await stat(path.join(dir, f))).size < 100 + RECORD_HEADER_BYTES + 20);
  await log.close();

  const again = await DurableLog.open(dir, { segmentBytes: 100 });
  assert.equal(again.recovery.segments, files.length);
  assert.deepEqual(texts(again), Array.from({ length: 20 }, (_, i) => `record-${i + 1}`));
  assert.equal(again.term(20), 4);
  await again.close();
});

test('compactPrefix drops whole segments only; indexes continue after compaction and reopen', async (t) => {
  const dir = await tempDir(t);
  const log = await DurableLog.open(dir, { segmentBytes: 100 });
  for (let i = 1; i <= 20; i++) await log.append(entry(`record-${i}`));
  const before = await segmentFiles(dir);
  await log.compactPrefix(12);
  assert.equal(log.firstIndex, 13);
  assert.equal(log.term(12), undefined);
  assert.deepEqual(log.entries(13, 13).map((e) => e.payload.toString()), ['record-13']);
  const after = await segmentFiles(dir);
  assert.ok(after.length < before.length, 'old segments were deleted');
  const firstOnDisk = Number(after[0]!.slice(0, 20));
  assert.ok(firstOnDisk <= 13, 'the segment holding record 13 stays');
  assert.equal(await log.append(entry('record-21')), 21);
  await log.close();

  const again = await DurableLog.open(dir, { segmentBytes: 100 });
  assert.equal(again.firstIndex, firstOnDisk, 'after reopen the log starts at its first whole segment');
  assert.equal(again.lastIndex, 21);
  assert.equal(again.entry(13)!.payload.toString(), 'record-13');
  assert.equal(await again.append(entry('record-22')), 22);
  // Compacting everything keeps the last segment, so the log still knows where it continues.
  await again.compactPrefix(22);
  assert.equal(again.firstIndex, 23);
  assert.equal(again.lastIndex, 22);
  await again.close();
  const third = await DurableLog.open(dir, { segmentBytes: 100 });
  assert.equal(third.lastIndex, 22);
  assert.equal(await third.append(entry('record-23')), 23);
  await third.close();
});

test('truncateSuffix then append replaces a conflicting suffix, within and across segments', async (t) => {
  const dir = await tempDir(t);
  const log = await DurableLog.open(dir, { segmentBytes: 100 });
  for (let i = 1; i <= 20; i++) await log.append(entry(`old-${i}`, 1));
  await log.truncateSuffix(18);
  assert.equal(log.lastIndex, 17);
  assert.deepEqual(await log.append([entry('new-18', 2), entry('new-19', 2)]), [18, 19]);
  await log.truncateSuffix(6); // several segments back
  assert.equal(await log.append(entry('new-6', 3)), 6);
  await log.truncateSuffix(100); // beyond the end: nothing to do
  await log.close();

  const again = await DurableLog.open(dir, { segmentBytes: 100 });
  assert.deepEqual(texts(again), ['old-1', 'old-2', 'old-3', 'old-4', 'old-5', 'new-6']);
  assert.equal(again.term(6), 3);
  await again.close();
});

test('truncateSuffix and append queued without awaiting apply in call order', async (t) => {
  const dir = await tempDir(t);
  const log = await DurableLog.open(dir);
  const ops = [log.append([entry('a'), entry('b'), entry('c')]), log.truncateSuffix(2), log.append(entry('B')), log.append(entry('C'))];
  assert.deepEqual(texts(log), ['a', 'B', 'C'], 'reads see the result at once');
  assert.deepEqual(await Promise.all(ops), [[1, 2, 3], undefined, 2, 3]);
  await log.close();
  const again = await DurableLog.open(dir);
  assert.deepEqual(texts(again), ['a', 'B', 'C']);
  await again.close();
});

test('truncating everything after compaction keeps the place where the log continues', async (t) => {
  const dir = await tempDir(t);
  const log = await DurableLog.open(dir, { segmentBytes: 60 });
  for (let i = 1; i <= 10; i++) await log.append(entry(`r${i}`));
  await log.compactPrefix(7);
  await log.truncateSuffix(8);
  assert.equal(log.firstIndex, 8);
  assert.equal(log.lastIndex, 7);
  await log.close();
  const again = await DurableLog.open(dir, { segmentBytes: 60 });
  assert.ok(again.lastIndex === 7 && again.firstIndex <= 8);
  assert.equal(await again.append(entry('next')), 8);
  await again.close();
});

test('reset drops every record and continues at the given index, also after reopen', async (t) => {
  const dir = await tempDir(t);
  const log = await DurableLog.open(dir, { segmentBytes: 60 });
  for (let i = 1; i <= 10; i++) await log.append(entry(`r${i}`));
  await log.reset(501);
  assert.equal(log.firstIndex, 501);
  assert.equal(log.lastIndex, 500);
  assert.deepEqual(await segmentFiles(dir), ['00000000000000000501.log']);
  await log.close();
  const again = await DurableLog.open(dir);
  assert.equal(again.firstIndex, 501);
  assert.equal(await again.append(entry('x', 7)), 501);
  await again.close();

  const fresh = await DurableLog.open(path.join(dir, 'other'));
  await fresh.reset(42);
  assert.equal(await fresh.append(entry('y')), 42);
  await fresh.close();
});

test('bad arguments are refused with a RangeError that says why', async (t) => {
  const log = await DurableLog.open(await tempDir(t));
  await log.append([entry('a'), entry('b'), entry('c')]);
  await assert.rejects(log.append({ term: -1, payload: Buffer.alloc(0) }), /term must be an integer ≥ 0/);
  await assert.rejects(log.append({ term: 1.5, payload: Buffer.alloc(0) }), RangeError);
  await log.compactPrefix(1);
  await assert.rejects(log.truncateSuffix(1), /compacted away/);
  await assert.rejects(log.compactPrefix(10), /use reset\(11\)/);
  await assert.rejects(log.reset(0), RangeError);
  assert.throws(() => log.entries(1, 3), /outside the retained records \[2, 3\]/);
  assert.throws(() => log.entries(2, 4), RangeError);
  assert.equal(log.lastIndex, 3, 'refused calls change nothing');
  await log.close();
});

test('after close every operation rejects with StorageClosedError', async (t) => {
  const log = await DurableLog.open(await tempDir(t));
  const pending = log.append(entry('queued before close'));
  const closing = log.close();
  assert.equal(await pending, 1, 'operations queued before close still complete');
  await closing;
  await log.close();
  await assert.rejects(log.append(entry('late')), StorageClosedError);
  await assert.rejects(log.truncateSuffix(1), StorageClosedError);
});

test('after an I/O error every operation rejects with StorageFailedError until the log is reopened', async (t) => {
  const dir = path.join(await tempDir(t), 'vanishing');
  const log = await DurableLog.open(dir, { segmentBytes: 10 });
  await log.append(entry('first'));
  await rm(dir, { recursive: true });
  // The next append needs a new segment file in a directory that is gone.
  await assert.rejects(log.append(entry('second')), (err: unknown) => {
    assert.ok(err instanceof StorageFailedError);
    assert.match(err.message, /writing records 2\.\.2 on the log in .*vanishing failed: ENOENT/);
    assert.match(err.message, /unusable until it is closed and reopened/);
    return true;
  });
  await assert.rejects(log.append(entry('third')), StorageFailedError);
  await assert.rejects(log.truncateSuffix(1), StorageFailedError);
  await log.close();
});
