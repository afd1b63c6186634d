#!/usr/bin/env node
/**
 * `cluster <command>`: a local cluster running in the background, one command each, for the
 * `p2::`, `p3::` and `p4::` cluster recipes. `start` makes a stage-2 cluster (manager + servers),
 * `start-replicated` a stage-3 one (manager replicas, server replicas, link proxy), or with
 * `--txn-mode` a stage-4 one (the server replicas transactional shards); the other
 * commands act on whichever runs in `--dir`. Every kill, stop, pause, resume, restart, cut,
 * delay and heal is journaled in `<dir>/faults.jsonl` for the fuzz log.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { formatProxyRow, formatStatusRows, groupLeader } from './cluster-status';
import { type LinkDirection, ClusterRunningError, LocalCluster, compareNodeIds, describeLinks } from './local-cluster';
import type { TxnClusterOptions } from './layout';
import type { LinkRef } from './link-proxy';
import { checkShape, portsFromBase } from './p3-layout';

const DEFAULT_DIR = '/tmp/madkv-p2/cluster';

function load(dir: string): LocalCluster {
  return LocalCluster.load(dir, { detached: true });
}

/** p2 accepts `1` for `s1`; p3 ids are taken as written. */
function nodeId(cluster: LocalCluster, n: string): string {
  const id = cluster.kind === 'p2' && /^\d+$/.test(n) ? `s${n}` : n;
  cluster.checkNode(id);
  return id;
}

function direction(d: string | undefined): LinkDirection {
  if (d === undefined || d === 'both') return 'both';
  if (d === 'one') return 'one';
  throw new Error(`the direction is both or one, got '${d}'`);
}

/** The links `a b` names: b may be `all` (every other replica of a's group). */
function namedLinks(cluster: LocalCluster, a: string, b: string, dir: LinkDirection): LinkRef[] {
  const from = nodeId(cluster, a);
  if (b === 'all') return cluster.linksOf(from, dir === 'one' ? 'out' : 'both');
  return cluster.linksBetween(from, nodeId(cluster, b), dir);
}

function words(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter((w) => w !== '');
}

async function printStatus(cluster: LocalCluster): Promise<void> {
  if (cluster.kind === 'p2') {
    for (const n of cluster.nodeIds) console.log(`${n.padEnd(4)} ${cluster.isRunning(n) ? `up (pid ${cluster.pidOf(n)})` : 'down'}`);
    return;
  }
  const answers = await cluster.answers();
  const rows = cluster.nodeIds
    .filter((n) => n !== 'proxy')
    .sort(compareNodeIds)
    .map((node) => ({ node, address: cluster.clientAddress(node), pid: cluster.pidOf(node), answer: answers.get(node)!, group: cluster.groupOf(node).group }));
  for (const line of formatStatusRows(rows)) console.log(line);
  if (cluster.hasProxy) {
    let links;
    if (!cluster.isRunning('proxy')) links = 'down';
    else {
      try {
        links = await cluster.linkStatus();
      } catch (err) {
        links = `not answering (${(err as Error).message})`;
      }
    }
    console.log(formatProxyRow(cluster.clientAddress('proxy'), cluster.pidOf('proxy'), links));
  }
  const txn = cluster.txn;
  if (txn !== undefined) console.log(`stage 4: shards run ${txn.mode === 'mako' ? "Mako's speculative 2PC" : '2PC over Raft'}${txn.replRttMs > 0 ? `, replication RTT +${txn.replRttMs} ms` : ''}`);
  console.log(`leaders: ${cluster.groups.map((g) => `${groupName(cluster, g.id)} ${groupLeader(g, answers) ?? 'none'}`).join(', ')}`);
}

function isTxnMode(m: string): m is TxnClusterOptions['mode'] {
  return m === 'mako' || m === '2pc';
}

