/**
 * Pid files for the long-running processes this project starts, so `kill`
 * recipes stop exactly those and never a stranger: each file records the pid
 * and the process's start time (from /proc), and a pid whose start time no
 * longer matches has been reused by someone else and is left alone.
 *
 * The registry belongs to one checkout: two clones on one machine (two students,
 * or a clone benchmarking while another is being tested) each stop only their own.
 *
 *   <run dir>/checkout               the checkout's path, for people reading the folder
 *   <run dir>/<stage>/<role>-<pid>.pid   one JSON PidRecord per live process
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './repo-paths';

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

/**
 * This checkout's run folder: `MADKV_RUN_DIR` if set, else
 * `<MADKV_RESULTS_ROOT or /tmp>/madkv-run/<12 hex digits of sha-256 of the checkout's real path>`.
 */
export function defaultRunDir(env: NodeJS.ProcessEnv = process.env, root: string = repoRoot()): string {
  const explicit = env['MADKV_RUN_DIR'];
  if (explicit !== undefined && explicit !== '') return explicit;
  let real = root;
  try {
    real = fs.realpathSync(root);
  } catch {
    // A checkout path that does not exist (tests) names itself.
  }
  const tag = createHash('sha256').update(real).digest('hex').slice(0, 12);
  return path.join(env['MADKV_RESULTS_ROOT'] || '/tmp', 'madkv-run', tag);
}

export function stageRunDir(stage: string, runDir = defaultRunDir()): string {
  return path.join(runDir, stage);
}

/** Writes this process's pid file and removes it when the process exits normally. */
export function registerProcess(stage: string, role: string, runDir = defaultRunDir()): string {
  const dir = stageRunDir(stage, runDir);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(runDir, 'checkout'))) fs.writeFileSync(path.join(runDir, 'checkout'), `${repoRoot()}\n`);
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
export function liveProcesses(stage: string, runDir = defaultRunDir(), rolePrefix = ''): LiveProcess[] {
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
