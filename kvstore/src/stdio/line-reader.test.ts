import assert from 'node:assert/strict';
import * as readline from 'node:readline';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { LineReader, LineSplitter } from './line-reader';

/** The lines node:readline (crlfDelay: Infinity, as the client used) reads from these chunks. */
async function readlineLines(chunks: readonly string[]): Promise<string[]> {
  const input = new PassThrough();
  const rl = readline.createInterface({ input, crlfDelay: Infinity, terminal: false });
  const out: string[] = [];
  rl.on('line', (l) => out.push(l));
  const closed = new Promise((resolve) => rl.once('close', resolve));
  for (const c of chunks) input.write(c);
  input.end();
  await closed;
  return out;
}

function splitterLines(chunks: readonly string[]): string[] {
  const s = new LineSplitter();
  const out: string[] = [];
  for (const c of chunks) s.push(c, out);
  s.end(out);
  return out;
}

test('a line ends at \\n, \\r\\n or a lone \\r, as readline reads it, however the input is cut into chunks', async () => {
  assert.deepEqual(splitterLines(['PUT a 1\nGET a\r\nGET b\rSTOP']), ['PUT a 1', 'GET a', 'GET b', 'STOP']);
  assert.deepEqual(splitterLines(['GET a\r', '\nGET b\n']), ['GET a', 'GET b']);
  const alphabet = ['a', ' ', '\n', '\r', '\r\n', 'GET k'];
  let seed = 1;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < 300; i++) {
    let text = '';
    for (let n = rand(12); n > 0; n--) text += alphabet[rand(alphabet.length)];
    const chunks: string[] = [];
    for (let at = 0; at < text.length; ) {
      const len = 1 + rand(4);
      chunks.push(text.slice(at, at + len));
      at += len;
    }
    assert.deepEqual(splitterLines(chunks), await readlineLines(chunks), JSON.stringify(chunks));
  }
});

test('lines already read are handed over without a promise; end of input is null', async () => {
  const input = new PassThrough();
  const reader = new LineReader(input);
  input.write('PUT a 1\nGET a\nGET');
  await new Promise((r) => setImmediate(r));
  assert.equal(reader.next(), 'PUT a 1');
  assert.equal(reader.next(), 'GET a');
  const waiting = reader.next();
  assert.ok(waiting instanceof Promise);
  input.end(' b');
  assert.equal(await waiting, 'GET b');
  const last = reader.next();
  assert.equal(last instanceof Promise ? await last : last, null);
});

test('input far ahead of the reader is paused, and resumes as lines are taken', async () => {
  const input = new PassThrough();
  const reader = new LineReader(input);
  input.write('GET k\n'.repeat(5000));
  await new Promise((r) => setImmediate(r));
  assert.equal(input.isPaused(), true);
  for (let i = 0; i < 5000; i++) {
    const l = reader.next();
    assert.equal(typeof l === 'string' ? l : await l, 'GET k');
  }
  assert.equal(input.isPaused(), false);
});
