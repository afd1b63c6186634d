/**
 * `runner service`: launch one node of a cluster through its `just` recipe, chosen by node
 * id as the template does (`m…` the manager, `s…` a server; `none`, or recipe arguments
 * `none`, launches nothing). The runner waits for the node and exits with its status.
 */
import { launchRecipe } from '../../kvstore/src/common/launch-recipe';
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
  return launchRecipe(role.args, () => console.log('  Launched...'));
}
