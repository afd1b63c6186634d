#!/usr/bin/env node
/**
 * `service --node sX --manager <m> --servers <list> --backer-prefix <p>`: runs the
 * component a node id stands for (m: the manager; sX: server X) through its p2
 * recipe, deriving the arguments by the template's convention (see
 * cluster/service-args.ts). Stays in the foreground as the component's parent:
 * signals are passed on and its exit code is ours.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { fail } from '../common/process-exit';
import { serviceCommand } from '../cluster/service-args';

const STAGE = 'p2';

/** The repository root: the nearest folder above this file holding package.json. */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) fail(`cannot find the repository (no package.json above ${__dirname})`);
    dir = up;
  }
  return dir;
}

/** $JUST, else the npm-installed just, else whatever `just` is on PATH. */
function justCommand(root: string): string {
  if (process.env.JUST) return process.env.JUST;
  const local = path.join(root, 'node_modules', '.bin', 'just');
  return fs.existsSync(local) ? local : 'just';
}

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('service')
    .usage(
      '$0 --node <m|sX> --manager <host:port> --servers <host:port,...> --backer-prefix <path>\n\nRuns node m (the manager) or sX (server X, on the port of the X-th address of --servers,\nstoring under <backer-prefix>.sX) through its p2 recipe.',
    )
    .option('node', { type: 'string', default: 's0', describe: 'm for the manager, sX for server X' })
    .option('manager', { type: 'string', default: '127.0.0.1:3666', describe: 'manager address (the manager listens on its port)' })
    .option('servers', { type: 'string', default: '127.0.0.1:3777,127.0.0.1:3778,127.0.0.1:3779', describe: 'server addresses, comma-separated, partition 0 first' })
    .option('backer-prefix', { type: 'string', default: './backer', describe: 'server X stores under <backer-prefix>.sX' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print the command and exit' })
    .strict()
    .help()
    .parseAsync();

  const root = repoRoot();
  // Recipes run in the repository root; a relative prefix given from elsewhere keeps meaning the caller's folder.
  const prefix = path.isAbsolute(args['backer-prefix']) || path.resolve(process.cwd()) === root ? args['backer-prefix'] : path.resolve(args['backer-prefix']);
  const cmd = serviceCommand(args.node, args.manager, args.servers, prefix);
  if (typeof cmd === 'string') fail(cmd);
  const recipeArgs = [`${STAGE}::${cmd.recipe}`, ...cmd.args];
  process.stdout.write(`madkv service ${args.node}: just ${recipeArgs.join(' ')}\n`);
  if (args['dry-run']) return;

  // Its own process group, so a signal reaches just, its shell and the node process alike.
  const child = spawn(justCommand(root), recipeArgs, { cwd: root, stdio: 'inherit', detached: true });
  let signalled = 0;
  const forward = (signal: NodeJS.Signals): void => {
    // A second signal means "now": kill the group outright.
    const sent = ++signalled > 1 ? 'SIGKILL' : signal;
    try {
      process.kill(-child.pid!, sent);
    } catch {
      child.kill(sent); // the group is gone already; the child itself may still be exiting
    }
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  child.once('error', (err) => fail(`cannot run ${justCommand(root)}: ${err.message}`));
  child.once('exit', (code, signal) => {
    process.exit(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
  });
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
