/** The fuzz log's fault section: its exact text, and reading it back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultEvent } from './fault-journal';
import { formatFaultSection, parseFaultSection } from './fault-section';

const START = 1_700_000_000_000;

test('the section lists the events inside the run, seconds since its start with one decimal', () => {
  const events: FaultEvent[] = [
    { t: START - 5000, node: 's0', event: 'killed', signal: 'SIGKILL' }, // before the run
    { t: START + 20_940, node: 's1', event: 'restarted' },
    { t: START + 12_370, node: 's1', event: 'killed', signal: 'SIGKILL' },
    { t: START + 99_000, node: 's2', event: 'killed', signal: 'SIGKILL' }, // after it
  ];
  assert.deepEqual(formatFaultSection(events, START, START + 30_000, 17), [
    'Faults during the run:  2 injected, 17 operations retried by clients',
    '  +12.4 s  s1  killed (SIGKILL)',
    '  +20.9 s  s1  restarted',
  ]);
});

test('a run without faults still has its header', () => {
  assert.deepEqual(formatFaultSection([], START, START + 1000, 0), ['Faults during the run:  0 injected, 0 operations retried by clients']);
});

test('every kind of event has its text', () => {
  const kinds: FaultEvent[] = [
    { t: START, node: 's0', event: 'killed', signal: 'SIGKILL' },
    { t: START + 100, node: 's0', event: 'stopped', signal: 'SIGTERM' },
    { t: START + 200, node: 's0.1', event: 'paused', signal: 'SIGSTOP' },
    { t: START + 300, node: 's0.1', event: 'resumed', signal: 'SIGCONT' },
    { t: START + 400, node: 'm', event: 'restarted' },
    { t: START + 500, node: 's0.0', event: 'link-cut', peer: 's0.2' },
    { t: START + 600, node: 's0.0', event: 'link-healed', peer: 's0.2' },
    { t: START + 700, node: 's1', event: 'stopped', signal: 'SIGINT' },
    { t: START + 800, node: 'm.1', event: 'link-delayed', peer: 'm.0', ms: 250 },
  ];
  assert.deepEqual(formatFaultSection(kinds, START, START + 1000, 3).slice(1), [
    '  +0.0 s  s0  killed (SIGKILL)',
    '  +0.1 s  s0  stopped (SIGTERM)',
    '  +0.2 s  s0.1  paused (SIGSTOP)',
    '  +0.3 s  s0.1  resumed (SIGCONT)',
    '  +0.4 s  m  restarted',
    '  +0.5 s  s0.0  link cut s0.0->s0.2',
    '  +0.6 s  s0.0  link healed s0.0->s0.2',
    '  +0.7 s  s1  stopped (SIGINT)',
    '  +0.8 s  m.1  link delayed m.1->m.0 250 ms',
  ]);
  const back = parseFaultSection(formatFaultSection(kinds, START, START + 1000, 3));
  assert.equal(back?.events.length, kinds.length, 'every kind reads back');
});

test('the parser reads back what the writer wrote, from anywhere in a log', () => {
  const events: FaultEvent[] = [
    { t: START + 1000, node: 's1', event: 'killed', signal: 'SIGKILL' },
    { t: START + 2500, node: 's1', event: 'restarted' },
  ];
  const log = ['Stopping clients...', '  Ops stats:  Put 1', ...formatFaultSection(events, START, START + 5000, 4), 'Checking linearizability of 5 operations...'];
  assert.deepEqual(parseFaultSection(log), {
    injected: 2,
    retried: 4,
    events: [
      { offsetSecs: 1, node: 's1', event: 'killed (SIGKILL)' },
      { offsetSecs: 2.5, node: 's1', event: 'restarted' },
    ],
  });
  assert.equal(parseFaultSection(['Fuzz testing result: PASSED']), undefined, 'older logs have no section');
});

test('a damaged section is an error naming the line, not a guess', () => {
  assert.throws(() => parseFaultSection(['Faults during the run: two injected']), /line 1: malformed fault header/);
  assert.throws(() => parseFaultSection(['Faults during the run:  2 injected, 0 operations retried by clients', '  +1.0 s  s1  killed (SIGKILL)']), /line 3: expected fault event 2 of 2, found: end of log/);
  const one = (event: string): string[] => ['Faults during the run:  1 injected, 0 operations retried by clients', `  +1.0 s  s0.1  ${event}`];
  for (const bad of ['exploded', 'killed', 'link cut s0.1', 'link cut s0.2->s0.1', 'link delayed s0.1->s0.2 ms', 'link delayed s0.1->s0.2 5']) {
    assert.throws(() => parseFaultSection(one(bad)), /line 2: unknown fault event/, bad);
  }
});
