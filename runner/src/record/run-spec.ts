/**
 * What a recorded run of a stage recipe is (`pN::testcase`, `pN::fuzz`, `pN::bench`): its
 * arguments checked, the log file its labels name, and the command that does the work.
 * Pure: nothing here touches a file, so a mistyped argument can never create or damage one.
 *
 *   p1 testcase <num 1..5> <server>              -> tests/test<num>.log
 *   p1 fuzz <nclis> <conflict> <server>          -> fuzz/fuzz-<nclis>-<yes|no>.log
 *   p1 bench <nclis> <wload a..f> <server>       -> bench/bench-<nclis>-<wload>.log
 *   p2 testcase                                  -> tests/test-crash.log
 *   p2 fuzz <nservers> <crashing yes|no> <manager>  -> fuzz/fuzz-<nservers>-<crashing>.log
 *   p2 bench <nclis> <wload> <nservers> <manager>   -> bench/bench-<nclis>-<wload>-<nservers>.log
 *   p3 fuzz <server_rf 1|3|5|7|9> <crashing yes|no> <managers>  -> fuzz/fuzz-<rf>-<crashing>.log
 *   p3 bench <nclis> <wload> <server_rf> <managers>             -> bench/bench-<nclis>-<wload>-<rf>.log
 *   p3 testcase <num 1..4>                                      -> tests/test<num>.log
 *   p3 nemesis <duration> <faults> <seed|''>                    -> nemesis/nemesis-<duration>s-<seed>.log
 *   p4 fuzz <nclis> <crashing yes|no> <txn_mode mako|2pc> <managers>  -> fuzz/fuzz-<txn_mode>-<crashing>.log
 *                                                                 (and its history, fuzz-<txn_mode>-<crashing>.history.jsonl)
 *   p4 nemesis <duration> <faults> <seed|''>                    -> nemesis/nemesis-<duration>s-<seed>.log (as p3, on a stage-4 cluster)
 *
 * p4 fuzz runs `runner txn-fuzz` for 20 s (unless MADKV_RUNNER_ARGS gives --duration or
 * --num-txns). When the local cluster in the cluster folder has these managers, the runner
 * gets that cluster (its txn mode must be txn_mode; with crashing=yes the runner kills -9 and
 * restarts a shard leader of it); crashing=yes against any other cluster is refused.
 *
 * Every p3 log opens with the run's topology (topology.ts): the local cluster in the cluster
 * folder when its managers are the ones given (the nemesis's always is), else the managers
 * and the servers of their map; the testcase prints its own cluster's.
 *
 * `conflict` follows the template: any value other than `no` means shared keys. A value
 * other than yes/no is logged under the `yes` name (labels stay the report's), and the
 * log's first line says which keys it chose and why.
 */
import * as path from 'node:path';
import { MAX_PARTITIONS } from '../../../kvstore/src/cluster/partition-map';
import { SERVER_RFS } from '../../../kvstore/src/cluster/service-args';
import { AddressError, parseAddress } from '../../../kvstore/src/wire/address';
import { WORKLOAD_NAMES } from '../bench/workload';
import { FAULT_JOURNAL_FILE } from '../faults/fault-journal';
import { NEMESIS_FAULTS } from '../faults/nemesis-schedule';

export interface RunContext {
  /** The stage's results folder, e.g. /tmp/madkv-p1. */
  results: string;
  /** The repository root (programs run from there). */
  root: string;
  /** The node binary. */
  node: string;
  /** The `just` to run testcase recipes with. */
  just: string;
  /** Extra runner flags for fuzz and bench (MADKV_RUNNER_ARGS), e.g. ['--seed', '7']. */
  runnerArgs: string[];
  /** p3: the local cluster's folder (its fault journal, its layout; the nemesis's target). Default <results>/cluster. */
  clusterDir?: string;
  /** p3 nemesis: the seed used when none is given (chosen by the caller, so this stays pure). */
  freshSeed?: number;
}

/** What the recorder looks up before the run to write the topology at the top of the log. */
export interface TopologySource {
  /** The managers' client addresses the run was given (compared with the local cluster's). */
  managers: string[];
  clusterDir: string;
  /** p3 fuzz and bench: the replication factor the log is filed under, checked against the cluster's. */
  rf?: number;
}

