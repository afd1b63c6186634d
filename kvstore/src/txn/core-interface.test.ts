/** What both transaction cores promise their driver beyond the Step/Ready contract. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencySplitCounter, type TxnShardCore } from './core-interface';
import { MakoShardCore } from './mako-core';
import { ShardStateMachine } from './shard-state-machine';
import { TwoPcShardCore } from './twopc-core';

const shardOf = (key: string): number => Number(key.slice(1)) % 3;

/** The id of the first transaction `core` coordinates, read off the first message it sends. */
function firstTxnId(core: TxnShardCore): string {
  core.ready();
  core.clientRequest(1, [{ op: 'get', key: 'k0' }, { op: 'get', key: 'k1' }, { op: 'get', key: 'k2' }]);
  const msg = core.ready().messages[0]?.msg;
  assert.ok(msg !== undefined && 'txn' in msg, 'the core sent a read naming its transaction');
  return msg.txn;
}

test('transaction ids are unique cluster-wide: leaders of two shards with the same replica id and term name theirs apart', () => {
  for (const make of [
    (shard: number) => {
      const core = new MakoShardCore({ shard, shards: 3, shardOf, leader: '2@1' }, new ShardStateMachine(shard, 3));
      core.fromManager({ type: 'epochChange', epoch: 0 });
      return core;
    },
    (shard: number) => new TwoPcShardCore({ shard, shards: 3, shardOf, leader: '2@1' }, new ShardStateMachine(shard, 3)),
  ]) {
    const a = firstTxnId(make(0));
    const b = firstTxnId(make(2));
    assert.notEqual(a, b, `${a} must differ from ${b}`);
  }
});

test('the latency split sums each committed transaction\'s ticks before and after its second phase; one without a second phase counts all before', () => {
  const c = new LatencySplitCounter();
  assert.deepEqual(c.summary(0), { committed: 0, certifyTicks: 0, waitTicks: 0, ticks: 0 });
  c.committedTxn(10, 13, 60);
  c.committedTxn(20, undefined, 25);
  assert.deepEqual(c.summary(70), { committed: 2, certifyTicks: 3 + 5, waitTicks: 47, ticks: 70 });
});

test('both cores report the split in their summary from the start', () => {
  const mako = new MakoShardCore({ shard: 0, shards: 3, shardOf, leader: '0@1' }, new ShardStateMachine(0, 3));
  const twopc = new TwoPcShardCore({ shard: 0, shards: 3, shardOf, leader: '0@1' }, new ShardStateMachine(0, 3));
  for (const core of [mako, twopc]) {
    core.tick();
    assert.deepEqual(core.summary().split, { committed: 0, certifyTicks: 0, waitTicks: 0, ticks: 1 });
  }
});
