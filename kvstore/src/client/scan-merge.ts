/**
 * The k-way merge behind a SCAN over hash partitions: each partition streams its part of
 * the range as sorted pages (their key sets are disjoint), and the merge streams one sorted
 * sequence of pages out. It holds one page per partition (plus the one each stream fetches
 * ahead): when a partition's page is used up, what is merged so far goes out before
 * waiting for that partition's next page, so memory stays bounded however large the
 * answer, and a partition that is slow (or down and being retried) stalls the merge
 * rather than letting the others' pages pile up.
 */
import { type KvPair, compareKeys } from '../kv/command';

interface Head {
  page: KvPair[];
  pos: number;
  source: AsyncIterator<KvPair[]>;
}

export async function* mergeScanPages(streams: AsyncIterable<KvPair[]>[]): AsyncGenerator<KvPair[]> {
  const sources = streams.map((s) => s[Symbol.asyncIterator]());
  try {
    const firsts = await Promise.all(sources.map((source) => nextNonEmptyPage(source)));
    const heap = new HeadHeap();
    firsts.forEach((page, i) => {
      if (page !== undefined) heap.push({ page, pos: 0, source: sources[i]! });
    });
    let out: KvPair[] = [];
    while (heap.size > 0) {
      const head = heap.min();
      out.push(head.page[head.pos++]!);
      if (head.pos < head.page.length) {
        heap.minChanged();
        continue;
      }
      if (out.length > 0) {
        yield out;
        out = [];
      }
      const page = await nextNonEmptyPage(head.source);
      if (page === undefined) {
        heap.popMin();
      } else {
        head.page = page;
        head.pos = 0;
        heap.minChanged();
      }
    }
    if (out.length > 0) yield out;
  } finally {
    // Stopped early (the consumer left, or a partition failed): stop the other streams too.
    for (const source of sources) void source.return?.().catch(() => undefined);
  }
}

async function nextNonEmptyPage(source: AsyncIterator<KvPair[]>): Promise<KvPair[] | undefined> {
  for (;;) {
    const r = await source.next();
    if (r.done === true) return undefined;
    if (r.value.length > 0) return r.value;
  }
}

/** A binary min-heap of partition heads, ordered by each head's current key. */
class HeadHeap {
  private readonly items: Head[] = [];

  get size(): number {
    return this.items.length;
  }

  min(): Head {
    return this.items[0]!;
  }

  push(head: Head): void {
    this.items.push(head);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(parent, i)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  popMin(): void {
    const last = this.items.pop()!;
    if (this.items.length === 0) return;
    this.items[0] = last;
    this.minChanged();
  }

  /** The minimum's key grew: sift it down to its place. */
  minChanged(): void {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < this.items.length && this.less(l, smallest)) smallest = l;
      if (r < this.items.length && this.less(r, smallest)) smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a]!;
    const y = this.items[b]!;
    return compareKeys(x.page[x.pos]![0], y.page[y.pos]![0]) < 0;
  }

  private swap(a: number, b: number): void {
    const t = this.items[a]!;
    this.items[a] = this.items[b]!;
    this.items[b] = t;
  }
}
