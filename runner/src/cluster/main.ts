#!/usr/bin/env node
/**
 * `cluster start|crash|restart|stop|status`: a local stage-2 cluster for the crash scenarios, one
 * command each. Every kill, stop and restart is journaled in `<dir>/faults.jsonl` for the fuzz log.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ClusterRunningError, LocalCluster } from './local-cluster';

const DEFAULT_DIR = '/tmp/madkv-p2/cluster';

function nodeId(n: string): string {
  return /^\d+$/.test(n) ? `s${n}` : n;
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('cluster')
    .usage('$0 <command>\n\nA local cluster (manager + servers on loopback, storage under --dir) running in the background.')
    .option('dir', { type: 'string', default: DEFAULT_DIR, describe: 'folder for storage, logs and the saved layout' })
    .command(
      'start',
      'start a fresh cluster (wipes --dir; refuses while a cluster runs there)',
      (y) =>
        y
          .option('servers', { type: 'number', default: 3, describe: 'number of partition servers (1..50)' })
          .option('man-port', { type: 'number', default: 3666 })
          .option('base-port', { type: 'number', default: 3777, describe: 'server i listens on base-port + i' })
          .option('host', { type: 'string', default: '127.0.0.1' })
          .option('stage', { type: 'string', default: 'p2' })
          .check((a) => {
            if (!Number.isInteger(a.servers) || a.servers < 1 || a.servers > 50) throw new Error('--servers must be 1..50');
            return true;
          }),
      async (a) => {
        let cluster: LocalCluster;
        try {
          cluster = await LocalCluster.start(
            { stage: a.stage, dir: a.dir, host: a.host, managerPort: a['man-port'], serverPorts: Array.from({ length: a.servers }, (_, i) => a['base-port'] + i) },
            { detached: true },
          );
        } catch (err) {
          if (err instanceof ClusterRunningError) throw new Error(`${err.message}: just p2::cluster-stop "${a.dir}"`);
          throw err;
        }
        console.log(`cluster up: manager ${cluster.managerAddress}, servers ${cluster.serverAddresses.join(',')}`);
        console.log(`storage and logs under ${a.dir}; clients: just p2::client ${cluster.managerAddress}`);
      },
    )
    .command(
      'crash <node>',
      'kill -9 a node (s1 or 1 for server 1, m for the manager)',
      (y) => y.positional('node', { type: 'string', demandOption: true }),
      async (a) => {
        const cluster = LocalCluster.load(a.dir, { detached: true });
        const node = nodeId(a.node);
        console.log((await cluster.kill(node, 'SIGKILL')) ? `${node} killed (SIGKILL)` : `${node} was not running`);
      },
    )
    .command(
      'restart <node>',
      'start a node again on its existing storage',
      (y) => y.positional('node', { type: 'string', demandOption: true }),
      async (a) => {
        const node = nodeId(a.node);
        await LocalCluster.load(a.dir, { detached: true }).restart(node);
        console.log(`${node} restarted`);
      },
    )
    .command(
      'stop',
      'stop every node of the cluster',
      () => undefined,
      async (a) => {
        await LocalCluster.load(a.dir, { detached: true }).stopAll();
        console.log('cluster stopped');
      },
    )
    .command(
      'status',
      'show which nodes run',
      () => undefined,
      (a) => {
        const cluster = LocalCluster.load(a.dir, { detached: true });
        for (const n of cluster.nodeIds) console.log(`${n.padEnd(4)} ${cluster.isRunning(n) ? `up (pid ${cluster.layout.processes[n]!.pid})` : 'down'}`);
      },
    )
    .demandCommand(1)
    .strict()
    .help()
    .fail((msg, err) => {
      process.stderr.write(`error: ${err?.message ?? msg}\n`);
      process.exit(1);
    })
    .parseAsync();
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
});
