/**
 * Recording a run's output as `tee` would, without ever losing a good log: the output goes
 * to the console as it comes and to `<log>.partial-<pid>` beside the log; only a complete run
 * is moved into place (rename, atomic): one that exits 0, or one that printed its verdict line
 * (a fuzz run that FAILED is a result to report). A run that breaks off (cannot connect, a
 * crashed client, bad arguments) or is interrupted leaves the previous log as it was, and its
 * own output is kept as `<log>.failed` (neither name ends in `.log`, so report scripts never
 * mistake them for results).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunPlan } from './run-spec';

export function failedLogName(logFile: string): string {
  return `${logFile}.failed`;
}

/**
 * Runs the plan in `cwd`, recording it; resolves with the run's exit status (128 + n for signal n).
 * `epilogue`, called once a run has completed, gives lines to append to its log (and console)
 * before it is moved into place (the verdict of a fuzz run beside a nemesis).
 */
export async function recordRun(plan: RunPlan, cwd: string, epilogue?: () => Promise<string[]>): Promise<number> {
  fs.mkdirSync(path.dirname(plan.logFile), { recursive: true });
  const partial = `${plan.logFile}.partial-${process.pid}`;
  const fd = fs.openSync(partial, 'w');
  const toLog = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done);
  };
  for (const line of plan.notes) {
    process.stdout.write(`${line}\n`);
    toLog(`${line}\n`);
  }

  let interruptedBy: NodeJS.Signals | undefined;
  const status = await new Promise<number>((resolve) => {
    const [program, ...args] = plan.command;
    const child = spawn(program!, args, { cwd, stdio: ['inherit', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      toLog(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      toLog(chunk);
    });
    // Ctrl-C reaches the run too (same process group); a signal sent to us alone is passed on.
    const forward = (signal: NodeJS.Signals): void => {
      interruptedBy ??= signal;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, forward);
    child.once('error', (err) => {
      const line = `error: cannot run ${program}: ${err.message}\n`;
      process.stderr.write(line);
      toLog(line);
      resolve(127);
    });
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal !== null ? (os.constants.signals[signal] ?? 0) : 0)));
  });
  const complete = interruptedBy === undefined && (status === 0 || reachedVerdict(partial, plan.verdict));
  if (complete && epilogue !== undefined) {
    for (const line of await epilogue()) {
      process.stdout.write(`${line}\n`);
      toLog(`${line}\n`);
    }
  }
  fs.closeSync(fd);

  if (complete) {
    fs.renameSync(partial, plan.logFile);
    process.stderr.write(`recorded in ${plan.logFile}\n`);
    return status;
  }
  const failed = failedLogName(plan.logFile);
  fs.renameSync(partial, failed);
  const why = interruptedBy !== undefined ? `was interrupted (${interruptedBy})` : `failed (exit status ${status})`;
  const previous = fs.existsSync(plan.logFile) ? `${plan.logFile} is left as it was` : `no log was written to ${plan.logFile}`;
  process.stderr.write(`error: the run ${why}: ${previous}; this run's output is in ${failed}\n`);
  return status === 0 ? 130 : status;
}

/** Whether the recorded output holds the run's verdict line (logs with a verdict are small: read whole). */
function reachedVerdict(file: string, verdict: RegExp | undefined): boolean {
  return verdict !== undefined && verdict.test(fs.readFileSync(file, 'utf8'));
}
