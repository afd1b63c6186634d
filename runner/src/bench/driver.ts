/**
 * Running one benchmark phase: fresh client processes (one per YCSB client), a warm-up
 * request each so start-up time is not measured, then every client replays its stream of
 * YCSB operations with one command in flight, timing each command.
 */
import { performance } from 'node:perf_hooks';
import { type ClientFailure, type ClientLaunch, ClientProcess } from '../clients/client-process';
import { ClientTroubleMonitor } from '../clients/client-trouble';
import type { KvCall } from '../clients/protocol';
import { type KeySet, toCalls } from './adapter';
import { type MeasuredOp, ClientStats } from './stats';
import { type CoreWorkload, TABLE } from './workload';

/** One YCSB operation's client commands, and the names its latencies are recorded under. */
export interface BenchStep {
  calls: KvCall[];
  /** Measurement name of each call. */
  names: MeasuredOp[];
  /** Also record the whole step under this name (read-modify-write). */
  combined?: MeasuredOp;
}

/** A client's operations: synchronous for the built-in engine, asynchronous when fed by a YCSB process. */
export interface StepSource {
  next(): BenchStep | undefined | Promise<BenchStep | undefined>;
  close?(): void;
}

export class BenchFailure extends Error {}

/** The built-in engine's steps: `count` load inserts or run transactions of one CoreWorkload. */
export function workloadSteps(workload: CoreWorkload, phase: 'load' | 'run', count: number, inserted: KeySet): StepSource {
  let done = 0;
  return {
    next(): BenchStep | undefined {
      if (done >= count) return undefined;
      done++;
      const op = phase === 'load' ? workload.nextInsert() : workload.nextTransaction();
      const calls = toCalls(op, inserted);
      if (op.op === 'READ-MODIFY-WRITE') return { calls, names: ['READ', 'UPDATE'], combined: 'READ-MODIFY-WRITE' };
      return { calls, names: [op.op] };
    },
  };
}

export interface PhaseOptions {
  numClis: number;
  launch: ClientLaunch;
  opTimeoutMs: number;
  forwardStderr: boolean;
  /** The step source of client `c` (called once the clients are up). */
  steps: (c: number) => StepSource;
  onStep?: () => void;
}

export interface PhaseResult {
  clients: ClientStats[];
  wallMs: number;
}

const WARMUP_KEY = `${TABLE}_warmup`;

export async function runPhase(opts: PhaseOptions): Promise<PhaseResult> {
  // Connection trouble shows while we wait (a wrong address is not a silent wait).
  const trouble = new ClientTroubleMonitor((line) => process.stderr.write(`${line}\n`), { show: !opts.forwardStderr });
  const procs = Array.from({ length: opts.numClis }, (_, i) =>
    ClientProcess.start(`client ${i}`, opts.launch, { forwardStderr: opts.forwardStderr, onStderrLine: (line) => trouble.onLine(i, line) }),
  );
  const fail = (f: ClientFailure): never => {
    throw new BenchFailure(f.message);
  };
  try {
    const warm = await Promise.all(procs.map((p) => p.call({ op: 'GET', key: WARMUP_KEY }, opts.opTimeoutMs)));
    for (const w of warm) if (!w.ok) fail(w.failure);

    const stats = procs.map(() => new ClientStats());
    const sources = procs.map((_, c) => opts.steps(c));
    const phaseStart = performance.now();
    const runClient = async (c: number): Promise<void> => {
      const proc = procs[c]!;
      const st = stats[c]!;
      const source = sources[c]!;
      st.startMs = performance.now();
      for (;;) {
        const s = source.next();
        const step = s instanceof Promise ? await s : s;
        if (step === undefined) break;
        const t0 = performance.now();
        for (let j = 0; j < step.calls.length; j++) {
          const c0 = performance.now();
          const outcome = await proc.call(step.calls[j]!, opts.opTimeoutMs);
          if (!outcome.ok) fail(outcome.failure);
          st.record(step.names[j]!, (performance.now() - c0) * 1000);
        }
        if (step.combined !== undefined) st.record(step.combined, (performance.now() - t0) * 1000);
        st.transactions++;
        opts.onStep?.();
      }
      st.endMs = performance.now();
    };
    await Promise.all(procs.map((_, c) => runClient(c)));
    const wallMs = performance.now() - phaseStart;
    const stops = await Promise.all(procs.map((p) => p.stop(10_000)));
    for (const s of stops) if (!s.ok) fail(s.failure);
    for (const s of sources) s.close?.();
    return { clients: stats, wallMs };
  } finally {
    for (const p of procs) p.kill();
  }
}
