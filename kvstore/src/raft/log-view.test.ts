import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogView } from './log-view';
import { SimStorage } from './sim/sim-storage';
import type { Entry } from './types';

const e = (index: number, term: number, data = `${index}/${term}`): Entry => ({ index, term, data: Buffer.from(data) });

function view(entries: Entry[] = []): { log: LogView; storage: SimStorage } {
  const storage = new SimStorage();
  if (entries.length > 0) {
    storage.stage({ entries });
    storage.persistNext();
  }
  return { log: new LogView(storage, null), storage };
}

test('log view: stored entries are stable; appended ones unstable until the driver reports them durable', () => {
  const { log } = view([e(1, 1), e(2, 1)]);
  assert.equal(log.stableIndex, 2);
  log.appendOwn([e(3, 2), e(4, 2)]);
  assert.equal(log.lastIndex, 4);
  assert.deepEqual(log.takeUnstable().map((x) => x.index), [3, 4]);
  assert.deepEqual(log.takeUnstable(), [], 'handed out once');
  assert.equal(log.stableIndex, 2);
  assert.equal(log.stableTo(4, 2), true);
  assert.equal(log.stableIndex, 4);
});

test('log view: an append that matches appends what is new and ignores what it already has', () => {
  const { log } = view([e(1, 1), e(2, 1)]);
  assert.equal(log.maybeAppend(1, 1, [e(2, 1), e(3, 1)], 0), 3);
  assert.deepEqual(log.takeUnstable().map((x) => x.index), [3]);
  assert.equal(log.maybeAppend(1, 1, [e(2, 1)], 0), 2, 'a stale duplicate truncates nothing');
  assert.equal(log.lastIndex, 3);
  assert.equal(log.maybeAppend(5, 1, [e(6, 1)], 0), null, 'no entry 5: rejected');
  assert.equal(log.maybeAppend(2, 9, [e(3, 9)], 0), null, 'entry 2 has another term: rejected');
});

test('log view: a conflicting suffix is replaced, and the replacement is handed out from the conflict', () => {
  const { log } = view([e(1, 1), e(2, 1), e(3, 1)]);
  assert.equal(log.maybeAppend(1, 1, [e(2, 2), e(3, 2), e(4, 2)], 0), 4);
  assert.deepEqual(
    log.takeUnstable().map((x) => [x.index, x.term]),
    [
      [2, 2],
      [3, 2],
      [4, 2],
    ],
  );
  assert.equal(log.stableIndex, 1, 'stored entries from the conflict on are no longer stable');
  assert.equal(log.stableTo(3, 1), false, 'a write of the replaced entries does not count');
});

test('log view: the commit index follows the leader but never past the last entry of the append', () => {
  const { log } = view([e(1, 1)]);
  log.maybeAppend(1, 1, [e(2, 1)], 10);
  assert.equal(log.committed, 2);
  assert.throws(() => log.maybeAppend(0, 0, [e(1, 5)], 0), /committed/, 'replacing a committed entry is a bug, refused loudly');
});

test('log view: only committed entries that are durable here are handed out to apply', () => {
  const { log, storage } = view([e(1, 1)]);
  log.appendOwn([e(2, 1), e(3, 1)]);
  log.commitTo(3);
  assert.deepEqual(log.takeCommitted(1e9).map((x) => x.index), [1]);
  storage.stage({ entries: log.takeUnstable() });
  storage.persistNext();
  log.stableTo(3, 1);
  assert.deepEqual(log.takeCommitted(1e9).map((x) => x.index), [2, 3]);
});

test('log view: the up-to-date rule compares last terms, then lengths (§5.4.1)', () => {
  const { log } = view([e(1, 1), e(2, 2)]);
  assert.equal(log.isUpToDate(1, 3), true);
  assert.equal(log.isUpToDate(2, 2), true);
  assert.equal(log.isUpToDate(5, 1), false);
  assert.equal(log.isUpToDate(1, 2), false);
});

test('log view: the conflict hint skips every entry with a larger term', () => {
  const { log } = view([e(1, 1), e(2, 1), e(3, 3), e(4, 3), e(5, 3)]);
  assert.deepEqual(log.findConflictByTerm(5, 2), [2, 1]);
  assert.deepEqual(log.findConflictByTerm(5, 3), [5, 3]);
  assert.deepEqual(log.findConflictByTerm(9, 0), [0, 0]);
});

test('log view: compaction keeps the snapshot and the boundary term, and a compacted entry cannot be read', () => {
  const { log } = view([e(1, 1), e(2, 1), e(3, 2), e(4, 2)]);
  log.commitTo(4);
  log.takeCommitted(1e9);
  log.compact({ meta: { index: 3, term: 2 }, data: Buffer.from('s') }, 2);
  assert.equal(log.firstIndex, 3);
  assert.equal(log.term(2), 1, 'the boundary keeps its term');
  assert.equal(log.term(1), undefined);
  assert.throws(() => log.slice(2, 4), /compacted/);
  assert.deepEqual(log.slice(3, 4).map((x) => x.index), [3, 4]);
  assert.throws(() => log.compact({ meta: { index: 9, term: 2 }, data: Buffer.from('s') }, 9), /beyond the applied/);
});

test('log view: a snapshot from the leader replaces the whole log', () => {
  const { log } = view([e(1, 1), e(2, 1)]);
  log.restore({ meta: { index: 10, term: 4 }, data: Buffer.from('s') });
  assert.equal(log.lastIndex, 10);
  assert.equal(log.lastTerm, 4);
  assert.equal(log.committed, 10);
  assert.equal(log.takePendingSnapshot()?.meta.index, 10);
  assert.equal(log.takePendingSnapshot(), null);
});
