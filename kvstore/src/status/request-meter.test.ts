import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestMeter } from './request-meter';

test('the meter counts every answered request and sums the time each took, in microseconds', async () => {
  const m = new RequestMeter();
  assert.deepEqual([m.requests, m.requestMicros], [0, 0]);
  let clock = 10;
  const now = (): number => clock;
  assert.equal(m.track('ready', 9.5, now), 'ready', 'a value passes through');
  let resolve: (v: string) => void = () => undefined;
  const pending = m.track(new Promise<string>((r) => (resolve = r)), 10, now);
  assert.equal(m.requests, 1, 'a pending answer is not counted yet');
  clock = 12.25;
  resolve('later');
  assert.equal(await pending, 'later');
  assert.deepEqual([m.requests, m.requestMicros], [2, 500 + 2250]);
  const failing = m.track(Promise.reject(new Error('boom')), 12, now);
  await assert.rejects(failing, /boom/);
  assert.deepEqual([m.requests, m.requestMicros], [3, 3000], 'a failed answer is still an answered request');
});
