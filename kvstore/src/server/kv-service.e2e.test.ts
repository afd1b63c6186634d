/** The stage-1 server and the client library over real loopback sockets, in one process. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { RpcServer } from '../wire/rpc-server';
import { encodeFrame } from '../wire/frame';
import { type Address, formatAddress } from '../wire/address';
import { SingleServerClient } from '../client/single-server-client';
import { KvRequestError } from '../client/errors';
import { RpcConnection } from '../wire/rpc-connection';
import { KvService } from './kv-service';

let server: RpcServer;
let address: Address;
const logged: string[] = [];

before(async () => {
  const service = new KvService();
  server = new RpcServer((b) => service.handle(b), { log: (m) => logged.push(m), maxFrameBytes: 1 << 20 });
  address = await server.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await server.close();
});

function rawSocket(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(address.port, address.host, () => resolve(s));
    s.once('error', reject);
  });
}

function closed(s: net.Socket): Promise<void> {
  return new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
}

test('one connection carries many requests in flight and answers each', async () => {
  const c = new SingleServerClient(address);
  const keys = Array.from({ length: 500 }, (_, i) => `inflight${i}`);
  const found = await Promise.all(keys.map((k) => c.put(k, `v-${k}`)));
  assert.ok(found.every((f) => f === false));
  const values = await Promise.all(keys.map((k) => c.get(k)));
  assert.deepEqual(values, keys.map((k) => `v-${k}`));
  c.close();
});

test('concurrent SWAPs from many clients on one key are atomic: every old value is returned exactly once', async () => {
  const clients = Array.from({ length: 8 }, () => new SingleServerClient(address));
  await clients[0]!.put('hot', 'v0');
  const olds = await Promise.all(clients.flatMap((c, i) => Array.from({ length: 100 }, (_, j) => c.swap('hot', `c${i}-${j}`))));
  const last = await clients[0]!.get('hot');
  const seen = new Set(olds);
  assert.equal(seen.size, olds.length, 'no old value returned twice');
  assert.ok(!seen.has(last), 'the final value was never swapped out');
  assert.equal(seen.size + 1, 801, 'v0 plus 800 writes, minus the final one');
  clients.forEach((c) => c.close());
});

test('a client reads its own and others\' acknowledged writes (read-after-write across connections)', async () => {
  const a = new SingleServerClient(address);
  const b = new SingleServerClient(address);
  for (let i = 0; i < 50; i++) {
    await a.put('raw', `a${i}`);
    assert.equal(await b.get('raw'), `a${i}`);
    assert.equal(await b.swap('raw', `b${i}`), `a${i}`);
    assert.equal(await a.get('raw'), `b${i}`);
  }
  a.close();
  b.close();
});

test('a malformed request gets a bad_request reply and the connection keeps working', async () => {
  const conn = await RpcConnection.connect(address);
  const r1 = await conn.call({ type: 'kv', cmd: { op: 'put', key: 'has space', value: 'v' } });
  assert.equal(r1.ok, false);
  assert.equal(!r1.ok && r1.error.code, 'bad_request');
  const r2 = await conn.call({ type: 'nope' });
  assert.equal(!r2.ok && r2.error.code, 'bad_request');
  const r3 = await conn.call({ type: 'kv', cmd: { op: 'get', key: 'k' } });
  assert.equal(r3.ok, true);
  conn.close();
});

test('the client library reports a refused request as KvRequestError', async () => {
  const c = new SingleServerClient(address);
  await assert.rejects(c.get('bad key'), KvRequestError);
  c.close();
});

for (const [what, bytes] of [
  ['random garbage', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
  ['a frame over the size limit', Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])],
  ['a frame whose body is not msgpack', Buffer.from([0, 0, 0, 2, 0xc1, 0xc1])],
  ['a valid frame that is not a request', encodeFrame([1, 2, 3])],
] as const) {
  test(`a peer sending ${what} loses only its own connection`, async () => {
    const bystander = new SingleServerClient(address);
    const key = `bystander-${what.replace(/ /g, '_')}`;
    await bystander.put(key, 'before');
    const before = logged.length;
    const bad = await rawSocket();
    bad.write(bytes);
    await closed(bad);
    assert.equal(logged.length, before + 1, 'the server logs one line');
    assert.match(logged[logged.length - 1]!, /dropping connection/);
    assert.equal(await bystander.get(key), 'before');
    bystander.close();
  });
}

test('a peer that disconnects mid-frame is logged and nobody else notices', async () => {
  const bystander = new SingleServerClient(address);
  const bad = await rawSocket();
  const frame = encodeFrame({ id: 1, body: { type: 'kv', cmd: { op: 'put', key: 'half', value: 'x'.repeat(1000) } } });
  bad.end(frame.subarray(0, 500));
  await closed(bad);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(logged.some((l) => /closed mid-frame/.test(l)));
  assert.equal(await bystander.get('half'), null, 'the half frame was never applied');
  bystander.close();
});

test('the client retries until a server appears at its address', async () => {
  const service = new KvService();
  const late = new RpcServer((b) => service.handle(b), { log: () => undefined });
  const probe = new RpcServer(() => ({ ok: true, value: null }), { log: () => undefined });
  const spot = await probe.listen({ host: '127.0.0.1', port: 0 });
  await probe.close();
  const retries: string[] = [];
  const c = new SingleServerClient(spot, { callTimeoutMs: 2000, backoff: { initialMs: 10, maxMs: 50 }, onRetry: (_, why) => retries.push(why) });
  const pending = c.put('late', 'v');
  await new Promise((r) => setTimeout(r, 300));
  await late.listen(spot);
  assert.equal(await pending, false);
  assert.ok(retries.length > 0, 'it retried while nobody listened');
  assert.equal(service.state.get('late'), 'v');
  c.close();
  await late.close();
  assert.ok(formatAddress(spot).startsWith('127.0.0.1:'));
});
