/** Clients' connection trouble: shown while the runner waits, rate-limited; retries counted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientTroubleMonitor } from './client-trouble';

function monitor(options: { perClientMs?: number; maxLinesPerWindow?: number; show?: boolean } = {}): { m: ClientTroubleMonitor; shown: string[]; clock: { t: number } } {
  const shown: string[] = [];
  const clock = { t: 0 };
  const m = new ClientTroubleMonitor((l) => shown.push(l), { ...options, now: () => clock.t });
  return { m, shown, clock };
}

const RETRY = (n: number): string => `2025-03-01T10:00:00.000Z client: retrying (attempt ${n}): cannot connect to 127.0.0.1:3667: connect ECONNREFUSED 127.0.0.1:3667`;

test('a retry line is shown once per client per interval, prefixed with the client number, without its timestamp', () => {
  const { m, shown, clock } = monitor({ perClientMs: 5000 });
  m.onLine(2, RETRY(1));
  clock.t = 1000;
  m.onLine(2, RETRY(10));
  m.onLine(3, RETRY(1));
  clock.t = 5000;
  m.onLine(2, RETRY(20));
  assert.deepEqual(shown, [
    '  client 2: retrying (attempt 1): cannot connect to 127.0.0.1:3667: connect ECONNREFUSED 127.0.0.1:3667',
    '  client 3: retrying (attempt 1): cannot connect to 127.0.0.1:3667: connect ECONNREFUSED 127.0.0.1:3667',
    '  client 2: retrying (attempt 20): cannot connect to 127.0.0.1:3667: connect ECONNREFUSED 127.0.0.1:3667',
  ]);
});

test('other clients\' wording of connection trouble shows too; ordinary stderr does not', () => {
  const { m, shown } = monitor();
  m.onLine(0, 'Connection refused, will try again');
  m.onLine(1, 'loaded config from ./client.toml');
  m.onLine(2, 'request timed out after 5 s');
  assert.deepEqual(shown, ['  client 0: Connection refused, will try again', '  client 2: request timed out after 5 s']);
});

test('many clients failing alike do not flood the console: a few lines, then a count', () => {
  const { m, shown, clock } = monitor({ perClientMs: 5000, maxLinesPerWindow: 3 });
  for (let c = 0; c < 50; c++) m.onLine(c, RETRY(1));
  assert.equal(shown.length, 3);
  clock.t = 6000;
  m.onLine(0, RETRY(10));
  assert.deepEqual(shown.slice(3), ['  (connection trouble on 47 more clients)', '  client 0: retrying (attempt 10): cannot connect to 127.0.0.1:3667: connect ECONNREFUSED 127.0.0.1:3667']);
});

test('every operation that needed a retry is counted once (its attempt-1 line), shown or not', () => {
  const { m, shown } = monitor({ show: false });
  for (const line of [RETRY(1), RETRY(10), RETRY(1), 'retrying (attempt 1): server s1 down', RETRY(11)]) m.onLine(0, line);
  assert.equal(m.retriedOps, 3);
  assert.deepEqual(shown, []);
});
