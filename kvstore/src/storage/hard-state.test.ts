import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { HardStateStore, INITIAL_TERM_AND_VOTE, termAndVoteCodec, type HardStateCodec } from './hard-state';
import { StorageCorruptionError } from './errors';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hard-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('load returns the initial value until something is saved', async (t) => {
  const store = await HardStateStore.open(path.join(await tempDir(t), 'raft', 'hard-state'), termAndVoteCodec, INITIAL_TERM_AND_VOTE);
  assert.deepEqual(await store.load(), { term: 0, votedFor: null, catchingUp: true });
});

test('the catching-up mark is kept while set; a file without it (as written before it existed) reads as caught up', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'hard-state');
  const store = await HardStateStore.open(file, termAndVoteCodec, INITIAL_TERM_AND_VOTE);
  await store.save({ term: 2, votedFor: 1, catchingUp: true });
  assert.deepEqual(await store.load(), { term: 2, votedFor: 1, catchingUp: true });
  await store.save({ term: 2, votedFor: 1 });
  assert.deepEqual(await store.load(), { term: 2, votedFor: 1 });
  assert.equal((await readFile(file)).subarray(16).toString(), '{"term":2,"votedFor":1}');
  const raw: HardStateCodec<Buffer> = { encode: (b) => b, decode: (b) => b };
  await (await HardStateStore.open(file, raw, Buffer.alloc(0))).save(Buffer.from('{"term":3,"votedFor":1,"catchingUp":"yes"}'));
  await assert.rejects(store.load(), /catchingUp must be a boolean/);
});

test('the last saved value survives a reopen; no temp file is left behind', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'hard-state');
  const store = await HardStateStore.open(file, termAndVoteCodec, INITIAL_TERM_AND_VOTE);
  await store.save({ term: 3, votedFor: 2 });
  await Promise.all([store.save({ term: 4, votedFor: null }), store.save({ term: 5, votedFor: 1 })]);
  const reopened = await HardStateStore.open(file, termAndVoteCodec, INITIAL_TERM_AND_VOTE);
  assert.deepEqual(await reopened.load(), { term: 5, votedFor: 1 });
  assert.deepEqual(await readdir(dir), ['hard-state']);
});

test('a damaged file is a clear error naming it, not a silent reset to the initial value', async (t) => {
  const file = path.join(await tempDir(t), 'hard-state');
  const store = await HardStateStore.open(file, termAndVoteCodec, INITIAL_TERM_AND_VOTE);
  await store.save({ term: 9, votedFor: 0 });
  const good = await readFile(file);
  for (let at = 0; at < good.length; at++) {
    const damaged = Buffer.from(good);
    damaged[at] = damaged[at]! ^ 0x10;
    await writeFile(file, damaged);
    await assert.rejects(store.load(), (err: unknown) => err instanceof StorageCorruptionError && err.file === file, `flip at ${at}`);
  }
  await writeFile(file, good.subarray(0, 5));
  await assert.rejects(store.load(), /fewer than the 16-byte header/);
});

test('bytes that pass the checksum but not the codec are reported as corruption', async (t) => {
  const file = path.join(await tempDir(t), 'state');
  const raw: HardStateCodec<Buffer> = { encode: (b) => b, decode: (b) => b };
  await (await HardStateStore.open(file, raw, Buffer.alloc(0))).save(Buffer.from('{"term":-4,"votedFor":null}'));
  const store = await HardStateStore.open(file, termAndVoteCodec, INITIAL_TERM_AND_VOTE);
  await assert.rejects(store.load(), /contents do not decode: term must be an integer ≥ 0, got -4/);
});
