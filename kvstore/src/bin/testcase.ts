#!/usr/bin/env node
/** Runs one demonstration testcase against a running store and exits non-zero if it saw anything wrong. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SingleServerClient } from '../client/single-server-client';
import { exitOnClosedStdout, exitWhenFlushed, fail } from '../common/process-exit';
import { CaseLog } from '../testcases/case-runner';
import { P1_TESTCASES } from '../testcases/p1-cases';
import { parseAddress } from '../wire/address';

async function main(): Promise<void> {
  exitOnClosedStdout();
  const args = await yargs(hideBin(process.argv))
    .scriptName('testcase')
    .usage('$0 --num <1-5> --server <host:port>')
    .option('stage', { choices: ['p1'] as const, default: 'p1' as const })
    .option('num', { type: 'number', demandOption: true, describe: 'testcase number' })
    .option('server', { type: 'string', default: '127.0.0.1:3777' })
    .check((a) => {
      if (!Number.isInteger(a.num) || a.num < 1 || a.num > P1_TESTCASES.length) throw new Error(`--num must be 1..${P1_TESTCASES.length}`);
      return true;
    })
    .strict()
    .help()
    .parseAsync();
  const address = parseAddress(args.server);
  const tc = P1_TESTCASES[args.num - 1]!;
  const log = new CaseLog();
  log.say(`testcase ${args.num}: ${tc.title}  (server ${args.server})`);
  await tc.run(() => new SingleServerClient(address), log);
  const verdict = log.failures === 0 ? 'PASSED' : 'FAILED';
  log.say(`testcase ${args.num}: ${verdict}  (${log.steps - log.failures}/${log.steps} checks ok)`);
  await exitWhenFlushed(log.failures === 0 ? 0 : 1);
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
