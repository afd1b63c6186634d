/**
 * `--engine ycsb`: drive real YCSB 0.17 (fetched by `just utils::ycsb` into ycsb/) as the
 * template does: one `ycsb.sh load|run basic` process per client, whose printed operations
 * are translated into client commands. Latencies are measured here, around each command,
 * like the built-in engine (YCSB's own numbers would time its printing, not the store).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../paths';
import { type KeySet, basicDbLineToCalls } from './adapter';
import { BenchFailure, type BenchStep, type StepSource } from './driver';
import type { WorkloadName } from './workload';

/** Where `just utils::ycsb` unpacks YCSB. */
export function defaultYcsbDir(): string {
  return path.join(repoRoot(), 'ycsb');
}

/** The YCSB launcher in a YCSB folder (bin/ycsb.sh, as the template runs it), or undefined. */
export function findYcsb(ycsbDir = defaultYcsbDir()): string | undefined {
  for (const name of ['ycsb.sh', 'ycsb']) {
    const p = path.join(ycsbDir, 'bin', name);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

const HIGH_WATER = 4096;
const LOW_WATER = 512;

/** Steps read from one YCSB process's output. */
export function ycsbSteps(ycsb: string, workload: WorkloadName, phase: 'load' | 'run', numOps: number, inserted: KeySet): StepSource {
  const ycsbDir = path.dirname(path.dirname(ycsb));
  const child: ChildProcess = spawn(ycsb, [phase, 'basic', '-P', path.join(ycsbDir, 'workloads', `workload${workload}`), '-p', `operationcount=${numOps}`], {
    cwd: path.dirname(ycsbDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const queue: BenchStep[] = [];
  let ended = false;
  let error: string | undefined;
  let waiter: (() => void) | undefined;
  let partial = '';
  let stderrTail = '';
  const wake = (): void => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('No such file')) error = `YCSB: ${line.trim()}`;
      const t = basicDbLineToCalls(line, inserted);
      if (t === undefined) continue;
      const name = t.ycsbOp === 'READ-MODIFY-WRITE' ? 'READ' : t.ycsbOp;
      queue.push({ calls: t.calls, names: t.calls.map(() => name) });
    }
    if (queue.length > HIGH_WATER) child.stdout!.pause();
    wake();
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-2000);
  });
  child.on('error', (err) => {
    error = `cannot run ${ycsb}: ${err.message}`;
    ended = true;
    wake();
  });
  child.on('close', (code) => {
    if (code !== 0 && code !== null && error === undefined) error = `YCSB exited with code ${code}: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}`;
    ended = true;
    wake();
  });

  const next = async (): Promise<BenchStep | undefined> => {
    for (;;) {
      if (error !== undefined) throw new BenchFailure(error);
      const step = queue.shift();
      if (step !== undefined) {
        if (queue.length < LOW_WATER && child.stdout!.isPaused()) child.stdout!.resume();
        return step;
      }
      if (ended) return undefined;
      await new Promise<void>((resolve) => {
        waiter = resolve;
      });
    }
  };
  return {
    next,
    close: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
