/** The pid registry: which processes `pN::kill` may stop. It belongs to one checkout. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultRunDir, liveProcesses, registerProcess } from './pid-registry';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-pid-registry-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

test('each checkout has its own run folder under /tmp/madkv-run, or under MADKV_RESULTS_ROOT', () => {
  const a = defaultRunDir({}, '/home/ann/madkv');
  const b = defaultRunDir({}, '/home/bob/madkv');
  assert.notEqual(a, b);
  assert.match(a, /^\/tmp\/madkv-run\/[0-9a-f]{12}$/);
  assert.equal(defaultRunDir({}, '/home/ann/madkv'), a, 'the same checkout always gets the same folder');
  assert.equal(path.dirname(defaultRunDir({ MADKV_RESULTS_ROOT: '/x/results' }, '/home/ann/madkv')), '/x/results/madkv-run');
  assert.equal(defaultRunDir({ MADKV_RUN_DIR: '/x/run', MADKV_RESULTS_ROOT: '/x/results' }, '/home/ann/madkv'), '/x/run', 'MADKV_RUN_DIR overrides');
});

test('registries of two checkouts do not see each other', () => {
  const a = defaultRunDir({ MADKV_RESULTS_ROOT: scratch }, '/checkouts/a');
  const b = defaultRunDir({ MADKV_RESULTS_ROOT: scratch }, '/checkouts/b');
  registerProcess('p1', 'server', a);
  assert.deepEqual(liveProcesses('p1', a).map((p) => p.record.pid), [process.pid]);
  assert.deepEqual(liveProcesses('p1', b), []);
});

/**
 * Two copies of the compiled registry in two folders, as two clones would have them: a server
 * registered by clone A is invisible to a kill run from clone B, and visible to one from A.
 */
test('a server registered from one clone is not listed by the other clone (real processes)', async () => {
  const compiled = __dirname;
  const clones = ['clone-a', 'clone-b'].map((name) => {
    const dir = path.join(scratch, name);
    const common = path.join(dir, 'dist', 'kvstore', 'src', 'common');
    fs.mkdirSync(common, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{}\n');
    for (const f of fs.readdirSync(compiled).filter((f) => f.endsWith('.js'))) fs.copyFileSync(path.join(compiled, f), path.join(common, f));
    return common;
  });
  const stage = `scope-test-${process.pid}`;
  // No MADKV_RUN_DIR: each clone derives its own folder (under the scratch results root).
  const env: NodeJS.ProcessEnv = { ...process.env, MADKV_RESULTS_ROOT: path.join(scratch, 'results') };
  delete env.MADKV_RUN_DIR;
  const server = spawn(process.execPath, ['-e', `require(${JSON.stringify(path.join(clones[0]!, 'pid-registry.js'))}).registerProcess(${JSON.stringify(stage)}, 'server'); console.log('registered'); setTimeout(() => {}, 30000);`], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => (d.toString().includes('registered') ? resolve() : undefined));
      server.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
    const listFrom = (clone: string): number[] => {
      const r = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(path.join(clone, 'pid-registry.js'))}).liveProcesses(${JSON.stringify(stage)}).map((p) => p.record.pid)))`], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as number[];
    };
    assert.deepEqual(listFrom(clones[0]!), [server.pid]);
    assert.deepEqual(listFrom(clones[1]!), []);
  } finally {
    server.kill('SIGKILL');
  }
});
