/**
 * `runner bench`: a YCSB workload, load phase then run phase with fresh clients per phase.
 * Each phase is followed by YCSB's own measurement lines; the template's results block is
 * the last thing printed, because the template's report script reads everything after its
 * `[Run]` line as throughput and latency rows (see stats.ts).
 */
import type { ClientLaunch } from '../clients/client-process';
import { SeededRandom } from '../random';
import { Progress, colour, debugStruct, heading } from '../terminal';
import { type KeySet, newKeySet } from './adapter';
import { BenchFailure, type PhaseResult, runPhase, workloadSteps } from './driver';
import { formatMergeNote, formatTemplateHeader, formatTemplatePhase, formatYcsbLines, mergeAsTemplate } from './stats';
import { CoreWorkload, WORKLOADS, WORKLOAD_NAMES, type WorkloadName } from './workload';
import { findYcsb, ycsbSteps } from './ycsb-engine';

export interface BenchConfig {
  numClis: number;
  workload: string;
  numOps: number;
  launch: ClientLaunch;
  seed: number;
  engine: 'builtin' | 'ycsb';
  /** YCSB's folder for the ycsb engine (default: ycsb/ at the repository root). */
  ycsbDir: string | undefined;
  opTimeoutMs: number;
  forwardStderr: boolean;
}

export function validateBenchConfig(c: BenchConfig): string | undefined {
  if (!Number.isInteger(c.numClis) || c.numClis < 1) return '--num-clis must be a positive integer';
  if (!(WORKLOAD_NAMES as readonly string[]).includes(c.workload)) return `--workload must be one of ${WORKLOAD_NAMES.join(', ')}`;
  if (!Number.isInteger(c.numOps) || c.numOps < 1) return '--num-ops must be a positive integer';
  if (c.launch.kind === 'just' && c.launch.args.length === 0) return 'give the client as --client-just-args <recipe args…> or --client-cmd "<command>"';
  return undefined;
}

function ycsbDirField(c: BenchConfig): Array<[string, string]> {
  return c.engine === 'ycsb' ? [['ycsb_dir', c.ycsbDir ?? 'ycsb']] : [];
}

function phaseSeed(seed: number, phase: 'load' | 'run', client: number): number {
  return (seed ^ Math.imul(client + 1, 0x9e3779b1) ^ (phase === 'load' ? 0x4c4f4144 : 0x52554e21)) >>> 0;
}

export async function runBench(c: BenchConfig): Promise<number> {
  console.log(
    `${heading('YCSB benchmark configuration:')} ${debugStruct('Args', [
      ['num_clis', c.numClis],
      ['num_ops', c.numOps],
      ['workload', c.workload],
      c.launch.kind === 'just' ? ['just_args', c.launch.args] : ['client_cmd', c.launch.command],
      ['engine', c.engine],
      ...(ycsbDirField(c)),
      ['seed', c.seed],
    ])}`,
  );
  const workload = c.workload as WorkloadName;
  const spec = WORKLOADS[workload];
  const ycsb = c.engine === 'ycsb' ? findYcsb(c.ycsbDir) : undefined;
  if (c.engine === 'ycsb' && ycsb === undefined) {
    console.error(`error: --engine ycsb needs YCSB 0.17 in ${c.ycsbDir ?? 'ycsb/'} (run: just utils::ycsb); the built-in engine needs nothing`);
    return 2;
  }

  const runOne = async (phase: 'load' | 'run', inserted: KeySet[]): Promise<PhaseResult> => {
    const perClient = phase === 'load' ? spec.recordcount : c.numOps;
    const total = perClient * c.numClis;
    let done = 0;
    const label = phase === 'load' ? 'Load' : 'Run';
    console.log(heading(`Benchmarking [${label}] phase...`));
    const progress = new Progress(total, () => `  Progress:  ${done} / ${total} operations`, '  {bar} {line}');
    const result = await runPhase({
      numClis: c.numClis,
      launch: c.launch,
      opTimeoutMs: c.opTimeoutMs,
      forwardStderr: c.forwardStderr,
      steps: (i) =>
        ycsb !== undefined
          ? ycsbSteps(ycsb, workload, phase, c.numOps, inserted[i]!)
          : workloadSteps(new CoreWorkload(spec, new SeededRandom(phaseSeed(c.seed, phase, i)), c.numOps), phase, perClient, inserted[i]!),
      onStep: () => progress.update(++done),
    });
    progress.finish();
    return result;
  };

  try {
    const loadInserted = Array.from({ length: c.numClis }, () => newKeySet());
    const load = await runOne('load', loadInserted);
    console.log(`  YCSB measurements of the [Load] phase (all ${c.numClis} clients):`);
    for (const l of formatYcsbLines(load.clients, load.wallMs)) console.log(l);

    // Run-phase clients know every key the load phase inserted, plus their own inserts.
    const union = newKeySet();
    for (const set of loadInserted) for (const k of set.keys()) union.set(k, true);
    const runInserted = Array.from({ length: c.numClis }, () => union.clone());
    const run = await runOne('run', runInserted);
    console.log(`  YCSB measurements of the [Run] phase (all ${c.numClis} clients):`);
    for (const l of formatYcsbLines(run.clients, run.wallMs)) console.log(l);

    // The template's block comes last: its report script reads every line after `[Run]`.
    console.log(formatMergeNote());
    console.log(formatTemplateHeader(workload, c.numClis));
    for (const l of formatTemplatePhase('Load', mergeAsTemplate(load.clients))) console.log(l);
    for (const l of formatTemplatePhase('Run', mergeAsTemplate(run.clients))) console.log(l);
    return 0;
  } catch (err) {
    if (err instanceof BenchFailure) {
      console.log(`${colour.red('Benchmark failed:')} ${err.message}`);
      return 1;
    }
    throw err;
  }
}
