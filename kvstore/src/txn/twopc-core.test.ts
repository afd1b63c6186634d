/**
 * The 2PC-over-Raft baseline: the prepare record and the decision are each committed
 * through the shard's log while the locks are held.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TxnLogEntry } from './log-entry';
import type { PeerMessage, TxnOutcome } from './messages';
import { ShardStateMachine } from './shard-state-machine';
import { TwoPcShardCore } from './twopc-core';
import type { ShardId, TxnOp } from './types';

class TwoPcCluster {
  readonly sms: ShardStateMachine[] = [];
  readonly cores: TwoPcShardCore[] = [];
  readonly uncommitted: TxnLogEntry[][] = [];
  readonly outcomes = new Map<number, TxnOutcome>();
  readonly manualCommit = new Set<ShardId>();
  private queue: Array<{ from: ShardId; to: ShardId; msg: PeerMessage }> = [];
  /** Messages for which this returns true are lost. */
  drop: (m: PeerMessage, to: ShardId) => boolean = () => false;
  private next = 1;
  readonly shardOf = (key: string): ShardId => Number(key.slice(1)) % 3;

  constructor() {
    for (let s = 0; s < 3; s++) {
      this.sms.push(new ShardStateMachine(s, 3));
      this.uncommitted.push([]);
      this.cores.push(new TwoPcShardCore({ shard: s, shards: 3, shardOf: this.shardOf, leader: `${s}` }, this.sms[s]!));
    }
  }

  submit(ops: TxnOp[], at: ShardId): number {
    const id = this.next++;
    this.cores[at]!.clientRequest(id, ops);
    this.collect(at);
    this.settle();
    return id;
  }

  private collect(s: ShardId): void {
    const rd = this.cores[s]!.ready();
    this.uncommitted[s]!.push(...rd.propose);
    for (const { to, msg } of rd.messages) this.queue.push({ from: s, to, msg });
    for (const r of rd.replies) this.outcomes.set(r.requestId, r.outcome);
  }

  commit(s: ShardId): void {
    for (const e of this.uncommitted[s]!.splice(0)) {
      this.sms[s]!.apply(e);
      this.cores[s]!.applied(e);
      this.collect(s);
    }
  }

  /** Shard s's leader fails: its uncommitted entries are lost and a new leader starts from the state machine. */
  failover(s: ShardId): void {
    this.uncommitted[s] = [];
    this.cores[s] = new TwoPcShardCore({ shard: s, shards: 3, shardOf: this.shardOf, leader: `${s}'` }, this.sms[s]!);
    this.collect(s);
    this.settle();
  }

  tick(n: number): void {
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < 3; s++) {
        this.cores[s]!.tick();
        this.collect(s);
      }
      this.settle();
    }
  }

  settle(): void {
    for (let i = 0; i < 1000; i++) {
      let moved = false;
      while (this.queue.length > 0) {
        const e = this.queue.shift()!;
        if (this.drop(e.msg, e.to)) continue;
        this.cores[e.to]!.step(e.from, e.msg);
        this.collect(e.to);
        moved = true;
      }
      for (let s = 0; s < 3; s++) {
        if (!this.manualCommit.has(s) && this.uncommitted[s]!.length > 0) {
          this.commit(s);
          moved = true;
        }
      }
      if (!moved) return;
    }
  }
}

test('2PC: the prepare record is committed through the participant’s log before the decision, and locks are held until the decision commits', () => {
  const c = new TwoPcCluster();
  c.manualCommit.add(1);
  const t = c.submit([{ op: 'put', key: 'k0', value: 'a' }, { op: 'put', key: 'k1', value: 'b' }], 0);
  assert.equal(c.outcomes.get(t), undefined, 'no answer before shard 1’s prepare record commits');
  assert.deepEqual(c.uncommitted[1]!.map((e) => e.t), ['prepare']);
  const blocked = c.submit([{ op: 'put', key: 'k4', value: 'x' }, { op: 'put', key: 'k1', value: 'x' }], 2);
  assert.deepEqual(c.outcomes.get(blocked), { outcome: 'aborted', reason: 'lock_conflict' });
  c.commit(1);
  c.settle();
  assert.deepEqual(c.outcomes.get(t), { outcome: 'committed', results: [{ op: 'put', key: 'k0' }, { op: 'put', key: 'k1' }] });
  assert.deepEqual(c.uncommitted[1]!.map((e) => e.t), ['decision'], 'the participant logs the decision');
  assert.equal(c.sms[0]!.get('k0'), 'a');
  assert.equal(c.sms[1]!.get('k1'), null, 'not applied before the participant’s decision commits');
  c.commit(1);
  c.settle();
  assert.equal(c.sms[1]!.get('k1'), 'b');
  const after = c.submit([{ op: 'get', key: 'k1' }, { op: 'incr', key: 'k4', delta: 1 }], 1);
  c.commit(1);
  c.settle();
  c.commit(1);
  c.settle();
  assert.deepEqual(c.outcomes.get(after), { outcome: 'committed', results: [{ op: 'get', key: 'k1', value: 'b' }, { op: 'incr', key: 'k4', value: 1 }] });
});

