import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { parseRunList } from './run-list';

describe("the report generator's run list", () => {
  test('reads every run with its recipe arguments and status', () => {
    const runs = parseRunList(JSON.stringify({
      results: '/tmp/madkv-p2',
      runs: [
        { kind: 'fuzz', relpath: 'fuzz/fuzz-3-yes.log', label: 'fuzz, 3 partitions', args: ['3', 'yes'], status: 'missing', reason: '' },
        { kind: 'bench', relpath: 'bench/bench-10-a-1.log', label: 'bench', args: ['10', 'a', '1'], status: 'unparseable', reason: 'no [Run] section' },
      ],
    }));
    assert.deepEqual(runs, [
      { kind: 'fuzz', relpath: 'fuzz/fuzz-3-yes.log', label: 'fuzz, 3 partitions', args: ['3', 'yes'], status: 'missing', reason: '' },
      { kind: 'bench', relpath: 'bench/bench-10-a-1.log', label: 'bench', args: ['10', 'a', '1'], status: 'unparseable', reason: 'no [Run] section' },
    ]);
  });

  test('text that is not JSON is an error quoting it', () => {
    assert.match(parseRunList('Traceback (most recent call last):') as string, /not JSON.*Traceback/);
  });

  test('a listing without runs, or a run of an unknown kind or status, is an error naming it', () => {
    assert.match(parseRunList('{"results": "/tmp"}') as string, /no "runs" array/);
    const bad = (r: object): string => parseRunList(JSON.stringify({ runs: [r] })) as string;
    const ok = { kind: 'bench', relpath: 'b.log', label: 'b', args: ['1', 'a'], status: 'present', reason: '' };
    assert.equal(typeof parseRunList(JSON.stringify({ runs: [ok] })), 'object');
    assert.match(bad({ ...ok, kind: 'nemesis' }), /run 1 .* malformed.*nemesis/);
    assert.match(bad({ ...ok, status: 'maybe' }), /malformed/);
    assert.match(bad({ ...ok, args: [1, 'a'] }), /malformed/);
    assert.match(bad({ ...ok, relpath: '' }), /malformed/);
  });
});
