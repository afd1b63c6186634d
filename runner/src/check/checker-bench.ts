/**
 * `npm run bench:checker`: `runner check` on the crash shapes (testing/checker-shapes.ts) and
 * on fuzz-sized histories, each as its own process, several rounds, compared in the same run
 * with Porcupine when PORCUPINE_CHECK names a program that checks our history files with it.
 *
 * The other checker is run as `$PORCUPINE_CHECK <history.jsonl> <timeout-seconds>` on the same
 * file, alternating with ours, and prints its verdict (Ok, Illegal or Unknown; or PASSED,
 * FAILED, UNKNOWN), and if it can `parse_s`, `check_s` (seconds reading the file and checking
 * it) and `maxrss_mb`; else the peak RSS read from /proc is used.
 *
 * Start-up aside, measured the same way for both: each command is first run on a history of
 * one operation (the runtime starting, the program loading, a trivial check); its median CPU
 * time (user + system, all threads, as the process itself reports it at exit: `cpu-ms` from our
 * preload hook, `cpu_s` from the other) is subtracted from the CPU time on each shape. So a
 * figure counts reading and parsing the file, checking it and reporting the verdict: all the
 * work the history causes. The time target is judged on that CPU time, because this machine
 * is shared and wall time also measures whatever else runs; wall time less the baseline's is
 * printed beside it (and judged instead if the other checker reports no CPU time), and so is
 * the in-process split (parse, check). CPU time does not credit parallelism: Porcupine checks
 * keys on several cores at once, which shortens its wall time on an idle machine. Peak RSS is printed raw and above
 * each checker's idle peak (the same one-operation run): Node's runtime alone holds about
 * 60 MB, Go's 2 MB, so on small histories the raw ratio mostly compares runtimes.
 *
 * Targets, per shape: time (start-up aside) within 1x the other checker's; peak RSS above the
 * idle baseline within 2x; when the other gives up (Unknown), ours must end, without crashing,
 * under 1 GB; the hopeless history ends UNKNOWN at its time limit with peak RSS under 1 GB.
 * Where both decide, the verdicts must agree. Without PORCUPINE_CHECK, the figures Porcupine
 * reached earlier on histories of these shapes are printed as a yardstick (no target judged).
 *
 *   PORCUPINE_CHECK=/path/to/porcupine-check npm run bench:checker      all shapes, 3 rounds
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
  /** In-process seconds checking (after reading the file). */
  checkSeconds: number;
  /** In-process seconds reading and parsing the file, when the checker says. */
  parseSeconds?: number;
  wallSeconds: number;
  /** CPU seconds (user + system, all threads) of the whole process, when it says. */
  cpuSeconds?: number;
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
  const cpu = /cpu-ms ([\d.]+)/.exec(r.stderr);
  return {
    verdict,
    ...(cpu === null ? {} : { cpuSeconds: Number(cpu[1]) / 1000 }),
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
  const parse = /parse_s\s+([\d.]+)/.exec(r.stdout);
  const cpu = /cpu_s\s+([\d.]+)/.exec(r.stdout);
  const rss = /maxrss_mb\s+(\d+)/.exec(r.stdout);
  return {
    verdict,
    checkSeconds: check === null ? r.wallSeconds : Number(check[1]),
    ...(parse === null ? {} : { parseSeconds: Number(parse[1]) }),
    ...(cpu === null ? {} : { cpuSeconds: Number(cpu[1]) }),
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
const verdicts = (runs: Run[]): string => [...new Set(runs.map((r) => r.verdict))].join('/');

/** A checker's cost with no real work: median wall time, CPU time and peak RSS on a one-operation history. */
interface Baseline {
  wallSeconds: number;
  cpuSeconds?: number;
  peakMb: number;
}

async function baseline(times: number, run: () => Promise<Run>): Promise<Baseline> {
  const runs: Run[] = [];
  for (let i = 0; i < times; i++) runs.push(await run());
  const cpu = runs.every((r) => r.cpuSeconds !== undefined) ? { cpuSeconds: median(runs.map((r) => r.cpuSeconds!)) } : {};
  return { wallSeconds: median(runs.map((r) => r.wallSeconds)), peakMb: median(runs.map((r) => r.peakMb)), ...cpu };
}

/** Wall time less the start-up baseline (never below 1 ms, so ratios stay finite). */
const net = (r: Run, b: Baseline): number => Math.max(0.001, r.wallSeconds - b.wallSeconds);
/** CPU time less the start-up baseline's (never below 1 ms), or undefined if either is not known. */
const netCpu = (r: Run, b: Baseline): number | undefined =>
  r.cpuSeconds === undefined || b.cpuSeconds === undefined ? undefined : Math.max(0.001, r.cpuSeconds - b.cpuSeconds);

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

const decided = (v: string): boolean => v === 'PASSED' || v === 'FAILED';

async function main(): Promise<void> {
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? '3');
  const other = process.env['PORCUPINE_CHECK'];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-checker-bench-'));
  const missed: string[] = [];
  const s2 = (x: number): string => x.toFixed(2);
  try {
    const oneFile = path.join(dir, 'one-op.jsonl');
    fs.writeFileSync(oneFile, formatHistoryLine({ client: 0, op: 'PUT', key: 'k', value: 'v', call: 1, ret: 2, result: 'not_found' }) + '\n');
    const idleRounds = Math.max(5, rounds);
    const idleOurs = await baseline(idleRounds, () => runOurs(oneFile, 10));
    const idleTheirs = other === undefined ? undefined : await baseline(idleRounds, () => runOther(other, oneFile, 10));
    console.log(`runner check, ${rounds} round(s) per shape, medians compared; ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the start`);
    console.log(
      other === undefined
        ? 'no PORCUPINE_CHECK given: beside ours, the figures Porcupine reached on histories of the same shapes earlier (not in this run; no target judged)'
        : `compared in the same run with ${other}`,
    );
    const idle = (b: Baseline): string => `CPU ${b.cpuSeconds === undefined ? '?' : s2(b.cpuSeconds)} s, wall ${s2(b.wallSeconds)} s, ${b.peakMb.toFixed(0)} MB`;
    console.log(`start-up baseline (one-operation history, median of ${idleRounds}): ours ${idle(idleOurs)}${idleTheirs === undefined ? '' : `; other ${idle(idleTheirs)}`}`);
    console.log(
      'time = CPU time (user + system) less the start-up baseline: reading, parsing, checking, reporting (the target); wall time likewise;\n' +
        'in-process parse/check split as each checker reports it; RSS raw and above the baseline\n',
    );
    for (const c of cases()) {
      const file = path.join(dir, `${c.name}.jsonl`);
      fs.writeFileSync(file, c.history.map(formatHistoryLine).join('\n') + '\n');
      const ours: Run[] = [];
      const theirs: Run[] = [];
      for (let r = 0; r < rounds; r++) {
        ours.push(await runOurs(file, c.timeoutSeconds));
        if (other !== undefined) theirs.push(await runOther(other, file, c.timeoutSeconds));
      }
      const oursNet = ours.map((r) => net(r, idleOurs));
      const oursCpu = ours.map((r) => netCpu(r, idleOurs));
      const cpuText = (xs: Array<number | undefined>): string => (xs.every((x) => x !== undefined) ? `CPU ${range(xs as number[], 2)} s, ` : '');
      const oursPeak = ours.map((r) => r.peakMb);
      const oursAbove = median(oursPeak) - idleOurs.peakMb;
      const memo = ours.map((r) => r.memoMb ?? NaN);
      const entries = ours.map((r) => r.memoEntries ?? NaN);
      const lines = [
        `ours:  ${verdicts(ours)} ${cpuText(oursCpu)}wall ${range(oursNet, 2)} s (check ${range(ours.map((r) => r.checkSeconds), 2)} s), peak ${range(oursPeak, 0)} MB (${oursAbove.toFixed(0)} above idle), memo ${range(entries, 0)} entries / ${range(memo, 1)} MB`,
      ];
      const problems: string[] = [];
      if (other !== undefined && idleTheirs !== undefined) {
        const theirNet = theirs.map((r) => net(r, idleTheirs));
        const theirCpu = theirs.map((r) => netCpu(r, idleTheirs));
        const theirPeak = theirs.map((r) => r.peakMb);
        const theirAbove = median(theirPeak) - idleTheirs.peakMb;
        const parse = theirs.every((r) => r.parseSeconds !== undefined) ? `parse ${range(theirs.map((r) => r.parseSeconds!), 2)} s, ` : '';
        lines.push(`other: ${verdicts(theirs)} ${cpuText(theirCpu)}wall ${range(theirNet, 2)} s (${parse}check ${range(theirs.map((r) => r.checkSeconds), 2)} s), peak ${range(theirPeak, 0)} MB (${theirAbove.toFixed(0)} above idle)`);
        const wallRatio = median(oursNet) / median(theirNet);
        // Judged on CPU time when both checkers report it: on a shared machine wall time also
        // measures the neighbours.
        const cpuKnown = [...oursCpu, ...theirCpu].every((x) => x !== undefined);
        const timeRatio = cpuKnown ? median(oursCpu as number[]) / median(theirCpu as number[]) : wallRatio;
        const checkRatio = median(ours.map((r) => r.checkSeconds)) / Math.max(0.001, median(theirs.map((r) => r.checkSeconds)));
        const rawRatio = median(oursPeak) / median(theirPeak);
        const aboveRatio = oursAbove / Math.max(1, theirAbove);
        lines.push(`ratio: time x${s2(timeRatio)}${cpuKnown ? ` (CPU; wall x${s2(wallRatio)}` : ' (wall'}, check alone x${s2(checkRatio)}), RSS above idle x${s2(aboveRatio)} (raw x${s2(rawRatio)})`);
        const theyGaveUp = theirs.every((r) => r.verdict === 'UNKNOWN');
        if (theyGaveUp) {
          if (ours.some((r) => !decided(r.verdict) && r.verdict !== 'UNKNOWN')) problems.push('ours did not end with a verdict');
          if (Math.max(...oursPeak) >= 1024) problems.push('ours passed 1 GB');
        } else {
          if (timeRatio > 1) problems.push(`time x${s2(timeRatio)} > 1`);
          if (aboveRatio > 2) problems.push(`RSS above idle x${s2(aboveRatio)} > 2`);
          const theirsDecided = theirs.map((r) => r.verdict).filter(decided);
          const oursDecided = ours.map((r) => r.verdict).filter(decided);
          if (new Set([...theirsDecided, ...oursDecided]).size > 1) problems.push(`verdicts disagree (${verdicts(ours)} vs ${verdicts(theirs)})`);
          if (oursDecided.length < ours.length) problems.push(`ours did not decide (${verdicts(ours)})`);
        }
      } else if (c.yardstick !== undefined) {
        lines.push(`yardstick (earlier, not this run): ${c.yardstick}`);
      }
      if (c.hopeless === true) {
        if (!ours.every((r) => r.verdict === 'UNKNOWN')) problems.push(`hopeless history did not end UNKNOWN (${verdicts(ours)})`);
        if (Math.max(...oursPeak) >= 1024) problems.push('hopeless history passed 1 GB');
      }
      const judged = other !== undefined || c.hopeless === true;
      if (judged) lines.push(problems.length === 0 ? 'target met' : `TARGET MISSED: ${problems.join('; ')}`);
      if (problems.length > 0) missed.push(c.name);
      console.log(`${c.name.padEnd(18)} ${c.description}\n${lines.map((l) => `    ${l}`).join('\n')}`);
    }
    console.log(
      other === undefined
        ? '\nno peer in this run: only the hopeless target was judged' + (missed.length === 0 ? ' (met)' : ` (MISSED)`)
        : `\n${missed.length === 0 ? 'every target met in this run' : `targets missed in this run on: ${missed.join(', ')}`}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
