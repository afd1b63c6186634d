#!/usr/bin/env node
/**
 * `npm run bench:p3`: stage 3's speed figures, on one machine over loopback (free ports), each
 * on a fresh local cluster of the store's programs (runner/src/bench/p3/):
 *
 *   throughput  rf 3, one partition: 100-byte PUTs and linearizable GETs from N clients of the
 *               client library, beside etcd 3.4 (3 members) driven the same way; the ratio
 *   failover    rf 3: kill -9 the leader `kills` times while a client writes; time from the
 *               kill to the first write acknowledged by the new leader
 *   restart     rf 3: load `keys` keys; RSS of the leader and a follower, the follower's log
 *               bytes over the load (bounded by snapshots), and its restart time after kill -9
 *   all         the three, in that order (the default)
 *
 *   npm run bench:p3 -- throughput --clients 10,50,200 --seconds 10 [--no-etcd]
 *   npm run bench:p3 -- failover --kills 20
 *   npm run bench:p3 -- restart --keys 1000000
 *   node --cpu-prof dist/runner/src/scenarios/p3-bench.js throughput --no-etcd --cpu-prof <dir>
 *                                                      (profiles of the clients and of every node)
 *
 * Each writes `<results>/perf/<name>.json` (results.ts has the shapes); results defaults to
 * `<MADKV_RESULTS_ROOT or /tmp>/madkv-p3`. Every process it starts is stopped when it ends,
 * fails or is interrupted.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitWhenFlushed } from '../../../kvstore/src/common/process-exit';
import { Teardown } from '../bench/p3/bench-cluster';
import { failoverBench } from '../bench/p3/failover';
import { restartBench } from '../bench/p3/restart';
import { type PerfResult, defaultResultsDir, writeResult } from '../bench/p3/results';
import { throughputBench } from '../bench/p3/throughput';

const BENCHES = ['throughput', 'failover', 'restart', 'all'] as const;

function positiveList(text: string, flag: string): number[] {
  const list = text.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || !list.every((n) => Number.isSafeInteger(n) && n > 0)) throw new Error(`${flag} must be positive integers separated by commas, got '${text}'`);
  return list;
}

function positive(n: number, flag: string, integer = true): void {
  if (!(Number.isFinite(n) && n > 0 && (!integer || Number.isSafeInteger(n)))) throw new Error(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${n}`);
}

async function main(): Promise<number> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('bench:p3')
    .command('$0 [bench]', 'Stage 3 benchmarks on this machine (see the header of runner/src/scenarios/p3-bench.ts).', (y) =>
      y.positional('bench', { choices: BENCHES, default: 'all' as const, describe: 'which benchmark' }),
    )
    .option('results', { type: 'string', default: defaultResultsDir(), describe: 'results folder: figures go to <results>/perf/<name>.json' })
    .option('managers', { type: 'number', default: 3, describe: 'manager replicas beside the partition' })
    .option('clients', { type: 'string', default: '10,50,200', describe: 'throughput: client counts, comma-separated' })
    .option('seconds', { type: 'number', default: 10, describe: 'throughput: measured seconds per client count and operation' })
    .option('warmup', { type: 'number', default: 1, describe: 'throughput: seconds of warm-up before each measurement' })
    .option('etcd', { type: 'boolean', default: true, describe: 'throughput: measure etcd too (--no-etcd: ours alone)' })
    .option('cpu-prof', { type: 'string', describe: 'throughput: run our nodes under node --cpu-prof, profiles into this folder (run bench:p3 itself with node --cpu-prof for the clients)' })
    .option('kills', { type: 'number', default: 20, describe: 'failover: leader kills' })
    .option('leader-search', { type: 'boolean', default: true, describe: "failover: the client's short leader-search backoff (--no-leader-search: the single-server one, to compare)" })
    .option('keys', { type: 'number', default: 1_000_000, describe: 'restart: keys to load' })
    .option('snapshot-every', { type: 'number', describe: "restart: the replicas' --snapshot-every (default: the program's)" })
    .option('load-clients', { type: 'number', default: 4, describe: 'restart: clients loading the keys' })
    .option('in-flight', { type: 'number', default: 64, describe: 'restart: PUTs each loading client keeps in flight' })
    .check((a) => {
      positiveList(a.clients, '--clients');
      positive(a.seconds, '--seconds', false);
      if (!(Number.isFinite(a.warmup) && a.warmup >= 0)) throw new Error(`--warmup must be 0 or more seconds, got ${a.warmup}`);
      for (const [flag, n] of [['--managers', a.managers], ['--kills', a.kills], ['--keys', a.keys], ['--load-clients', a['load-clients']], ['--in-flight', a['in-flight']]] as const) positive(n, flag);
      if (a['snapshot-every'] !== undefined) positive(a['snapshot-every'], '--snapshot-every');
      if (![1, 3, 5, 7, 9].includes(a.managers)) throw new Error(`--managers must be one of 1, 3, 5, 7, 9, got ${a.managers}`);
      return true;
    })
    .strict()
    .help()
    .showHelpOnFail(false, 'bench:p3 --help lists the options')
    .parseAsync();

  const what = args.bench;
  const teardown = new Teardown();
  const save = (r: PerfResult): void => console.log(`-> ${writeResult(args.results, r)}`);
  try {
    if (what === 'throughput' || what === 'all') {
      save(await throughputBench({ clients: positiveList(args.clients, '--clients'), seconds: args.seconds, warmupSeconds: args.warmup, managers: args.managers, etcd: args.etcd, teardown, ...(args['cpu-prof'] !== undefined ? { cpuProfDir: args['cpu-prof'] } : {}) }));
    }
    if (what === 'failover' || what === 'all') save(await failoverBench({ kills: args.kills, managers: args.managers, teardown, noLeaderSearch: !args['leader-search'] }));
    if (what === 'restart' || what === 'all') {
      save(
        await restartBench({
          keys: args.keys,
          managers: args.managers,
          ...(args['snapshot-every'] !== undefined ? { snapshotEvery: args['snapshot-every'] } : {}),
          loadClients: args['load-clients'],
          inFlight: args['in-flight'],
          teardown,
        }),
      );
    }
    return 0;
  } catch (err) {
    console.error(`bench:p3 failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await teardown.run();
  }
}

main().then(exitWhenFlushed, (err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  return exitWhenFlushed(1);
});
