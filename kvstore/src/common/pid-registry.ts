/**
 * Pid files for the long-running processes this project starts, so `kill`
 * recipes stop exactly those and never a stranger: each file records the pid
 * and the process's start time (from /proc), and a pid whose start time no
 * longer matches has been reused by someone else and is left alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_RUN_DIR = process.env.MADKV_RUN_DIR ?? '/tmp/madkv-run';

export interface PidRecord {
  pid: number;
  startTime: string;
  role: string;
  argv: string[];
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot; unique per pid incarnation. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing paren are plain.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; it only waits for its parent to reap it.
    if (rest[0] === 'Z') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

export function stageRunDir(stage: string, runDir = DEFAULT_RUN_DIR): string {
  return path.join(runDir, stage);
}

/** Writes this process's pid file and removes it when the process exits normally. */
export function registerProcess(stage: string, role: string, runDir = DEFAULT_RUN_DIR): string {
  const dir = stageRunDir(stage, runDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${role}-${process.pid}.pid`);
  const record: PidRecord = { pid: process.pid, startTime: processStartTime(process.pid) ?? '', role, argv: process.argv };
  fs.writeFileSync(file, JSON.stringify(record) + '\n');
  process.once('exit', () => {
    try {
      fs.unlinkSync(file);
    } catch {
      // Already removed by a kill recipe: nothing to do.
    }
  });
  return file;
}

export interface LiveProcess {
  file: string;
  record: PidRecord;
}

/** Registered processes of a stage that are still alive (stale files are removed). */
export function liveProcesses(stage: string, runDir = DEFAULT_RUN_DIR, rolePrefix = ''): LiveProcess[] {
  const dir = stageRunDir(stage, runDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const live: LiveProcess[] = [];
  for (const name of names) {
    if (!name.endsWith('.pid') || !name.startsWith(rolePrefix)) continue;
    const file = path.join(dir, name);
    let record: PidRecord;
    try {
      record = JSON.parse(fs.readFileSync(file, 'utf8')) as PidRecord;
    } catch {
      continue; // being written right now, or not ours
    }
    if (record.startTime !== '' && processStartTime(record.pid) === record.startTime) {
      live.push({ file, record });
    } else {
      fs.rmSync(file, { force: true });
    }
  }
  return live;
}
