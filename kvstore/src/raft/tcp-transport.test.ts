import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type { Message } from './messages';
import { TcpTransport } from './tcp-transport';
import { RpcConnection } from '../wire/rpc-connection';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const LOCAL = { host: '127.0.0.1', port: 0 };

function append(from: number, to: number, n: number): Message {
  return {
    type: 'append',
    from,
    to,
    term: 3,
    prevIndex: 10,
    prevTerm: 2,
    entries: Array.from({ length: n }, (_, i) => ({ index: 11 + i, term: 3, data: Buffer.from(`entry ${i}`) })),
    commit: 9,
  };
}

async function pair(): Promise<{ a: TcpTransport; b: TcpTransport; got: Message[][]; logs: string[] }> {
  const logs: string[] = [];
  const a = new TcpTransport(1, new Map([[2, null]]), { log: (m) => logs.push(m) });
  const b = new TcpTransport(2, new Map([[1, null]]), { log: (m) => logs.push(m) });
  const aa = await a.listen(LOCAL);
  const ba = await b.listen(LOCAL);
  a.setPeerAddress(2, ba);
  b.setPeerAddress(1, aa);
  const got: Message[][] = [];
  b.onReceive((ms) => got.push(ms));
  return { a, b, got, logs };
}

test('tcp transport: a batch of messages arrives whole, entries and all', async () => {
  const { a, b, got } = await pair();
  try {
    a.send(2, [append(1, 2, 1)]); // dials; this first batch may be dropped while connecting
    for (let i = 0; i < 100 && a.linkStats()[2]!.connects === 0; i++) await sleep(10);
    const batch = [append(1, 2, 3), { type: 'heartbeat', from: 1, to: 2, term: 3, commit: 9, round: 4 } as Message];
    a.send(2, batch);
    for (let i = 0; i < 100 && got.length === 0; i++) await sleep(10);
    const last = got[got.length - 1]!;
    assert.equal(last.length, 2);
    const m = last[0]!;
    assert.ok(m.type === 'append');
    assert.deepEqual(
      m.entries.map((e) => [e.index, e.term, Buffer.from(e.data).toString()]),
      [
        [11, 3, 'entry 0'],
        [12, 3, 'entry 1'],
        [13, 3, 'entry 2'],
      ],
    );
    assert.deepEqual(last[1], { type: 'heartbeat', from: 1, to: 2, term: 3, commit: 9, round: 4 });
  } finally {
    await a.close();
    await b.close();
  }
});

test('tcp transport: malformed messages are dropped with a log line, and the link keeps working', async () => {
  const { a, b, got, logs } = await pair();
  try {
    const conn = await RpcConnection.connect(b.address!);
    const bad = [{ type: 'append', from: 1, to: 2, term: -1 }, { type: 'nonsense' }, { ...append(1, 2, 1), entries: [{ index: 99, term: 1, data: Buffer.from('x') }] }, append(1, 9, 1)];
    const r = await conn.call({ raft: bad });
    assert.equal(r.ok, true);
    assert.equal(got.length, 0, 'a malformed message reached the core');
    assert.ok(logs.some((l) => l.includes('dropping a bad raft message')));
    assert.equal((await conn.call('not a batch')).ok, false);
    await conn.call({ raft: [append(1, 2, 2)] });
    assert.equal(got.length, 1);
    conn.close();
  } finally {
    await a.close();
    await b.close();
  }
});

test('tcp transport: a peer that never reads makes the sender drop messages, not buffer them without bound', async () => {
  // A "peer" that accepts the connection and never reads from it.
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => {
    s.pause();
    sockets.push(s);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as net.AddressInfo).port;
  const a = new TcpTransport(1, new Map([[2, { host: '127.0.0.1', port }]]), { log: () => undefined, maxInFlightRequests: 64, maxInFlightBytes: 4 * 1024 * 1024 });
  try {
    a.send(2, [append(1, 2, 1)]);
    for (let i = 0; i < 100 && a.linkStats()[2]!.connects === 0; i++) await sleep(10);
    const big: Message = { ...append(1, 2, 1), entries: [{ index: 11, term: 3, data: Buffer.alloc(256 * 1024) }] } as Message;
    for (let i = 0; i < 2000; i++) a.send(2, [big]);
    const s = a.linkStats()[2]!;
    assert.ok(s.sentBatches <= 64, `${s.sentBatches} batches in flight to a peer that does not read`);
    assert.ok(s.dropped >= 2000 - 64, `only ${s.dropped} dropped`);
  } finally {
    await a.close();
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test('tcp transport: the link is dialled again after the peer comes back', async () => {
  const { a, b } = await pair();
  const port = b.address!.port;
  await b.close();
  a.send(2, [append(1, 2, 1)]);
  await sleep(100);
  const b2 = new TcpTransport(2, new Map([[1, a.address]]), { log: () => undefined, listenRetryMs: 2000 });
  const got: Message[][] = [];
  b2.onReceive((ms) => got.push(ms));
  await b2.listen({ host: '127.0.0.1', port });
  try {
    for (let i = 0; i < 300 && got.length === 0; i++) {
      a.send(2, [append(1, 2, 1)]);
      await sleep(10);
    }
    assert.ok(got.length > 0, 'messages never arrived after the peer restarted');
  } finally {
    await a.close();
    await b2.close();
  }
});
