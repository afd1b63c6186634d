/**
 * `runner fuzz`: run the clients, record the history, check it for linearizability and
 * print the template's log lines (the report scripts parse `Ops stats:` and the result line).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pageFileBeside, writeCheckPage } from '../check/check-page-file';
import { formatCheckReport } from '../check/report';
import { runTimedCheck } from '../check/timed-check';
import { type ClientLaunch } from '../clients/client-process';
import { type JournalContents, readFaults } from '../faults/fault-journal';
import { formatFaultSection } from '../faults/fault-section';
import { SeededRandom } from '../random';
import { Progress, colour, debugStruct, heading } from '../terminal';
import { driveFuzzClients } from './driver';
import { fuzzKeys } from './workload';

export interface FuzzConfig {
  numClis: number;
  numKeys: number;
  /** Operations per client (ignored with durationMs). */
  numOps: number;
  /** Run for this long instead of a count: every client keeps calling until then. */
  durationMs?: number | undefined;
  conflict: boolean;
  launch: ClientLaunch;
  seed: number;
  /** Where to write the history; undefined: a temporary file, kept only if the run fails. */
  historyFile: string | undefined;
  opTimeoutMs: number;
  checkTimeoutMs: number;
  forwardStderr: boolean;
  /** The fault journal of the cluster under test (faults/fault-journal.ts): its events inside the run go to the log. */
  faultJournal?: string | undefined;
}

export type FuzzOutcome = 'PASSED' | 'FAILED' | 'UNKNOWN';

export function validateFuzzConfig(c: FuzzConfig): string | undefined {
  if (!Number.isInteger(c.numClis) || c.numClis < 1) return '--num-clis must be a positive integer';
  if (!Number.isInteger(c.numKeys) || c.numKeys < 1 || c.numKeys >= 100000) return '--num-keys must be an integer in 1..99999';
  if (c.durationMs === undefined && (!Number.isInteger(c.numOps) || c.numOps < 1)) return '--num-ops must be a positive integer';
  if (c.durationMs !== undefined && !(Number.isFinite(c.durationMs) && c.durationMs > 0)) return '--duration must be a positive number of seconds';
  if (c.launch.kind === 'just' && c.launch.args.length === 0) return 'give the client as --client-just-args <recipe args…> or --client-cmd "<command>"';
  if (!(c.opTimeoutMs > 0)) return '--op-timeout must be positive';
  if (!(c.checkTimeoutMs >= 0)) return '--check-timeout must be a number of seconds, 0 or more';
  return undefined;
}

/** The log's fault section: journaled faults inside [start, end] (none without a journal) and the clients' retries. */
export function faultLines(journal: string | undefined, startMs: number, endMs: number, retried: number): string[] {
  if (journal === undefined) return formatFaultSection([], startMs, endMs, retried);
  let contents: JournalContents;
  try {
    contents = readFaults(journal);
  } catch (err) {
    process.stderr.write(`warning: cannot read the fault journal ${journal}: ${(err as Error).message}\n`);
    return formatFaultSection([], startMs, endMs, retried);
  }
  if (contents.malformed > 0) process.stderr.write(`warning: ${contents.malformed} malformed line(s) in the fault journal ${journal} were skipped\n`);
  return formatFaultSection(contents.events, startMs, endMs, retried);
}

