/** The compiled manager as a process: its command line, its startup line, its answers, its exit. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type StartedServer, binPath, runToCompletion, startListening } from '../testing/spawn-node';
import { parseAddress } from '../wire/address';
import { RpcConnection } from '../wire/rpc-connection';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-manager-test-'));
const env = { MADKV_RUN_DIR: runDir };
const started: StartedServer[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.stop('SIGKILL')));
  fs.rmSync(runDir, { recursive: true, force: true });
});

function manager(args: string[]): ReturnType<typeof runToCompletion> {
  return runToCompletion(process.execPath, [binPath('manager'), ...args], '', { env, timeoutMs: 10_000 });
}

/** Exits non-zero with exactly one line on stderr, `error: ...`. */
function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, pattern);
}

test('prints its listening line, serves the map once every server registered, and stops on SIGTERM', async () => {
  const servers = '127.0.0.1:3777,127.0.0.1:3778';
  const m = await startListening(binPath('manager'), ['--stage', 'test', '--listen-host', '127.0.0.1', '--port', '0', '--servers', servers], env);
  started.push(m);
  assert.match(m.address, /^127\.0\.0\.1:\d+$/);
  const pidFiles = fs.readdirSync(path.join(runDir, 'test'));
  assert.deepEqual(pidFiles, [`manager-${m.child.pid}.pid`]);

  const conn = await RpcConnection.connect(parseAddress(m.address));
  const early = await conn.call({ type: 'get_map' }, 2000);
  assert.deepEqual(early, { ok: false, error: { code: 'unavailable', message: 'waiting for servers: 0 of 2 registered (missing s0 at 127.0.0.1:3777, s1 at 127.0.0.1:3778)' } });
  for (const partition of [0, 1]) await conn.call({ type: 'register', partition, address: `0.0.0.0:${3777 + partition}` }, 2000);
  assert.deepEqual(await conn.call({ type: 'get_map' }, 2000), { ok: true, value: { map: { servers: servers.split(',') } } });
  conn.close();

  await m.stop('SIGTERM');
  assert.equal(m.child.exitCode, 0, 'a requested stop is a clean exit');
  assert.deepEqual(fs.readdirSync(path.join(runDir, 'test')), [], 'the pid file is gone');
  assert.match(m.stderr(), /all 2 servers registered/);
});

test('a bad server list is a one-line error', async () => {
  assertOneLineError(await manager(['--port', '0', '--servers', '127.0.0.1:3777,nonsense']), /--servers: bad address 'nonsense'/);
  assertOneLineError(await manager(['--port', '0', '--servers', '']), /--servers: the server list is empty/);
  assertOneLineError(await manager(['--port', '0', '--servers', '127.0.0.1:1,127.0.0.1:1']), /listed twice/);
});

test('more than 50 servers is a one-line error', async () => {
  const servers = Array.from({ length: 51 }, (_, i) => `127.0.0.1:${4000 + i}`).join(',');
  assertOneLineError(await manager(['--port', '0', '--servers', servers]), /51 servers listed; a cluster has at most 50/);
});

test('a port in use or out of range is a one-line error', async () => {
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    assertOneLineError(await manager(['--listen-host', '127.0.0.1', '--port', String(port)]), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
  } finally {
    holder.close();
  }
  assertOneLineError(await manager(['--port', '70000']), /--port must be a port number/);
  assertOneLineError(await manager(['--port', 'abc']), /--port must be a port number/);
});
