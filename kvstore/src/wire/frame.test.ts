import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, FrameError, encodeFrame } from './frame';

test('a frame round-trips whole', () => {
  const d = new FrameDecoder();
  assert.deepEqual(d.push(encodeFrame({ id: 1, body: { type: 'kv', x: [1, 'a'] } })), [{ id: 1, body: { type: 'kv', x: [1, 'a'] } }]);
  assert.equal(d.pendingBytes, 0);
});

test('frames split at every byte boundary and glued together decode the same', () => {
  const frames = [encodeFrame({ a: 1 }), encodeFrame({ b: 'two' }), encodeFrame({ c: [3] })];
  const all = Buffer.concat(frames);
  for (let cut = 0; cut <= all.length; cut++) {
    const d = new FrameDecoder();
    const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
    assert.deepEqual(got, [{ a: 1 }, { b: 'two' }, { c: [3] }], `cut at ${cut}`);
  }
  const d = new FrameDecoder();
  const got: unknown[] = [];
  for (const byte of all) got.push(...d.push(Buffer.from([byte])));
  assert.equal(got.length, 3);
});

test('a partial frame stays pending', () => {
  const d = new FrameDecoder();
  const f = encodeFrame({ a: 'x'.repeat(100) });
  assert.deepEqual(d.push(f.subarray(0, 50)), []);
  assert.equal(d.pendingBytes, 50);
});

test('an oversized frame is refused from its header alone', () => {
  const d = new FrameDecoder(1024);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1025);
  assert.throws(() => d.push(header), FrameError);
});

test('a body that is not msgpack is refused', () => {
  const d = new FrameDecoder();
  const junk = Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]); // 0xc1 is never valid msgpack
  assert.throws(() => d.push(junk), FrameError);
});
