#!/usr/bin/env node
/**
 * The MadKV runner: `service`, `fuzz`, `txn-fuzz`, `check`, `bench` and `nemesis` sub-commands, called by the
 * stage recipes (justmod/proj*.just) or directly: `npm run --silent runner -- <command> …`.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitWhenFlushed } from '../../kvstore/src/common/process-exit';
import { WORKLOAD_NAMES } from './bench/workload';
import { runCheck, verdictExitCode } from './check/check-command';
import type { ClientLaunch } from './clients/client-process';
import type { LocalCluster } from './cluster/local-cluster';
import type { TxnFuzzConfig } from './fuzz/txn-fuzz-command';
import { randomSeed } from './random';
import { NEMESIS_FAULTS, type NemesisFaultKind } from './faults/nemesis-schedule';

/**
 * A command's module is loaded when the command runs: `runner check` then starts without the
 * client, cluster and store code (about 15 MB less resident memory, and a faster start).
 */
const commands = {
  fuzz: () => require('./fuzz/fuzz-command') as typeof import('./fuzz/fuzz-command'),
  txnFuzz: () => require('./fuzz/txn-fuzz-command') as typeof import('./fuzz/txn-fuzz-command'),
  bench: () => require('./bench/bench-command') as typeof import('./bench/bench-command'),
  service: () => require('./service') as typeof import('./service'),
  cluster: () => require('./cluster/local-cluster') as typeof import('./cluster/local-cluster'),
  nemesis: () => require('./faults/nemesis') as typeof import('./faults/nemesis'),
};

const JUST_ARGS_FLAGS = ['--client-just-args', '--just-args', '-j'];

/** A mistake on the command line: one line on stderr, exit status 2, no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * `--client-just-args` takes every argument after it (they belong to `just`, and may look
 * like flags), so it is cut off before yargs sees the command line.
 */
export function splitJustArgs(argv: readonly string[]): { rest: string[]; justArgs: string[] | undefined } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (JUST_ARGS_FLAGS.includes(a)) return { rest: argv.slice(0, i), justArgs: argv.slice(i + 1) };
    for (const f of JUST_ARGS_FLAGS) {
      if (f.startsWith('--') && a.startsWith(`${f}=`)) return { rest: argv.slice(0, i), justArgs: [a.slice(f.length + 1), ...argv.slice(i + 1)] };
    }
  }
  return { rest: [...argv], justArgs: undefined };
}

function clientLaunch(justArgs: string[] | undefined, clientCmd: string | undefined): ClientLaunch | string {
  if (clientCmd !== undefined && justArgs !== undefined) return 'give either --client-just-args or --client-cmd, not both';
  if (clientCmd !== undefined) return { kind: 'shell', command: clientCmd };
  return { kind: 'just', args: justArgs ?? [] };
}

/** `min,max` or one number (min = max), in milliseconds. */
function msRange(flag: string, text: string): [number, number] {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.length < 1 || parts.length > 2 || parts.some((p) => !/^\d+$/.test(p))) throw new UsageError(`${flag} must be min,max or one number of milliseconds, got '${text}'`);
  return [nums[0]!, nums[nums.length - 1]!];
}

function clientOptions<T>(y: Argv<T>) {
  return y
    .option('client-just-args', {
      alias: 'just-args',
      type: 'string',
      array: true,
      describe: 'run each client as `just <args…>`; takes every argument after it (e.g. p1::client 127.0.0.1:3777)',
    })
    .option('client-cmd', { type: 'string', describe: 'run each client as this shell command instead (e.g. "node my-client.js")' })
    .option('seed', { type: 'number', describe: 'random seed (printed; the same seed gives the same operations)' })
    .option('op-timeout', { type: 'number', default: 120, describe: 'seconds to wait for one answer before the client counts as failed' })
    .option('client-stderr', { type: 'boolean', default: false, describe: "show the clients' stderr (otherwise only its tail, when a client fails)" });
}

