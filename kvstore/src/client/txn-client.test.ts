/**
 * The client library's transactions: reruns of aborted transactions with backoff and a
 * bounded number of tries, what is never rerun, and routing, against fake coordinators
 * in this process (and a real stage-1 service, which must refuse, not hang).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionOf } from '../cluster/partition-map';
import type { TxnOp } from '../kv/txn-op';
import { KvService } from '../server/kv-service';
import { listenOnPort } from '../testing/listen-on-port';
import { freePort } from '../testing/spawn-node';
import { parseAddress } from '../wire/address';
import { type Reply, errorReply, isRecord, okReply } from '../wire/envelope';
import type { RpcServer } from '../wire/rpc-server';
import { type TxnReply, parseTxnRequest } from '../wire/txn-messages';
import { KvRequestError } from './errors';
import { ReplicatedClient } from './replicated-client';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import { SingleServerClient } from './single-server-client';
import { type TxnRetryPolicy, runWithRetries } from './txn-retry';

const HOST = '127.0.0.1';
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const WRITE: TxnOp[] = [{ op: 'incr', key: 'a', delta: 1 }, { op: 'put', key: 'b', value: 'v' }];
const READ: TxnOp[] = [{ op: 'get', key: 'a' }];
const committedWrite = { outcome: 'committed', results: [{ op: 'incr', key: 'a', value: 1 }, { op: 'put', key: 'b' }] };

function policy(txn: Partial<TxnRetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, backoff: { initialMs: 1, maxMs: 5 }, maxAttempts: 20, txn: { maxTries: 10, backoff: { initialMs: 1, maxMs: 4 }, ...txn } };
}

async function serve(handler: (body: unknown) => Reply | Promise<Reply>): Promise<{ rpc: RpcServer; address: string }> {
  const port = await freePort();
  const rpc = await listenOnPort(handler, HOST, port);
  cleanups.push(() => rpc.close());
  return { rpc, address: `${HOST}:${port}` };
}

/** A coordinator that aborts the first `aborts` transactions with `reason`, then commits. */
async function abortingServer(aborts: number, reason = 'lock_conflict'): Promise<{ address: string; seen: () => number }> {
  let seen = 0;
  const { address } = await serve((body) => {
    if (typeof parseTxnRequest(body) === 'string') return errorReply('bad_request', 'not a txn');
    seen++;
    return okReply(seen <= aborts ? { outcome: 'aborted', reason } : committedWrite);
  });
  return { address, seen: () => seen };
}

function singleClient(address: string, p: RetryPolicy): SingleServerClient {
  const c = new SingleServerClient(parseAddress(address), p);
  cleanups.push(() => c.close());
  return c;
}

test('an aborted transaction is run again until it commits; the result says how many runs it took', async () => {
  const s = await abortingServer(3);
  const r = await singleClient(s.address, policy()).txn(WRITE);
  assert.deepEqual(r, { ...committedWrite, tries: 4 });
  assert.equal(s.seen(), 4);
});

test('the tries are bounded: after maxTries aborted runs the abort is the answer', async () => {
  const s = await abortingServer(100, 'validation_failed');
  const noted: number[] = [];
  const r = await singleClient(s.address, policy({ maxTries: 3, onAbort: (t) => noted.push(t) })).txn(WRITE);
  assert.deepEqual(r, { outcome: 'aborted', reason: 'validation_failed', tries: 3 });
  assert.equal(s.seen(), 3);
  assert.deepEqual(noted, [1, 2], 'noted before each rerun, not after the last run');
});

test('maxTries 1 never reruns', async () => {
  const s = await abortingServer(1);
  assert.deepEqual(await singleClient(s.address, policy({ maxTries: 1 })).txn(WRITE), { outcome: 'aborted', reason: 'lock_conflict', tries: 1 });
  assert.equal(s.seen(), 1);
});

test('an abort that retrying cannot cure (INCR of a non-integer) is answered at once', async () => {
  const s = await abortingServer(100, 'not_integer');
  assert.deepEqual(await singleClient(s.address, policy()).txn(WRITE), { outcome: 'aborted', reason: 'not_integer', tries: 1 });
  assert.equal(s.seen(), 1);
});

test('reruns pause with growing backoff, capped', async () => {
  const pauses: number[] = [];
  let runs = 0;
  const attempt = async (): Promise<TxnReply> => (++runs < 8 ? { outcome: 'aborted', reason: 'lock_conflict' } : { outcome: 'committed', results: [] });
  const r = await runWithRetries(attempt, { maxTries: 8, backoff: { initialMs: 10, maxMs: 80 } }, async (ms) => void pauses.push(ms));
  assert.equal(r.tries, 8);
  assert.equal(pauses.length, 7);
  pauses.forEach((ms, i) => {
    const base = Math.min(80, 10 * 2 ** i);
    assert.ok(ms >= base * 0.5 && ms <= base * 1.5, `pause ${i} = ${ms}, base ${base}`);
  });
  await assert.rejects(runWithRetries(attempt, { maxTries: 0, backoff: { initialMs: 1, maxMs: 1 } }), RangeError);
});

