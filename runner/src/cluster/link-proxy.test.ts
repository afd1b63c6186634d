/**
 * Link proxies with real sockets: bytes pass both ways; a cut closes the link's connections
 * and black-holes new ones until healed; one direction of a pair is cut on its own; a delay
 * holds bytes in order; a peer that does not read costs the proxy bounded memory; and the
 * daemon answers its control port whatever garbage arrives there.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../../kvstore/src/common/log';
import { encodeFrame } from '../../../kvstore/src/wire/frame';
import { RpcConnection } from '../../../kvstore/src/wire/rpc-connection';
import { freePort, repoRoot, startListening } from '../../../kvstore/src/testing/spawn-node';
import { LinkProxy, type LinkSpec, MAX_QUEUED_BYTES } from './link-proxy';
import { callProxy } from './proxy-control';

const host = '127.0.0.1';
const closers: Array<() => Promise<void> | void> = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-link-proxy-'));
after(async () => {
  for (const c of closers.reverse()) await c();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A peer that records what each connection sent it and answers every chunk with `ack:<chunk>`. */
async function peer(opts: { read?: boolean } = {}): Promise<{ port: number; received: () => string; connections: () => number; sockets: Set<net.Socket> }> {
  let received = '';
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (opts.read === false) {
      s.pause();
      return;
    }
    s.on('data', (d: Buffer) => {
      received += d.toString();
      s.write(`ack:${d.toString()}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, received: () => received, connections: () => connections, sockets };
}

async function proxyFor(links: Array<{ from: string; to: string; targetPort: number }>): Promise<{ proxy: LinkProxy; port: (from: string, to: string) => number }> {
  const specs: LinkSpec[] = [];
  for (const l of links) specs.push({ from: l.from, to: l.to, listen: { host, port: await freePort() }, target: { host, port: l.targetPort } });
  const proxy = await LinkProxy.open(specs, silentLogger);
  closers.push(() => proxy.close());
  return { proxy, port: (from, to) => specs.find((s) => s.from === from && s.to === to)!.listen.port };
}

/** A dialer: connects, collects what comes back, tells when it is closed. */
async function dial(port: number): Promise<{ socket: net.Socket; got: () => string; closed: Promise<void> }> {
  const socket = net.connect({ host, port });
  socket.on('error', () => undefined);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString()));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  closers.push(() => void socket.destroy());
  return { socket, got: () => got, closed };
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('bytes pass through a link both ways, and the link counts them', async () => {
  const b = await peer();
  const { proxy, port } = await proxyFor([{ from: 'a', to: 'b', targetPort: b.port }]);
  const c = await dial(port('a', 'b'));
  c.socket.write('hello');
  await until(() => c.got() === 'ack:hello', 'the answer');
  assert.equal(b.received(), 'hello');
  const [st] = proxy.status();
  assert.deepEqual({ ...st, listen: undefined, target: undefined }, { from: 'a', to: 'b', listen: undefined, target: undefined, cut: false, delayMs: 0, connections: 1, bytesForward: 5, bytesBack: 9 });
});

test('a cut closes the link\'s connections; while cut, new connections are accepted and their bytes go nowhere; healing lets them through again', async () => {
  const b = await peer();
  const { proxy, port } = await proxyFor([{ from: 'a', to: 'b', targetPort: b.port }]);
  const before = await dial(port('a', 'b'));
  before.socket.write('one');
  await until(() => before.got() === 'ack:one', 'the first answer');

  assert.deepEqual(proxy.cut([{ from: 'a', to: 'b' }]), [{ from: 'a', to: 'b' }]);
  await before.closed;
  assert.deepEqual(proxy.cut([{ from: 'a', to: 'b' }]), [], 'cutting a cut link changes nothing');

  const during = await dial(port('a', 'b'));
  during.socket.write('lost');
  await pause(150);
  assert.equal(b.received(), 'one', 'nothing sent while cut reached b');
  assert.equal(during.got(), '', 'and nothing came back');
  assert.equal(b.connections(), 1, 'the proxy did not even connect to b');

  assert.deepEqual(proxy.heal([{ from: 'a', to: 'b' }]), [{ from: 'a', to: 'b' }]);
  await during.closed; // its stream lost bytes: it must start over
  const afterHeal = await dial(port('a', 'b'));
  afterHeal.socket.write('two');
  await until(() => afterHeal.got() === 'ack:two', 'an answer after healing');
  assert.equal(b.received(), 'onetwo');
});

test('cutting a->b leaves b->a passing: one direction of a pair at a time', async () => {
  const a = await peer();
  const b = await peer();
  const { proxy, port } = await proxyFor([
    { from: 'a', to: 'b', targetPort: b.port },
    { from: 'b', to: 'a', targetPort: a.port },
  ]);
  proxy.cut([{ from: 'a', to: 'b' }]);
  const ab = await dial(port('a', 'b'));
  const ba = await dial(port('b', 'a'));
  ab.socket.write('from-a');
  ba.socket.write('from-b');
  await until(() => ba.got() === 'ack:from-b', 'b->a to pass');
  await pause(100);
  assert.equal(b.received(), '', 'a->b is cut');
  assert.equal(a.received(), 'from-b');
  assert.deepEqual(
    proxy.status().map((s) => [s.from, s.to, s.cut]),
    [
      ['a', 'b', true],
      ['b', 'a', false],
    ],
  );
  assert.deepEqual(proxy.heal(), [{ from: 'a', to: 'b' }], 'healing everything heals what was cut');
});

test('a delay holds each chunk from the dialer, keeps their order when the delay changes, and does not slow the answers', async () => {
  const b = await peer();
  const { proxy, port } = await proxyFor([{ from: 'a', to: 'b', targetPort: b.port }]);
  const c = await dial(port('a', 'b'));
  c.socket.write('x');
  await until(() => c.got() === 'ack:x', 'an undelayed answer');

  assert.deepEqual(proxy.delay([{ from: 'a', to: 'b' }], 300), [{ from: 'a', to: 'b' }]);
  const sent = performance.now();
  c.socket.write('1');
  await pause(50);
  proxy.delay([{ from: 'a', to: 'b' }], 0); // later chunks may not overtake the held one
  c.socket.write('2');
  await pause(100);
  assert.equal(b.received(), 'x', 'nothing passed before the delay ran out');
  await until(() => b.received() === 'x12', 'both chunks, in order');
  const took = performance.now() - sent;
  assert.ok(took >= 290, `the first chunk was held ${took.toFixed(0)} ms`);
  await until(() => c.got().endsWith('2'), 'the answers'); // ack:1ack:2 or ack:12
  assert.ok(performance.now() - sent < 1000, 'answers came back without the delay');

  proxy.delay([{ from: 'a', to: 'b' }], 100);
  assert.deepEqual(proxy.heal(), [{ from: 'a', to: 'b' }], 'heal clears a delay');
  assert.equal(proxy.status()[0]!.delayMs, 0);
});

test('an unknown link is refused and nothing is changed', async () => {
  const b = await peer();
  const { proxy } = await proxyFor([{ from: 'a', to: 'b', targetPort: b.port }]);
  assert.throws(() => proxy.cut([{ from: 'a', to: 'b' }, { from: 'a', to: 'z' }]), /no link a->z/);
  assert.equal(proxy.status()[0]!.cut, false);
  assert.throws(() => proxy.delay([{ from: 'a', to: 'b' }], -1), RangeError);
});

test('a peer that stops reading makes the proxy stop reading from the dialer: bounded memory', async () => {
  const b = await peer({ read: false });
  const { proxy, port } = await proxyFor([{ from: 'a', to: 'b', targetPort: b.port }]);
  const c = await dial(port('a', 'b'));
  const chunk = Buffer.alloc(1024 * 1024, 7);
  for (let i = 0; i < 64; i++) c.socket.write(chunk);
  await pause(800);
  const passed = proxy.status()[0]!.bytesForward;
  // What the proxy handed to the socket toward b is bounded by its queue limit plus kernel buffers.
  assert.ok(passed < 64 * chunk.length, `passed ${passed} bytes of ${64 * chunk.length}`);
  assert.ok(c.socket.writableLength > 64 * chunk.length - passed - 2 * MAX_QUEUED_BYTES - 16 * 1024 * 1024, 'the rest waits at the dialer');
});

test('the daemon cuts and heals on its control port and survives garbage there', async () => {
  const b = await peer();
  const linkPort = await freePort();
  const linksFile = path.join(scratch, 'links.json');
  fs.writeFileSync(linksFile, JSON.stringify([{ from: 'm.0', to: 'm.1', listen: `${host}:${linkPort}`, target: `${host}:${b.port}` }]));
  const controlPort = await freePort();
  const daemon = await startListening(path.join(repoRoot(), 'dist', 'runner', 'src', 'cluster', 'link-proxy-main.js'), ['--control', `${host}:${controlPort}`, '--links', linksFile, '--stage', 'test-link-proxy'], {
    MADKV_RUN_DIR: path.join(scratch, 'run'),
  });
  closers.push(() => daemon.stop('SIGKILL'));
  const control = { host, port: controlPort };

  // Garbage: random bytes, a frame header announcing 1 GB, a frame that is not a request, requests that make no sense.
  for (const junk of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from([0x40, 0, 0, 0, 1, 2, 3]), encodeFrame('hello'), encodeFrame({ id: 1, body: null })]) {
    const s = await dial(controlPort);
    s.socket.write(junk);
    await Promise.race([s.closed, pause(300)]);
    s.socket.destroy();
  }
  const conn = await RpcConnection.connect(control);
  for (const body of [{ type: 'cut' }, { type: 'cut', links: [{ from: 'm.0' }] }, { type: 'delay', links: [], ms: -3 }, { type: 'explode' }, { type: 'cut', links: [{ from: 'm.0', to: 'nowhere' }] }]) {
    const r = await conn.call(body, 2000);
    assert.equal(r.ok, false, JSON.stringify(body));
    if (!r.ok) assert.equal(r.error.code, 'bad_request');
  }
  conn.close();

  const link = { from: 'm.0', to: 'm.1' };
  assert.deepEqual(await callProxy(control, { type: 'cut', links: [link] }), { changed: [link] });
  const s = await dial(linkPort);
  s.socket.write('dropped');
  await pause(100);
  assert.equal(b.received(), '');
  assert.deepEqual((await callProxy(control, { type: 'status' })).links.map((l) => [l.from, l.to, l.cut]), [['m.0', 'm.1', true]]);
  assert.deepEqual(await callProxy(control, { type: 'heal' }), { changed: [link] });
  const t = await dial(linkPort);
  t.socket.write('passes');
  await until(() => b.received() === 'passes', 'bytes after healing');
  assert.match(daemon.stderr(), /cut: m\.0->m\.1/);
  assert.match(daemon.stderr(), /healed: m\.0->m\.1/);

  daemon.child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => daemon.child.once('exit', (c) => r(c)));
  assert.equal(code, 0);
});

test('the daemon refuses a links file it cannot read, saying which entry is wrong', async () => {
  const bad = path.join(scratch, 'bad-links.json');
  fs.writeFileSync(bad, JSON.stringify([{ from: 'a', to: 'b', listen: 'nowhere', target: '127.0.0.1:1' }]));
  await assert.rejects(
    startListening(path.join(repoRoot(), 'dist', 'runner', 'src', 'cluster', 'link-proxy-main.js'), ['--control', `${host}:${await freePort()}`, '--links', bad], { MADKV_RUN_DIR: path.join(scratch, 'run') }),
    /bad-links\.json: link 0: bad address 'nowhere'/,
  );
});
