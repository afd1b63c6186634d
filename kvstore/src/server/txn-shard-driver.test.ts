/** The shard driver's contract with its core, against a scripted core that records its inputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TxnOp } from '../kv/txn-op';
import { type TxnCoreSummary, type TxnReady, type TxnShardCore, emptyReady, readyHasOutput } from '../txn/core-interface';
import type { TxnLogEntry } from '../txn/log-entry';
import type { FromManager, PeerMessage, ToManager } from '../txn/messages';
import type { ShardId } from '../txn/types';
import { type ShardDriverIo, TxnShardDriver } from './txn-shard-driver';

/** A core whose outputs the test queues; it records every input. */
class ScriptedCore implements TxnShardCore {
  readonly inputs: string[] = [];
  out: TxnReady = emptyReady();
  /** Run on each input: lets a test script an answer to it. */
  react: (input: string, id?: number) => void = () => undefined;
  clientRequest(requestId: number, ops: TxnOp[]): void {
    this.inputs.push(`request ${requestId} ${ops.length}`);
    this.react('request', requestId);
  }
  step(from: ShardId, msg: PeerMessage): void {
    this.inputs.push(`step ${from} ${msg.type}`);
  }
  fromManager(msg: FromManager): void {
    this.inputs.push(`manager ${msg.type}`);
  }
  applied(entry: TxnLogEntry): void {
    this.inputs.push(`applied ${entry.t}`);
    this.react('applied');
  }
  tick(): void {
    this.inputs.push('tick');
  }
  summary(): TxnCoreSummary {
    return { epoch: 3, coordinating: this.inputs.filter((i) => i.startsWith('request')).length, committing: 0, oldestTicks: 0, lockHolders: 0, parkedReads: 0 };
  }
  hasReady(): boolean {
    return readyHasOutput(this.out);
  }
  ready(): TxnReady {
    const o = this.out;
    this.out = emptyReady();
    return o;
  }
}

interface Harness {
  driver: TxnShardDriver;
  cores: ScriptedCore[];
  proposed: string[];
  peers: string[];
  manager: ToManager[];
  /** Resolves or rejects the proposals in the order they were made. */
  proposals: Array<{ resolve: () => void; reject: (e: Error) => void }>;
}

function harness(firstReady?: (core: ScriptedCore) => void): Harness {
  const h: Harness = { cores: [], proposed: [], peers: [], manager: [], proposals: [], driver: undefined as unknown as TxnShardDriver };
  const io: ShardDriverIo = {
    propose: (entry) => {
      h.proposed.push(entry.t === 'barrier' ? `barrier ${entry.b}` : entry.t);
      return new Promise<void>((resolve, reject) => h.proposals.push({ resolve, reject }));
    },
    sendPeer: (to, msg) => h.peers.push(`${to} ${msg.type}`),
    sendManager: (msg) => h.manager.push(msg),
    log: () => undefined,
  };
  h.driver = new TxnShardDriver(io, () => {
    const core = new ScriptedCore();
    firstReady?.(core);
    h.cores.push(core);
    return core;
  });
  return h;
}

const ops: TxnOp[] = [{ op: 'get', key: 'a' }];
const barrier = (b: number): TxnLogEntry => ({ t: 'barrier', epoch: 0, b, vw: [b] });

test('a replica that does not lead has no core and takes no transactions', () => {
  const h = harness();
  assert.equal(h.driver.leading, false);
  assert.equal(h.driver.request(ops), undefined);
  h.driver.tick();
  h.driver.step(1, { type: 'watermark', epoch: 0, w: 3 });
  assert.equal(h.cores.length, 0);
});

test("becoming leader creates the core and sends its first output (the leader report) at once", () => {
  const h = harness((core) => {
    core.out.toManager.push({ type: 'leaderReport', shard: 0, epoch: 0 } as ToManager);
  });
  h.driver.setLeader(true);
  h.driver.setLeader(true);
  assert.equal(h.cores.length, 1, 'only a change creates a core');
  assert.equal(h.manager.length, 1);
});

test('proposals are issued in the order the core gave them, none awaited before the next', () => {
  const h = harness();
  h.driver.setLeader(true);
  const core = h.cores[0]!;
  core.out.propose.push({ t: 'writes', epoch: 0, txns: [] }, barrier(1), barrier(2));
  core.out.messages.push({ to: 2, msg: { type: 'watermark', epoch: 0, w: 1 } });
  h.driver.tick();
  assert.deepEqual(h.proposed, ['writes', 'barrier 1', 'barrier 2'], 'all three issued before any committed');
  assert.deepEqual(h.peers, ['2 watermark']);
  h.proposals[1]!.reject(new Error('leadership lost'));
});

test("a client's transaction is answered with the core's outcome for its request id", async () => {
  const h = harness();
  h.driver.setLeader(true);
  const core = h.cores[0]!;
  core.react = (input, id) => {
    if (input === 'request') core.out.replies.push({ requestId: id!, outcome: { outcome: 'aborted', reason: 'lock_conflict' } });
  };
  assert.deepEqual(await h.driver.request(ops), { outcome: 'aborted', reason: 'lock_conflict' });
  core.react = () => undefined;
  const second = h.driver.request(ops)!;
  core.out.replies.push({ requestId: 2, outcome: { outcome: 'committed', results: [{ op: 'get', key: 'a', value: 'v' }] } });
  h.driver.tick();
  assert.deepEqual(await second, { outcome: 'committed', results: [{ op: 'get', key: 'a', value: 'v' }] });
  assert.deepEqual(core.inputs.filter((i) => i.startsWith('request')), ['request 1 1', 'request 2 1']);
});

test('losing leadership answers every owed request unknown (it may have been certified) and drops the core', async () => {
  const h = harness();
  h.driver.setLeader(true);
  const a = h.driver.request(ops)!;
  const b = h.driver.request(ops)!;
  h.driver.setLeader(false);
  assert.deepEqual(await a, { outcome: 'unknown', reason: 'leader_lost' });
  assert.deepEqual(await b, { outcome: 'unknown', reason: 'leader_lost' });
  assert.equal(h.driver.leading, false);
  h.driver.setLeader(true);
  assert.equal(h.cores.length, 2, 'a new leadership gets a new core');
});

test('applied entries reach the core in log order, after the apply call returns, and the core may propose in answer', async () => {
  const h = harness();
  h.driver.setLeader(true);
  const core = h.cores[0]!;
  core.react = (input) => {
    if (input === 'applied' && core.inputs.length === 2) core.out.propose.push(barrier(9));
  };
  h.driver.applied(barrier(1));
  h.driver.applied(barrier(2));
  assert.deepEqual(core.inputs, [], 'not inside the apply call');
  await Promise.resolve();
  assert.deepEqual(core.inputs, ['applied barrier', 'applied barrier']);
  assert.deepEqual(h.proposed, ['barrier 9']);
});

test('entries applied before the core exists are in its state machine already and are not handed over', async () => {
  const h = harness();
  h.driver.applied(barrier(1));
  h.driver.setLeader(true);
  h.driver.applied(barrier(2)); // queued for the first core...
  h.driver.setLeader(false);
  h.driver.setLeader(true); // ...which is gone; the second starts from a state machine that holds it
  await Promise.resolve();
  assert.deepEqual(h.cores[0]!.inputs, []);
  assert.deepEqual(h.cores[1]!.inputs, []);
  h.driver.applied(barrier(3));
  await Promise.resolve();
  assert.deepEqual(h.cores[1]!.inputs, ['applied barrier']);
});
