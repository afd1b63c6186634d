/** The replicated manager's state machine: configuration, registrations, the ready rule, snapshots. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { type ClusterConfig, type ManagerCommand, ManagerStateMachine, managerCommandCodec, validateConfig } from './manager-state';

const SERVERS = ['h:1', 'h:2', 'h:3', 'h:4', 'h:5', 'h:6'];
const CONFIG: ClusterConfig = { servers: SERVERS, rf: 3 };

function configured(config: ClusterConfig = CONFIG): ManagerStateMachine {
  const sm = new ManagerStateMachine();
  assert.deepEqual(sm.apply({ op: 'configure', config }), { kind: 'configured' });
  return sm;
}

const register = (partition: number, replica: number, address = `0.0.0.0:${3777 + partition * 3 + replica}`): ManagerCommand => ({ op: 'register', partition, replica, address });

test('the first configure sets the configuration; the same one again changes nothing', () => {
  const sm = new ManagerStateMachine();
  assert.equal(sm.config, null);
  assert.equal(sm.ready, false);
  sm.apply({ op: 'configure', config: CONFIG });
  assert.deepEqual(sm.config, CONFIG);
  assert.equal(sm.partitionCount, 2);
  assert.deepEqual(sm.apply({ op: 'configure', config: { servers: [...SERVERS], rf: 3 } }), { kind: 'configured' });
});

test('a different configuration is a mismatch that names the one in force, and changes nothing', () => {
  const sm = configured();
  const other: ClusterConfig = { servers: SERVERS.slice(0, 3), rf: 1 };
  assert.deepEqual(sm.apply({ op: 'configure', config: other }), { kind: 'mismatch', current: CONFIG });
  assert.deepEqual(sm.apply({ op: 'configure', config: { servers: [...SERVERS].reverse(), rf: 3 } }), { kind: 'mismatch', current: CONFIG });
  assert.deepEqual(sm.config, CONFIG);
});

test('a registration applied before the configuration is early (retried), one of a partition or replica the cluster lacks is refused', () => {
  const fresh = new ManagerStateMachine();
  assert.deepEqual(fresh.apply(register(0, 0)), { kind: 'unconfigured' });
  const sm = configured();
  assert.deepEqual(sm.apply(register(2, 0)), { kind: 'refused', message: 'partition 2 does not exist: the cluster has 2 partitions (0..1)' });
  assert.deepEqual(sm.apply(register(0, 3)), { kind: 'refused', message: 'replica 3 does not exist: partitions have 3 replicas (0..2)' });
  assert.deepEqual(sm.registeredCounts(), [0, 0]);
});

test('ready once every partition has had a majority of its replicas register', () => {
  const sm = configured();
  assert.deepEqual(sm.apply(register(0, 0)), { kind: 'registered', first: true });
  assert.deepEqual(sm.apply(register(0, 0)), { kind: 'registered', first: false }, 'a heartbeat is not news');
  assert.deepEqual(sm.partitionsWithoutQuorum(), [0, 1]);
  sm.apply(register(0, 2));
  sm.apply(register(1, 1));
  assert.deepEqual(sm.partitionsWithoutQuorum(), [1]);
  assert.equal(sm.ready, false);
  sm.apply(register(1, 0));
  assert.equal(sm.ready, true);
  assert.deepEqual(sm.registeredCounts(), [2, 2]);
});

test('rf 1: each partition needs its one replica; a re-registration updates the address', () => {
  const sm = configured({ servers: ['h:1', 'h:2'], rf: 1 });
  sm.apply(register(1, 0, '0.0.0.0:2'));
  assert.equal(sm.ready, false);
  sm.apply(register(0, 0, '0.0.0.0:1'));
  assert.equal(sm.ready, true);
  sm.apply(register(0, 0, '10.0.0.9:1'));
  assert.equal(sm.registeredAddress(0, 0), '10.0.0.9:1');
});

test('a snapshot restores configuration, registrations and readiness exactly', () => {
  const sm = configured();
  for (const [p, r] of [
    [0, 0],
    [0, 1],
    [1, 2],
    [1, 0],
  ] as const) {
    sm.apply(register(p, r));
  }
  const copy = new ManagerStateMachine();
  copy.restore(Buffer.from(sm.snapshot()));
  assert.deepEqual(copy.config, CONFIG);
  assert.equal(copy.ready, true);
  assert.equal(copy.registeredAddress(1, 2), '0.0.0.0:3782');
  assert.deepEqual(Buffer.from(copy.snapshot()), Buffer.from(sm.snapshot()), 'the same state snapshots to the same bytes');
  const empty = new ManagerStateMachine();
  empty.restore(Buffer.from(new ManagerStateMachine().snapshot()));
  assert.equal(empty.config, null);
  assert.throws(() => empty.restore(Buffer.from([0xc0])), /unrecognised manager snapshot/);
});

test('the same commands in the same order give the same results and state on every replica', () => {
  const commands: ManagerCommand[] = [register(0, 0), { op: 'configure', config: CONFIG }, register(0, 0), register(1, 1), { op: 'configure', config: { servers: ['x:1'], rf: 1 } }, register(1, 2), register(5, 0)];
  const run = (): { results: unknown[]; snapshot: Buffer } => {
    const sm = new ManagerStateMachine();
    const results = commands.map((c) => sm.apply(managerCommandCodec.decode(Buffer.from(managerCommandCodec.encode(c)))));
    return { results, snapshot: Buffer.from(sm.snapshot()) };
  };
  assert.deepEqual(run(), run());
});

test('the codec round-trips commands and refuses bytes that are not one', () => {
  for (const c of [register(3, 1, '0.0.0.0:9'), { op: 'configure', config: CONFIG } as ManagerCommand]) {
    assert.deepEqual(managerCommandCodec.decode(Buffer.from(managerCommandCodec.encode(c))), c);
  }
  const packr = new Packr({ useRecords: false });
  for (const bad of [['register', -1, 0, 'a'], ['register', 0, 0], ['configure', ['h:1', 'h:2'], 2], ['configure', [], 1], ['frob'], { op: 'register' }]) {
    assert.throws(() => managerCommandCodec.decode(packr.pack(bad)), /log record/, JSON.stringify(bad));
  }
});

test('configurations that cannot make a cluster are described', () => {
  assert.equal(validateConfig(CONFIG), undefined);
  assert.equal(validateConfig({ servers: SERVERS, rf: 2 }), 'rf must be 1, 3, 5, 7 or 9, got 2');
  assert.equal(validateConfig({ servers: SERVERS.slice(0, 4), rf: 3 }), '4 servers is not a positive multiple of rf 3');
  assert.equal(validateConfig({ servers: Array.from({ length: 51 }, (_, i) => `h:${i + 1}`), rf: 1 }), '51 partitions; a cluster has at most 50');
});

test('stage 4 epoch commands: a non-fresh or second leader bumps the epoch for every shard; FVWs survive the log codec and a snapshot', () => {
  const sm = configured();
  assert.deepEqual(sm.apply({ op: 'epoch', cmd: { t: 'leaderReport', shard: 0, leader: '0@1', fresh: true } }), {
    kind: 'epoch',
    notices: [{ to: 0, msg: { type: 'epochChange', epoch: 0 } }],
  });
  const bump: ManagerCommand = managerCommandCodec.decode(Buffer.from(managerCommandCodec.encode({ op: 'epoch', cmd: { t: 'leaderReport', shard: 0, leader: '1@2', fresh: false } })));
  assert.deepEqual(sm.apply(bump), { kind: 'epoch', notices: [{ to: 'all', msg: { type: 'epochChange', epoch: 1 } }] });
  assert.equal(sm.epoch, 1);
  sm.apply({ op: 'epoch', cmd: { t: 'epochClosed', shard: 0, epoch: 0, watermark: 4 } });
  assert.deepEqual(sm.apply({ op: 'epoch', cmd: { t: 'epochClosed', shard: 1, epoch: 0, watermark: 7 } }), { kind: 'epoch', notices: [{ to: 'all', msg: { type: 'fvw', epoch: 0, fvw: [4, 7] } }] });
  assert.deepEqual(sm.apply({ op: 'epoch', cmd: { t: 'leaderReport', shard: 2, leader: 'x', fresh: true } }), { kind: 'refused', message: 'shard 2 does not exist: the cluster has 2 shards' });

  const copy = new ManagerStateMachine();
  copy.restore(Buffer.from(sm.snapshot()));
  assert.equal(copy.epoch, 1);
  assert.deepEqual(copy.currentNotices(), [
    { to: 'all', msg: { type: 'epochChange', epoch: 1 } },
    { to: 'all', msg: { type: 'fvw', epoch: 0, fvw: [4, 7] } },
  ]);
  // The same leader reporting again is told the epoch, not a new one.
  assert.deepEqual(copy.apply({ op: 'epoch', cmd: { t: 'leaderReport', shard: 0, leader: '1@2', fresh: false } }).kind, 'epoch');
  assert.equal(copy.epoch, 1);
  assert.throws(() => managerCommandCodec.decode(Buffer.from(new Packr({ useRecords: false }).pack(['epoch', { t: 'leaderReport', shard: -1 }]))), /bad epoch command/);
});
