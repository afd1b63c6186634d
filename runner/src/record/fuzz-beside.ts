/**
 * The fuzz run a nemesis run accompanied: a recorded `p3::fuzz` on the same local cluster
 * (its log's topology names the cluster folder) that was in progress when the nemesis
 * ended, or that completed while it ran. Its verdict goes at the end of the nemesis log:
 *
 *   Fuzz run beside it:  fuzz/fuzz-3-yes.log  PASSED
 *   Fuzz run beside it:  fuzz/fuzz-3-yes.log.failed  broke off (no verdict)
 *   Fuzz run beside it:  none found (this log holds the nemesis's schedule alone)
 *
 * sumgen's nemesis section parses these lines (the field after the path is the verdict word).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOPOLOGY_HEADER } from './topology';

export const FUZZ_BESIDE_HEADER = 'Fuzz run beside it:';

const VERDICT = /Fuzz testing result:\s*(?:\x1b\[[0-9;]*m)*\s*(\w+)/;

export interface FuzzBesideOptions {
  clusterDir: string;
  fuzzDir: string;
  /** Wall-clock ms when the nemesis started: logs completed before it are older runs. */
  since: number;
  /** How long to wait for a fuzz run still in progress. */
  waitMs: number;
  /** For paths in the lines (the results folder). */
  relativeTo: string;
  print: (line: string) => void;
}

/** Whether the log's topology block says it ran on the local cluster in `clusterDir`. */
function onCluster(file: string, clusterDir: string): boolean {
  let head: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(4096);
      head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
  const line = head.split('\n').find((l) => l.startsWith(TOPOLOGY_HEADER));
  return line !== undefined && line.includes(`(local cluster ${clusterDir}:`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function modifiedSince(file: string, since: number): boolean {
  try {
    return fs.statSync(file).mtimeMs >= since;
  } catch {
    return false;
  }
}

function verdictOf(file: string): string | undefined {
  try {
    return VERDICT.exec(fs.readFileSync(file, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Waits for fuzz runs on the cluster still in progress, then says how each fuzz run beside the nemesis ended. */
export async function fuzzBesideLines(o: FuzzBesideOptions): Promise<string[]> {
  let names: string[];
  try {
    names = fs.readdirSync(o.fuzzDir);
  } catch {
    names = [];
  }
  const rel = (f: string): string => path.relative(o.relativeTo, f);
  const inProgress = names
    .map((n) => /^(fuzz-.*\.log)\.partial-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && alive(Number(m[2])) && onCluster(path.join(o.fuzzDir, m[0]), o.clusterDir))
    .map((m) => ({ log: path.join(o.fuzzDir, m[1]!), pid: Number(m[2]) }));
  const done = names
    .filter((n) => /^fuzz-.*\.log$/.test(n))
    .map((n) => path.join(o.fuzzDir, n))
    .filter((f) => modifiedSince(f, o.since) && onCluster(f, o.clusterDir) && !inProgress.some((r) => r.log === f));

  const deadline = Date.now() + o.waitMs;
  for (const run of inProgress) {
    o.print(`waiting for the fuzz run beside it to finish (${rel(run.log)}, recorder pid ${run.pid})...`);
    while (alive(run.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  }
  const lines = done.map((f) => `${FUZZ_BESIDE_HEADER}  ${rel(f)}  ${verdictOf(f) ?? 'no-verdict'}`);
  for (const run of inProgress) {
    if (alive(run.pid)) lines.push(`${FUZZ_BESIDE_HEADER}  ${rel(run.log)}  unknown (still running after ${Math.round(o.waitMs / 100) / 10} s)`);
    else if (modifiedSince(run.log, o.since) && verdictOf(run.log) !== undefined) lines.push(`${FUZZ_BESIDE_HEADER}  ${rel(run.log)}  ${verdictOf(run.log)}`);
    else lines.push(`${FUZZ_BESIDE_HEADER}  ${rel(run.log)}.failed  broke off (no verdict)`);
  }
  if (lines.length === 0) lines.push(`${FUZZ_BESIDE_HEADER}  none found (this log holds the nemesis's schedule alone)`);
  return lines;
}
