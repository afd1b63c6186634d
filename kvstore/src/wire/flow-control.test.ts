/**
 * Flow control on both ends of a connection: a peer that does not keep up makes the
 * other side wait, never buffer without bound, and nothing is lost once it catches up.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { type Reply, okReply, parseReplyFrame } from './envelope';
import { FrameDecoder, encodeFrame } from './frame';
import { RpcConnection } from './rpc-connection';
import { type FlowLimits, type RequestHandler, RpcServer } from './rpc-server';

const servers: RpcServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(handler: RequestHandler, flow: FlowLimits): Promise<{ host: string; port: number }> {
  const rpc = new RpcServer(handler, { log: () => undefined, flow });
  servers.push(rpc);
  return rpc.listen({ host: '127.0.0.1', port: 0 });
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `count()` has not changed for `quietMs`. */
async function whenStable(count: () => number, quietMs = 300): Promise<number> {
  let last = -1;
  while (count() !== last) {
    last = count();
    await settle(quietMs);
  }
  return last;
}

test('a connection has at most maxRequestsInFlight requests dispatched; it reads on as they complete and answers every one', async () => {
  const gates: Array<() => void> = [];
  let open = false;
  let dispatched = 0;
  const address = await serve(
    (body) => {
      dispatched++;
      return new Promise<Reply>((resolve) => {
        const answer = (): void => resolve(okReply(body));
        if (open) setImmediate(answer);
        else gates.push(answer);
      });
    },
    { maxUnsentReplyBytes: 1 << 20, maxRequestsInFlight: 50 },
  );
  const conn = await RpcConnection.connect(address);
  const calls = Array.from({ length: 1000 }, (_, i) => conn.call({ n: i }, 20_000));
  assert.equal(await whenStable(() => dispatched), 50, 'the server stops reading at the bound');
  open = true;
  for (const g of gates.splice(0)) g();
  const replies = await Promise.all(calls);
  assert.deepEqual(replies, Array.from({ length: 1000 }, (_, i) => okReply({ n: i })));
  assert.equal(dispatched, 1000);
  conn.close();
});

test('a peer that never reads stops being read once its unsent replies pass the bound; when it reads, every reply arrives in order', async () => {
  const big = 'x'.repeat(60 * 1024);
  let dispatched = 0;
  const address = await serve(
    () => {
      dispatched++;
      return okReply(big);
    },
    { maxUnsentReplyBytes: 256 * 1024, maxRequestsInFlight: 512 },
  );
  const peer = net.connect(address.port, address.host);
  peer.pause();
  const requests = 5000;
  for (let id = 1; id <= requests; id++) peer.write(encodeFrame({ id, body: 'get' }));
  const served = await whenStable(() => dispatched);
  // What the kernel's socket buffers absorb, plus the bound, at 60 KiB a reply: far below 5000 replies (300 MB).
  assert.ok(served < 1000, `dispatched ${served} requests to a peer that reads nothing`);

  const decoder = new FrameDecoder();
  const ids: number[] = [];
  await new Promise<void>((resolve) => {
    peer.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk)) {
        const frame = parseReplyFrame(body);
        assert.ok(frame && frame.reply.ok && frame.reply.value === big);
        ids.push(frame.id);
      }
      if (ids.length === requests) resolve();
    });
    peer.resume();
  });
  assert.deepEqual(ids, Array.from({ length: requests }, (_, i) => i + 1));
  peer.destroy();
});

test('calls to a server that stopped reading wait unencoded beyond the bound, and all complete once it reads again', async () => {
  const gates: Array<() => void> = [];
  let open = false;
  const address = await serve(
    () =>
      new Promise<Reply>((resolve) => {
        if (open) resolve(okReply('done'));
        else gates.push(() => resolve(okReply('done')));
      }),
    // One request in flight: the server stops reading from us right after the first.
    { maxUnsentReplyBytes: 1 << 20, maxRequestsInFlight: 1 },
  );
  const bound = 256 * 1024;
  const conn = await RpcConnection.connect(address, 5000, bound);
  const payload = 'p'.repeat(64 * 1024);
  const calls = Array.from({ length: 2000 }, () => conn.call(payload, 60_000));
  await whenStable(() => conn.waitingCalls);
  assert.ok(conn.unsentBytes <= bound + payload.length + 64, `${conn.unsentBytes} bytes queued in the socket (bound ${bound})`);
  assert.ok(conn.waitingCalls > 1000, `${conn.waitingCalls} calls wait unencoded`);
  open = true;
  for (const g of gates.splice(0)) g();
  const replies = await Promise.all(calls);
  assert.ok(replies.every((r) => r.ok && r.value === 'done'));
  assert.equal(conn.waitingCalls, 0);
  conn.close();
});
