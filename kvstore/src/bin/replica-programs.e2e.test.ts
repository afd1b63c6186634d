/** The stage-3 programs refuse arguments that cannot make a replica, with one line that says why, before touching any storage. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { binPath, runToCompletion } from '../testing/spawn-node';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-replica-args-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const env = { MADKV_RUN_DIR: path.join(dir, 'run') };
const backer = path.join(dir, 'backer');

async function refused(bin: string, args: string[]): Promise<string> {
  const r = await runToCompletion(process.execPath, [binPath(bin), ...args, '--backer-path', backer, '--stage', 'test-args', '--listen-host', '127.0.0.1'], '', { env, timeoutMs: 15_000 });
  assert.notEqual(r.code, 0, `${bin} ${args.join(' ')} started: ${r.stdout}`);
  assert.doesNotMatch(r.stdout, /listening on/);
  return r.stderr.trim().split('\n').pop()!;
}

test('replicated-manager: a replica id outside the group, a server list that does not fit rf, a bad peer list', async () => {
  const base = ['--port', '0', '--p2p-port', '0'];
  assert.equal(await refused('replicated-manager', [...base, '--rep-id', '3', '--peers', '127.0.0.1:1,127.0.0.1:2', '--servers', '127.0.0.1:5,127.0.0.1:6,127.0.0.1:7']), 'error: --peers: replica id 3 does not fit a group of 3 (2 peers and this one: ids 0..2)');
  assert.equal(await refused('replicated-manager', [...base, '--rep-id', '0', '--peers', 'none', '--servers', '127.0.0.1:5,127.0.0.1:6']), 'error: --servers/--server-rf: 2 servers is not a positive multiple of rf 3');
  assert.equal(await refused('replicated-manager', [...base, '--rep-id', '0', '--peers', 'none', '--server-rf', '2', '--servers', '127.0.0.1:5,127.0.0.1:6']), 'error: --servers/--server-rf: rf must be 1, 3, 5, 7 or 9, got 2');
  assert.equal(await refused('replicated-manager', [...base, '--rep-id', '0', '--peers', 'a:1,,nope', '--servers', '127.0.0.1:5,127.0.0.1:6,127.0.0.1:7']), "error: --peers: bad address 'nope': expected host:port");
  assert.equal(await refused('replicated-manager', [...base, '--rep-id', '0', '--peers', '', '--servers', '127.0.0.1:5']), "error: --peers: no peer addresses: give the other replicas' peer addresses, or none");
  assert.equal(fs.existsSync(backer), false, 'no storage was created');
});

test('replica-server: a replica id outside the group, bad manager addresses', async () => {
  const base = ['--part-id', '0', '--api-port', '0', '--p2p-port', '0'];
  assert.equal(await refused('replica-server', [...base, '--rep-id', '1', '--peers', 'none', '--managers', '127.0.0.1:1']), 'error: --peers: replica id 1 does not fit a group of 1 (0 peers and this one: ids 0..0)');
  assert.equal(await refused('replica-server', [...base, '--rep-id', '0', '--peers', 'none', '--managers', '127.0.0.1:1,oops']), "error: --managers: bad address 'oops': expected host:port");
  assert.equal(fs.existsSync(backer), false, 'no storage was created');
});
