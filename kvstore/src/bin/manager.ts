#!/usr/bin/env node
/**
 * Stage 2 cluster manager: `manager --port 3666 --servers a,b,c`. Partition i is
 * the i-th server; servers register, clients ask for the map.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { makeLogger } from '../common/log';
import { registerProcess } from '../common/pid-registry';
import { exitOnSignals, fail } from '../common/process-exit';
import { ManagerConfigError, ManagerService } from '../cluster/manager-service';
import { type Address, AddressError, formatAddress, parseAddressList } from '../wire/address';
import { NODE_LISTEN_RETRY_MS, RpcServer } from '../wire/rpc-server';

const DEFAULT_SERVERS = '127.0.0.1:3777,127.0.0.1:3778,127.0.0.1:3779';

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('manager')
    .usage(
      '$0 --port <port> --servers <host:port,...> [--listen-host 0.0.0.0]\n\nRuns the stage-2 cluster manager: partition i is served by the i-th server of --servers (1 to 50);\nclients get the partition map once every server has registered.',
    )
    .option('port', { type: 'number', default: 3666, describe: 'port to listen on (0: any free port)' })
    .option('servers', { type: 'string', default: DEFAULT_SERVERS, describe: 'client-facing addresses of the servers, comma-separated, partition 0 first' })
    .option('listen-host', { type: 'string', default: '0.0.0.0', describe: 'interface to listen on' })
    .option('stage', { type: 'string', default: 'p2', describe: 'stage whose pid registry this manager joins (for `just pN::kill`)' })
    .strict()
    .help()
    .parseAsync();

  // Checked here rather than in yargs' .check(), so a mistake costs one line, not a usage screen.
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) fail('--port must be a port number (0..65535)');
  const log = makeLogger(`manager[${process.pid}]`);
  let service: ManagerService;
  try {
    const servers = parseAddressList(args.servers).map(formatAddress);
    service = new ManagerService(servers, log);
  } catch (err) {
    if (err instanceof AddressError || err instanceof ManagerConfigError) fail(`--servers: ${err.message}`);
    throw err;
  }
  const server = new RpcServer((body) => service.handle(body), { log });
  let bound: Address;
  try {
    bound = await server.listen({ host: args['listen-host'], port: args.port }, NODE_LISTEN_RETRY_MS);
  } catch (err) {
    fail((err as Error).message);
  }
  registerProcess(args.stage, 'manager');
  exitOnSignals(() => server.close());
  log(`partitions: ${service.map.servers.map((s, i) => `s${i}=${s}`).join(' ')}; waiting for ${service.partitionCount} server${service.partitionCount === 1 ? '' : 's'} to register`);
  process.stdout.write(`madkv manager listening on ${formatAddress(bound)}\n`);
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
