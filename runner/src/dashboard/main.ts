#!/usr/bin/env node
/**
 * `dashboard [target]`: the live web view of a cluster (`just p2::dashboard`,
 * `just p3::dashboard`). The target is a local cluster's folder (its faults can be injected
 * from the page) or, for stage 3, the managers' addresses `host:port,host:port,…` (watched
 * only). Serves on loopback unless --host says otherwise and prints the address.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DashboardServer } from './dashboard-server';
import { sourceFor } from './dashboard-target';

async function main(): Promise<void> {
  const a = await yargs(hideBin(process.argv))
    .scriptName('dashboard')
    .command('$0 [target]', "a live web view of a cluster: every node, each group's leader, throughput and latency, faults; buttons to inject faults into a local cluster", (y) =>
      y.positional('target', { type: 'string', describe: "a local cluster's folder, or (p3) the managers host:port,…" }),
    )
    .option('stage', { type: 'string', default: 'p3', choices: ['p2', 'p3'] })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to serve on (the default keeps the page, and its buttons, to this machine)' })
    .option('port', { type: 'number', default: 0, describe: 'port to serve on (0: any free one, printed)' })
    .option('every', { type: 'number', default: 250, describe: 'milliseconds between polls of the cluster' })
    .check((x) => {
      if (!Number.isInteger(x.port) || x.port < 0 || x.port > 65535) throw new Error('--port must be 0..65535');
      if (!Number.isInteger(x.every) || x.every < 50 || x.every > 60_000) throw new Error('--every must be 50..60000 ms');
      return true;
    })
    .strict()
    .help()
    .fail((msg, err) => {
      process.stderr.write(`error: ${err?.message ?? msg}\n`);
      process.exit(1);
    })
    .parseAsync();
  const target = typeof a.target === "string" ? a.target : `/tmp/madkv-${a.stage}/cluster`;
  const server = await DashboardServer.start(sourceFor(a.stage, target), { host: a.host, port: a.port, everyMs: a.every });
  console.log(`dashboard for ${target} at ${server.url}  (Ctrl-C stops it)`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
});