export interface RunPlan {
  /** Where the log goes once the run succeeds. */
  logFile: string;
  /** The program and its arguments. */
  command: string[];
  /** Lines written at the top of the log (and console) before the run's own output. */
  notes: string[];
  /**
   * The line a run prints once it has reached its verdict (a fuzz run that FAILED, a
   * testcase that FAILED): such a run is complete, and its log is a result to report, even
   * though it exits non-zero. Without it, only exit status 0 counts as complete.
   */
  verdict?: RegExp;
  /** p3 fuzz, bench, nemesis: the topology to find and write first (the testcase prints its own). */
  topology?: TopologySource;
  /** p3 nemesis: after it completes, the verdict of a fuzz run beside it on the same cluster is appended. */
  fuzzBeside?: { clusterDir: string; fuzzDir: string };
  /**
   * p4 fuzz: when the local cluster in `dir` is the one the run's managers name, `command` is
   * replaced by `commandWithCluster`, and the cluster's txn mode must be `txnMode`; when it is
   * not and `required` is set, the run is refused with that message.
   */
  localCluster?: { dir: string; managers: string[]; txnMode: 'mako' | '2pc'; commandWithCluster: string[]; required?: string };
}

const FUZZ_VERDICT = /Fuzz testing result:/;

export const STAGES = ['p1', 'p2', 'p3', 'p4'] as const;
export const KINDS = ['testcase', 'fuzz', 'bench', 'nemesis'] as const;

/** Shared keys the fuzzer uses with --conflict (its default --num-keys is 5). */
const SHARED_KEYS = 'key00000..key00004';

/** The plan for `<stage> <kind> <args…>`, or a one-line message saying what is wrong. */
export function planRun(stage: string, kind: string, args: readonly string[], ctx: RunContext): RunPlan | string {
  const usage = USAGE[`${stage} ${kind}`];
  if (usage === undefined) {
    if (!(STAGES as readonly string[]).includes(stage)) return `unknown stage '${stage}': expected ${STAGES.slice(0, -1).join(', ')} or ${STAGES[STAGES.length - 1]}`;
    return `unknown run '${kind}' for ${stage}: expected ${Object.keys(USAGE).filter((k) => k.startsWith(`${stage} `)).map((k) => k.split(' ')[1]).join(', ')}`;
  }
  if (args.length !== usage.length) return `${stage} ${kind} takes ${usage.length} argument${usage.length === 1 ? '' : 's'} (${usage.join(' ') || 'none'}), got ${args.length}`;
  try {
    return PLANNERS[`${stage} ${kind}`]!(args, ctx);
  } catch (err) {
    if (err instanceof ArgumentError) return err.message;
    throw err;
  }
}

const USAGE: Record<string, string[]> = {
  'p1 testcase': ['num', 'server'],
  'p1 fuzz': ['nclis', 'conflict', 'server'],
  'p1 bench': ['nclis', 'wload', 'server'],
  'p2 testcase': [],
  'p2 fuzz': ['nservers', 'crashing', 'manager'],
  'p2 bench': ['nclis', 'wload', 'nservers', 'manager'],
  'p3 fuzz': ['server_rf', 'crashing', 'managers'],
  'p3 bench': ['nclis', 'wload', 'server_rf', 'managers'],
  'p3 testcase': ['num'],
  'p3 nemesis': ['duration', 'faults', 'seed'],
  'p4 fuzz': ['nclis', 'crashing', 'txn_mode', 'managers'],
  'p4 nemesis': ['duration', 'faults', 'seed'],
};

/** How long a recorded p4 fuzz runs by default. */
export const P4_FUZZ_SECS = 20;

/** The p3 scenarios `p3 testcase` runs (kvstore/src/testcases/p3-scenarios.ts). */
const P3_TESTCASES = 4;

const P1_TESTCASES = 5;

/** `pN nemesis` (p3, and p4 on a stage-4 cluster): random faults in the local cluster, the fuzz run beside it noted. */
const nemesisPlan = ([duration, faults, seed]: readonly string[], ctx: RunContext): RunPlan => {
  const d = integer('duration', duration!, 1);
  const kinds = faultList(faults!);
  const s = seed === '' ? ctx.freshSeed : Number(seed);
  if (s === undefined || !/^\d{0,15}$/.test(seed!) || !Number.isSafeInteger(s)) throw new ArgumentError(`seed must be a non-negative integer (or empty for a random one), got '${seed}'`);
  const clusterDir = p3ClusterDir(ctx);
  return {
    logFile: path.join(ctx.results, 'nemesis', `nemesis-${d}s-${s}.log`),
    command: [ctx.node, path.join(ctx.root, 'dist', 'runner', 'src', 'main.js'), 'nemesis', '--cluster', clusterDir, '--duration', String(d), '--faults', kinds, '--seed', String(s)],
    notes: [],
    verdict: /nemesis done:/,
    topology: { managers: [], clusterDir },
    fuzzBeside: { clusterDir, fuzzDir: path.join(ctx.results, 'fuzz') },
  };
};

