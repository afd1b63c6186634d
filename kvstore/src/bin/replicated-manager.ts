#!/usr/bin/env node
/**
 * Stage 3 manager replica: one replica of the manager group (cluster/replicated-manager.ts).
 *
 *   replicated-manager --rep-id 0 --port 3666 --p2p-port 3606 --peers 127.0.0.1:3607,127.0.0.1:3608 \
 *     --server-rf 3 --servers <6 addresses> --backer-path ./backer.m.0
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { makeLogger } from '../common/log';
import { fail } from '../common/process-exit';
import { type ClusterConfig, type ManagerCommand, type ManagerResult, ManagerStateMachine, describeConfig, managerCommandCodec, validateConfig } from '../cluster/manager-state';
import { type ManagerGroup, ReplicatedManager } from '../cluster/replicated-manager';
import { describePeers, openReplicaGroup, parsePeerList, stepDownAndClose } from '../replication/replica-launch';
import { serveReplica } from '../replication/replica-process';
import { AddressError, formatAddress, parseAddressList } from '../wire/address';
import { countOption, portOption, replicaOptions } from '../replication/replica-cli-options';

async function main(): Promise<void> {
  const args = await replicaOptions(
    yargs(hideBin(process.argv))
      .scriptName('replicated-manager')
      .usage(
        '$0 --rep-id <X> --port <man_port> --p2p-port <port> --peers <host:port,...|none> --server-rf <rf> --servers <host:port,...> --backer-path <dir>\n\nRuns replica X of the stage-3 manager group. --peers lists the other manager replicas\' peer addresses by replica id\n(none for a group of one); --servers lists every server replica\'s client address, partition-major (P*rf+R).',
      )
      .option('rep-id', { type: 'number', demandOption: true, describe: 'this replica\'s id (0..number of peers)' })
      .option('port', { type: 'number', default: 3666, describe: 'port to serve clients and servers on' })
      .option('server-rf', { type: 'number', default: 3, describe: 'replicas per partition (1, 3, 5, 7 or 9)' })
      .option('servers', { type: 'string', demandOption: true, describe: 'every server replica\'s client address, comma-separated, partition-major' })
      .option('snapshot-every', { type: 'number', default: 1000, describe: 'snapshot the state and compact the log after this many commands' }),
  )
    .check((a) => {
      portOption(a.port, '--port');
      countOption(a['rep-id'], '--rep-id', 0, 'a replica id (0, 1, …)');
      countOption(a['snapshot-every'], '--snapshot-every', 1, 'a positive integer');
      return true;
    })
    .strict()
    .help()
    .parseAsync();

  const replica = args['rep-id'];
  const node = `m.${replica}`;
  const log = makeLogger(`manager ${node}[${process.pid}]`);
  const peers = parsePeerList(args.peers, replica);
  if (typeof peers === 'string') fail(`--peers: ${peers}`);
  let config: ClusterConfig;
  try {
    config = { servers: parseAddressList(args.servers).map(formatAddress), rf: args['server-rf'] };
  } catch (err) {
    if (err instanceof AddressError) fail(`--servers: ${err.message}`);
    throw err;
  }
  const invalid = validateConfig(config);
  if (invalid !== undefined) fail(`--servers/--server-rf: ${invalid}`);
  const replicas = peers.size + 1;
  const dir = args['backer-path'];

  const sm = new ManagerStateMachine();
  let group: ManagerGroup;
  try {
    group = await openReplicaGroup<ManagerCommand, ManagerResult, ManagerStateMachine>(dir, sm, managerCommandCodec, {
      replica,
      peers,
      listen: { host: args['listen-host'], port: args['p2p-port'] },
      tickMs: args['tick-ms'],
      readMode: args['read-mode'],
      snapshotEvery: args['snapshot-every'],
      log,
      onFatal: (err) => fail(`storage failed, stopping so a restart can recover from disk: ${err.message}`),
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const manager = new ReplicatedManager(group, sm, { replica, replicas, config, dir, log });
  log(`replica ${replica} of ${replicas} (peers ${describePeers(peers)}); cluster ${describeConfig(config)}; storage ${dir}`);
  await serveReplica({
    what: `manager ${node}`,
    role: `manager-${node}`,
    stage: args.stage,
    listen: { host: args['listen-host'], port: args.port },
    handler: (body) => manager.handle(body),
    group,
    tickMs: args['tick-ms'],
    log,
    onServing: () => manager.start(),
    stop: async () => {
      manager.stop();
      await stepDownAndClose(group, replicas, log);
    },
  });
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
