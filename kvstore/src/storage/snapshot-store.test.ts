import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { SnapshotStore } from './snapshot-store';
import { StorageCorruptionError } from './errors';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'snapshot-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('an empty store loads null', async (t) => {
  const store = await SnapshotStore.open(path.join(await tempDir(t), 'snaps'));
  assert.equal(await store.load(), null);
});

test('save then load returns the newest snapshot; older files are deleted once it is durable', async (t) => {
  const dir = await tempDir(t);
  const store = await SnapshotStore.open(dir);
  await store.save({ lastIndex: 10, lastTerm: 2 }, Buffer.from('state at 10'));
  await store.save({ lastIndex: 25, lastTerm: 3 }, Buffer.from('state at 25'));
  assert.deepEqual(await readdir(dir), ['snapshot-00000000000000000025.snap']);
  const reopened = await SnapshotStore.open(dir);
  assert.deepEqual(await reopened.load(), { meta: { lastIndex: 25, lastTerm: 3 }, data: Buffer.from('state at 25') });
  await reopened.save({ lastIndex: 25, lastTerm: 3 }, Buffer.alloc(0));
  assert.deepEqual(await reopened.load(), { meta: { lastIndex: 25, lastTerm: 3 }, data: Buffer.alloc(0) }, 'same index replaces');
});

test('concurrent saves run one after another and the highest index wins', async (t) => {
  const store = await SnapshotStore.open(await tempDir(t));
  const big = Buffer.alloc(1 << 20, 7);
  await Promise.all([store.save({ lastIndex: 5, lastTerm: 1 }, big), store.save({ lastIndex: 6, lastTerm: 1 }, Buffer.from('six'))]);
  assert.equal((await store.load())?.data.toString(), 'six');
  await assert.rejects(store.save({ lastIndex: 4, lastTerm: 1 }, Buffer.from('older')), /already stored; refusing to replace it with an older one/);
  await assert.rejects(store.save({ lastIndex: -1, lastTerm: 1 }, Buffer.alloc(0)), RangeError);
});

test('a leftover temp file of an interrupted save is ignored and later cleaned up', async (t) => {
  const dir = await tempDir(t);
  const store = await SnapshotStore.open(dir);
  await store.save({ lastIndex: 3, lastTerm: 1 }, Buffer.from('three'));
  await writeFile(path.join(dir, 'snapshot-00000000000000000009.snap.tmp'), 'half written');
  assert.equal((await store.load())?.meta.lastIndex, 3);
  await store.save({ lastIndex: 4, lastTerm: 1 }, Buffer.from('four'));
  assert.deepEqual(await readdir(dir), ['snapshot-00000000000000000004.snap']);
});

test('a damaged newest snapshot is a clear error, with no silent fall-back to an older one', async (t) => {
  const dir = await tempDir(t);
  const store = await SnapshotStore.open(dir);
  await store.save({ lastIndex: 7, lastTerm: 1 }, Buffer.from('seven'));
  const older = await readFile(path.join(dir, 'snapshot-00000000000000000007.snap'));
  await store.save({ lastIndex: 8, lastTerm: 1 }, Buffer.from('eight, the newest'));
  await writeFile(path.join(dir, 'snapshot-00000000000000000007.snap'), older); // an older one is present again
  const file = path.join(dir, 'snapshot-00000000000000000008.snap');
  const good = await readFile(file);
  const damages: [string, () => Promise<void>, RegExp][] = [
    ['flipped data byte', () => writeFile(file, Buffer.concat([good.subarray(0, -1), Buffer.from([good[good.length - 1]! ^ 1])])), /checksum mismatch/],
    ['cut short', () => truncate(file, good.length - 3), /header says 17 data bytes but the file holds 14/],
    ['header only half there', () => truncate(file, 10), /fewer than the 36-byte snapshot header/],
    ['wrong magic', () => writeFile(file, Buffer.concat([Buffer.from('NOTASNAP'), good.subarray(8)])), /magic/],
  ];
  for (const [what, damage, reason] of damages) {
    await writeFile(file, good);
    await damage();
    await assert.rejects(store.load(), (err: unknown) => {
      assert.ok(err instanceof StorageCorruptionError, what);
      assert.equal(err.file, file);
      assert.match(err.message, reason, what);
      assert.match(err.message, /Refusing to fall back to an older snapshot/);
      return true;
    });
  }
});