const PLANNERS: Record<string, (a: readonly string[], ctx: RunContext) => RunPlan> = {
  'p1 testcase': ([num, server], ctx) => {
    const n = integer('num', num!, 1, P1_TESTCASES);
    return {
      logFile: path.join(ctx.results, 'tests', `test${n}.log`),
      command: [ctx.just, `p1::test${n}`, address('server', server!)],
      notes: [],
      verdict: new RegExp(`testcase ${n}: (PASSED|FAILED)`),
    };
  },
  'p1 fuzz': ([nclis, conflict, server], ctx) => {
    const n = integer('nclis', nclis!, 1);
    const shared = conflict !== 'no';
    const label = shared ? 'yes' : 'no';
    const why = conflict === 'yes' || conflict === 'no' ? '' : ` ('${conflict}' is not 'no'; logged as ${label})`;
    const note = shared ? `conflict: shared keys ${SHARED_KEYS}${why}` : 'conflict: no (each client has its own random keys)';
    return {
      logFile: path.join(ctx.results, 'fuzz', `fuzz-${n}-${label}.log`),
      command: runner(ctx, ['fuzz', '--num-clis', String(n), ...(shared ? ['--conflict'] : [])], ['p1::client', address('server', server!)]),
      notes: [note],
      verdict: FUZZ_VERDICT,
    };
  },
  'p1 bench': ([nclis, wload, server], ctx) => {
    const n = integer('nclis', nclis!, 1);
    const w = workload(wload!);
    return {
      logFile: path.join(ctx.results, 'bench', `bench-${n}-${w}.log`),
      command: runner(ctx, ['bench', '--num-clis', String(n), '--workload', w], ['p1::client', address('server', server!)]),
      notes: [],
    };
  },
  'p2 testcase': (_, ctx) => ({
    logFile: path.join(ctx.results, 'tests', 'test-crash.log'),
    command: [ctx.node, path.join(ctx.root, 'dist', 'runner', 'src', 'scenarios', 'p2-crash-testcase.js')],
    notes: [],
    verdict: /p2 crash testcase: (PASSED|FAILED)/,
  }),
  'p2 fuzz': ([nservers, crashing, manager], ctx) => {
    const s = integer('nservers', nservers!, 1, MAX_PARTITIONS);
    const c = yesNo('crashing', crashing!);
    // The faults p2::crash / p2::restart inject on the default local cluster go to the log.
    const journal = path.join(ctx.results, 'cluster', FAULT_JOURNAL_FILE);
    return {
      logFile: path.join(ctx.results, 'fuzz', `fuzz-${s}-${c}.log`),
      command: runner(ctx, ['fuzz', '--num-clis', '5', '--conflict', '--fault-journal', journal], ['p2::client', address('manager', manager!)]),
      notes: [],
      verdict: FUZZ_VERDICT,
    };
  },
  'p2 bench': ([nclis, wload, nservers, manager], ctx) => {
    const n = integer('nclis', nclis!, 1);
    const w = workload(wload!);
    const s = integer('nservers', nservers!, 1, MAX_PARTITIONS);
    return {
      logFile: path.join(ctx.results, 'bench', `bench-${n}-${w}-${s}.log`),
      command: runner(ctx, ['bench', '--num-clis', String(n), '--workload', w], ['p2::client', address('manager', manager!)]),
      notes: [],
    };
  },
  'p3 fuzz': ([rf, crashing, managers], ctx) => {
    const r = replicationFactor(rf!);
    const c = yesNo('crashing', crashing!);
    // As in p2: the faults the local cluster's recipes inject go to the log.
    const clusterDir = p3ClusterDir(ctx);
    const journal = path.join(clusterDir, FAULT_JOURNAL_FILE);
    const list = addressList('managers', managers!);
    return {
      logFile: path.join(ctx.results, 'fuzz', `fuzz-${r}-${c}.log`),
      command: runner(ctx, ['fuzz', '--num-clis', '5', '--conflict', '--fault-journal', journal], ['p3::client', list]),
      notes: [],
      verdict: FUZZ_VERDICT,
      topology: { managers: list.split(',').map((s) => s.trim()), clusterDir, rf: r },
    };
  },
  'p3 bench': ([nclis, wload, rf, managers], ctx) => {
    const n = integer('nclis', nclis!, 1);
    const w = workload(wload!);
    const r = replicationFactor(rf!);
    const list = addressList('managers', managers!);
    return {
      logFile: path.join(ctx.results, 'bench', `bench-${n}-${w}-${r}.log`),
      command: runner(ctx, ['bench', '--num-clis', String(n), '--workload', w], ['p3::client', list]),
      notes: [],
      topology: { managers: list.split(',').map((s) => s.trim()), clusterDir: p3ClusterDir(ctx), rf: r },
    };
  },
  'p3 testcase': ([num], ctx) => {
    const n = integer('num', num!, 1, P3_TESTCASES);
    return {
      logFile: path.join(ctx.results, 'tests', `test${n}.log`),
      command: [ctx.node, path.join(ctx.root, 'dist', 'runner', 'src', 'scenarios', 'p3-testcase.js'), String(n)],
      notes: [],
      verdict: new RegExp(`p3 testcase ${n}: (PASSED|FAILED)`),
    };
  },
  'p3 nemesis': nemesisPlan,
  'p4 nemesis': nemesisPlan,
  'p4 fuzz': ([nclis, crashing, txnMode, managers], ctx) => {
    const n = integer('nclis', nclis!, 1, 1000);
    const c = yesNo('crashing', crashing!);
    if (txnMode !== 'mako' && txnMode !== '2pc') throw new ArgumentError(`txn_mode must be mako or 2pc, got '${txnMode}'`);
    const list = addressList('managers', managers!);
    const clusterDir = p3ClusterDir(ctx);
    const sized = ctx.runnerArgs.includes('--duration') || ctx.runnerArgs.includes('--num-txns') ? [] : ['--duration', String(P4_FUZZ_SECS)];
    // The history is kept beside the log, passed or not (the report's runs can be re-checked).
    const history = path.join(ctx.results, 'fuzz', `fuzz-${txnMode}-${c}.history.jsonl`);
    const args = ['txn-fuzz', '--num-clis', String(n), '--txn-mode', txnMode, ...sized, '--history', history];
    const withCluster = [...args, '--cluster', clusterDir, ...(c === 'yes' ? ['--crash'] : [])];
    const managerList = list.split(',').map((s) => s.trim());
    return {
      logFile: path.join(ctx.results, 'fuzz', `fuzz-${txnMode}-${c}.log`),
      command: runner(ctx, args, ['p4::client', list]),
      notes: [],
      verdict: FUZZ_VERDICT,
      topology: { managers: managerList, clusterDir },
      localCluster: {
        dir: clusterDir,
        managers: managerList,
        txnMode,
        commandWithCluster: runner(ctx, withCluster, ['p4::client', list]),
        ...(c === 'yes' ? { required: `crashing=yes needs the local cluster in ${clusterDir} (start it with p4::cluster) to be the one managers ${list} name` } : {}),
      },
    };
  },
};

