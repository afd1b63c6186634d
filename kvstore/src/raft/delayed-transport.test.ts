import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayedTransport } from './delayed-transport';
import type { Message } from './messages';
import type { RaftTransport } from './transport';
import type { NodeId } from './types';

/** Records when each batch reaches the wire. */
class RecordingTransport implements RaftTransport {
  readonly sent: Array<{ to: NodeId; batch: Message[]; at: number }> = [];
  closed = false;
  send(to: NodeId, messages: Message[]): void {
    this.sent.push({ to, batch: messages, at: performance.now() });
  }
  onReceive(): void {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

const batch = (n: number): Message[] => [{ n } as unknown as Message];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('each batch leaves half a round trip later, in the order it was sent', async () => {
  const inner = new RecordingTransport();
  const t = new DelayedTransport(inner, 60);
  const start = performance.now();
  t.send(2, batch(1));
  t.send(2, batch(2));
  t.send(3, batch(3));
  assert.equal(inner.sent.length, 0, 'nothing leaves at once');
  await sleep(120);
  assert.deepEqual(inner.sent.map((s) => [s.to, s.batch]), [[2, batch(1)], [2, batch(2)], [3, batch(3)]]);
  for (const s of inner.sent) assert.ok(s.at - start >= 29, `left after ${s.at - start} ms`);
});

test('a zero delay passes batches straight through', () => {
  const inner = new RecordingTransport();
  new DelayedTransport(inner, 0).send(1, batch(1));
  assert.equal(inner.sent.length, 1);
});

test('closing drops batches still waiting and closes the real transport', async () => {
  const inner = new RecordingTransport();
  const t = new DelayedTransport(inner, 40);
  t.send(1, batch(1));
  await t.close();
  t.send(1, batch(2));
  await sleep(60);
  assert.equal(inner.sent.length, 0);
  assert.ok(inner.closed);
});

test('a negative or non-numeric delay is refused', () => {
  assert.throws(() => new DelayedTransport(new RecordingTransport(), -1), /non-negative/);
  assert.throws(() => new DelayedTransport(new RecordingTransport(), Number.NaN), /non-negative/);
});
