// Our logs must stay readable by the course template's own report scripts. This test makes
// real fuzz and bench logs with the runner, with the arguments the p1 and p2 recipes pass and
// stdout and stderr in one file as the recipes' `2>&1 | tee` writes them (fuzz runs whose
// clients share keys against a real p1 server, the others against the in-memory stand-in
// clients), reads them with the template's parsing rules (sumgen/test/template_rules.py), and
// checks that the template reads the numbers of the results block.

import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type StartedServer, binPath, repoRoot, startListening } from '../../kvstore/src/testing/spawn-node';
import { fakeClientCommand } from '../../runner/src/testing/fake-clients';
import { benchLog, faultsSection, fuzzLog } from './fixture-logs';

const ROOT = repoRoot();
const RUNNER = join(ROOT, 'dist', 'runner', 'src', 'main.js');
const RUN_TIMEOUT_MS = 120_000;

let scratch = '';
const servers: StartedServer[] = [];

/** `runner <args>` with stdout and stderr into one log file, as the recipes write it. */
function runnerToLog(args: string[], logPath: string): Promise<number | null> {
  mkdirSync(dirname(logPath), { recursive: true });
  const fd = openSync(logPath, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, ...args], { cwd: ROOT, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runner ${args.join(' ')} timed out; log so far:\n${readFileSync(logPath, 'utf8')}`));
    }, RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

interface TemplateBench {
  file: string;
  throughput: number;
  lats: Record<string, { ops: number; avg: number; p99: number }>;
}

/** The template's rules applied to logs; fails the test with the template's own error. */
function templateParse(kind: 'fuzz' | 'bench', files: string[]): Array<Record<string, unknown>> {
  // Any Python 3 will do (no matplotlib needed), as for the template's students.
  const r = spawnSync('python3', ['sumgen/test/template_rules.py', kind, ...files], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `the template's parser fails on our log:\n${r.stderr}`);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

function clientCmd(server: StartedServer): string {
  return `"${process.execPath}" "${binPath('client')}" --server ${server.address}`;
}

/** The numbers of the template block's [Run] section, read directly (no shared code with either parser). */
function blockRunNumbers(text: string): { throughput: number; ops: Map<string, { ops: number; avg: number; p99: number }> } {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => l.includes('Benchmarking results:'));
  const run = lines.findIndex((l, i) => i > header && /^ {2}\[Run\] /.test(l));
  assert.ok(header >= 0 && run > header, 'no template block with a [Run] section');
  const tput = /^ {4}Throughput: +([\d.]+) ops\/sec$/.exec(lines[run + 1] ?? '');
  assert.ok(tput, `no Throughput line after [Run]: ${lines[run + 1]}`);
  const ops = new Map<string, { ops: number; avg: number; p99: number }>();
  for (const l of lines.slice(run + 2)) {
    const m = /^ {4}(?:Latency:| {8}) {4}(\S+) +ops +(\d+) +avg +([\d.]+) +min +\d+ +max +\d+ +p99 +(\d+) +us$/.exec(l);
    if (m) ops.set(m[1]!, { ops: Number(m[2]), avg: Number(m[3]), p99: Number(m[4]) });
  }
  return { throughput: Number(tput[1]), ops };
}

describe("the template's report scripts read every log we write", () => {
  let serverA: StartedServer;
  let serverB: StartedServer;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'madkv-template-compat-'));
    const env = { MADKV_RUN_DIR: join(scratch, 'run') };
    // One server per shared-keys run, so the runs can go at once without sharing keys.
    [serverA, serverB] = await Promise.all([0, 1].map(() => startListening(binPath('server'), ['--listen', '127.0.0.1:0', '--stage', 'test'], env)));
    servers.push(serverA!, serverB!);
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('fuzz logs of p1 and p2 runs: the template reads the outcome the runner printed', async () => {
    const p1 = join(scratch, 'p1', 'fuzz');
    const p2 = join(scratch, 'p2', 'fuzz');
    const shared = [
      // p1::fuzz 3 yes; p2::fuzz always runs 5 clients on shared keys.
      { args: ['--num-clis', '3', '--conflict', '--client-cmd', clientCmd(serverA)], log: join(p1, 'fuzz-3-yes.log'), code: 0 },
      { args: ['--num-clis', '5', '--conflict', '--client-cmd', clientCmd(serverB)], log: join(p2, 'fuzz-3-no.log'), code: 0 },
    ];
    const standIn = [
      // p1::fuzz 1 no: one client, its own keys
      { args: ['--num-clis', '1', '--client-cmd', fakeClientCommand()], log: join(p1, 'fuzz-1-no.log'), code: 0 },
      // a store serving stale reads: FAILED, with the checker's explanation before the result line
      { args: ['--num-clis', '1', '--conflict', '--client-cmd', fakeClientCommand(['--mode', 'stale', '--rate', '0.2'])], log: join(p1, 'fuzz-3-no.log'), code: 1 },
    ];
    // Each history beside its log, in the scratch folder (a failed run's would otherwise stay in the system's temp folder).
    const fuzz = (args: string[], log: string) => runnerToLog(['fuzz', ...args, '--num-ops', '150', '--seed', '5', '--history', log.replace(/\.log$/, '.jsonl')], log);
    await Promise.all([...shared, ...standIn].map(async (r) => assert.equal(await fuzz(r.args, r.log), r.code, readFileSync(r.log, 'utf8'))));
    const parsed = templateParse('fuzz', [...shared, ...standIn].map((r) => r.log));
    assert.deepEqual(parsed.map((p) => p['outcome']), ['PASSED', 'PASSED', 'PASSED', 'FAILED']);
  });

  test('bench logs of p1 and p2 runs: the template reads the block our report shows', async () => {
    const p1 = join(scratch, 'p1', 'bench');
    const p2 = join(scratch, 'p2', 'bench');
    const runs = [
      { args: ['--num-clis', '1', '--workload', 'e'], log: join(p1, 'bench-1-e.log') }, // SCAN and INSERT
      { args: ['--num-clis', '1', '--workload', 'f'], log: join(p1, 'bench-1-f.log') }, // READ-MODIFY-WRITE
      { args: ['--num-clis', '2', '--workload', 'a'], log: join(p2, 'bench-1-a-1.log') },
    ];
    await Promise.all(
      runs.map(async (r) => {
        const code = await runnerToLog(['bench', ...r.args, '--num-ops', '300', '--client-cmd', fakeClientCommand()], r.log);
        assert.equal(code, 0, readFileSync(r.log, 'utf8'));
      }),
    );
    const parsed = templateParse('bench', runs.map((r) => r.log)) as unknown as TemplateBench[];
    for (const [i, r] of runs.entries()) {
      const block = blockRunNumbers(readFileSync(r.log, 'utf8'));
      assert.equal(parsed[i]!.throughput, block.throughput, `${r.log}: throughput`);
      assert.deepEqual(Object.keys(parsed[i]!.lats).sort(), [...block.ops.keys()].sort(), `${r.log}: operations`);
      for (const [op, want] of block.ops) assert.deepEqual(parsed[i]!.lats[op], want, `${r.log}: ${op}`);
    }
  });

  test("sumgen's report of those logs shows the outcomes and throughputs the template reads", () => {
    const out = join(scratch, 'report');
    const r = spawnSync('bash', ['sumgen/report.sh', 'p1', '--results', join(scratch, 'p1'), '--out', out], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const md = readFileSync(join(out, 'proj1.md'), 'utf8');
    const fuzz = templateParse('fuzz', ['fuzz-1-no', 'fuzz-3-yes', 'fuzz-3-no'].map((f) => join(scratch, 'p1', 'fuzz', `${f}.log`)));
    for (const [i, row] of [['1', 'no'], ['3', 'yes'], ['3', 'no']].entries()) {
      const line = md.split('\n').find((l) => l.startsWith(`| ${row[0]} | ${row[1]} | \`fuzz/`));
      assert.ok(line, `no fuzz row for ${row.join(' ')}`);
      assert.equal(line.split(' | ')[3], fuzz[i]!['outcome'], line);
    }
    for (const w of ['e', 'f']) {
      const [t] = templateParse('bench', [join(scratch, 'p1', 'bench', `bench-1-${w}.log`)]) as unknown as TemplateBench[];
      const line = md.split('\n').find((l) => l.startsWith(`| YCSB-${w.toUpperCase()} | `) && l.split(' | ').length === 4);
      assert.ok(line, `no summary row for YCSB-${w.toUpperCase()}`);
      const shown = Number(line.split(' | ')[1]!.replace(/,/g, ''));
      // Shown to one decimal: at most half of 0.1 away (3637.25 may show as 3637.2; the epsilon is binary fractions').
      assert.ok(Math.abs(shown - t!.throughput) <= 0.05 + 1e-9, `report shows ${shown}, the template reads ${t!.throughput}`);
    }
  });

  test("sumgen's fixture logs follow the same rules", () => {
    const dir = join(scratch, 'fixtures');
    const write = (name: string, text: string): string => {
      const path = join(dir, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path, text);
      return path;
    };
    const fuzz = [
      write('fuzz-plain.log', fuzzLog('PASSED', [10, 10, 10, 10, 10], false)),
      write('fuzz-colour.log', fuzzLog('FAILED', [1, 2, 3, 4, 5], true)),
      write('fuzz-faults.log', fuzzLog('PASSED', [10, 10, 10, 10, 10], false, faultsSection(2, 17, [[12.4, 's1', 'killed (SIGKILL)'], [20.9, 's1', 'restarted']]))),
    ];
    assert.deepEqual(templateParse('fuzz', fuzz).map((p) => p['outcome']), ['PASSED', 'FAILED', 'PASSED']);
    const bench = [
      write('bench-plain.log', benchLog('a', 1, 9876.54, [{ op: 'READ', ops: 5000, avg: 100.5, p99: 400, p50: 90, mergedP99: 390 }], false)),
      write('bench-colour.log', benchLog('c', 10, 18000, [{ op: 'READ', ops: 10000, avg: 55.4, p99: 300, p50: 50, mergedP99: 290 }], true)),
    ];
    const parsed = templateParse('bench', bench) as unknown as TemplateBench[];
    assert.deepEqual(parsed.map((p) => p.throughput), [9876.54, 18000]);
    assert.deepEqual(parsed[0]!.lats['READ'], { ops: 5000, avg: 100.5, p99: 400 });
  });
});