function p3ClusterDir(ctx: RunContext): string {
  return path.resolve(ctx.clusterDir ?? path.join(ctx.results, 'cluster'));
}

function faultList(text: string): string {
  const kinds = text.split(',').map((f) => f.trim());
  const unknown = kinds.find((k) => !(NEMESIS_FAULTS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new ArgumentError(`faults: expected a comma-separated list of ${NEMESIS_FAULTS.join(', ')}, got '${text}'`);
  return kinds.join(',');
}

class ArgumentError extends Error {}

function runner(ctx: RunContext, args: string[], clientJustArgs: string[]): string[] {
  return [ctx.node, path.join(ctx.root, 'dist', 'runner', 'src', 'main.js'), ...args, ...ctx.runnerArgs, '--client-just-args', ...clientJustArgs];
}

/** A decimal integer in [1, max], written without leading zeros in the log's name. */
function integer(name: string, text: string, min: 1, max?: number): number {
  const n = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (n >= min && n <= (max ?? Number.MAX_SAFE_INTEGER)) return n;
  throw new ArgumentError(max === undefined ? `${name} must be a positive integer, got '${text}'` : `${name} must be an integer from ${min} to ${max}, got '${text}'`);
}

function workload(text: string): string {
  if (!(WORKLOAD_NAMES as readonly string[]).includes(text)) throw new ArgumentError(`wload must be one of ${WORKLOAD_NAMES.join(', ')}, got '${text}'`);
  return text;
}

function yesNo(name: string, text: string): 'yes' | 'no' {
  if (text !== 'yes' && text !== 'no') throw new ArgumentError(`${name} must be yes or no, got '${text}'`);
  return text;
}

function replicationFactor(text: string): number {
  if (!SERVER_RFS.map(String).includes(text)) throw new ArgumentError(`server_rf must be one of ${SERVER_RFS.join(', ')}, got '${text}'`);
  return Number(text);
}

/** A comma-separated list of addresses (the manager replicas'), each checked. */
function addressList(name: string, text: string): string {
  const items = text.split(',').map((s) => s.trim());
  if (text.trim() === '' || items.some((s) => s === '')) throw new ArgumentError(`${name}: expected comma-separated host:port addresses, got '${text}'`);
  items.forEach((a) => address(name, a));
  return text;
}

function address(name: string, text: string): string {
  try {
    const a = parseAddress(text);
    if (a.port === 0) throw new AddressError(`bad address '${text}': port 0 cannot be connected to`);
  } catch (err) {
    if (err instanceof AddressError) throw new ArgumentError(`${name}: ${err.message}`);
    throw err;
  }
  return text;
}
