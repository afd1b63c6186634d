/** The fault journal: one JSON line per injected fault, read back in order. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FAULT_JOURNAL_FILE, appendFault, readFaults, readFaultsFrom, signalEvent } from './fault-journal';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-fault-journal-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('appended events come back in order; an absent journal has none', () => {
  const file = path.join(dir, 'faults.jsonl');
  assert.deepEqual(readFaults(file), { events: [], malformed: 0 });
  appendFault(file, { t: 1, node: 's1', event: 'killed', signal: 'SIGKILL' });
  appendFault(file, { t: 2, node: 's1', event: 'restarted' });
  assert.deepEqual(readFaults(file), {
    events: [
      { t: 1, node: 's1', event: 'killed', signal: 'SIGKILL' },
      { t: 2, node: 's1', event: 'restarted' },
    ],
    malformed: 0,
  });
});

test('lines that are not events are skipped and counted', () => {
  const file = path.join(dir, 'damaged.jsonl');
  fs.writeFileSync(
    file,
    [
      '{"t": 5, "node": "m", "event": "stopped", "signal": "SIGTERM"}',
      'not json',
      '{"t": 6, "node": "m", "event": "exploded"}',
      '{"t": "7", "node": "m", "event": "killed"}',
      '{"t": 8, "node": "two words", "event": "killed"}',
      '{"t": 9, "node": "s0", "event": "link-cut", "peer": "s1"}',
      '{"t": 10, "node"',
      '{"t": 11, "node": "s0.0", "event": "link-cut"}',
      '{"t": 12, "node": "s0.0", "event": "link-healed", "peer": "a b"}',
      '{"t": 13, "node": "s0.0", "event": "link-delayed", "peer": "s0.1"}',
      '{"t": 14, "node": "s0.0", "event": "link-delayed", "peer": "s0.1", "ms": -5}',
      '{"t": 15, "node": "s0.0", "event": "link-delayed", "peer": "s0.1", "ms": 1.5}',
      '{"t": 16, "node": "s0.0", "event": "link-delayed", "peer": "s0.1", "ms": 200}',
    ].join('\n'),
  );
  assert.deepEqual(readFaults(file), {
    events: [
      { t: 5, node: 'm', event: 'stopped', signal: 'SIGTERM' },
      { t: 9, node: 's0', event: 'link-cut', peer: 's1' },
      { t: 16, node: 's0.0', event: 'link-delayed', peer: 's0.1', ms: 200 },
    ],
    malformed: 10,
  });
});

test('a signal sent to a node names its event', () => {
  assert.equal(signalEvent('SIGKILL'), 'killed');
  assert.equal(signalEvent('SIGTERM'), 'stopped');
  assert.equal(signalEvent('SIGSTOP'), 'paused');
  assert.equal(signalEvent('SIGCONT'), 'resumed');
});

test('a follower of the journal reads each whole line once, waits for a torn one, and starts over on a new journal', () => {
  const file = path.join(dir, 'tail', FAULT_JOURNAL_FILE);
  fs.mkdirSync(path.dirname(file));
  assert.deepEqual(readFaultsFrom(file, 0), { events: [], malformed: 0, next: 0 }, 'no journal yet');
  appendFault(file, { t: 1, node: 's0.0', event: 'killed', signal: 'SIGKILL' });
  fs.appendFileSync(file, '{"t": 2, "node": "s0.0", "ev');
  const first = readFaultsFrom(file, 0);
  assert.deepEqual(first.events.map((e) => e.t), [1]);
  fs.appendFileSync(file, 'ent": "restarted"}\n');
  const second = readFaultsFrom(file, first.next);
  assert.deepEqual(second.events, [{ t: 2, node: 's0.0', event: 'restarted' }]);
  assert.deepEqual(readFaultsFrom(file, second.next).events, [], 'nothing new');
  fs.writeFileSync(file, '{"t": 3, "node": "m.0", "event": "paused", "signal": "SIGSTOP"}\n');
  assert.deepEqual(readFaultsFrom(file, second.next).events.map((e) => e.t), [3], 'a shorter journal is a new one');
});
