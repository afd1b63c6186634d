#!/usr/bin/env node
/**
 * The stdin/stdout client: `client --server 127.0.0.1:3777` (stage 1),
 * `client --manager 127.0.0.1:3666` (stage 2) or
 * `client --managers 127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668` (stage 3);
 * commands on stdin, answers on stdout.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitOnClosedStdout, exitWhenFlushed, fail } from '../common/process-exit';
import { type ClientTarget, connectClient } from '../client/connect';
import type { KvClient } from '../client/kv-client';
import { DEFAULT_RETRY_POLICY } from '../client/retry-policy';
import { DEFAULT_TXN_RETRY } from '../client/txn-retry';
import { makeLogger } from '../common/log';
import { runStdioClient } from '../stdio/stdio-client';
import { AddressError } from '../wire/address';

const DEFAULT_SERVER = '127.0.0.1:3777';

async function main(): Promise<void> {
  exitOnClosedStdout();
  const args = await yargs(hideBin(process.argv))
    .scriptName('client')
    .usage(
      '$0 [--server <host:port> | --manager <host:port> | --managers <host:port,...>]\n\nReads one command a line from stdin (PUT k v | SWAP k v | GET k | DELETE k | SCAN a b | STOP;\nstage 4 adds INCR k delta | APPEND k elem | TXN n followed by n lines) and prints one answer\nper command on stdout.',
    )
    .option('server', { type: 'string', describe: `server address (stage 1; ${DEFAULT_SERVER} when no other target is given)` })
    .option('manager', { type: 'string', describe: 'manager address (stage 2): ask it for the partition map, then talk to the servers' })
    .option('managers', { type: 'string', describe: "manager replicas' addresses by replica id (stage 3): find their leader, get the map, then talk to each partition's leader" })
    .option('txn-tries', {
      type: 'number',
      default: DEFAULT_TXN_RETRY.maxTries,
      describe: 'runs of an aborted transaction at most (1: never rerun); then TXN ABORTED <reason>',
    })
    .option('quiet', { type: 'boolean', default: false, describe: 'do not report retries on stderr' })
    .strict()
    .help()
    .parseAsync();

  const given = (['server', 'manager', 'managers'] as const).filter((k) => args[k] !== undefined);
  if (given.length > 1) fail(`give one of --server, --manager or --managers, not ${given.map((k) => `--${k}`).join(' and ')}`);
  const target: ClientTarget =
    args.managers !== undefined ? { managers: args.managers } : args.manager !== undefined ? { manager: args.manager } : { server: args.server ?? DEFAULT_SERVER };
  const tries = args['txn-tries'];
  if (!Number.isSafeInteger(tries) || tries < 1) fail(`--txn-tries must be a positive integer, got ${tries}`);
  const log = makeLogger('client');
  let client: KvClient;
  try {
    client = connectClient(target, {
      ...DEFAULT_RETRY_POLICY,
      txn: {
        ...DEFAULT_TXN_RETRY,
        maxTries: tries,
        onAbort: (run, reason) => {
          if (!args.quiet && (run === 1 || run % 10 === 0)) log(`transaction aborted (${reason}), running it again (run ${run + 1} of at most ${tries})`);
        },
      },
      onRetry: (attempt, reason) => {
        // The first failure and then every tenth, so a long outage does not flood stderr.
        if (!args.quiet && (attempt === 1 || attempt % 10 === 0)) log(`retrying (attempt ${attempt}): ${reason}`);
      },
    });
  } catch (err) {
    fail(err instanceof AddressError ? err.message : String(err));
  }
  await runStdioClient(client, process.stdin, process.stdout);
  client.close();
  await exitWhenFlushed(0);
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
