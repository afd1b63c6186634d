import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseHistoryText } from '../check/history';
import { parseFaultSection } from '../faults/fault-section';
import { fakeClientCommand } from '../testing/fake-clients';
import { runRunner } from '../testing/runner-cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-runner-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function opsStatsSum(stdout: string): number {
  const m = /Ops stats:\s*(.*)$/m.exec(stdout);
  assert.ok(m, 'no Ops stats line');
  return [...m[1]!.matchAll(/[A-Za-z]+\s+(\d+)/g)].reduce((s, x) => s + Number(x[1]), 0);
}

describe('runner fuzz, end to end with stand-in clients', () => {
  test('a correct store passes; the history re-checks the same with runner check', async () => {
    const history = path.join(dir, 'ok.jsonl');
    const r = await runRunner(['fuzz', '--num-ops', '400', '--conflict', '--seed', '7', '--history', history, '--client-cmd', fakeClientCommand()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Fuzz testing configuration: Args \{$/m);
    assert.match(r.stdout, /^ {2}Progress: {2}called 400 \/ 400 {2}waited 400 \/ 400$/m);
    assert.match(r.stdout, /^Fuzz testing result: PASSED$/m);
    assert.equal(opsStatsSum(r.stdout), 400);
    const ops = parseHistoryText(fs.readFileSync(history, 'utf8'), history);
    assert.equal(ops.length, 400);
    assert.ok(ops.every((o) => o.ret !== null && o.ret >= o.call));
    const c = await runRunner(['check', history]);
    assert.equal(c.code, 0);
    assert.equal(c.stdout.trim().split('\n').pop(), 'Linearizability check: PASSED');
  });

  test('a store that serves stale reads fails, and the report names the key and operations', async () => {
    // TMPDIR: the history a failed run keeps by default (and its page) land in this test's folder.
    const r = await runRunner(['fuzz', '--num-ops', '600', '--seed', '3', '--client-cmd', fakeClientCommand(['--mode', 'stale', '--rate', '0.1'])], { env: { TMPDIR: dir } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Fuzz testing result: FAILED$/m);
    assert.match(r.stdout, /Violation on key \S+: /);
    assert.match(r.stdout, /read '[^']+', but the (value is|key is absent)/);
    const kept = /history kept in (\S+)/.exec(r.stdout)?.[1];
    assert.ok(kept !== undefined && fs.existsSync(kept) && path.dirname(kept) === dir, kept);
    // The page sits beside the history, named in the lines after the verdict.
    const page = /^ {2}HTML report: (\S+) \(open it in a browser\)$/m.exec(r.stdout)?.[1];
    assert.equal(page, kept.replace(/\.jsonl$/, '.html'));
    assert.match(fs.readFileSync(page!, 'utf8'), /data-role="blocked"/);
    const verdictAt = r.stdout.indexOf('Fuzz testing result: FAILED');
    assert.ok(verdictAt >= 0 && r.stdout.indexOf('HTML report:') > verdictAt);
    fs.rmSync(page!);
    const c = await runRunner(['check', kept, '--time-unit', 'us']);
    assert.equal(c.code, 1);
    assert.equal(c.stdout.trim().split('\n').pop(), 'Linearizability check: FAILED');
    fs.rmSync(kept);
  });

  test('the log lists the journal\'s faults inside the run and counts the operations clients retried', async () => {
    const journal = path.join(dir, 'faults.jsonl');
    const before = { t: Date.now() - 60_000, node: 's0', event: 'killed', signal: 'SIGKILL' };
    fs.writeFileSync(journal, JSON.stringify(before) + '\n');
    // The client, as it starts (inside the run), journals a kill and a restart of s1 and reports a retried operation.
    const inject = `const fs = require('fs'); for (const e of [{ node: 's1', event: 'killed', signal: 'SIGKILL' }, { node: 's1', event: 'restarted' }]) fs.appendFileSync(${JSON.stringify(journal)}, JSON.stringify({ t: Date.now(), ...e }) + '\\n')`;
    const client = `echo "2025-03-01T10:00:00.000Z client: retrying (attempt 1): s1 is down" >&2; echo "retrying (attempt 1): again" >&2; ${JSON.stringify(process.execPath)} -e ${JSON.stringify(inject)}; exec ${fakeClientCommand()}`;
    const r = await runRunner(['fuzz', '--num-ops', '100', '--fault-journal', journal, '--client-cmd', client]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    const section = parseFaultSection(lines);
    assert.deepEqual(section && { ...section, events: section.events.map((e) => `${e.node} ${e.event}`) }, { injected: 2, retried: 2, events: ['s1 killed (SIGKILL)', 's1 restarted'] });
    for (const e of section!.events) assert.ok(e.offsetSecs >= 0 && e.offsetSecs < 30);
    const at = lines.findIndex((l) => l.startsWith('Faults during the run:'));
    assert.ok(lines.findIndex((l) => l === 'Stopping clients...') < at && at < lines.findIndex((l) => l.startsWith('Checking linearizability')), 'after the clients stop, before the check');
    assert.match(r.stdout, new RegExp(`fault_journal: "${journal}"`));

    const plain = await runRunner(['fuzz', '--num-ops', '20', '--client-cmd', fakeClientCommand()]);
    assert.match(plain.stdout, /^Faults during the run: {2}0 injected, 0 operations retried by clients$/m, 'without a journal: the header alone');
  });

  test('a client that dies leaves its operation pending and fails the run', async () => {
    const history = path.join(dir, 'died.jsonl');
    const r = await runRunner(['fuzz', '--num-ops', '50', '--conflict', '--history', history, '--client-cmd', fakeClientCommand(['--mode', 'die', '--after', '20'])]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Client failure:.*client 0 exited with code 3/);
    assert.match(r.stdout, /^Fuzz testing result: FAILED$/m);
    const ops = parseHistoryText(fs.readFileSync(history, 'utf8'), history);
    assert.equal(ops.filter((o) => o.ret === null).length, 1);
  });

  test('--duration runs until the time is up instead of a number of operations, the client calling meanwhile', async () => {
    const history = path.join(dir, 'timed.jsonl');
    const started = Date.now();
    // One client: stand-in clients each hold their own map, so several would not share a store.
    const r = await runRunner(['fuzz', '--duration', '1.5', '--conflict', '--history', history, '--client-cmd', fakeClientCommand(['--delay-ms', '2'])]);
    const took = (Date.now() - started) / 1000;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {4}duration_secs: 1\.5,$/m);
    assert.doesNotMatch(r.stdout, /num_ops/);
    assert.match(r.stdout, /^ {2}Progress: {2}called \d+ {2}waited \d+ {2}after 1\.5 \/ 1\.5 s$/m);
    const ops = parseHistoryText(fs.readFileSync(history, 'utf8'), history);
    assert.equal(opsStatsSum(r.stdout), ops.length);
    assert.ok(ops.length > 100, `${ops.length} operations`);
    const lastCall = Math.max(...ops.map((o) => o.call));
    const firstCall = Math.min(...ops.map((o) => o.call));
    assert.ok(lastCall - firstCall >= 1.3e6 && lastCall - firstCall <= 1.5e6, `calls span ${(lastCall - firstCall) / 1e6} s of the 1.5 s`);
    assert.ok(took < 10, `the run took ${took} s`);

    const both = await runRunner(['fuzz', '--duration', '2', '--num-ops', '10', '--client-cmd', fakeClientCommand()]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^error: give --num-ops or --duration, not both/);
    const negative = await runRunner(['fuzz', '--duration', '0', '--client-cmd', fakeClientCommand()]);
    assert.match(negative.stderr, /^error: --duration must be a positive number of seconds/);
  });

  test('--client-just-args runs `just <args>` (JUST points at a stand-in) and takes the rest of the line', async () => {
    const fakeJust = path.join(dir, 'just');
    fs.writeFileSync(fakeJust, `#!/bin/sh\n[ "$1" = "p1::client" ] && [ "$2" = "--odd-arg" ] || { echo "bad args: $*" >&2; exit 9; }\nexec ${fakeClientCommand()}\n`, { mode: 0o755 });
    const r = await runRunner(['fuzz', '--num-ops', '100', '--conflict', '--client-just-args', 'p1::client', '--odd-arg'], { env: { JUST: fakeJust } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /just_args: \[\n\s+"p1::client",\n\s+"--odd-arg",\n\s+\]/);
  });
});

describe('runner check', () => {
  test('a malformed history exits 2 naming the line', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, '{"client":0,"op":"GET","key":"k","call":1,"ret":2,"result":null}\n{"client":0,"op":"JUMP","call":1,"ret":2}\n');
    const r = await runRunner(['check', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.jsonl:2: "op" must be PUT, SWAP, GET, DELETE or SCAN/);
    assert.equal(r.stdout.trim().split('\n').pop(), 'Linearizability check: UNKNOWN');
  });

  test('the documented example line is accepted', async () => {
    const f = path.join(dir, 'example.jsonl');
    fs.writeFileSync(
      f,
      [
        '{"client": 0, "op": "PUT", "key": "k1", "value": "v1", "call": 10, "ret": 25, "result": "not_found"}',
        '{"client": 1, "op": "SCAN", "start": "k0", "end": "k9", "call": 30, "ret": 40, "result": [["k1", "v1"]]}',
        '{"client": 1, "op": "SWAP", "key": "k1", "value": "v2", "call": 41, "ret": null, "result": null}',
      ].join('\n'),
    );
    const r = await runRunner(['check', f]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});

describe('runner bench, end to end with a stand-in client', () => {
  test('prints the template block and YCSB lines', async () => {
    const r = await runRunner(['bench', '--num-clis', '2', '--workload', 'f', '--num-ops', '300', '--client-cmd', fakeClientCommand()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Benchmarking results: {2}YCSB-f {2}2 clients$/m);
    assert.match(r.stdout, /^ {2}\[Load\] +\d+ ms$/m);
    assert.match(r.stdout, /^ {2}\[Run\] +\d+ ms$/m);
    assert.match(r.stdout, /^ {4}Throughput: +[\d.]+ ops\/sec$/m);
    assert.match(r.stdout, /^ {4}Latency: {4}INSERT {2}ops {3}2000 {2}avg/m);
    assert.match(r.stdout, /^\[OVERALL\], RunTime\(ms\), \d+$/m);
    assert.match(r.stdout, /^\[READ-MODIFY-WRITE\], 99thPercentileLatency\(us\), \d+$/m);
  });

  test('--engine ycsb without ycsb/ explains what to do', async () => {
    const r = await runRunner(['bench', '--engine', 'ycsb', '--client-cmd', 'true']);
    if (fs.existsSync(path.join(__dirname, '..', '..', '..', 'ycsb'))) return;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /just utils::ycsb/);
  });
});

describe('runner service', () => {
  test('runs the recipe for its node id and exits with its status', async () => {
    const fakeJust = path.join(dir, 'just-service');
    fs.writeFileSync(fakeJust, '#!/bin/sh\necho "started $*"\nexit 7\n', { mode: 0o755 });
    const r = await runRunner(['service', '--node-id', 'm', '--server-just-args', 'p2::server', '0', '--manager-just-args', 'p2::manager', '3666'], { env: { JUST: fakeJust } });
    assert.equal(r.code, 7, r.stdout + r.stderr);
    assert.match(r.stdout, /Starting manager m\.\.\./);
    assert.match(r.stdout, /started p2::manager 3666/);
    const none = await runRunner(['service', '-n', 's1', '-s', 'none', '-m', 'p2::manager'], { env: { JUST: fakeJust } });
    assert.equal(none.code, 0);
  });
});

describe('runner --help', () => {
  test('every sub-command has help', async () => {
    for (const cmd of ['fuzz', 'check', 'bench', 'service', 'nemesis']) {
      const r = await runRunner([cmd, '--help']);
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`runner ${cmd}`));
    }
  });
});