test('a transaction that writes is not resent when its connection breaks: the outcome is unknown', async () => {
  let seen = 0;
  let rpc: RpcServer | undefined;
  const served = await serve(() => {
    seen++;
    // The coordinator dies before it answers.
    setImmediate(() => void rpc!.close());
    return new Promise<Reply>(() => undefined);
  });
  rpc = served.rpc;
  const address = served.address;
  const r = await singleClient(address, policy()).txn(WRITE);
  assert.deepEqual(r, { outcome: 'unknown', reason: 'connection_lost', tries: 1 });
  assert.equal(seen, 1);
});

test('a read-only transaction is resent after a broken connection (it changes nothing)', async () => {
  const port = await freePort();
  let seen = 0;
  let rpc: RpcServer;
  const handler = (): Reply | Promise<Reply> => {
    seen++;
    if (seen === 1) {
      setImmediate(() => void rpc.close().then(async () => (rpc = await listenOnPort(handler, HOST, port))));
      return new Promise<Reply>(() => undefined);
    }
    return okReply({ outcome: 'committed', results: [{ op: 'get', key: 'a', value: 'x' }] });
  };
  rpc = await listenOnPort(handler, HOST, port);
  cleanups.push(() => rpc.close());
  const r = await singleClient(`${HOST}:${port}`, policy()).txn(READ);
  assert.deepEqual(r, { outcome: 'committed', results: [{ op: 'get', key: 'a', value: 'x' }], tries: 1 });
  assert.equal(seen, 2);
});

test('a transaction that could not be sent at all (no one listening) is retried until the coordinator is up', async () => {
  const port = await freePort();
  // Attempts enough to outlast the wait below on a loaded machine (each backs off 1-5 ms).
  const c = singleClient(`${HOST}:${port}`, { ...policy(), maxAttempts: 2000 });
  const pending = c.txn(WRITE);
  await new Promise((r) => setTimeout(r, 100));
  const rpc = await listenOnPort(() => okReply(committedWrite), HOST, port);
  cleanups.push(() => rpc.close());
  assert.equal((await pending).outcome, 'committed');
});

test('a stage-1 server refuses a transaction at once with a clear error (no hang, no retry)', async () => {
  const service = new KvService();
  let seen = 0;
  const { address } = await serve((body) => {
    seen++;
    return service.handle(body);
  });
  const err = await singleClient(address, policy()).txn(WRITE).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof KvRequestError, String(err));
  assert.match(err.message, /bad_request: .*stage-4/);
  assert.equal(seen, 1);
});

test('invalid operations are refused before anything is sent', async () => {
  let seen = 0;
  const { address } = await serve(() => {
    seen++;
    return okReply(committedWrite);
  });
  const c = singleClient(address, policy());
  await assert.rejects(c.txn([]), /bad_request: txn needs 1 to 64 operations/);
  await assert.rejects(c.txn([{ op: 'append', key: 'a', elem: 'x,y' }]), /without commas/);
  await assert.rejects(c.txn([{ op: 'incr', key: 'a', delta: 0.5 }]), /integer delta/);
  assert.equal(seen, 0);
});

test('a malformed committed reply is an error, not a made-up answer', async () => {
  const { address } = await serve(() => okReply({ outcome: 'committed', results: [{ op: 'incr', key: 'a', value: 1 }] }));
  await assert.rejects(singleClient(address, policy()).txn(WRITE), /malformed transaction reply: committed reply needs 2 results/);
});

test("the replicated client sends a transaction to the leader of its first key's shard, following not_leader hints", async () => {
  const shards = 3;
  const rf = 2;
  // Replica 1 of each shard leads; replica 0 redirects to it.
  const hits: string[] = [];
  const servers: string[] = [];
  for (let s = 0; s < shards; s++) {
    for (let r = 0; r < rf; r++) {
      const { address } = await serve((body) => {
        const req = parseTxnRequest(body);
        if (typeof req === 'string') return errorReply('bad_request', req);
        if (r !== 1) return errorReply('not_leader', 'follower', '1');
        hits.push(`${s}.${r}`);
        if (partitionOf(req.ops[0]!.key, shards) !== s) return errorReply('wrong_partition', 'not mine');
        return okReply({ outcome: 'committed', results: req.ops.map((o) => ({ op: o.op, key: o.key, value: null })) });
      });
      servers.push(address);
    }
  }
  const { address: manager } = await serve((body) => (isRecord(body) && body.type === 'get_map' ? okReply({ map: { servers, rf } }) : errorReply('bad_request', 'no')));
  const c = new ReplicatedClient([parseAddress(manager)], policy());
  cleanups.push(() => c.close());
  for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) {
    const r = await c.txn([{ op: 'get', key }, { op: 'get', key: `${key}-other` }]);
    assert.equal(r.outcome, 'committed');
    assert.equal(hits.at(-1), `${partitionOf(key, shards)}.1`, key);
  }
  assert.equal(hits.length, 5, 'each transaction reached one leader once');
});
