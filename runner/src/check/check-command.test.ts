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
    const r = await runRunner(['fuzz', '--num-ops', '200', '--conflict', '--num-keys', '2', '--check-timeout', '0', '--client-cmd', fakeClientCommand()]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /^Fuzz testing result: UNKNOWN$/m);
    assert.match(r.stdout, /Undecided at the time limit: key\(s\) key00000, key00001/);
    assert.match(r.stdout, /the checker left 2 key\(s\) undecided/);
  });
});
