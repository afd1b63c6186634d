import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { RpcServer } from './rpc-server';

function holdPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const holder = net.createServer();
  return new Promise((resolve) =>
    holder.listen(0, '127.0.0.1', () =>
      resolve({ port: (holder.address() as net.AddressInfo).port, release: () => new Promise((r) => holder.close(() => r())) }),
    ),
  );
}

test('a busy port is retried within the window and taken once it is free', async () => {
  const held = await holdPort();
  const server = new RpcServer(() => ({ ok: true, value: null }), { log: () => undefined });
  setTimeout(() => void held.release(), 200);
  const bound = await server.listen({ host: '127.0.0.1', port: held.port }, 3000);
  assert.equal(bound.port, held.port);
  await server.close();
});

test('a port still busy after the window is a clear error, and retries leave no listeners behind', async () => {
  const held = await holdPort();
  const server = new RpcServer(() => ({ ok: true, value: null }), { log: () => undefined });
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  await assert.rejects(server.listen({ host: '127.0.0.1', port: held.port }, 800), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${held.port}: .*EADDRINUSE`));
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.deepEqual(warnings.map((w) => w.name), []);
  await held.release();
});
