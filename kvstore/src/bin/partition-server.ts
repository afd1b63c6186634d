#!/usr/bin/env node
/**
 * Stage 2 server: one durable partition.
 * `partition-server --id 0 --manager 127.0.0.1:3666 --api-port 3777 --backer-path ./backer.s0`
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { makeLogger } from '../common/log';
import { registerProcess } from '../common/pid-registry';
import { exitOnSignals, fail } from '../common/process-exit';
import { registerWithManager } from '../cluster/manager-link';
import { PartitionServer } from '../server/partition-server';
import { formatAddress, parseAddress } from '../wire/address';
import { NODE_LISTEN_RETRY_MS, RpcServer } from '../wire/rpc-server';

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('partition-server')
    .usage('$0 --id <n> --manager <host:port> --api-port <port> --backer-path <dir>\n\nRuns one durable partition server of a stage-2 cluster.')
    .option('id', { type: 'number', demandOption: true, describe: 'partition id (its index in the manager\'s server list)' })
    .option('manager', { type: 'string', default: '127.0.0.1:3666', describe: 'manager address' })
    .option('api-port', { type: 'number', default: 3777, describe: 'port to serve clients on' })
    .option('listen-host', { type: 'string', default: '0.0.0.0', describe: 'interface to serve clients on' })
    .option('backer-path', { type: 'string', demandOption: true, describe: 'folder holding this server\'s durable state' })
    .option('snapshot-every', { type: 'number', default: 200_000, describe: 'snapshot the state and compact the log after this many writes' })
    .option('stage', { type: 'string', default: 'p2', describe: 'stage whose pid registry this server joins (for `just pN::kill`)' })
    .check((a) => {
      if (!Number.isInteger(a.id) || a.id < 0) throw new Error('--id must be a partition number (0, 1, …)');
      if (!Number.isInteger(a['api-port']) || a['api-port'] < 0 || a['api-port'] > 65535) throw new Error('--api-port must be 0..65535');
      if (!Number.isInteger(a['snapshot-every']) || a['snapshot-every'] < 1) throw new Error('--snapshot-every must be a positive integer');
      return true;
    })
    .strict()
    .help()
    .parseAsync();

  const node = `s${args.id}`;
  const log = makeLogger(`server ${node}[${process.pid}]`);
  const manager = parseAddress(args.manager);
  const started = Date.now();
  let server: PartitionServer;
  try {
    server = await PartitionServer.open({
      partition: args.id,
      backerPath: args['backer-path'],
      snapshotEvery: args['snapshot-every'],
      onFatal: (err) => fail(`storage failed, stopping so a restart can recover from disk: ${err.message}`),
    });
  } catch (err) {
    fail((err as Error).message);
  }
  if (server.tookOverLockOf !== undefined) log(`took over the stale lock of pid ${server.tookOverLockOf} on ${args['backer-path']} (that process is gone)`);
  const r = server.group.recovery;
  log(`recovered ${args['backer-path']} in ${Date.now() - started} ms: snapshot at ${r.snapshotIndex}, ${r.replayed} log records replayed${r.tornTailBytes ? `, torn tail of ${r.tornTailBytes} bytes cut off` : ''}`);

  const rpc = new RpcServer((body) => server.handle(body), { log });
  let bound;
  try {
    bound = await rpc.listen({ host: args['listen-host'], port: args['api-port'] }, NODE_LISTEN_RETRY_MS);
  } catch (err) {
    fail((err as Error).message);
  }
  registerProcess(args.stage, `server-${node}`);
  const stopHeartbeat = registerWithManager(manager, args.id, formatAddress(bound), {
    onMap: (map) => server.setPartitionCount(map.servers.length),
    log,
  });
  exitOnSignals(async () => {
    const st = server.group.logStats;
    log(`stopping; log since start: ${st.records} records in ${st.batches} fsync'd batches (${(st.records / Math.max(1, st.batches)).toFixed(1)} records a batch, ${(st.appendSyncMillis / Math.max(1, st.batches)).toFixed(2)} ms a sync)`);
    stopHeartbeat();
    await rpc.close();
    await server.close();
  });
  process.stdout.write(`madkv server ${node} listening on ${formatAddress(bound)}\n`);
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
