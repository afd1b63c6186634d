#!/usr/bin/env node
/** Stage 1 key-value server: `server --listen 0.0.0.0:3777`. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { makeLogger } from '../common/log';
import { registerProcess } from '../common/pid-registry';
import { exitOnSignals, fail } from '../common/process-exit';
import { AddressError, formatAddress, parseAddress } from '../wire/address';
import { NODE_LISTEN_RETRY_MS, RpcServer } from '../wire/rpc-server';
import { KvService } from '../server/kv-service';

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('server')
    .usage('$0 --listen <host:port>\n\nRuns the stage-1 key-value server (in-memory ordered map).')
    .option('listen', { type: 'string', default: '0.0.0.0:3777', describe: 'address to listen on for clients (port 0: any free port)' })
    .option('stage', { type: 'string', default: 'p1', describe: 'stage whose pid registry this server joins (for `just pN::kill`)' })
    .option('fault-stale-read-rate', {
      type: 'number',
      default: 0,
      describe: 'fault injection: fraction of GETs served from a stale copy (to see the fuzz checker fail)',
    })
    .check((a) => {
      if (!(a['fault-stale-read-rate'] >= 0 && a['fault-stale-read-rate'] <= 1)) throw new Error('--fault-stale-read-rate must be within [0, 1]');
      return true;
    })
    .strict()
    .help()
    .parseAsync();

  const log = makeLogger(`server[${process.pid}]`);
  const service = new KvService({ staleReadRate: args['fault-stale-read-rate'] });
  const server = new RpcServer((body) => service.handle(body), { log });
  let bound;
  try {
    bound = await server.listen(parseAddress(args.listen), NODE_LISTEN_RETRY_MS);
  } catch (err) {
    fail(err instanceof AddressError ? err.message : (err as Error).message);
  }
  registerProcess(args.stage, 'server');
  exitOnSignals(() => server.close());
  if (args['fault-stale-read-rate'] > 0) log(`FAULT INJECTION: ${args['fault-stale-read-rate'] * 100}% of GETs read a stale copy`);
  process.stdout.write(`madkv server listening on ${formatAddress(bound)}\n`);
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
