/** The compiled stdin/stdout client against the compiled server, as separate processes. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SingleServerClient } from '../client/single-server-client';
import { type StartedServer, binPath, freePort, runToCompletion, startListening } from '../testing/spawn-node';
import { parseAddress } from '../wire/address';

const started: StartedServer[] = [];
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-client-e2e-'));
after(async () => {
  await Promise.all(started.map((s) => s.stop('SIGKILL')));
  fs.rmSync(runDir, { recursive: true, force: true });
});

async function server(port = 0): Promise<StartedServer> {
  const s = await startListening(binPath('server'), ['--listen', `127.0.0.1:${port}`, '--stage', 'test'], { MADKV_RUN_DIR: runDir });
  started.push(s);
  return s;
}

function client(address: string, input: string, timeoutMs = 20_000): ReturnType<typeof runToCompletion> {
  return runToCompletion(process.execPath, [binPath('client'), '--server', address], input, { timeoutMs });
}

test('answers the protocol: one answer per command, in order, then STOP and exit 0', async () => {
  const s = await server();
  const r = await client(s.address, 'PUT a 1\nGET a\nPUT a 2\nSWAP a 3\nSWAP b 9\nSCAN a z\nDELETE a\nDELETE a\nGET a\nSTOP\nGET b\n');
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    'PUT a not_found\nGET a 1\nPUT a found\nSWAP a 2\nSWAP b null\nSCAN a z BEGIN\n  a 3\n  b 9\nSCAN END\nDELETE a found\nDELETE a not_found\nGET a null\nSTOP\n',
  );
});

test('end of input without STOP exits cleanly', async () => {
  const s = await server();
  const r = await client(s.address, 'PUT k v\nGET k\n');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'PUT k not_found\nGET k v\n');
});

/**
 * A reader slower than the client: it reads nothing for a moment, then takes its input in
 * small chunks with pauses, and prints how many lines it got and the last one.
 */
const SLOW_READER = `
let lines = 0, last = '', partial = '';
setTimeout(() => {
  process.stdin.on('data', (chunk) => {
    const parts = (partial + chunk).split('\\n');
    partial = parts.pop();
    lines += parts.length;
    if (parts.length > 0) last = parts[parts.length - 1];
    process.stdin.pause();
    setTimeout(() => process.stdin.resume(), 1);
  });
  process.stdin.on('end', () => process.stdout.write(lines + ' ' + JSON.stringify(last) + ' ' + JSON.stringify(partial)));
}, 300);
`;

test('a reader slower than the client still gets every line: the client exits only once stdout is flushed', async () => {
  const s = await server();
  const loader = new SingleServerClient(parseAddress(s.address));
  const value = 'v'.repeat(100);
  const keys = Array.from({ length: 10_000 }, (_, i) => `key${String(i).padStart(5, '0')}`);
  await Promise.all(keys.map((k) => loader.put(k, value)));
  loader.close();
  const pipeline = `${JSON.stringify(process.execPath)} ${JSON.stringify(binPath('client'))} --server ${s.address} | ${JSON.stringify(process.execPath)} -e '${SLOW_READER.replace(/'/g, `'\\''`)}'`;
  for (const input of ['SCAN key00000 key99999\nSTOP\n', 'SCAN key00000 key99999\n']) {
    const r = await runToCompletion('/bin/sh', ['-c', pipeline], input, { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    // SCAN ... BEGIN, 10,000 pairs, SCAN END (and STOP): every line whole, the last one included.
    const stop = input.includes('STOP');
    assert.equal(r.stdout, `${10_002 + (stop ? 1 : 0)} ${JSON.stringify(stop ? 'STOP' : 'SCAN END')} ""`, `input ${JSON.stringify(input)}`);
  }
});

test('malformed lines get exactly one ERROR line each and never reach a server', async () => {
  // No server listens here: a line that reached for one would hang the client.
  const port = await freePort();
  const bad = ['put a 1', 'PUT a', 'GET a b', 'FROB', 'SCAN a', 'GET a\tb', 'GET \x01', `PUT k ${'x'.repeat(70_000)}`, 'STOP now'];
  const r = await client(`127.0.0.1:${port}`, bad.join('\n') + '\nSTOP\n', 10_000);
  assert.equal(r.code, 0);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, bad.length + 1);
  lines.slice(0, -1).forEach((l, i) => assert.match(l, /^ERROR \S/, `line ${i}: ${bad[i]!.slice(0, 20)}`));
  assert.equal(lines[lines.length - 1], 'STOP');
});

test('malformed lines mixed with good ones: the good ones still work, in order', async () => {
  const s = await server();
  const r = await client(s.address, 'PUT x 1\nget x\nGET x\n\n   \nDELETE\nGET x\n');
  assert.deepEqual(r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split(' ')[0]), ['PUT', 'ERROR', 'GET', 'ERROR', 'GET']);
});

test('keys and values with punctuation and DEL (0x7f) pass through unchanged; tabs separate tokens', async () => {
  const s = await server();
  const v = '_!"#$%&\'()*+,-./:;<=>?@[\\]^`{|}~\x7f';
  const r = await client(s.address, `PUT usertable_user1 ${v}\nGET\tusertable_user1\nPUT \t k\x7f\t\x7f\nSCAN k k\x7f\n`);
  assert.equal(r.stdout, `PUT usertable_user1 not_found\nGET usertable_user1 ${v}\nPUT k\x7f not_found\nSCAN k k\x7f BEGIN\n  k\x7f \x7f\nSCAN END\n`);
});

