#!/usr/bin/env node
/** The stdin/stdout client: `client --server 127.0.0.1:3777`, commands on stdin, answers on stdout. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitOnClosedStdout, fail } from '../common/process-exit';
import { SingleServerClient } from '../client/single-server-client';
import { DEFAULT_RETRY_POLICY } from '../client/retry-policy';
import { makeLogger } from '../common/log';
import { runStdioClient } from '../stdio/stdio-client';
import { AddressError, parseAddress } from '../wire/address';

async function main(): Promise<void> {
  exitOnClosedStdout();
  const args = await yargs(hideBin(process.argv))
    .scriptName('client')
    .usage(
      '$0 --server <host:port>\n\nReads one command a line from stdin (PUT k v | SWAP k v | GET k | DELETE k | SCAN a b | STOP)\nand prints one answer per command on stdout.',
    )
    .option('server', { type: 'string', default: '127.0.0.1:3777', describe: 'server address' })
    .option('quiet', { type: 'boolean', default: false, describe: 'do not report retries on stderr' })
    .strict()
    .help()
    .parseAsync();

  let server;
  try {
    server = parseAddress(args.server);
  } catch (err) {
    fail(err instanceof AddressError ? err.message : String(err));
  }
  const log = makeLogger('client');
  const client = new SingleServerClient(server, {
    ...DEFAULT_RETRY_POLICY,
    onRetry: (attempt, reason) => {
      // The first failure and then every tenth, so a long outage does not flood stderr.
      if (!args.quiet && (attempt === 1 || attempt % 10 === 0)) log(`retrying (attempt ${attempt}): ${reason}`);
    },
  });
  await runStdioClient(client, process.stdin, process.stdout);
  client.close();
  process.exit(0);
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
