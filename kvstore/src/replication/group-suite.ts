/**
 * The behaviour every ReplicationGroup owes the code that serves clients, as one suite of
 * tests run against each implementation (LocalLogGroup; RaftGroup with 1 and 3 replicas).
 * An implementation plugs in through `OpenGroup`: open (or reopen) the group whose storage
 * lives under a folder, ready to take proposals.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KvLogCommand, KvLogStateMachine } from '../state/kv-log-command';
import type { ApplyOutcome } from '../state/kv-state-machine';
import { StorageLockedError } from '../storage/storage-lock';
import type { ReplicationGroup } from './state-machine';

export type KvGroup = ReplicationGroup<KvLogCommand, ApplyOutcome, KvLogStateMachine>;

export interface GroupHandle {
  /** The replica to send requests to (the leader, for a replicated group). */
  group: KvGroup;
  /** Durable log writes so far (each one fsync). */
  logSyncs(): number;
  /** What opening found: the snapshot it started from and how many commands it re-applied from the log. */
  recovery(): { snapshotIndex: number; replayed: number };
  close(): Promise<void>;
}

export type OpenGroup = (dir: string, options: { snapshotEvery: number }) => Promise<GroupHandle>;

export function groupSuite(label: string, open: OpenGroup): void {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const scratch = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-group-'));
    dirs.push(d);
    return d;
  };

  test(`${label}: a proposal resolves with its result once applied, and survives reopening`, async () => {
    const dir = scratch();
    const h = await open(dir, { snapshotEvery: 1_000_000 });
    assert.deepEqual(await h.group.propose({ cmd: { op: 'put', key: 'k', value: 'v1' } }), { kind: 'applied', result: { op: 'put', found: false } });
    assert.deepEqual(await h.group.propose({ cmd: { op: 'swap', key: 'k', value: 'v2' } }), { kind: 'applied', result: { op: 'swap', old: 'v1' } });
    await h.close();
    const again = await open(dir, { snapshotEvery: 1_000_000 });
    assert.equal(await again.group.read((sm) => sm.kv.get('k')), 'v2');
    await again.close();
  });

  test(`${label}: concurrent proposals share fsyncs (group commit) and apply in log order`, async () => {
    const h = await open(scratch(), { snapshotEvery: 1_000_000 });
    const syncsBefore = h.logSyncs();
    const n = 500;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => h.group.propose({ cmd: { op: 'swap', key: 'ctr', value: String(i) } })));
    // Applied in proposal order: each swap saw the previous proposal's value.
    results.forEach((r, i) => assert.deepEqual(r, { kind: 'applied', result: { op: 'swap', old: i === 0 ? null : String(i - 1) } }));
    const syncs = h.logSyncs() - syncsBefore;
    assert.ok(syncs < n / 5, `${syncs} log syncs for ${n} proposals`);
    await h.close();
  });

  test(`${label}: a read never sees a proposal that is not yet durable`, async () => {
    const h = await open(scratch(), { snapshotEvery: 1_000_000 });
    const pending = h.group.propose({ cmd: { op: 'put', key: 'slow', value: 'x' } });
    assert.equal(await h.group.read((sm) => sm.kv.get('slow')), null);
    await pending;
    assert.equal(await h.group.read((sm) => sm.kv.get('slow')), 'x');
    await h.close();
  });

  test(`${label}: snapshots bound the replay on restart, and the state survives`, async () => {
    const dir = scratch();
    const h = await open(dir, { snapshotEvery: 100 });
    // Ten at a time (no two to the same key in one batch, so the last write to each key wins).
    for (let i = 0; i < 1000; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => h.group.propose({ cmd: { op: 'put', key: `k${(i + j) % 300}`, value: String(i + j) } })));
    }
    await new Promise((r) => setTimeout(r, 200)); // let the last snapshot land
    await h.close();
    const again = await open(dir, { snapshotEvery: 100 });
    const rec = again.recovery();
    assert.ok(rec.snapshotIndex >= 900, `snapshot at ${rec.snapshotIndex}`);
    assert.ok(rec.replayed <= 110, `replayed ${rec.replayed}`);
    assert.equal(await again.group.read((sm) => sm.kv.size), 300);
    assert.equal(await again.group.read((sm) => sm.kv.get('k99')), '999');
    assert.deepEqual(await again.group.propose({ cmd: { op: 'put', key: 'after', value: 'y' } }), { kind: 'applied', result: { op: 'put', found: false } });
    await again.close();
  });

  test(`${label}: the dedup table is durable: a retry after a restart is answered, not re-applied`, async () => {
    const dir = scratch();
    const tag = { client: 'c1', seq: 7, ack: 7 };
    const h = await open(dir, { snapshotEvery: 1_000_000 });
    await h.group.propose({ cmd: { op: 'put', key: 'once', value: 'v' }, session: tag });
    await h.close();
    const again = await open(dir, { snapshotEvery: 1_000_000 });
    assert.deepEqual(await again.group.propose({ cmd: { op: 'put', key: 'once', value: 'v' }, session: tag }), { kind: 'duplicate', result: { op: 'put', found: false } });
    await again.close();
  });

  test(`${label}: the group holds its folder: a second open is refused until the first is closed`, async () => {
    const dir = scratch();
    const h = await open(dir, { snapshotEvery: 1_000_000 });
    await assert.rejects(open(dir, { snapshotEvery: 1_000_000 }), (err: unknown) => err instanceof StorageLockedError && err.holder.pid === process.pid);
    await h.close();
    const again = await open(dir, { snapshotEvery: 1_000_000 });
    await again.close();
    const locks = fs.readdirSync(dir, { recursive: true }).filter((f) => path.basename(String(f)) === 'LOCK');
    assert.deepEqual(locks, [], 'closing releases the lock');
  });
}
