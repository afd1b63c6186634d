import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { formatHistoryLine } from './history';
import { fakeClientCommand } from '../testing/fake-clients';
import { staleReadHistory } from '../testing/check-page-examples';
import { generateHistory } from '../testing/history-gen';
import { runRunner } from '../testing/runner-cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-check-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Two keys whose operations all overlap by hundreds: no checker decides this in a second. */
function hopelessFile(): string {
  const f = path.join(dir, 'hopeless.jsonl');
  if (!fs.existsSync(f)) {
    const h = generateHistory({ clients: 5, opsPerClient: 600, keys: ['ka', 'kb'], seed: 8, scans: false, slowOpRate: 0, widen: 300 });
    fs.writeFileSync(f, h.map(formatHistoryLine).join('\n') + '\n');
  }
  return f;
}

describe('runner check: limits', () => {
  test('past --timeout the verdict is UNKNOWN, exit 3, naming the keys left undecided', async () => {
    const r = await runRunner(['check', hopelessFile(), '--timeout', '1']);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /Undecided at the time limit: key\(s\) ka, kb/);
    assert.equal(r.stdout.trim().split('\n').pop(), 'Linearizability check: UNKNOWN');
  });

  test('--check-timeout is the same option', async () => {
    const r = await runRunner(['check', hopelessFile(), '--check-timeout', '0.5']);
    assert.equal(r.code, 3, r.stdout + r.stderr);
  });

  test('a memo that would pass --memo-mb leaves the key UNKNOWN, exit 3', async () => {
    const r = await runRunner(['check', hopelessFile(), '--memo-mb', '1', '--timeout', '60']);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /memo reached its cap: key\(s\) ka, kb/);
  });


  test('a limit that is not a number is a clear error, exit 2', async () => {
    const r = await runRunner(['check', hopelessFile(), '--timeout', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--timeout must be a number of seconds/);
    const m = await runRunner(['check', hopelessFile(), '--memo-mb', '0']);
    assert.equal(m.code, 2);
    assert.match(m.stderr, /--memo-mb must be a positive number/);
  });
});

describe('runner check --html', () => {
  const bad = path.join(dir, 'stale.jsonl');
  fs.writeFileSync(bad, staleReadHistory('k').map(formatHistoryLine).join('\n') + '\n');

  test('writes the page and says where, just before the verdict line', async () => {
    const page = path.join(dir, 'stale.html');
    const r = await runRunner(['check', '--html', page, bad]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.pop(), 'Linearizability check: FAILED');
    assert.equal(lines.pop(), `  HTML report: ${page}`);
    const html = fs.readFileSync(page, 'utf8');
    assert.match(html, /<g class="bar" data-op="2" data-role="blocked"/);
    assert.match(html, /read &#39;a&#39;, but the value is &#39;b&#39;/);
  });

  test('a folder that does not exist is a clear error before any check, exit 2', async () => {
    const r = await runRunner(['check', '--html', path.join(dir, 'missing', 'x.html'), bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot write .*x\.html: the folder .*missing does not exist/);
    assert.ok(!r.stdout.includes('Checked'));
  });
});

describe('runner fuzz: the check at the end', () => {
  test('an undecided check makes the run UNKNOWN, exit 3, with the keys named', async () => {
    // TMPDIR: the history a run that does not pass keeps by default lands in this test's folder.
    const r = await runRunner(['fuzz', '--num-ops', '200', '--conflict', '--num-keys', '2', '--check-timeout', '0', '--client-cmd', fakeClientCommand()], { env: { TMPDIR: dir } });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`history kept in ${dir}/madkv-fuzz-\\d+-\\d+\\.jsonl`));
    assert.match(r.stdout, /^Fuzz testing result: UNKNOWN$/m);
    assert.match(r.stdout, /Undecided at the time limit: key\(s\) key00000, key00001/);
    assert.match(r.stdout, /the checker left 2 key\(s\) undecided/);
  });
});

describe('runner check: transactional histories', () => {
  const write = (name: string, lines: string[]): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, lines.join('\n') + '\n');
    return f;
  };
  const t = (client: number, call: number, ret: number, ops: object[]): string => JSON.stringify({ client, call, ret, outcome: 'committed', ops });

  test('a strictly serializable history: PASSED, exit 0, the same verdict line format', async () => {
    const f = write('txn-ok.jsonl', [t(0, 0, 10, [{ op: 'APPEND', key: 'x', elem: '1' }]), t(1, 20, 30, [{ op: 'GET', key: 'x', result: '1' }])]);
    const r = await runRunner(['check', f]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Checked 2 transactions \(2 committed, 0 aborted, 0 unknown of which 0 seen committed\) on 1 list keys/m);
    assert.equal(r.stdout.trim().split('\n').pop(), 'Strict serializability check: PASSED');
  });

  test('a stale read after a committed append: FAILED, exit 1, with the cycle', async () => {
    const f = write('txn-stale.jsonl', [t(0, 0, 10, [{ op: 'APPEND', key: 'x', elem: '1' }]), t(1, 20, 30, [{ op: 'GET', key: 'x', result: null }]), t(1, 40, 50, [{ op: 'GET', key: 'x', result: '1' }])]);
    const r = await runRunner(['check', f, '--time-unit', 'us']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /real-time violation/);
    assert.match(r.stdout, /rt: #1 answered committed \(at 10\) before #2 was called \(at 20\)/);
    assert.equal(r.stdout.trim().split('\n').pop(), 'Strict serializability check: FAILED');
  });

  test('--html draws a transactional history too: the cycle\'s transactions and its edges', async () => {
    const f = write('txn-stale-page.jsonl', [t(0, 0, 10, [{ op: 'APPEND', key: 'x', elem: '1' }]), t(1, 20, 30, [{ op: 'GET', key: 'x', result: null }])]);
    const page = path.join(dir, 'txn-stale.html');
    const r = await runRunner(['check', '--html', page, f, '--time-unit', 'us']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`HTML report: ${page}`));
    const html = fs.readFileSync(page, 'utf8');
    assert.match(html, /<title>Strict serializability check: FAILED<\/title>/);
    assert.match(html, /data-role="edge-arrow" data-type="rt"/);
    assert.match(html, /data-role="edge-arrow" data-type="rw"/);
    assert.equal(html.match(/data-role="bar"/g)?.length, 2);
  });

  test('a bank history whose read sees half a transfer: FAILED, exit 1', async () => {
    const f = write('txn-bank.jsonl', [
      JSON.stringify({ bank: { accounts: ['a', 'b'], total: 10 } }),
      t(0, 0, 10, [{ op: 'INCR', key: 'a', delta: -3 }, { op: 'INCR', key: 'b', delta: 3 }]),
      t(1, 20, 30, [{ op: 'GET', key: 'a', result: '7' }, { op: 'GET', key: 'b', result: null }]),
    ]);
    const r = await runRunner(['check', f]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Bank invariant violated: 1 of 1 committed full reads do not add up to 10/);
  });

  test('a malformed transaction line: a clear error naming the line, exit 2', async () => {
    const f = write('txn-bad.jsonl', [t(0, 0, 10, [{ op: 'APPEND', key: 'x', elem: '1' }]), '{"client": 1, "call": 1, "ret": 2, "outcome": "committed", "ops": [{"op": "GET", "key": "x"}]}']);
    const r = await runRunner(['check', f]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /txn-bad\.jsonl:2: operation 1: a committed GET needs its "result"/);
    assert.equal(r.stdout.trim().split('\n').pop(), 'Strict serializability check: UNKNOWN');
  });
});
