import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalLogGroup } from './local-log-group';
import { StorageLockedError } from '../storage/storage-lock';
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../state/kv-log-command';
import type { ApplyOutcome } from '../state/kv-state-machine';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function scratch(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-group-'));
  dirs.push(d);
  return d;
}

function open(dir: string, snapshotEvery = 1_000_000): Promise<LocalLogGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>> {
  return LocalLogGroup.open<KvLogCommand, ApplyOutcome, KvLogStateMachine>(dir, new KvLogStateMachine(), kvLogCodec, {
    snapshotEvery,
    onFatal: (err) => assert.fail(err),
  });
}

test('a proposal resolves with its result once applied, and survives reopening', async () => {
  const dir = scratch();
  const g = await open(dir);
  assert.deepEqual(await g.propose({ cmd: { op: 'put', key: 'k', value: 'v1' } }), { kind: 'applied', result: { op: 'put', found: false } });
  assert.deepEqual(await g.propose({ cmd: { op: 'swap', key: 'k', value: 'v2' } }), { kind: 'applied', result: { op: 'swap', old: 'v1' } });
  await g.close();
  const again = await open(dir);
  assert.equal(again.recovery.replayed, 2);
  assert.equal(await again.read((sm) => sm.kv.get('k')), 'v2');
  await again.close();
});

test('concurrent proposals share fsyncs (group commit) and apply in log order', async () => {
  const g = await open(scratch());
  const n = 500;
  const results = await Promise.all(Array.from({ length: n }, (_, i) => g.propose({ cmd: { op: 'swap', key: 'ctr', value: String(i) } })));
  // Applied in proposal order: each swap saw the previous proposal's value.
  results.forEach((r, i) => assert.deepEqual(r, { kind: 'applied', result: { op: 'swap', old: i === 0 ? null : String(i - 1) } }));
  const stats = g.logStats;
  assert.equal(stats.records, n);
  assert.ok(stats.batches < n / 5, `${stats.batches} batches for ${n} records`);
  await g.close();
});

test('a read never sees a proposal that is not yet durable', async () => {
  const g = await open(scratch());
  const pending = g.propose({ cmd: { op: 'put', key: 'slow', value: 'x' } });
  assert.equal(await g.read((sm) => sm.kv.get('slow')), null);
  await pending;
  assert.equal(await g.read((sm) => sm.kv.get('slow')), 'x');
  await g.close();
});

test('snapshots bound the replay on restart, and the log is compacted', async () => {
  const dir = scratch();
  const g = await open(dir, 100);
  for (let i = 0; i < 1000; i++) await g.propose({ cmd: { op: 'put', key: `k${i % 300}`, value: String(i) } });
  await new Promise((r) => setTimeout(r, 200)); // let the last snapshot land
  await g.close();
  const again = await open(dir, 100);
  assert.ok(again.recovery.snapshotIndex >= 900, `snapshot at ${again.recovery.snapshotIndex}`);
  assert.ok(again.recovery.replayed <= 100, `replayed ${again.recovery.replayed}`);
  assert.equal(await again.read((sm) => sm.kv.size), 300);
  assert.equal(await again.read((sm) => sm.kv.get('k99')), '999');
  // Numbering continues after the snapshot.
  await again.propose({ cmd: { op: 'put', key: 'after', value: 'y' } });
  assert.equal(again.appliedIndex, 1001);
  await again.close();
});

test('the dedup table is durable: a retry after a restart is answered, not re-applied', async () => {
  const dir = scratch();
  const tag = { client: 'c1', seq: 7, ack: 7 };
  const g = await open(dir);
  await g.propose({ cmd: { op: 'put', key: 'once', value: 'v' }, session: tag });
  await g.close();
  const again = await open(dir);
  assert.deepEqual(await again.propose({ cmd: { op: 'put', key: 'once', value: 'v' }, session: tag }), { kind: 'duplicate', result: { op: 'put', found: false } });
  await again.close();
});

test('the group holds its folder: a second open is refused until the first is closed', async () => {
  const dir = scratch();
  const g = await open(dir);
  await assert.rejects(open(dir), (err: unknown) => err instanceof StorageLockedError && err.holder.pid === process.pid);
  await g.close();
  const again = await open(dir);
  await again.close();
  assert.equal(fs.existsSync(path.join(dir, 'LOCK')), false, 'closing releases the lock');
});