test('2PC: a refused prepare aborts the transaction everywhere and releases its locks', () => {
  const c = new TwoPcCluster();
  c.manualCommit.add(1);
  const holder = c.submit([{ op: 'put', key: 'k1', value: 'h' }], 1);
  assert.equal(c.outcomes.get(holder), undefined);
  const t = c.submit([{ op: 'put', key: 'k0', value: 'a' }, { op: 'put', key: 'k1', value: 'b' }], 0);
  assert.deepEqual(c.outcomes.get(t), { outcome: 'aborted', reason: 'lock_conflict' });
  c.commit(1);
  c.settle();
  c.commit(1);
  assert.equal(c.sms[0]!.get('k0'), null);
  const again = c.submit([{ op: 'put', key: 'k0', value: 'a2' }], 0);
  c.settle();
  assert.equal(c.outcomes.get(again)?.outcome, 'committed', 'shard 0’s lock on k0 was released');
  assert.equal(c.sms[0]!.prepared.size, 0);
});

test('2PC: a participant whose leader changed while in doubt asks the coordinator’s shard and applies the logged commit', () => {
  const c = new TwoPcCluster();
  c.drop = (m, to) => m.type === 'decide' && to === 1;
  const t = c.submit([{ op: 'put', key: 'k0', value: 'a' }, { op: 'put', key: 'k1', value: 'b' }], 0);
  assert.equal(c.outcomes.get(t)?.outcome, 'committed');
  assert.equal(c.sms[1]!.prepared.size, 1, 'shard 1 never heard the decision');
  c.drop = () => false;
  c.failover(1);
  c.tick(1);
  assert.equal(c.sms[1]!.get('k1'), 'b');
  assert.equal(c.sms[1]!.prepared.size, 0);
});

test('2PC: a transaction whose coordinator failed before deciding is aborted when a participant asks (presumed abort)', () => {
  const c = new TwoPcCluster();
  c.manualCommit.add(0);
  const t = c.submit([{ op: 'put', key: 'k0', value: 'a' }, { op: 'put', key: 'k1', value: 'b' }], 0);
  assert.equal(c.outcomes.get(t), undefined);
  assert.equal(c.sms[1]!.prepared.size, 1);
  c.failover(0); // the coordinator's prepare record and decision were never committed
  c.manualCommit.delete(0);
  c.failover(1);
  c.tick(1);
  assert.equal(c.sms[1]!.prepared.size, 0, 'the in-doubt transaction was resolved');
  assert.equal(c.sms[1]!.get('k1'), null);
  assert.equal(c.sms[0]!.decisions.get([...c.sms[0]!.decisions.keys()][0]!), false);
  const next = c.submit([{ op: 'put', key: 'k1', value: 'c' }], 1);
  assert.equal(c.outcomes.get(next)?.outcome, 'committed', 'the locks were released');
});

test('2PC: a participant that never hears the abort decision asks the coordinator’s shard after a timeout and releases its locks', () => {
  const c = new TwoPcCluster();
  c.manualCommit.add(2);
  const holder = c.submit([{ op: 'put', key: 'k2', value: 'h' }], 2);
  assert.equal(c.outcomes.get(holder), undefined, 'k2 stays locked while its prepare record waits');
  c.drop = (m, to) => m.type === 'decide' && to === 1;
  const t = c.submit([{ op: 'put', key: 'k0', value: 'a' }, { op: 'put', key: 'k1', value: 'b' }, { op: 'put', key: 'k2', value: 'c' }], 0);
  assert.deepEqual(c.outcomes.get(t), { outcome: 'aborted', reason: 'lock_conflict' });
  c.drop = () => false;
  assert.equal(c.sms[1]!.prepared.size, 1, 'shard 1 prepared and never heard the abort');
  const blocked = c.submit([{ op: 'put', key: 'k1', value: 'x' }], 1);
  assert.deepEqual(c.outcomes.get(blocked), { outcome: 'aborted', reason: 'lock_conflict' });
  c.tick(200);
  assert.equal(c.sms[1]!.prepared.size, 0, 'the in-doubt transaction was resolved');
  assert.equal(c.sms[1]!.get('k1'), null);
  const after = c.submit([{ op: 'put', key: 'k1', value: 'y' }], 1);
  assert.equal(c.outcomes.get(after)?.outcome, 'committed', 'the locks were released');
});

test('2PC: the status split counts the ticks up to every prepare committed, then to the decision', () => {
  const c = new TwoPcCluster();
  c.manualCommit.add(0);
  c.manualCommit.add(1);
  const t = c.submit([{ op: 'put', key: 'k0', value: 'a' }, { op: 'put', key: 'k1', value: 'b' }], 0);
  c.tick(3);
  c.commit(1);
  c.settle();
  c.tick(2);
  c.commit(0); // shard 0's prepare: every prepare is in, the decision is proposed
  c.settle();
  c.tick(4);
  c.commit(0); // the decision commits: the answer
  c.settle();
  assert.equal(c.outcomes.get(t)?.outcome, 'committed');
  assert.deepEqual(c.cores[0]!.summary().split, { committed: 1, certifyTicks: 5, waitTicks: 4, ticks: 9 });
});
