#!/usr/bin/env node
/**
 * `service --node sX --manager <m> --servers <list> --backer-prefix <p>`: runs the
 * component a node id stands for (m or m.0: the manager; sX or sX.0: server X) through its p2
 * recipe, deriving the arguments by the template's convention (see
 * cluster/service-args.ts), then launching it as `runner service` does: in the
 * foreground, signals passed on, its exit code ours.
 */
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { fail } from '../common/process-exit';
import { repoRoot } from '../common/repo-paths';
import { serviceCommand } from '../cluster/service-args';
import { runService } from '../../../runner/src/service';

const STAGE = 'p2';

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('service')
    .usage(
      '$0 --node <m|sX> --manager <host:port> --servers <host:port,...> --backer-prefix <path>\n\nRuns node m (the manager) or sX (server X, on the port of the X-th address of --servers,\nstoring under <backer-prefix>.sX) through its p2 recipe. The template\'s m.0 and sX.0 name the same nodes.',
    )
    .option('node', { type: 'string', default: 's0', describe: 'm (or m.0) for the manager, sX (or sX.0) for server X' })
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

  process.exit(
    await runService({
      nodeId: args.node,
      managerJustArgs: cmd.recipe === 'manager' ? recipeArgs : [],
      serverJustArgs: cmd.recipe === 'server' ? recipeArgs : [],
    }),
  );
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
