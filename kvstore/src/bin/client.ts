#!/usr/bin/env node
/**
 * The stdin/stdout client: `client --server 127.0.0.1:3777` (stage 1),
 * `client --manager 127.0.0.1:3666` (stage 2) or
 * `client --managers 127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668` (stage 3);
 * commands on stdin, answers on stdout.
 */
import { exitOnClosedStdout, exitWhenFlushed, fail } from '../common/process-exit';
import { type ClientTarget, connectClient } from '../client/connect';
import type { KvClient } from '../client/kv-client';
import { DEFAULT_RETRY_POLICY } from '../client/retry-policy';
import { DEFAULT_TXN_RETRY } from '../client/txn-retry';
import { makeLogger } from '../common/log';
import { runStdioClient } from '../stdio/stdio-client';
import { AddressError } from '../wire/address';

const DEFAULT_SERVER = '127.0.0.1:3777';

interface ClientArgs {
  server?: string | undefined;
  manager?: string | undefined;
  managers?: string | undefined;
  quiet: boolean;
  'txn-tries': number;
}

/**
 * The command lines the recipes and the runner use (`--server <addr>`, `--manager <addr>`,
 * `--managers <list>`, `--txn-tries <n>`, `--quiet`, each at most once) are read here; anything else (help, a
 * typo, `--server=<addr>`) goes to yargs, which is loaded only then: a client starts once per
 * benchmark client, and yargs costs a third of its start-up.
 */
export function parseCommonArgs(argv: readonly string[]): ClientArgs | undefined {
  const args: ClientArgs = { quiet: false, 'txn-tries': DEFAULT_TXN_RETRY.maxTries };
  let triesGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quiet' && !args.quiet) {
      args.quiet = true;
      continue;
    }
    if (a === '--txn-tries' && !triesGiven) {
      const n = argv[i + 1];
      // Anything but plain digits goes to yargs, whose check below names the bad value.
      if (n === undefined || !/^[0-9]+$/.test(n)) return undefined;
      args['txn-tries'] = Number(n);
      triesGiven = true;
      i++;
      continue;
    }
    const key = a === '--server' ? 'server' : a === '--manager' ? 'manager' : a === '--managers' ? 'managers' : undefined;
    const value = argv[i + 1];
    if (key === undefined || args[key] !== undefined || value === undefined || value.startsWith('-')) return undefined;
    args[key] = value;
    i++;
  }
  return args;
}

async function parseWithYargs(): Promise<ClientArgs> {
  const { default: yargs } = await import('yargs');
  const { hideBin } = await import('yargs/helpers');
  return yargs(hideBin(process.argv))
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
}

async function main(): Promise<void> {
  exitOnClosedStdout();
  const args = parseCommonArgs(process.argv.slice(2)) ?? (await parseWithYargs());
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

if (require.main === module) main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
