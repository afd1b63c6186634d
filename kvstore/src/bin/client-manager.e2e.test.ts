/** The compiled stdin/stdout client pointed at a stage-2 manager (`--manager`), with an in-process cluster. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { listenOnPort } from '../testing/listen-on-port';
import { registerOnce } from '../cluster/manager-link';
import { ManagerService } from '../cluster/manager-service';
import { partitionOf } from '../cluster/partition-map';
import { KvService } from '../server/kv-service';
import { binPath, freePort, runToCompletion } from '../testing/spawn-node';
import { type Reply, errorReply } from '../wire/envelope';
import { parseKvRequest } from '../wire/kv-messages';
import { RpcServer } from '../wire/rpc-server';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function listen(handler: (b: unknown) => Reply, port = 0): Promise<number> {
  if (port !== 0) {
    const fixed = await listenOnPort(handler, '127.0.0.1', port);
    closers.push(() => fixed.close());
    return port;
  }
  const rpc = new RpcServer(handler, { log: () => undefined });
  closers.push(() => rpc.close());
  return (await rpc.listen({ host: '127.0.0.1', port })).port;
}

test('with --manager, the client asks the manager and talks to the partitions', async () => {
  const ports = [await freePort(), await freePort()];
  const servers = ports.map((p) => `127.0.0.1:${p}`);
  const manager = new ManagerService(servers);
  const managerPort = await listen((b) => manager.handle(b));
  for (const [i, port] of ports.entries()) {
    const kv = new KvService();
    await listen((b) => {
      const req = parseKvRequest(b);
      if (typeof req !== 'string' && req.cmd.op !== 'scan' && partitionOf(req.cmd.key, 2) !== i) return errorReply('wrong_partition', 'not mine');
      return kv.handle(b);
    }, port);
    await registerOnce({ host: '127.0.0.1', port: managerPort }, i, `0.0.0.0:${port}`);
  }
  const r = await runToCompletion(process.execPath, [binPath('client'), '--manager', `127.0.0.1:${managerPort}`], 'PUT a 1\nPUT b 2\nPUT c 3\nGET b\nSCAN a c\nSTOP\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'PUT a not_found\nPUT b not_found\nPUT c not_found\nGET b 2\nSCAN a c BEGIN\n  a 1\n  b 2\n  c 3\nSCAN END\nSTOP\n');
});

test('two targets at once are a one-line error', async () => {
  const r = await runToCompletion(process.execPath, [binPath('client'), '--server', '127.0.0.1:1', '--manager', '127.0.0.1:2'], '');
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr, 'error: give one of --server, --manager or --managers, not --server and --manager\n');
  const bad = await runToCompletion(process.execPath, [binPath('client'), '--manager', 'nonsense'], '');
  assert.equal(bad.stderr, "error: bad address 'nonsense': expected host:port\n");
});