/** How a group is named in messages: the managers, a partition, or a stage-4 shard. */
function groupName(cluster: LocalCluster, id: string): string {
  if (id === 'm') return 'managers';
  return `${cluster.txn === undefined ? 'partition' : 'shard'} ${id}`;
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('cluster')
    .usage('$0 <command>\n\nA local cluster (every node on loopback, storage and logs under --dir) running in the background.')
    .option('dir', { type: 'string', default: DEFAULT_DIR, describe: 'folder for storage, logs and the saved layout' })
    .command(
      'start',
      'start a fresh stage-2 cluster (wipes --dir; refuses while a cluster runs there)',
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
      'start-replicated',
      'start a fresh stage-3 cluster (with --txn-mode: stage 4): manager replicas m.X, server replicas sP.R, a link proxy (wipes --dir; refuses while a cluster runs there)',
      (y) =>
        y
          .option('managers', { type: 'number', default: 3, describe: 'manager replicas (1, 3, 5, 7 or 9)' })
          .option('partitions', { type: 'number', default: 2, describe: 'partitions (1..50)' })
          .option('rf', { type: 'number', default: 3, describe: 'replicas per partition (1, 3, 5, 7 or 9)' })
          .option('base-port', { type: 'number', default: 3666, describe: 'm.X on base+X (peers base-60+X), sP.R on base+111+k (peers base+41+k, k = P·rf+R), proxy from base+1000' })
          .option('host', { type: 'string', default: '127.0.0.1' })
          .option('stage', { type: 'string', default: 'p3', describe: 'pid registry the nodes join (for `just p3::kill`)' })
          .option('proxy', { type: 'string', default: 'yes', describe: 'yes: every peer link through the link proxy; no: nodes dial each other directly (links cannot be cut or delayed)' })
          .option('manager-args', { type: 'string', describe: 'extra arguments for every manager replica (one string)' })
          .option('server-args', { type: 'string', describe: 'extra arguments for every server replica (one string)' })
          .option('manager-program', { type: 'string', describe: 'run this program (path from the repository root) as the manager replicas instead of the store\'s' })
          .option('server-program', { type: 'string', describe: 'run this program as the server replicas instead of the store\'s' })
          .option('leader-wait', { type: 'number', default: 30, describe: 'seconds to wait for every group to elect a leader' })
          .option('txn-mode', { type: 'string', describe: 'stage 4 (mako or 2pc): the server replicas are transactional shards running Mako\'s speculative 2PC or the 2PC-over-Raft baseline' })
          .option('repl-rtt-ms', { type: 'number', default: 0, describe: 'stage 4: round trip added on the shards\' replication links (0..10000)' })
          .check((a) => {
            if (!Number.isInteger(a['repl-rtt-ms']) || a['repl-rtt-ms'] < 0 || a['repl-rtt-ms'] > 10_000) throw new Error(`--repl-rtt-ms must be an integer from 0 to 10000, got ${a['repl-rtt-ms']}`);
            if (a['txn-mode'] !== undefined && !isTxnMode(a['txn-mode'])) throw new Error(`--txn-mode must be mako or 2pc, got '${a['txn-mode']}'`);
            if (a['repl-rtt-ms'] > 0 && a['txn-mode'] === undefined) throw new Error('--repl-rtt-ms applies to a stage-4 cluster: give --txn-mode too');
            const problem = checkShape({ managers: a.managers, partitions: a.partitions, rf: a.rf });
            if (problem !== undefined) throw new Error(problem);
            if (!Number.isInteger(a['base-port'])) throw new Error('--base-port must be a port number');
            if (a.proxy !== 'yes' && a.proxy !== 'no') throw new Error(`--proxy must be yes or no, got '${a.proxy}'`);
            return true;
          }),
      async (a) => {
        const shape = { managers: a.managers, partitions: a.partitions, rf: a.rf };
        const proxies = a.proxy === 'yes';
        const txnMode = a['txn-mode'] !== undefined && isTxnMode(a['txn-mode']) ? a['txn-mode'] : undefined;
        // The recipes that act on this cluster: p4's for transactional shards.
        const recipes = txnMode === undefined ? 'p3' : 'p4';
        let cluster: LocalCluster;
        try {
          cluster = await LocalCluster.startReplicated(
            {
              stage: a.stage,
              dir: a.dir,
              host: a.host,
              shape,
              ports: portsFromBase(shape, a['base-port'], proxies),
              proxies,
              managerArgs: words(a['manager-args']),
              serverArgs: words(a['server-args']),
              programs: { ...(a['manager-program'] ? { manager: a['manager-program'] } : {}), ...(a['server-program'] ? { server: a['server-program'] } : {}) },
              ...(txnMode === undefined ? {} : { txn: { mode: txnMode, replRttMs: a['repl-rtt-ms'] } }),
            },
            { detached: true },
          );
        } catch (err) {
          if (err instanceof ClusterRunningError) throw new Error(`${err.message}: just ${recipes}::cluster-stop "${a.dir}"`);
          throw err;
        }
        console.log(`cluster up: managers ${cluster.managerAddresses.join(',')}`);
        const what = txnMode === undefined ? 'partitions' : `shards (${txnMode}${a['repl-rtt-ms'] > 0 ? `, replication RTT +${a['repl-rtt-ms']} ms` : ''})`;
        console.log(`  ${a.partitions} ${what} × rf ${a.rf}: servers ${cluster.serverAddresses.join(',')}`);
        if (cluster.hasProxy) console.log(`  peer links through the link proxy at ${cluster.clientAddress('proxy')}`);
        const { leaders, missing } = await cluster.waitForLeaders(a['leader-wait'] * 1000);
        console.log(`leaders: ${cluster.groups.map((g) => `${groupName(cluster, g.id)} ${leaders.get(g.id) ?? 'none yet'}`).join(', ')}`);
        if (missing.length > 0) console.log(`warning: no leader after ${a['leader-wait']} s in ${missing.join(', ')}; see just ${recipes}::status and the logs under ${a.dir}`);
        console.log(`storage and logs under ${a.dir}; clients: just ${recipes}::client ${cluster.managerAddresses.join(',')}`);
      },
    )
    .command(
      'crash <node>',
      'kill -9 a node (p2: s1 or 1 for server 1, m for the manager; p3: m.X, sP.R, proxy)',
      (y) => y.positional('node', { type: 'string', demandOption: true }),
      async (a) => {
        const cluster = load(a.dir);
        const node = nodeId(cluster, a.node);
        console.log((await cluster.kill(node, 'SIGKILL')) ? `${node} killed (SIGKILL)` : `${node} was not running`);
      },
    )
    .command(
      'pause <node>',
      'SIGSTOP a node: it stops dead with its connections open',
      (y) => y.positional('node', { type: 'string', demandOption: true }),
      (a) => {
        const cluster = load(a.dir);
        const node = nodeId(cluster, a.node);
        if (cluster.pause(node)) console.log(`${node} paused (SIGSTOP)`);
        else throw new Error(cluster.isPaused(node) ? `${node} is already paused` : `${node} is not running`);
      },
    )
    .command(
      'resume <node>',
      'SIGCONT a paused node',
      (y) => y.positional('node', { type: 'string', demandOption: true }),
      (a) => {
        const cluster = load(a.dir);
        const node = nodeId(cluster, a.node);
        if (cluster.resume(node)) console.log(`${node} resumed (SIGCONT)`);
        else throw new Error(cluster.isRunning(node) ? `${node} is not paused` : `${node} is not running`);
      },
    )
    .command(
      'restart <node>',
      'start a node again on its existing storage',
      (y) => y.positional('node', { type: 'string', demandOption: true }),
      async (a) => {
        const cluster = load(a.dir);
        const node = nodeId(cluster, a.node);
        await cluster.restart(node);
        console.log(`${node} restarted`);
      },
    )
    .command(
      'leader <group>',
      'print the node id of the current leader of a group: m (the managers) or a partition number',
      (y) => y.positional('group', { type: 'string', demandOption: true }).option('wait', { type: 'number', default: 5, describe: 'seconds to wait for a leader' }),
      async (a) => {
        const cluster = load(a.dir);
        const leader = await cluster.waitForLeader(a.group, a.wait * 1000);
        if (leader === undefined) throw new Error(`no leader in ${a.group === 'm' ? 'the manager group' : `partition ${a.group}`} after ${a.wait} s (see status)`);
        console.log(leader);
      },
    )
    .command(
      'transfer <node>',
      "make a replica its group's leader (asks the current leader to hand over, waits until it leads)",
      (y) => y.positional('node', { type: 'string', demandOption: true }).option('wait', { type: 'number', default: 10, describe: 'seconds to wait' }),
      async (a) => {
        const cluster = load(a.dir);
        const node = nodeId(cluster, a.node);
        const was = await cluster.transferTo(node, a.wait * 1000);
        const { group } = cluster.groupOf(node);
        console.log(was === node ? `${node} already leads ${group.id === 'm' ? 'the manager group' : `partition ${group.id}`}` : `${node} now leads ${group.id === 'm' ? 'the manager group' : `partition ${group.id}`} (was ${was})`);
      },
    )
    .command(
      'cut <a> <b> [direction]',
      'cut the link a->b (one) or both a->b and b->a (both, the default); b = all: every link of a',
      (y) => y.positional('a', { type: 'string', demandOption: true }).positional('b', { type: 'string', demandOption: true }).positional('direction', { type: 'string', default: 'both' }),
      async (a) => {
        const dir = direction(a.direction);
        const cluster = load(a.dir);
        const links = namedLinks(cluster, a.a, a.b, dir);
        const changed = await cluster.cut(links);
        console.log(`cut: ${describeLinks(changed)}${changed.length < links.length ? ` (already cut: ${describeLinks(links.filter((l) => !changed.some((c) => c.from === l.from && c.to === l.to)))})` : ''}`);
      },
    )
    .command(
      'delay <a> <b> <ms> [direction]',
      'delay the link a->b (one) or both ways (both, the default) by ms milliseconds (0: no delay); b = all: every link of a',
      (y) =>
        y
          .positional('a', { type: 'string', demandOption: true })
          .positional('b', { type: 'string', demandOption: true })
          .positional('ms', { type: 'string', demandOption: true })
          .positional('direction', { type: 'string', default: 'both' }),
      async (a) => {
        if (!/^\d{1,5}$/.test(a.ms)) throw new Error(`ms must be a whole number of milliseconds, got '${a.ms}'`);
        const dir = direction(a.direction);
        const cluster = load(a.dir);
        const changed = await cluster.delay(namedLinks(cluster, a.a, a.b, dir), Number(a.ms));
        console.log(`delayed ${a.ms} ms: ${describeLinks(changed)}`);
      },
    )
    .command(
      'heal [a] [b]',
      'let links pass again, without delay: every link, those of node a, or those between a and b',
      (y) => y.positional('a', { type: 'string' }).positional('b', { type: 'string' }),
      async (a) => {
        const cluster = load(a.dir);
        // Recipes pass absent arguments as empty strings.
        if (a.a === '') a.a = undefined;
        if (a.b === '') a.b = undefined;
        if (a.a === undefined && a.b !== undefined) throw new Error('name the first node too: heal <a> <b>');
        let links: LinkRef[] | undefined;
        if (a.a !== undefined) links = a.b === undefined || a.b === 'all' ? cluster.linksOf(nodeId(cluster, a.a), 'both') : cluster.linksBetween(nodeId(cluster, a.a), nodeId(cluster, a.b), 'both');
        console.log(`healed: ${describeLinks(await cluster.heal(links))}`);
      },
    )
    .command(
      'stop',
      'stop every node of the cluster',
      () => undefined,
      async (a) => {
        await load(a.dir).stopAll();
        console.log('cluster stopped');
      },
    )
    .command(
      'status',
      'one line per node: p3 asks each its role, term, indexes and leader; a node that does not answer is down',
      () => undefined,
      async (a) => {
        await printStatus(load(a.dir));
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
