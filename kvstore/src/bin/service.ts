#!/usr/bin/env node
/**
 * `service --node <id> …`: runs the component a node id stands for through its stage's
 * recipe, deriving the arguments by the template's convention (cluster/service-args.ts),
 * then launching it in the foreground (common/launch-recipe.ts): signals passed on, its
 * exit code ours.
 *
 *   p2: service --node m|sX --manager <m> --servers <list> --backer-prefix <p>
 *   p3: service --stage p3 --node m.X|sP.R --managers <list> --manager-p2ps <list>
 *               --server-rf <rf> --servers <list> --server-p2ps <list> --backer-prefix <p>
 *   p4: as p3 with --stage p4 [--txn-mode mako|2pc] [--repl-rtt-ms <ms>], which reach the
 *       server replicas (transactional shards) only
 */
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { fail } from '../common/process-exit';
import { repoRoot } from '../common/repo-paths';
import { type ServiceCommand, p3ServiceCommand, serviceCommand } from '../cluster/service-args';
import { launchRecipe } from '../common/launch-recipe';

/** The recipes' defaults, per stage, for the flags whose default depends on it. */
const DEFAULTS = {
  p2: { node: 's0', servers: '127.0.0.1:3777,127.0.0.1:3778,127.0.0.1:3779' },
  p3: {
    node: 's0.0',
    managers: '127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668',
    managerP2ps: '127.0.0.1:3606,127.0.0.1:3607,127.0.0.1:3608',
    servers: '127.0.0.1:3777,127.0.0.1:3778,127.0.0.1:3779,127.0.0.1:3780,127.0.0.1:3781,127.0.0.1:3782',
    serverP2ps: '127.0.0.1:3707,127.0.0.1:3708,127.0.0.1:3709,127.0.0.1:3710,127.0.0.1:3711,127.0.0.1:3712',
  },
};

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('service')
    .usage(
      [
        '$0 [--stage p2] --node <m|sX> --manager <host:port> --servers <host:port,...> --backer-prefix <path>',
        '$0 --stage p3 --node <m.X|sP.R> --managers <list> --manager-p2ps <list> --server-rf <rf> --servers <list> --server-p2ps <list> --backer-prefix <path>',
        '$0 --stage p4 … (as p3) [--txn-mode mako|2pc] [--repl-rtt-ms <ms>]',
        '',
        'Runs one node through its stage recipe. p2: m is the manager, sX server X on the port of the X-th address of --servers.',
        'p3: m.X is manager replica X (ports from --managers and --manager-p2ps at X), sP.R replica R of partition P (ports from',
        '--servers and --server-p2ps at P*rf+R); m means m.0 and sP means sP.0. Storage: <backer-prefix>.<node>.',
      ].join('\n'),
    )
    .option('stage', { choices: ['p2', 'p3', 'p4'] as const, default: 'p2' as const, describe: 'the stage whose convention and recipes to use (p4: p3\'s, the servers being transactional shards)' })
    .option('node', { type: 'string', describe: 'p2: m or sX (m.0, sX.0 alike); p3: m.X or sP.R (default s0, p3: s0.0)' })
    .option('manager', { type: 'string', default: '127.0.0.1:3666', describe: 'p2: manager address (the manager listens on its port)' })
    .option('managers', { type: 'string', describe: 'p3: manager replicas\' client addresses, by replica id' })
    .option('manager-p2ps', { type: 'string', describe: 'p3: manager replicas\' peer addresses, by replica id' })
    .option('server-rf', { type: 'string', default: '3', describe: 'p3: replicas per partition (1, 3, 5, 7 or 9)' })
    .option('servers', { type: 'string', describe: 'server client addresses, comma-separated; p3: partition-major (index P*rf+R)' })
    .option('server-p2ps', { type: 'string', describe: 'p3: server replicas\' peer addresses, indexed like --servers' })
    .option('backer-prefix', { type: 'string', default: './backer', describe: 'node N stores under <backer-prefix>.N' })
    .option('txn-mode', { choices: ['mako', '2pc'] as const, default: 'mako' as const, describe: 'p4: how the shards run transactions' })
    .option('repl-rtt-ms', { type: 'string', default: '0', describe: 'p4: round trip added on the shards\' replication links' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print the command and exit' })
    .strict()
    .help()
    .parseAsync();

  const root = repoRoot();
  // Recipes run in the repository root; a relative prefix given from elsewhere keeps meaning the caller's folder.
  const prefix = path.isAbsolute(args['backer-prefix']) || path.resolve(process.cwd()) === root ? args['backer-prefix'] : path.resolve(args['backer-prefix']);
  const stage = args.stage;
  const node = args.node ?? (stage === 'p2' ? DEFAULTS.p2.node : DEFAULTS.p3.node);
  let cmd: ServiceCommand | string;
  if (stage === 'p2') {
    for (const p3only of ['managers', 'manager-p2ps', 'server-p2ps'] as const) if (args[p3only] !== undefined) fail(`--${p3only} is a p3 flag: add --stage p3`);
    cmd = serviceCommand(node, args.manager, args.servers ?? DEFAULTS.p2.servers, prefix);
  } else {
    cmd = p3ServiceCommand(node, {
      managers: args.managers ?? DEFAULTS.p3.managers,
      managerP2ps: args['manager-p2ps'] ?? DEFAULTS.p3.managerP2ps,
      serverRf: args['server-rf'],
      servers: args.servers ?? DEFAULTS.p3.servers,
      serverP2ps: args['server-p2ps'] ?? DEFAULTS.p3.serverP2ps,
      backerPrefix: prefix,
    });
  }
  if (typeof cmd === 'string') fail(cmd);
  if (stage === 'p4' && cmd.recipe === 'server') {
    const rtt = args['repl-rtt-ms'];
    if (!/^(0|[1-9][0-9]{0,4})$/.test(rtt) || Number(rtt) > 10_000) fail(`repl_rtt_ms must be an integer from 0 to 10000, got '${rtt}'`);
    cmd = { ...cmd, args: [...cmd.args, args['txn-mode'], rtt] };
  }
  const recipeArgs = [`${stage}::${cmd.recipe}`, ...cmd.args];
  process.stdout.write(`madkv service ${node}: just ${recipeArgs.join(' ')}\n`);
  if (args['dry-run']) return;
  process.exit(await launchRecipe(recipeArgs, () => process.stdout.write(`madkv service ${node}: launched\n`)));
}

main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
