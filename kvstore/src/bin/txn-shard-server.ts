#!/usr/bin/env node
/**
 * Stage 4 server replica: replica R of shard P (server/txn-shard-server.ts), running
 * transactions by Mako's speculative 2PC or, with --txn-mode 2pc, the 2PC-over-Raft baseline.
 *
 *   txn-shard-server --part-id 0 --rep-id 0 --managers 127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668 \
 *     --api-port 3777 --p2p-port 3707 --peers 127.0.0.1:3708,127.0.0.1:3709 --backer-path ./backer.s0.0 \
 *     [--txn-mode mako|2pc] [--repl-rtt-ms 0]
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { fail } from '../common/process-exit';
import { registerOnce, registerWithManager } from '../cluster/manager-link';
import type { PartitionMap } from '../cluster/partition-map';
import { describePeers } from '../replication/replica-launch';
import { serverReplicaIdentity, serverReplicaOptions } from '../replication/server-replica-cli';
import { serveReplica } from '../replication/replica-process';
import { TxnShardServer } from '../server/txn-shard-server';
import { MISTAKE_NAMES, type MistakeSwitches, withMistake } from '../txn/mistakes';
import { type Address, formatAddress } from '../wire/address';

async function main(): Promise<void> {
  const args = await serverReplicaOptions(
    yargs(hideBin(process.argv))
      .scriptName('txn-shard-server')
      .usage(
        '$0 --part-id <P> --rep-id <R> --managers <host:port,...> --api-port <port> --p2p-port <port> --peers <host:port,...|none> --backer-path <dir> [--txn-mode mako|2pc] [--repl-rtt-ms <ms>]\n\nRuns replica R of shard P of a stage-4 cluster: the shard is a Raft group; its leader runs\ntransactions (coordinator and participant). --peers lists the shard\'s other replicas\' peer\naddresses by replica id (none for rf 1); --managers lists every manager replica\'s client address\nby replica id; the shard count and the other shards\' addresses come from the managers\' map.',
      )
      .option('txn-mode', { choices: ['mako', '2pc'] as const, default: 'mako' as const, describe: "Mako's speculative 2PC, or 2PC with prepare and decision committed through the shard's log" })
      .option('repl-rtt-ms', { type: 'number', default: 0, describe: 'round trip added on Raft replication links only (geo-replication on one machine)' }),
    'shard',
    'clients and other shard leaders',
  )
    .check((a) => {
      if (!Number.isInteger(a['repl-rtt-ms']) || a['repl-rtt-ms'] < 0 || a['repl-rtt-ms'] > 10_000) throw new Error(`--repl-rtt-ms must be an integer from 0 to 10000, got ${a['repl-rtt-ms']}`);
      return true;
    })
    .strict()
    .help()
    .parseAsync();

  const { group: shard, replica, node, log, peers, managers } = serverReplicaIdentity(args);
  const api: Address = { host: args['listen-host'], port: args['api-port'] };

  // The shard count and every replica's address come from the managers' map.
  let map: PartitionMap;
  try {
    map = await registerOnce(managers, shard, formatAddress(api), { replica, log });
  } catch (err) {
    fail(`registering with the managers: ${(err as Error).message}`);
  }

  // Test only (the fuzz's mutation runs): MADKV_TXN_MISTAKE=<name> puts one classic mistake back.
  const mistakeName = process.env['MADKV_TXN_MISTAKE'] ?? '';
  let mistakes: MistakeSwitches | undefined;
  if (mistakeName !== '') {
    const known = MISTAKE_NAMES.find((m) => m === mistakeName);
    if (known === undefined) fail(`MADKV_TXN_MISTAKE must be one of ${MISTAKE_NAMES.join(', ')}, got '${mistakeName}'`);
    mistakes = withMistake(known);
    log(`TEST ONLY: running with the mistake ${known} switched on (MADKV_TXN_MISTAKE)`);
  }

  const started = Date.now();
  let server: TxnShardServer;
  try {
    server = await TxnShardServer.open({
      shard,
      replica,
      peers,
      listen: { host: args['listen-host'], port: args['p2p-port'] },
      backerPath: args['backer-path'],
      snapshotEvery: args['snapshot-every'],
      tickMs: args['tick-ms'],
      readMode: args['read-mode'],
      txnMode: args['txn-mode'],
      replRttMs: args['repl-rtt-ms'],
      ...(mistakes ? { mistakes } : {}),
      map,
      managers,
      log,
      onFatal: (err) => fail(`storage failed, stopping so a restart can recover from disk: ${err.message}`),
    });
  } catch (err) {
    fail((err as Error).message);
  }
  if (server.tookOverLockOf !== undefined) log(`took over the stale lock of pid ${server.tookOverLockOf} on ${args['backer-path']} (that process is gone)`);
  const st = server.group.status();
  log(
    `replica ${replica} of ${server.replicas} (peers ${describePeers(peers)}), ${args['txn-mode']} transactions, repl rtt ${args['repl-rtt-ms']} ms; recovered ${args['backer-path']} in ${Date.now() - started} ms: snapshot at ${st.snapshotIndex}, log to ${st.lastIndex}, term ${st.term}`,
  );

  let stopHeartbeat = (): void => undefined;
  await serveReplica({
    what: `server ${node}`,
    role: `server-${node}`,
    stage: args.stage,
    listen: api,
    handler: (body) => server.handle(body),
    group: server.group,
    tickMs: args['tick-ms'],
    log,
    onServing: (bound) => {
      stopHeartbeat = registerWithManager(managers, shard, formatAddress(bound), { replica, log });
    },
    stop: async () => {
      stopHeartbeat();
      await server.close();
    },
  });
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
