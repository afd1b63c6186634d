#!/usr/bin/env node
/**
 * Stage 3 server replica: replica R of partition P (server/replica-server.ts).
 *
 *   replica-server --part-id 0 --rep-id 0 --managers 127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668 \
 *     --api-port 3777 --p2p-port 3707 --peers 127.0.0.1:3708,127.0.0.1:3709 --backer-path ./backer.s0.0
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { makeLogger } from '../common/log';
import { fail } from '../common/process-exit';
import { registerWithManager } from '../cluster/manager-link';
import { countOption, portOption, replicaOptions } from '../replication/replica-cli-options';
import { describePeers, parsePeerList } from '../replication/replica-launch';
import { ReplicaServer } from '../server/replica-server';
import { serveReplica } from '../replication/replica-process';
import { type Address, AddressError, formatAddress, parseAddressList } from '../wire/address';

async function main(): Promise<void> {
  const args = await replicaOptions(
    yargs(hideBin(process.argv))
      .scriptName('replica-server')
      .usage(
        '$0 --part-id <P> --rep-id <R> --managers <host:port,...> --api-port <port> --p2p-port <port> --peers <host:port,...|none> --backer-path <dir>\n\nRuns replica R of partition P of a stage-3 cluster. --peers lists the partition\'s other replicas\' peer addresses by\nreplica id (none for rf 1); --managers lists every manager replica\'s client address by replica id.',
      )
      .option('part-id', { type: 'number', demandOption: true, describe: 'partition id' })
      .option('rep-id', { type: 'number', demandOption: true, describe: 'replica id within the partition (0..number of peers)' })
      .option('managers', { type: 'string', default: '127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668', describe: 'manager replicas\' client addresses, comma-separated, by replica id' })
      .option('api-port', { type: 'number', default: 3777, describe: 'port to serve clients on' })
      .option('snapshot-every', { type: 'number', default: 100_000, describe: 'snapshot the state and compact the log after this many commands' }),
  )
    .check((a) => {
      countOption(a['part-id'], '--part-id', 0, 'a partition id (0, 1, …)');
      countOption(a['rep-id'], '--rep-id', 0, 'a replica id (0, 1, …)');
      portOption(a['api-port'], '--api-port');
      countOption(a['snapshot-every'], '--snapshot-every', 1, 'a positive integer');
      return true;
    })
    .strict()
    .help()
    .parseAsync();

  const partition = args['part-id'];
  const replica = args['rep-id'];
  const node = `s${partition}.${replica}`;
  const log = makeLogger(`server ${node}[${process.pid}]`);
  const peers = parsePeerList(args.peers, replica);
  if (typeof peers === 'string') fail(`--peers: ${peers}`);
  let managers: Address[];
  try {
    managers = parseAddressList(args.managers);
  } catch (err) {
    if (err instanceof AddressError) fail(`--managers: ${err.message}`);
    throw err;
  }
  if (managers.length === 0) fail('--managers: give the manager replicas\' addresses');

  const started = Date.now();
  let server: ReplicaServer;
  try {
    server = await ReplicaServer.open({
      partition,
      replica,
      peers,
      listen: { host: args['listen-host'], port: args['p2p-port'] },
      backerPath: args['backer-path'],
      snapshotEvery: args['snapshot-every'],
      tickMs: args['tick-ms'],
      readMode: args['read-mode'],
      log,
      onFatal: (err) => fail(`storage failed, stopping so a restart can recover from disk: ${err.message}`),
    });
  } catch (err) {
    fail((err as Error).message);
  }
  if (server.tookOverLockOf !== undefined) log(`took over the stale lock of pid ${server.tookOverLockOf} on ${args['backer-path']} (that process is gone)`);
  const st = server.group.status();
  log(`replica ${replica} of ${server.replicas} (peers ${describePeers(peers)}); recovered ${args['backer-path']} in ${Date.now() - started} ms: snapshot at ${st.snapshotIndex}, log to ${st.lastIndex}, term ${st.term}`);

  let stopHeartbeat = (): void => undefined;
  await serveReplica({
    what: `server ${node}`,
    role: `server-${node}`,
    stage: args.stage,
    listen: { host: args['listen-host'], port: args['api-port'] },
    handler: (body) => server.handle(body),
    group: server.group,
    tickMs: args['tick-ms'],
    log,
    onServing: (bound) => {
      stopHeartbeat = registerWithManager(managers, partition, formatAddress(bound), { replica, onMap: (map) => server.takeMap(map), log });
    },
    stop: async () => {
      stopHeartbeat();
      await server.close();
    },
  });
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
