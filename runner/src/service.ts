/**
 * `runner service`: launch one node of a cluster through its `just` recipe, chosen by node
 * id as the template does (`m…` the manager, `s…` a server; `none`, or recipe arguments
 * `none`, launches nothing). The runner waits for the node and exits with its status.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { justExecutable, repoRoot } from './paths';
import { debugStruct, heading } from './terminal';

export interface ServiceConfig {
  nodeId: string;
  serverJustArgs: string[];
  managerJustArgs: string[];
}

export function serviceRole(c: ServiceConfig): { role: 'manager' | 'server'; args: string[] } | { role: 'none' } | { error: string } {
  const id = c.nodeId;
  if (id.toLowerCase() === 'none') return { role: 'none' };
  if (id === '' || (!id.startsWith('s') && !id.startsWith('m'))) return { error: `invalid --node-id '${id}': expected m, m.X, sX, sX.Y or none` };
  const isManager = id.startsWith('m');
  const args = isManager ? c.managerJustArgs : c.serverJustArgs;
  if (args.length === 0) return { error: `node ${id} needs --${isManager ? 'manager' : 'server'}-just-args` };
  if (args[0]!.toLowerCase() === 'none') return { role: 'none' };
  return { role: isManager ? 'manager' : 'server', args };
}

export async function runService(c: ServiceConfig): Promise<number> {
  console.log(
    `${heading('Service launch configuration:')} ${debugStruct('Args', [
      ['node_id', c.nodeId],
      ['server_just_args', c.serverJustArgs],
      ['manager_just_args', c.managerJustArgs],
    ])}`,
  );
  const role = serviceRole(c);
  if ('error' in role) {
    console.error(`error: ${role.error}`);
    return 2;
  }
  if (role.role === 'none') {
    console.log(`  Nothing to launch on node ${c.nodeId}`);
    return 0;
  }
  console.log(heading(`Starting ${role.role} ${c.nodeId}...`));
  // Handlers first: a signal arriving between spawn and handler installation would end us
  // with the default action and leave the recipe's process group running.
  let child: ChildProcess | undefined;
  let signalled = 0;
  const forward = (signal: NodeJS.Signals): void => {
    if (child === undefined) process.exit(128 + signalNumber(signal));
    // A second signal means "now": kill the group outright.
    const sent = ++signalled > 1 ? 'SIGKILL' : signal;
    try {
      process.kill(-child.pid!, sent);
    } catch {
      child.kill(sent); // the group is gone already; the child itself may still be exiting
    }
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, forward);
  // Its own process group, so a signal reaches just, its shell and the node process alike.
  const launched = spawn(justExecutable(), role.args, { cwd: repoRoot(), stdio: 'inherit', detached: true });
  child = launched;
  console.log('  Launched...');
  return new Promise((resolve) => {
    launched.on('error', (err) => {
      console.error(`error: cannot run just: ${err.message}`);
      resolve(127);
    });
    launched.on('exit', (code, signal) => resolve(code ?? (signal !== null ? 128 + signalNumber(signal) : 1)));
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return table[signal] ?? 1;
}
