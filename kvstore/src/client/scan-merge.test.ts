import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type KvPair, compareKeys } from '../kv/command';
import { partitionOf } from '../cluster/partition-map';
import { mergeScanPages } from './scan-merge';
import { collectPages } from './scan-pages';

/** A partition's page stream, recording how many pages the merge has pulled from it. */
class PageSource implements AsyncIterable<KvPair[]> {
  pulled = 0;
  returned = false;

  constructor(readonly pages: KvPair[][], private readonly failAt = -1, private readonly gate?: Promise<void>) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<KvPair[]> {
    try {
      for (let i = 0; i < this.pages.length; i++) {
        if (i === this.failAt) throw new Error('partition failed');
        if (i > 0 && this.gate) await this.gate;
        await new Promise((r) => setImmediate(r));
        this.pulled++;
        yield this.pages[i]!;
      }
    } finally {
      this.returned = true;
    }
  }
}

/** Deterministic pseudo-random numbers, so a failure replays. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** Splits sorted pairs into pages of random sizes, empty pages included. */
function paginate(pairs: KvPair[], rnd: () => number): KvPair[][] {
  const pages: KvPair[][] = [];
  for (let i = 0; i < pairs.length; ) {
    const n = Math.floor(rnd() * 8);
    pages.push(pairs.slice(i, i + n));
    i += n;
  }
  return pages;
}

test('the merge of sorted partition streams is the whole range in byte order', async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rnd = lcg(seed);
    const partitions = 1 + Math.floor(rnd() * 6);
    const keys = [...new Set(Array.from({ length: Math.floor(rnd() * 300) }, () => `key${Math.floor(rnd() * 1e6)}${rnd() < 0.1 ? '\x7f' : ''}`))];
    const all: KvPair[] = keys.sort(compareKeys).map((k) => [k, `v-${k}`]);
    const parts = Array.from({ length: partitions }, (_, p) => all.filter(([k]) => partitionOf(k, partitions) === p));
    const merged = await collectPages(mergeScanPages(parts.map((pairs) => new PageSource(paginate(pairs, rnd)))));
    assert.deepEqual(merged, all, `seed ${seed}`);
  }
});

test('the merge holds one page per partition: it pulls a page only once the previous one is merged', async () => {
  const rnd = lcg(7);
  const all: KvPair[] = Array.from({ length: 2000 }, (_, i) => [`k${String(i).padStart(5, '0')}`, 'v']);
  const sources = [0, 1, 2].map((p) => new PageSource(paginate(all.filter(([k]) => partitionOf(k, 3) === p), rnd)));
  const emitted = [0, 0, 0];
  for await (const out of mergeScanPages(sources)) {
    for (const [k] of out) emitted[partitionOf(k, 3)]!++;
    sources.forEach((s, p) => {
      // Pages fully emitted so far, plus the one the merge is working through.
      const pages = s.pages;
      let done = 0;
      for (let n = 0, i = 0; i < pages.length && n + pages[i]!.length <= emitted[p]!; i++) {
        n += pages[i]!.length;
        done++;
      }
      assert.ok(s.pulled <= done + 1 + countEmptyAfter(pages, done), `partition ${p}: pulled ${s.pulled} pages, ${done} merged`);
    });
  }
  assert.deepEqual(emitted.reduce((a, b) => a + b, 0), 2000);
});

/** Empty pages right after page `i` are pulled through at once (they hold nothing). */
function countEmptyAfter(pages: KvPair[][], i: number): number {
  let n = 0;
  while (i + 1 + n < pages.length && pages[i + 1 + n]!.length === 0) n++;
  return n;
}

test('a stalled partition stalls the merge at its next key; the others are not read ahead', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow = new PageSource([[['a', '1']], [['m', '2']]], -1, gate);
  const fast = new PageSource([[['b', '1']], [['c', '1']], [['d', '1']], [['n', '1']]]);
  const it = mergeScanPages([slow, fast])[Symbol.asyncIterator]();
  assert.deepEqual((await it.next()).value, [['a', '1']]);
  const second = it.next();
  const early = await Promise.race([second, new Promise((r) => setTimeout(() => r('stalled'), 100))]);
  assert.equal(early, 'stalled', 'nothing after a can be sent before the slow partition answers');
  assert.ok(fast.pulled <= 1, `fast partition pulled ${fast.pulled} pages while the merge waited`);
  release();
  const rest = [(await second).value as KvPair[]];
  for (let r = await it.next(); r.done !== true; r = await it.next()) rest.push(r.value);
  assert.deepEqual(rest.flat(), [['b', '1'], ['c', '1'], ['d', '1'], ['m', '2'], ['n', '1']]);
});

test("a partition's failure fails the merge and stops the other streams", async () => {
  const failing = new PageSource([[['a', '1']], [['c', '1']]], 1);
  const other = new PageSource([[['b', '1']], [['d', '1']], [['e', '1']]]);
  await assert.rejects(collectPages(mergeScanPages([failing, other])), /partition failed/);
  await new Promise((r) => setImmediate(r));
  assert.equal(other.returned, true);
});

test('no partitions, or only empty ones, make an empty answer', async () => {
  assert.deepEqual(await collectPages(mergeScanPages([])), []);
  assert.deepEqual(await collectPages(mergeScanPages([new PageSource([]), new PageSource([[], []])])), []);
});
