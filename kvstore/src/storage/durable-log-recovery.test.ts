/**
 * Recovery from damaged logs: a torn tail is cut back to the longest intact prefix; damage
 * anywhere else refuses to open with StorageCorruptionError naming the file and offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DurableLog, RECORD_HEADER_BYTES, encodeRecord } from './durable-log';
import { StorageCorruptionError } from './errors';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'durable-log-recovery-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const SEGMENT_1 = '00000000000000000001.log';

/** Writes `count` records of varied sizes (including empty payloads); returns their payloads and byte offsets. */
async function buildLog(dir: string, count: number, segmentBytes?: number): Promise<{ payloads: string[]; offsets: number[]; size: number }> {
  const log = await DurableLog.open(dir, segmentBytes === undefined ? {} : { segmentBytes });
  const payloads = Array.from({ length: count }, (_, i) => `p${i + 1}:${'x'.repeat((i * 7) % 23)}`.slice(0, (i * 5) % 29));
  const offsets: number[] = [];
  let size = 0;
  for (const [i, p] of payloads.entries()) {
    offsets.push(size);
    size += RECORD_HEADER_BYTES + Buffer.byteLength(p);
    await log.append({ term: 1 + Math.floor(i / 10), payload: Buffer.from(p) });
  }
  await log.close();
  return { payloads, offsets, size };
}

function payloadsOf(log: DurableLog): string[] {
  return log.entries(log.firstIndex, log.lastIndex).map((e) => e.payload.toString());
}

async function openRejects(dir: string): Promise<StorageCorruptionError> {
  try {
    const log = await DurableLog.open(dir);
    await log.close();
  } catch (err) {
    assert.ok(err instanceof StorageCorruptionError, `expected StorageCorruptionError, got ${String(err)}`);
    return err;
  }
  assert.fail('open should have rejected');
}

test('cutting the file at every byte of its last records (and a sample elsewhere) keeps exactly the longest intact prefix', async (t) => {
  const dir = await tempDir(t);
  const { payloads, offsets, size } = await buildLog(path.join(dir, 'source'), 40);
  const original = await readFile(path.join(dir, 'source', SEGMENT_1));
  assert.equal(original.length, size);

  const cuts = new Set<number>();
  for (let cut = offsets[offsets.length - 4]!; cut <= size; cut++) cuts.add(cut); // every byte of the last 4 records
  for (let cut = 0; cut < size; cut += 13) cuts.add(cut); // and a sample over the whole file
  const work = path.join(dir, 'work');
  for (const cut of cuts) {
    await rm(work, { recursive: true, force: true });
    const file = path.join(work, SEGMENT_1);
    await DurableLog.open(work).then((l) => l.close());
    await writeFile(file, original.subarray(0, cut));

    const log = await DurableLog.open(work);
    const kept = offsets.filter((o, i) => o + RECORD_HEADER_BYTES + Buffer.byteLength(payloads[i]!) <= cut).length;
    const boundary = kept === offsets.length ? size : offsets[kept]!;
    assert.equal(log.lastIndex, kept, `cut at ${cut}`);
    assert.deepEqual(payloadsOf(log), payloads.slice(0, kept), `cut at ${cut}`);
    if (cut === boundary) {
      assert.equal(log.recovery.tornTail, null, `cut at ${cut} is a record boundary`);
    } else {
      assert.deepEqual(log.recovery.tornTail && [log.recovery.tornTail.offset, log.recovery.tornTail.droppedBytes], [boundary, cut - boundary]);
    }
    assert.equal((await stat(file)).size, boundary, 'the torn tail is cut off the file');
    assert.equal(await log.append({ term: 9, payload: Buffer.from('after') }), kept + 1, 'appends continue right after the prefix');
    await log.close();
    const again = await DurableLog.open(work);
    assert.deepEqual(payloadsOf(again), [...payloads.slice(0, kept), 'after']);
    await again.close();
  }
});

test('a flipped byte anywhere in a middle record refuses to open, naming the file and the record offset', async (t) => {
  const dir = await tempDir(t);
  const { offsets } = await buildLog(dir, 9);
  const file = path.join(dir, SEGMENT_1);
  const original = await readFile(file);
  const start = offsets[4]!;
  const end = offsets[5]!;
  for (let at = start; at < end; at++) {
    const damaged = Buffer.from(original);
    damaged[at] = damaged[at]! ^ 0x40;
    await writeFile(file, damaged);
    const err = await openRejects(dir);
    assert.equal(err.file, file);
    assert.equal(err.offset, start, `flip at ${at}`);
    assert.match(err.message, /damage in the middle of the log/);
    assert.match(err.message, new RegExp(`truncate this file to the byte offset`));
    assert.deepEqual(await readFile(file), damaged, 'a refused open changes nothing on disk');
  }
});

