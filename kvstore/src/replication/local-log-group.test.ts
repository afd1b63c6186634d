import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalLogGroup } from './local-log-group';
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../state/kv-log-command';
import type { ApplyOutcome } from '../state/kv-state-machine';
import { groupSuite } from './group-suite';

function open(dir: string, snapshotEvery: number): Promise<LocalLogGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>> {
  return LocalLogGroup.open<KvLogCommand, ApplyOutcome, KvLogStateMachine>(dir, new KvLogStateMachine(), kvLogCodec, {
    snapshotEvery,
    onFatal: (err) => assert.fail(err),
  });
}

groupSuite('LocalLogGroup', async (dir, { snapshotEvery }) => {
  const g = await open(dir, snapshotEvery);
  return {
    group: g,
    logSyncs: () => g.logStats.batches,
    recovery: () => ({ snapshotIndex: g.recovery.snapshotIndex, replayed: g.recovery.replayed }),
    close: () => g.close(),
  };
});

test('LocalLogGroup: reopening replays the log after the snapshot, and numbering continues after it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-group-'));
  try {
    const g = await open(dir, 100);
    for (let i = 0; i < 250; i++) await g.propose({ cmd: { op: 'put', key: `k${i}`, value: 'v' } });
    await new Promise((r) => setTimeout(r, 100));
    await g.close();
    const again = await open(dir, 100);
    assert.equal(again.recovery.snapshotIndex, 200);
    assert.equal(again.recovery.replayed, 50);
    await again.propose({ cmd: { op: 'put', key: 'after', value: 'y' } });
    assert.equal(again.appliedIndex, 251);
    await again.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
