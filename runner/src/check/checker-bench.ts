/**
 * `npm run bench:checker`: `runner check` on the crash shapes (testing/checker-shapes.ts) and
 * on fuzz-sized histories, each as its own process, several rounds: verdict, check time (the
 * time `runner check` reports, start-up and reading the file aside), wall time, peak RSS and
 * the memo's peak.
 *
 * Compared in the same run with an external checker if PORCUPINE_CHECK names one: it is run
 * as `$PORCUPINE_CHECK <history.jsonl> <timeout-seconds>` on the same file, alternating with
 * ours, and must print its verdict (Ok, Illegal or Unknown; or PASSED, FAILED, UNKNOWN); if it
 * also prints `check_s <seconds>` (its check time without start-up) and `maxrss_mb <n>`, those
 * are used, else its wall time and the peak RSS read from /proc. Without one, the figures a
 * Porcupine-based checker reached on histories of these shapes earlier are printed beside
 * ours, as a yardstick.
 *
 * Targets: on every shape, check time within 1x the other checker's and peak RSS within 2x;
 * a hopeless history ends UNKNOWN at its time limit with peak RSS under 1 GB.
 *
 * Peak RSS is printed raw (the target is judged on it) and, beside it, above each checker's
 * idle baseline: the peak of the same command on an empty history, measured at the start of
 * the run (Node's runtime alone holds about 60 MB before any history is read; Go's, 2 MB).
 *
 *   npm run bench:checker                       all shapes, 3 rounds
 *   BENCH_ROUNDS=5 BENCH_SHAPES=pending-10,widened npm run bench:checker
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type HistoryOp, formatHistoryLine } from './history';
import { CHECKER_SHAPES } from '../testing/checker-shapes';
import { generateHistory } from '../testing/history-gen';

interface Run {
  verdict: string;
  checkSeconds: number;
  wallSeconds: number;
  peakMb: number;
  memoMb?: number;
  memoEntries?: number;
}

interface BenchCase {
  name: string;
  description: string;
  history: HistoryOp[];
  timeoutSeconds: number;
  yardstick?: string;
  /** A history no checker is expected to decide in time: the target is UNKNOWN, bounded memory. */
  hopeless?: boolean;
}

const MAIN = path.join(__dirname, '..', 'main.js');
const RSS_HOOK = path.join(__dirname, '..', 'testing', 'report-max-rss.js');

/** Run a command, watching its peak RSS (VmHWM); kill it `graceSeconds` after `timeoutSeconds`. */
function runMeasured(command: string, args: string[], timeoutSeconds: number): Promise<{ stdout: string; stderr: string; wallSeconds: number; polledPeakMb: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m !== null) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // The process is gone; the last reading stands.
      }
    }, 20);
    const killer = setTimeout(() => child.kill('SIGKILL'), (timeoutSeconds + 30) * 1000);
    child.on('error', reject);
    child.on('close', () => {
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ stdout, stderr, wallSeconds: Number(process.hrtime.bigint() - started) / 1e9, polledPeakMb: peakKb / 1024 });
    });
  });
}

