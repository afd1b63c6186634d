#!/usr/bin/env node
/**
 * Stage 3 server replica: replica R of partition P (server/replica-server.ts).
 *
 *   replica-server --part-id 0 --rep-id 0 --managers 127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668 \
 *     --api-port 3777 --p2p-port 3707 --peers 127.0.0.1:3708,127.0.0.1:3709 --backer-path ./backer.s0.0
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { fail } from '../common/process-exit';
import { registerWithManager } from '../cluster/manager-link';
import { describePeers } from '../replication/replica-launch';
import { serverReplicaIdentity, serverReplicaOptions } from '../replication/server-replica-cli';
import { ReplicaServer } from '../server/replica-server';
import { serveReplica } from '../replication/replica-process';
import { formatAddress } from '../wire/address';

async function main(): Promise<void> {
  const args = await serverReplicaOptions(
    yargs(hideBin(process.argv))
      .scriptName('replica-server')
      .usage(
        '$0 --part-id <P> --rep-id <R> --managers <host:port,...> --api-port <port> --p2p-port <port> --peers <host:port,...|none> --backer-path <dir>\n\nRuns replica R of partition P of a stage-3 cluster. --peers lists the partition\'s other replicas\' peer addresses by\nreplica id (none for rf 1); --managers lists every manager replica\'s client address by replica id.',
      ),
    'partition',
    'clients',
  )
    .strict()
    .help()
    .parseAsync();

  const { group: partition, replica, node, log, peers, managers } = serverReplicaIdentity(args);
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
