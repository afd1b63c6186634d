/** One server process per storage folder: a second `partition-server` on a busy backer path refuses to start. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { binPath, freePort, runToCompletion, startListening, type StartedServer } from '../testing/spawn-node';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-server-lock-'));
const env = { MADKV_RUN_DIR: path.join(dir, 'run') };
const started: StartedServer[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.stop('SIGKILL')));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function serverArgs(backer: string): Promise<string[]> {
  // No manager is running: the server opens its storage, serves, and keeps trying to register.
  return ['--id', '0', '--manager', `127.0.0.1:${await freePort()}`, '--listen-host', '127.0.0.1', '--api-port', String(await freePort()), '--backer-path', backer, '--stage', 'test-lock'];
}

test('a second server on the same backer path refuses to start, naming the first; after a kill -9 of the first it starts', async () => {
  const backer = path.join(dir, 'backer.s0');
  const first = await startListening(binPath('partition-server'), await serverArgs(backer), env);
  started.push(first);

  const second = await runToCompletion(process.execPath, [binPath('partition-server'), ...(await serverArgs(backer))], '', { env, timeoutMs: 15_000 });
  assert.notEqual(second.code, 0, `the second server must not start: ${second.stdout}`);
  assert.doesNotMatch(second.stdout, /listening on/);
  assert.match(second.stderr, new RegExp(`error: storage ${backer} is in use by pid ${first.child.pid} \\(.*partition-server\\.js --id 0 .*\\) since `));

  await first.stop('SIGKILL');
  const third = await startListening(binPath('partition-server'), await serverArgs(backer), env);
  started.push(third);
  assert.match(third.stderr(), new RegExp(`took over the stale lock of pid ${first.child.pid}`));
});