async function runOurs(file: string, timeoutSeconds: number): Promise<Run> {
  const r = await runMeasured(process.execPath, ['--require', RSS_HOOK, MAIN, 'check', file, '--timeout', String(timeoutSeconds)], timeoutSeconds);
  const checked = /in ([\d.]+) s \(([\d,]+) search steps, memo peak ([\d,]+) entries, ([\d.]+) MB\)/.exec(r.stdout);
  const verdict = /Linearizability check:\s*(?:\x1b\[[0-9;]*m)*(\w+)/.exec(r.stdout)?.[1] ?? `crashed (${r.stderr.trim().split('\n').pop() ?? ''})`;
  const rss = /max-rss-kb (\d+)/.exec(r.stderr);
  return {
    verdict,
    checkSeconds: checked === null ? r.wallSeconds : Number(checked[1]),
    wallSeconds: r.wallSeconds,
    peakMb: rss === null ? r.polledPeakMb : Number(rss[1]) / 1024,
    memoMb: checked === null ? undefined : Number(checked[4]),
    memoEntries: checked === null ? undefined : Number(checked[3]!.replace(/,/g, '')),
  };
}

async function runOther(command: string, file: string, timeoutSeconds: number): Promise<Run> {
  const r = await runMeasured(command, [file, String(timeoutSeconds)], timeoutSeconds);
  const word = /\b(Ok|Illegal|Unknown|PASSED|FAILED|UNKNOWN)\b/.exec(r.stdout)?.[1];
  const verdict = word === undefined ? 'no verdict' : ({ Ok: 'PASSED', Illegal: 'FAILED', Unknown: 'UNKNOWN' } as Record<string, string>)[word] ?? word;
  const check = /check_s\s+([\d.]+)/.exec(r.stdout);
  const rss = /maxrss_mb\s+(\d+)/.exec(r.stdout);
  return {
    verdict,
    checkSeconds: check === null ? r.wallSeconds : Number(check[1]),
    wallSeconds: r.wallSeconds,
    peakMb: rss === null ? r.polledPeakMb : Math.max(Number(rss[1]), r.polledPeakMb),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[], digits: number): string => {
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}-${hi}`;
};
async function repeat(times: number, run: () => Promise<Run>): Promise<number[]> {
  const peaks: number[] = [];
  for (let i = 0; i < times; i++) peaks.push((await run()).peakMb);
  return peaks;
}
const verdicts = (runs: Run[]): string => [...new Set(runs.map((r) => r.verdict))].join('/');

function cases(): BenchCase[] {
  const wanted = process.env['BENCH_SHAPES']?.split(',').map((s) => s.trim());
  const all: BenchCase[] = CHECKER_SHAPES.map((s) => ({
    name: s.name,
    description: s.description,
    history: s.generate(),
    timeoutSeconds: s.timeoutSeconds,
    yardstick: s.yardstick,
    hopeless: s.name === 'hopeless',
  }));
  // Fuzz-sized: 100,000 operations, 5 clients, 5 shared keys (the p2 fuzz shape).
  const fuzzKeys = ['key00000', 'key00001', 'key00002', 'key00003', 'key00004'];
  const base = generateHistory({ clients: 5, opsPerClient: 20_000, keys: fuzzKeys, seed: 42 });
  const pending = [...base];
  for (const k of fuzzKeys) pending.push({ client: 9, op: 'PUT', key: k, value: `never-acked-${k}`, call: 100, ret: null, result: null });
  all.push(
    { name: 'fuzz-100k', description: '100,000 ops, 5 shared keys, linearizable', history: base, timeoutSeconds: 120 },
    {
      name: 'fuzz-100k-stale',
      description: 'the same with stale reads (FAILED, witness included)',
      history: generateHistory({ clients: 5, opsPerClient: 20_000, keys: fuzzKeys, seed: 42, staleReadRate: 0.0005 }),
      timeoutSeconds: 120,
    },
    { name: 'fuzz-100k-pending', description: 'the same with a write per key that never returned', history: pending, timeoutSeconds: 120 },
  );
  return wanted === undefined ? all : all.filter((c) => wanted.includes(c.name));
}

async function main(): Promise<void> {
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? '3');
  const other = process.env['PORCUPINE_CHECK'];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-checker-bench-'));
  const rows: string[][] = [];
  let targetsMet = true;
  try {
    const emptyFile = path.join(dir, 'empty.jsonl');
    fs.writeFileSync(emptyFile, '');
    const idleOurs = median(await repeat(rounds, () => runOurs(emptyFile, 10)));
    const idleTheirs = other === undefined ? undefined : median(await repeat(rounds, () => runOther(other, emptyFile, 10)));
    console.log(`runner check, ${rounds} round(s) per shape${other === undefined ? '; no PORCUPINE_CHECK given: beside ours, the figures Porcupine reached on histories of the same shapes earlier (not in this run)' : `; compared in the same run with ${other}`}`);
    console.log(`idle baseline (peak RSS on an empty history): ours ${idleOurs.toFixed(0)} MB${idleTheirs === undefined ? '' : `, other ${idleTheirs.toFixed(0)} MB`}`);
    for (const c of cases()) {
      const file = path.join(dir, `${c.name}.jsonl`);
      fs.writeFileSync(file, c.history.map(formatHistoryLine).join('\n') + '\n');
      const ours: Run[] = [];
      const theirs: Run[] = [];
      for (let r = 0; r < rounds; r++) {
        ours.push(await runOurs(file, c.timeoutSeconds));
        if (other !== undefined) theirs.push(await runOther(other, file, c.timeoutSeconds));
      }
      const oursCheck = ours.map((r) => r.checkSeconds);
      const oursPeak = ours.map((r) => r.peakMb);
      const memo = ours.map((r) => r.memoMb ?? NaN);
      const entries = ours.map((r) => r.memoEntries ?? NaN);
      let comparison: string;
      let met: boolean;
      if (theirs.length > 0) {
        const timeRatio = median(oursCheck) / median(theirs.map((r) => r.checkSeconds));
        const memRatio = median(oursPeak) / median(theirs.map((r) => r.peakMb));
        const aboveOurs = median(oursPeak) - idleOurs;
        const aboveTheirs = median(theirs.map((r) => r.peakMb)) - (idleTheirs ?? 0);
        const aboveRatio = aboveTheirs > 0 ? `x${(aboveOurs / aboveTheirs).toFixed(2)}` : 'n/a';
        comparison = `${verdicts(theirs)} ${range(theirs.map((r) => r.checkSeconds), 2)} s (wall ${range(theirs.map((r) => r.wallSeconds), 2)}), ${range(theirs.map((r) => r.peakMb), 0)} MB | x${timeRatio.toFixed(2)} time, x${memRatio.toFixed(2)} RSS; above idle: ours ${aboveOurs.toFixed(0)} MB, other ${aboveTheirs.toFixed(0)} MB, ${aboveRatio}`;
        const theyGaveUp = theirs.every((r) => r.verdict === 'UNKNOWN');
        met = theyGaveUp ? ours.every((r) => !r.verdict.startsWith('crashed')) && Math.max(...oursPeak) < 1024 : timeRatio <= 1 && memRatio <= 2;
      } else {
        comparison = c.yardstick === undefined ? '(no yardstick)' : `yardstick: ${c.yardstick}`;
        met = true;
      }
      if (c.hopeless === true) met = met && ours.every((r) => r.verdict === 'UNKNOWN') && Math.max(...oursPeak) < 1024;
      targetsMet &&= met;
      const line = [
        c.name,
        `${verdicts(ours)} ${range(oursCheck, 2)} s (wall ${range(ours.map((r) => r.wallSeconds), 2)}), ${range(oursPeak, 0)} MB, memo ${range(entries, 0)} entries / ${range(memo, 1)} MB`,
        comparison,
        theirs.length > 0 || c.hopeless === true ? (met ? 'target met' : 'TARGET MISSED') : '',
      ];
      rows.push(line);
      console.log(`${c.name.padEnd(18)} ${c.description}\n    ours:  ${line[1]}\n    other: ${line[2]}${line[3] === '' ? '' : `\n    ${line[3]}`}`);
    }
    console.log(other === undefined ? '' : `\n${targetsMet ? 'every target met in this run' : 'some target missed in this run'}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