async function main(): Promise<number> {
  const { rest, justArgs } = splitJustArgs(hideBin(process.argv));
  let exitCode = 0;
  await yargs(rest)
    .scriptName('runner')
    .usage('$0 <command> [options]\n\nThe MadKV runner: fuzz testing with a linearizability checker, YCSB benchmarks, node launcher.')
    .command(
      'fuzz',
      'fuzz-test a store through its client program and check the history for linearizability',
      (y) =>
        clientOptions(y)
          .option('num-clis', { type: 'number', default: 1, describe: 'number of concurrent clients' })
          .option('num-keys', { type: 'number', default: 5, describe: 'keys per client' })
          .option('num-ops', { type: 'number', describe: 'operations per client (default 5000)' })
          .option('duration', { type: 'number', describe: 'run for this many seconds instead of a number of operations: every client keeps calling until then' })
          .option('conflict', { alias: 'c', type: 'boolean', default: false, describe: 'clients share keys key00000… (otherwise each has its own random keys)' })
          .option('history', { type: 'string', describe: 'write the history (JSON lines) here and keep it; by default a temporary file kept only on failure' })
          .option('check-timeout', { type: 'number', default: 600, describe: 'seconds the checker may search before answering UNKNOWN' })
          .option('fault-journal', { type: 'string', describe: "the cluster's fault journal (e.g. <cluster dir>/faults.jsonl): the faults injected during the run go to the log" })
          .example('$0 fuzz --num-clis 3 --conflict --client-just-args p1::client 127.0.0.1:3777', '')
          .example('$0 fuzz --num-clis 2 --client-cmd "node dist/kvstore/src/bin/client.js --server 127.0.0.1:3777"', ''),
      async (a) => {
        const { runFuzz, validateFuzzConfig } = commands.fuzz();
        const launch = clientLaunch(justArgs, a['client-cmd']);
        if (typeof launch === 'string') throw new UsageError(launch);
        if (a['num-ops'] !== undefined && a.duration !== undefined) throw new UsageError('give --num-ops or --duration, not both');
        const config = {
          numClis: a['num-clis'],
          numKeys: a['num-keys'],
          numOps: a['num-ops'] ?? 5000,
          durationMs: a.duration === undefined ? undefined : a.duration * 1000,
          conflict: a.conflict,
          launch,
          seed: a.seed ?? randomSeed(),
          historyFile: a.history,
          opTimeoutMs: a['op-timeout'] * 1000,
          checkTimeoutMs: a['check-timeout'] * 1000,
          forwardStderr: a['client-stderr'],
          faultJournal: a['fault-journal'],
        };
        const problem = validateFuzzConfig(config);
        if (problem !== undefined) throw new UsageError(problem);
        exitCode = verdictExitCode(await runFuzz(config));
      },
    )
    .command(
      'txn-fuzz',
      'fuzz-test a stage-4 store with list-append transactions (TXN blocks) and check the history for strict serializability',
      (y) =>
        clientOptions(y)
          .option('num-clis', { type: 'number', default: 5, describe: 'number of concurrent clients' })
          .option('shards', { type: 'number', default: 3, describe: "the store's shard count, to spread keys (a local cluster's --cluster own count wins)" })
          .option('keys-per-shard', { type: 'number', default: 3, describe: 'keys on each shard' })
          .option('cross-shard', { type: 'number', default: 0.5, describe: 'share of transactions whose keys span two or more shards (0..1)' })
          .option('num-txns', { type: 'number', describe: 'transactions per client (default 200)' })
          .option('duration', { type: 'number', describe: 'run for this many seconds instead of a number of transactions' })
          .option('history', { type: 'string', describe: 'write the history (JSON lines) here and keep it; by default a temporary file kept only if the run does not pass' })
          .option('cluster', { type: 'string', describe: "the local cluster's folder: its txn mode is checked, its shard count used, its fault journal read" })
          .option('crash', { type: 'boolean', default: false, describe: "kill -9 a shard leader of the --cluster a third into the run, restart it at two thirds (needs --duration)" })
          .option('txn-mode', { type: 'string', choices: ['mako', '2pc'], describe: "the protocol the store runs (refused if the --cluster's differs)" })
          .option('fault-journal', { type: 'string', describe: "the cluster's fault journal (default: the --cluster's): the faults injected during the run go to the log" })
          .option('stall-secs', { type: 'number', default: 5, describe: 'fail the run if no transaction is answered for this long, more than this long after any fault (0: no check)' })
          .example('$0 txn-fuzz --duration 20 --cluster /tmp/madkv-p4/cluster --crash --client-just-args p4::client 127.0.0.1:3666', ''),
      async (a) => {
        const { runTxnFuzz, validateTxnFuzzConfig } = commands.txnFuzz();
        const launch = clientLaunch(justArgs, a['client-cmd']);
        if (typeof launch === 'string') throw new UsageError(launch);
        if (a['num-txns'] !== undefined && a.duration !== undefined) throw new UsageError('give --num-txns or --duration, not both');
        let cluster: LocalCluster | undefined;
        if (a.cluster !== undefined) {
          try {
            cluster = commands.cluster().LocalCluster.load(a.cluster, { detached: true });
          } catch (err) {
            throw new UsageError((err as Error).message);
          }
        }
        const seed = a.seed ?? randomSeed();
        const mode = a['txn-mode'];
        const config: TxnFuzzConfig = {
          numClis: a['num-clis'],
          shards: a.shards,
          keysPerShard: a['keys-per-shard'],
          crossShare: a['cross-shard'],
          numTxns: a['num-txns'] ?? 200,
          durationMs: a.duration === undefined ? undefined : a.duration * 1000,
          launch,
          seed,
          // Fresh keys each run, even with the same seed: earlier runs' lists would read as garbage.
          keyPrefix: `f${Date.now().toString(36)}${(seed % 1296).toString(36)}`,
          historyFile: a.history,
          opTimeoutMs: a['op-timeout'] * 1000,
          forwardStderr: a['client-stderr'],
          faultJournal: a['fault-journal'] ?? cluster?.journalFile,
          crash: a.crash,
          txnMode: mode === 'mako' || mode === '2pc' ? mode : undefined,
          stallMs: a['stall-secs'] * 1000,
        };
        const problem = validateTxnFuzzConfig(config, cluster);
        if (problem !== undefined) throw new UsageError(problem);
        exitCode = verdictExitCode(await runTxnFuzz(config, cluster));
      },
    )
    .command(
      'check <file>',
      're-check a saved history (JSON lines) for linearizability, or a transactional one for strict serializability; exit 0 PASSED, 1 FAILED, 3 UNKNOWN, 2 unreadable file',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'the history file' })
          .option('timeout', { alias: 'check-timeout', type: 'number', default: 600, describe: 'seconds the checker may search before answering UNKNOWN' })
          .option('memo-mb', { type: 'number', default: 512, describe: "MiB the search's memo may hold before a key is left UNKNOWN" })
          .option('time-unit', { type: 'string', default: '', describe: 'unit to show after timestamps in reports (the fuzzer writes microseconds: us)' })
          .option('html', { type: 'string', describe: 'also write an HTML page of the check here: per failing key a timeline, the longest legal order, what cannot be placed and why (one file, works offline)' })
          .example('$0 check --html check.html /tmp/madkv-fuzz-123.jsonl', ''),
      (a) => {
        exitCode = runCheck(a.file, { timeoutMs: a.timeout * 1000, memoBytes: a['memo-mb'] * 2 ** 20, timeUnit: a['time-unit'], htmlFile: a.html });
      },
    )
    .command(
      'bench',
      'run a YCSB workload (load phase, then run phase) through the client program',
      (y) =>
        clientOptions(y)
          .option('num-clis', { type: 'number', default: 1, describe: 'number of concurrent clients' })
          .option('workload', { alias: 'w', type: 'string', default: 'a', choices: WORKLOAD_NAMES as string[], describe: 'YCSB core workload' })
          .option('num-ops', { type: 'number', default: 10000, describe: 'run-phase operations per client (the load phase inserts the 1000 records)' })
          .option('engine', { type: 'string', default: 'builtin', choices: ['builtin', 'ycsb'], describe: 'built-in YCSB workloads, or real YCSB 0.17 from ycsb/ (just utils::ycsb)' })
          .option('ycsb-dir', { type: 'string', describe: 'YCSB folder for --engine ycsb (default: ycsb/ in the repository)' })
          .example('$0 bench --num-clis 10 --workload a --client-just-args p1::client 127.0.0.1:3777', ''),
      async (a) => {
        const { runBench, validateBenchConfig } = commands.bench();
        const launch = clientLaunch(justArgs, a['client-cmd']);
        if (typeof launch === 'string') throw new UsageError(launch);
        const config = {
          numClis: a['num-clis'],
          workload: a.workload,
          numOps: a['num-ops'],
          launch,
          seed: a.seed ?? randomSeed(),
          engine: a.engine === 'ycsb' ? ('ycsb' as const) : ('builtin' as const),
          ycsbDir: a['ycsb-dir'],
          opTimeoutMs: a['op-timeout'] * 1000,
          forwardStderr: a['client-stderr'],
        };
        const problem = validateBenchConfig(config);
        if (problem !== undefined) throw new UsageError(problem);
        exitCode = await runBench(config);
      },
    )
    .command(
      'nemesis',
      'inject random faults into a minority of every group of a local stage-3 cluster for a while, then heal everything',
      (y) =>
        y
          .option('cluster', { type: 'string', default: '/tmp/madkv-p3/cluster', describe: 'the local cluster\'s folder (p3::cluster dir)' })
          .option('duration', { type: 'number', default: 300, describe: 'seconds to inject faults' })
          .option('seed', { type: 'number', describe: 'random seed (printed; the same seed gives the same choices)' })
          .option('faults', { type: 'string', default: NEMESIS_FAULTS.join(','), describe: 'the kinds of fault to inject, comma-separated: kill (kill -9, then restart), pause (SIGSTOP, then SIGCONT), cut (links), delay (links)' })
          .option('interval-ms', { type: 'string', default: '500,3000', describe: 'time between injections, ms: min,max (or one number)' })
          .option('fault-ms', { type: 'string', default: '1000,5000', describe: 'how long each fault lasts, ms: min,max' })
          .option('delay-ms', { type: 'string', default: '20,300', describe: 'delay added by a delay fault, ms: min,max' })
          .option('leader-bias', { type: 'number', default: 0.5, describe: 'probability of aiming at the group\'s current leader' })
          .option('leader-wait', { type: 'number', default: 60, describe: 'seconds to wait after healing for every group to have a leader' })
          .example('$0 nemesis --cluster /tmp/madkv-p3/cluster --duration 60 --faults kill,cut', ''),
      async (a) => {
        const { checkNemesisOptions, runNemesis } = commands.nemesis();
        const clusters = commands.cluster();
        const faults = a.faults.split(',').map((f) => f.trim()).filter((f) => f !== '');
        const unknown = faults.filter((f) => !(NEMESIS_FAULTS as readonly string[]).includes(f));
        if (unknown.length > 0) throw new UsageError(`unknown fault '${unknown[0]}': expected ${NEMESIS_FAULTS.join(', ')}`);
        const options = {
          durationMs: a.duration * 1000,
          seed: a.seed ?? randomSeed(),
          faults: faults as NemesisFaultKind[],
          intervalMs: msRange('--interval-ms', a['interval-ms']),
          faultMs: msRange('--fault-ms', a['fault-ms']),
          delayMs: msRange('--delay-ms', a['delay-ms']),
          leaderBias: a['leader-bias'],
          leaderWaitMs: a['leader-wait'] * 1000,
        };
        const problem = checkNemesisOptions(options);
        if (problem !== undefined) throw new UsageError(problem);
        let cluster: LocalCluster;
        try {
          cluster = clusters.LocalCluster.load(a.cluster, { detached: true });
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        // Interrupted, it still heals everything before it exits.
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const report = await runNemesis(cluster, { ...options, print: (line) => console.log(line), signal: stop.signal });
        exitCode = report.unrecovered.length > 0 || report.leaderless.length > 0 ? 1 : 0;
      },
    )
    .command(
      'service',
      'launch one node through its just recipe: node m… the manager, s… a server (none: nothing)',
      (y) =>
        y
          .option('node-id', { alias: 'n', type: 'string', default: 's0', describe: 'm, m.X (manager), sX, sX.Y (server), or none' })
          .option('server-just-args', { alias: 's', type: 'string', array: true, default: [] as string[], describe: 'just arguments that start a server (or none)' })
          .option('manager-just-args', { alias: 'm', type: 'string', array: true, default: [] as string[], describe: 'just arguments that start the manager (or none)' }),
      async (a) => {
        const { runService } = commands.service();
        exitCode = await runService({
          nodeId: a['node-id'],
          serverJustArgs: a['server-just-args'].map(String),
          managerJustArgs: a['manager-just-args'].map(String),
        });
      },
    )
    .demandCommand(1, 'name a command: fuzz, txn-fuzz, check, bench, nemesis or service')
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    // yargs calls this for its own complaints (msg) and for errors thrown by a handler (err);
    // throwing ends the parse, so the message is printed once, by main's caller.
    .fail((msg, err) => {
      if (err !== undefined && err !== null && !(err instanceof UsageError) && !msg) throw err;
      // One line: yargs spreads some complaints over several.
      throw err instanceof UsageError ? err : new UsageError((msg || (err as Error).message).replace(/\s*\n\s*/g, ' '));
    })
    .parseAsync();
  return exitCode;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
      // Killed clients' pipes close on their own; never let one keep the runner alive (but let our own output out).
      setTimeout(() => void exitWhenFlushed(code), 3000).unref();
    },
    (err: unknown) => {
      if (err instanceof UsageError) console.error(`error: ${err.message} (see --help)`);
      else console.error(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(2);
    },
  );
}