test('a flipped byte anywhere in the last record is cut off as a torn tail', async (t) => {
  const dir = await tempDir(t);
  const { payloads, offsets, size } = await buildLog(dir, 9);
  const file = path.join(dir, SEGMENT_1);
  const original = await readFile(file);
  for (let at = offsets[8]!; at < size; at++) {
    const damaged = Buffer.from(original);
    damaged[at] = damaged[at]! ^ 0x01;
    await writeFile(file, damaged);
    const log = await DurableLog.open(dir);
    assert.deepEqual(payloadsOf(log), payloads.slice(0, 8), `flip at ${at}`);
    assert.equal(log.recovery.tornTail?.offset, offsets[8]);
    await log.close();
    assert.equal((await stat(file)).size, offsets[8]);
  }
});

test('zeros after the last record (a file extended but never written) are a torn tail', async (t) => {
  const dir = await tempDir(t);
  const { payloads, size } = await buildLog(dir, 5);
  await appendFile(path.join(dir, SEGMENT_1), Buffer.alloc(4096));
  const log = await DurableLog.open(dir);
  assert.deepEqual(payloadsOf(log), payloads);
  assert.deepEqual(log.recovery.tornTail && [log.recovery.tornTail.offset, log.recovery.tornTail.droppedBytes], [size, 4096]);
  await log.close();
});

test('garbage in place of the last record, even with a valid record before it, is a torn tail', async (t) => {
  const dir = await tempDir(t);
  const { payloads, size } = await buildLog(dir, 5);
  // A half-written record whose length field points past the end.
  const partial = encodeRecord(6, 1, Buffer.from('half written record')).subarray(0, 30);
  await appendFile(path.join(dir, SEGMENT_1), partial);
  const log = await DurableLog.open(dir);
  assert.deepEqual(payloadsOf(log), payloads);
  assert.equal(log.recovery.tornTail?.offset, size);
  await log.close();
});

test('damage at the very end of a segment that newer segments follow refuses to open', async (t) => {
  const dir = await tempDir(t);
  await buildLog(dir, 30, 120);
  const files = (await readdir(dir)).sort();
  assert.ok(files.length >= 3);
  const victim = path.join(dir, files[1]!);
  const size = (await stat(victim)).size;
  await truncate(victim, size - 1);
  const err = await openRejects(dir);
  assert.equal(err.file, victim);
  assert.match(err.message, /newer segments follow, so it is not an unfinished write/);
});

test('a missing segment in the middle refuses to open', async (t) => {
  const dir = await tempDir(t);
  await buildLog(dir, 30, 120);
  const files = (await readdir(dir)).sort();
  await unlink(path.join(dir, files[1]!));
  const err = await openRejects(dir);
  assert.equal(err.file, path.join(dir, files[2]!));
  assert.match(err.message, /segment file is missing/);
});

test('a record with a valid checksum but an unexpected index refuses to open, even at the end', async (t) => {
  const dir = await tempDir(t);
  const { size } = await buildLog(dir, 5);
  await appendFile(path.join(dir, SEGMENT_1), encodeRecord(7, 1, Buffer.from('skips index 6')));
  const err = await openRejects(dir);
  assert.equal(err.offset, size);
  assert.match(err.message, /valid checksum but index 7 where 6 was expected/);
});

test('damage in the last segment is a torn tail only if no intact record follows it', async (t) => {
  const dir = await tempDir(t);
  const { size } = await buildLog(dir, 5);
  const file = path.join(dir, SEGMENT_1);
  // A torn record 6 followed by an intact record 6 (as if the disk kept a later page but not an earlier one).
  await appendFile(file, Buffer.concat([encodeRecord(6, 1, Buffer.from('torn')).subarray(0, 20), encodeRecord(6, 1, Buffer.from('intact'))]));
  const err = await openRejects(dir);
  assert.equal(err.offset, size);
  assert.match(err.message, new RegExp(`intact record \\(index 6\\) starts later at byte ${size + 20}`));
  // An intact copy of an older record after the damage does not count: it cannot be an acknowledged write.
  await truncate(file, size);
  await appendFile(file, Buffer.concat([Buffer.from('garbage!'), encodeRecord(2, 1, Buffer.from('old copy'))]));
  const log = await DurableLog.open(dir);
  assert.equal(log.lastIndex, 5);
  assert.equal(log.recovery.tornTail?.offset, size);
  await log.close();
});
