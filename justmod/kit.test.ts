/**
 * The kit's recipes that match the template's harness beyond the stages: every module lists
 * its recipes by default, utils::build takes the template's mode, and rsync / fetch move the
 * kit to a cluster machine and results back (tested with a local folder standing in for it).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, runToCompletion } from '../kvstore/src/testing/spawn-node';

const root = repoRoot();
const justBin = path.join(root, 'node_modules', '.bin', 'just');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-kit-'));
const planted = path.join(root, `backer.kit-test-${process.pid}`);
after(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(planted, { recursive: true, force: true });
});

function just(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof runToCompletion> {
  return runToCompletion(justBin, args, '', { env: { MADKV_RUN_DIR: path.join(scratch, 'run'), MADKV_RESULTS_ROOT: path.join(scratch, 'results'), ...env }, timeoutMs: 60_000 });
}

test('`just <module>` lists that module\'s recipes (and runs nothing else)', async () => {
  for (const [mod, recipe] of [['p1', 'server listen="0.0.0.0:3777"'], ['p2', 'service node="s0"'], ['utils', 'ycsb']] as const) {
    const r = await just([mod]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Available recipes:/, mod);
    assert.ok(r.stdout.includes(recipe), `${mod} lists ${recipe}`);
    assert.doesNotMatch(r.stdout + r.stderr, /npm install|added \d+ packages/, `${mod} installs nothing`);
  }
});

test('utils::build takes the template\'s mode: rel or dbg (the same build), anything else is an error', async () => {
  const listing = await just(['--list', 'utils']);
  assert.match(listing.stdout, /build mode="rel"/);
  // A stand-in npm records the build instead of rewriting dist/ under the other tests' feet.
  const bin = path.join(scratch, 'bin');
  const calls = path.join(scratch, 'npm-calls');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\necho "npm $*" >> "${calls}"\n`, { mode: 0o755 });
  const pathEnv = { PATH: `${bin}:${process.env['PATH'] ?? ''}` };
  for (const mode of [[], ['rel'], ['dbg']]) {
    const r = await just(['utils::build', ...mode], pathEnv);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.equal(fs.readFileSync(calls, 'utf8'), 'npm run --silent build\n'.repeat(3));
  const bad = await just(['utils::build', 'fast'], pathEnv);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /error: mode must be rel or dbg, got 'fast'/);
  assert.equal(fs.readFileSync(calls, 'utf8'), 'npm run --silent build\n'.repeat(3), 'no build for a bad mode');
});

test('rsync copies the checkout to the remote (here a local folder) without build output, dependencies or storage', async () => {
  fs.mkdirSync(planted);
  fs.writeFileSync(path.join(planted, 'data'), 'x');
  const remote = path.join(scratch, 'remote-home');
  // The checkout is not under this HOME: it goes to ~/madkv.
  const r = await just(['rsync', remote], { HOME: scratch });
  assert.equal(r.code, 0, r.stderr);
  const copy = path.join(remote, 'madkv');
  for (const f of ['Justfile', 'package.json', 'justmod/proj2.just', 'kvstore/src/storage/storage-lock.ts']) assert.ok(fs.existsSync(path.join(copy, f)), f);
  for (const f of ['node_modules', 'dist', '.git', path.basename(planted)]) assert.equal(fs.existsSync(path.join(copy, f)), false, `${f} is not copied`);
  assert.match(r.stdout, new RegExp(`copied to ${copy} .*cd ~/madkv && npm install`));

  // Under HOME, the same relative path.
  const home = path.dirname(root);
  const r2 = await just(['rsync', remote], { HOME: home });
  assert.equal(r2.code, 0, r2.stderr);
  assert.ok(fs.existsSync(path.join(remote, path.basename(root), 'Justfile')));

  const bad = await just(['rsync', 'user@host:/elsewhere']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /error: give the remote as user@host, without a path/);
});

test('fetch copies a results folder back to the same path here, merging with what is there', async () => {
  const remote = path.join(scratch, 'remote-machine');
  const results = path.join(scratch, 'results', 'madkv-p2');
  fs.mkdirSync(path.join(remote, results, 'fuzz'), { recursive: true });
  fs.writeFileSync(path.join(remote, results, 'fuzz', 'fuzz-3-yes.log'), 'from the remote\n');
  fs.mkdirSync(path.join(results, 'bench'), { recursive: true });
  fs.writeFileSync(path.join(results, 'bench', 'bench-10-a-1.log'), 'already here\n');
  const r = await just(['fetch', remote, `${results}/`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.readFileSync(path.join(results, 'fuzz', 'fuzz-3-yes.log'), 'utf8'), 'from the remote\n');
  assert.equal(fs.readFileSync(path.join(results, 'bench', 'bench-10-a-1.log'), 'utf8'), 'already here\n');

  const missing = await just(['fetch', remote, '/no/such/folder']);
  assert.notEqual(missing.code, 0);
});