export async function runFuzz(c: FuzzConfig): Promise<FuzzOutcome> {
  const historyFile = c.historyFile ?? path.join(os.tmpdir(), `madkv-fuzz-${process.pid}-${Date.now()}.jsonl`);
  console.log(
    `${heading('Fuzz testing configuration:')} ${debugStruct('Args', [
      ['num_clis', c.numClis],
      ['num_keys', c.numKeys],
      c.durationMs === undefined ? ['num_ops', c.numOps] : ['duration_secs', c.durationMs / 1000],
      ['conflict', c.conflict],
      c.launch.kind === 'just' ? ['just_args', c.launch.args] : ['client_cmd', c.launch.command],
      ['seed', c.seed],
      ['op_timeout_secs', c.opTimeoutMs / 1000],
      ['history', historyFile],
      ...(c.faultJournal !== undefined ? [['fault_journal', c.faultJournal] as [string, string]] : []),
    ])}`,
  );

  const keys = fuzzKeys(c.numClis, c.numKeys, c.conflict, new SeededRandom(c.seed));
  const total = c.numClis * c.numOps;
  let called = 0;
  let waited = 0;
  let progress: Progress | undefined;
  // A timed run measures its progress in seconds, ticked by a timer (operations may stall while a partition is down).
  let ticker: NodeJS.Timeout | undefined;
  let runStart = Date.now();
  const durationSecs = c.durationMs === undefined ? undefined : c.durationMs / 1000;
  const elapsedSecs = (): number => Math.min((Date.now() - runStart) / 1000, durationSecs ?? Infinity);
  const started = Date.now();
  const result = await driveFuzzClients({
    launch: c.launch,
    keys,
    numOps: c.numOps,
    durationMs: c.durationMs,
    seed: c.seed,
    opTimeoutMs: c.opTimeoutMs,
    historyFile,
    forwardStderr: c.forwardStderr,
    onStarted: () => {
      console.log(heading('Fuzzing starts...'));
      if (durationSecs === undefined) {
        progress = new Progress(total, () => `  Progress:  called ${called} / ${total}  waited ${waited} / ${total}`, '  {bar} {line}');
        return;
      }
      runStart = Date.now();
      // Counted in tenths of a second, so a short run still reports each tenth of it once.
      const p = new Progress(Math.ceil(durationSecs * 10), () => `  Progress:  called ${called}  waited ${waited}  after ${elapsedSecs().toFixed(1)} / ${durationSecs} s`, '  {bar} {line}');
      progress = p;
      ticker = setInterval(() => p.update(Math.floor(elapsedSecs() * 10)), 100);
    },
    onProgress: (cl, w) => {
      called = cl;
      waited = w;
      if (durationSecs === undefined) progress?.update(w);
    },
  });
  if (ticker !== undefined) {
    clearInterval(ticker);
    progress?.update(Math.ceil(durationSecs! * 10));
  }
  progress?.finish();
  const runSecs = (Date.now() - started) / 1000;
  console.log(heading('Stopping clients...'));
  console.log(result.counts.line());
  result.keyFreq.forEach((freq, i) => console.log(`${i === 0 ? '  Keys freq:  ' : '              '}[${freq.join(', ')}]`));
  console.log(`  Ran ${result.history.length} operations in ${runSecs.toFixed(1)} s (${Math.round(result.history.length / Math.max(runSecs, 1e-3))} ops/s)`);

  for (const f of result.failures) console.log(`${colour.red('Client failure:')}  ${f.message}`);
  for (const line of faultLines(c.faultJournal, started, Date.now(), result.retriedOps)) console.log(line);

  console.log(heading(`Checking linearizability of ${result.history.length} operations...`));
  // Progress goes to stderr: the log's lines stay the template's.
  const { result: check, elapsedMs } = runTimedCheck(result.history, { timeoutMs: c.checkTimeoutMs, onProgress: (line) => console.error(line) });
  const checkSecs = elapsedMs / 1000;
  for (const line of formatCheckReport(check, result.history, { timeUnit: 'us' })) console.log(line);

  const outcome: FuzzOutcome = check.verdict === 'FAILED' || result.failures.length > 0 ? 'FAILED' : check.verdict;
  const word = outcome === 'PASSED' ? colour.green('PASSED') : outcome === 'FAILED' ? colour.red('FAILED') : colour.yellow('UNKNOWN');
  console.log(`${heading('Fuzz testing result:')} ${word}`);
  if (outcome === 'PASSED') {
    console.log(`  ${check.opsChecked} operations on ${check.keysChecked} keys are linearizable (checked in ${checkSecs.toFixed(1)} s)`);
  } else {
    const reasons: string[] = [];
    if (check.verdict === 'FAILED') reasons.push(`not linearizable on ${check.violations.length} key(s)`);
    if (check.verdict === 'UNKNOWN') reasons.push(`the checker left ${check.undecidedKeys.length} key(s) undecided after ${checkSecs.toFixed(0)} s`);
    if (result.failures.length > 0) reasons.push(`${result.failures.length} client failure(s)`);
    console.log(`  ${reasons.join('; ')}; history kept in ${historyFile}`);
    console.log(`  re-check it with: just utils::check ${historyFile}`);
    const page = pageFileBeside(historyFile);
    const notes = result.failures.map((f) => `Client failure: ${f.message}`);
    const failure = writeCheckPage(page, check, result.history, { source: historyFile, timeUnit: 'us', notes });
    if (failure === undefined) console.log(`  HTML report: ${page} (open it in a browser)`);
    else process.stderr.write(`warning: no HTML report: ${failure}\n`);
  }
  if (outcome === 'PASSED' && c.historyFile === undefined) fs.rmSync(historyFile, { force: true });
  return outcome;
}
