#!/usr/bin/env node
/** Stops the processes a stage registered in this checkout's pid directory (never by name): SIGTERM, then SIGKILL. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { liveProcesses, processStartTime } from '../common/pid-registry';
import { fail } from '../common/process-exit';

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('kill-nodes')
    .usage('$0 --stage p1 [--role server] [--signal KILL]\n\nStops the servers/managers this project started for a stage.')
    .option('stage', { type: 'string', demandOption: true, describe: 'stage: p1, p2, ...' })
    .option('role', { type: 'string', default: '', describe: 'only processes whose role starts with this (e.g. server-s1)' })
    .option('signal', { choices: ['TERM', 'KILL'] as const, default: 'TERM' as const, describe: 'TERM waits briefly, then KILLs; KILL at once' })
    .strict()
    .help()
    .parseAsync();

  const targets = liveProcesses(args.stage, undefined, args.role);
  if (targets.length === 0) {
    console.log(`no running ${args.stage} processes${args.role ? ` with role ${args.role}` : ''} started from this checkout`);
    return;
  }
  for (const t of targets) {
    process.kill(t.record.pid, args.signal === 'KILL' ? 'SIGKILL' : 'SIGTERM');
    console.log(`sent SIG${args.signal} to ${t.record.role} (pid ${t.record.pid})`);
  }
  const deadline = Date.now() + 3000;
  for (const t of targets) {
    while (processStartTime(t.record.pid) === t.record.startTime && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (processStartTime(t.record.pid) === t.record.startTime) {
      process.kill(t.record.pid, 'SIGKILL');
      console.log(`sent SIGKILL to ${t.record.role} (pid ${t.record.pid})`);
    }
  }
}

main().catch((err: unknown) => fail((err as Error).message));