test('a client started before its server retries until the server is up', async () => {
  const port = await freePort();
  const pending = client(`127.0.0.1:${port}`, 'PUT early 1\nGET early\nSTOP\n');
  await new Promise((r) => setTimeout(r, 800));
  await server(port);
  const r = await pending;
  assert.equal(r.stdout, 'PUT early not_found\nGET early 1\nSTOP\n');
  assert.match(r.stderr, /retrying/);
});

test('a broken connection is retried: the answer is whole, never half', async () => {
  const port = await freePort();
  const first = await server(port);
  const child = spawn(process.execPath, [binPath('client'), '--server', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const waitFor = async (text: string): Promise<void> => {
    for (let i = 0; i < 200 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(out.includes(text), `waiting for ${JSON.stringify(text)} in ${JSON.stringify(out)}`);
  };
  child.stdin.write('PUT k 1\n');
  await waitFor('PUT k not_found\n');
  await first.stop('SIGKILL');
  child.stdin.write('GET k\n');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(out, 'PUT k not_found\n', 'nothing printed while the server is down');
  await server(port);
  // The restarted stage-1 server is empty (memory only), but the answer is a complete line.
  await waitFor('GET k null\n');
  child.stdin.end('STOP\n');
  const code = await new Promise((r) => child.once('exit', r));
  assert.equal(code, 0);
  assert.equal(out, 'PUT k not_found\nGET k null\nSTOP\n');
});

test('a wrong argument gets a clear error, not a stack trace', async () => {
  const r = await runToCompletion(process.execPath, [binPath('client'), '--server', 'nonsense'], '');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: bad address 'nonsense'/);
  const r2 = await runToCompletion(process.execPath, [binPath('server'), '--listen', '127.0.0.1:99999'], '');
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /port 99999 is out of range/);
});

test('transactions against a stage-1 server: one clear ERROR line per block or INCR, no hang, and the session goes on', async () => {
  const s = await server();
  const r = await client(s.address, 'TXN 2\nPUT a 1\nINCR n 1\nINCR n 1\nTXN 1\nSCAN a z\nPUT a 2\nSTOP\n', 10_000);
  assert.equal(r.code, 0);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^ERROR bad_request: this server does not run transactions \(TXN, INCR, APPEND need a stage-4 cluster\)$/);
  assert.match(lines[1]!, /^ERROR .*stage-4/);
  assert.match(lines[2]!, /^ERROR TXN line 1 of 1: SCAN is not allowed in a transaction/);
  assert.deepEqual(lines.slice(3), ['PUT a not_found', 'STOP', '']);
});

test('--txn-tries must be a positive integer', async () => {
  const r = await runToCompletion(process.execPath, [binPath('client'), '--server', '127.0.0.1:1', '--txn-tries', '0'], '');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--txn-tries must be a positive integer/);
});
