/**
 * The local cluster tool on a stage-3 layout, with stand-in replicas (testing/fake-replica.ts)
 * that answer `status` and talk over their peer links through the link proxy: the cluster
 * starts all or nothing and never over a live one, faults reach the nodes and the journal,
 * cut links change what replicas see, and concurrent commands keep the saved layout whole.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, runToCompletion } from '../../../kvstore/src/testing/spawn-node';
import { readFaults } from '../faults/fault-journal';
import { LocalCluster } from './local-cluster';
import { startTestCluster } from '../testing/local-p3';
import { type P3Shape } from './p3-layout';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-local-cluster-p3-'));
const env = { MADKV_RUN_DIR: path.join(scratch, 'run') };
const clusters: LocalCluster[] = [];
const cliMain = path.join(repoRoot(), 'dist', 'runner', 'src', 'cluster', 'main.js');

after(async () => {
  await Promise.all(clusters.map((c) => c.stopAll('SIGKILL')));
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function start(name: string, shape: P3Shape = { managers: 3, partitions: 1, rf: 3 }, programs: { manager?: string; server?: string } = {}): Promise<LocalCluster> {
  const c = await startTestCluster({ dir: path.join(scratch, name), stage: 'test-local-cluster-p3', shape, env, standIn: true, programs });
  clusters.push(c);
  return c;
}

async function leaderBecomes(c: LocalCluster, group: string, node: string): Promise<void> {
  for (let i = 0; i < 100 && (await c.leaderOf(group)) !== node; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await c.leaderOf(group), node);
}

function journal(c: LocalCluster): string[] {
  return readFaults(c.journalFile).events.map((e) => `${e.node} ${e.event}${e.peer ? ` ${e.peer}` : ''}${e.ms !== undefined ? ` ${e.ms}` : ''}`);
}

test('a stage-3 cluster starts its proxy and every replica, saves its layout, and each group finds a leader', async () => {
  const c = await start('up');
  assert.deepEqual(c.nodeIds, ['proxy', 'm.0', 'm.1', 'm.2', 's0.0', 's0.1', 's0.2']);
  const saved = JSON.parse(fs.readFileSync(path.join(c.dir, 'cluster.json'), 'utf8')) as { kind: string; nodes: Array<{ id: string }>; processes: Record<string, unknown> };
  assert.equal(saved.kind, 'p3');
  assert.deepEqual(Object.keys(saved.processes).sort(), [...c.nodeIds].sort());
  for (const n of c.nodeIds) assert.ok(c.isRunning(n), n);
  assert.ok(fs.existsSync(path.join(c.dir, 'backer.s0.2', 'LOCK')), 'each replica has its storage folder');
  const { leaders, missing } = await c.waitForLeaders(5000);
  assert.deepEqual(missing, []);
  assert.ok(['m.0', 'm.1', 'm.2'].includes(leaders.get('m')!) && ['s0.0', 's0.1', 's0.2'].includes(leaders.get('0')!), JSON.stringify([...leaders]));
  let links = await c.linkStatus();
  assert.equal(links.length, 12);
  for (let i = 0; i < 100 && !links.every((l) => l.bytesForward > 0); i++) {
    await new Promise((r) => setTimeout(r, 50));
    links = await c.linkStatus();
  }
  assert.deepEqual(links.filter((l) => l.bytesForward === 0), [], 'the replicas talk to each other through their links');

  await assert.rejects(start('up'), /a cluster is running in .*up: proxy \(pid \d+\), m\.0 \(pid \d+\), m\.1 .*s0\.2 \(pid \d+\); nothing was changed/);
});

test('cut, delay, heal, pause, resume, kill and restart act on the nodes and are journaled, each once', async () => {
  const c = await start('faults');
  // The stand-ins settle on the lowest id once they all hear each other.
  await leaderBecomes(c, '0', 's0.0');
  // s0.0's messages no longer reach the others: they stop hearing it and follow s0.1.
  assert.deepEqual(await c.cut(c.linksOf('s0.0', 'out')), [{ from: 's0.0', to: 's0.1' }, { from: 's0.0', to: 's0.2' }]);
  assert.deepEqual(await c.cut(c.linksBetween('s0.0', 's0.1', 'one')), [], 'already cut: nothing new to journal');
  const answers = async (): Promise<string> => {
    const a = await c.answers(['s0.1', 's0.2']);
    return [...a.values()].map((x) => (x.state === 'up' ? `${x.status.role}:${x.status.leader}` : x.state)).join(' ');
  };
  for (let i = 0; i < 100 && (await answers()) !== 'leader:1 follower:1'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await answers(), 'leader:1 follower:1');
  await c.delay(c.linksBetween('s0.1', 's0.2', 'both'), 20);
  assert.deepEqual(
    (await c.heal()).map((l) => `${l.from}->${l.to}`),
    ['s0.0->s0.1', 's0.0->s0.2', 's0.1->s0.2', 's0.2->s0.1'],
  );

  assert.equal(c.pause('s0.2'), true);
  assert.equal(c.pause('s0.2'), false, 'already paused');
  assert.equal(c.isPaused('s0.2'), true);
  assert.deepEqual((await c.answers(['s0.2'])).get('s0.2'), { state: 'paused' });
  assert.equal(c.resume('s0.2'), true);
  assert.equal((await c.answers(['s0.2'])).get('s0.2')?.state, 'up');
  assert.equal(await c.kill('m.1'), true);
  assert.deepEqual((await c.answers(['m.1'])).get('m.1'), { state: 'down' });
  await c.restart('m.1');
  await assert.rejects(c.restart('m.1'), /m\.1 is already running/);
  c.pause('m.2');
  await c.stopAll(); // a paused node stops too
  assert.deepEqual(c.nodeIds.filter((n) => c.isRunning(n)), []);

  const events = journal(c);
  assert.deepEqual(events.slice(0, 16), [
    's0.0 link-cut s0.1',
    's0.0 link-cut s0.2',
    's0.1 link-delayed s0.2 20',
    's0.2 link-delayed s0.1 20',
    's0.0 link-healed s0.1',
    's0.0 link-healed s0.2',
    's0.1 link-healed s0.2',
    's0.2 link-healed s0.1',
    's0.2 paused',
    's0.2 resumed',
    'm.1 killed',
    'm.1 restarted',
    'm.2 paused',
    ...events.slice(13, 16),
  ]);
  assert.deepEqual(events.slice(13).sort(), ['m.0 stopped', 'm.1 stopped', 'm.2 stopped', 'proxy stopped', 's0.0 stopped', 's0.1 stopped', 's0.2 stopped']);
  assert.equal(events[events.length - 1], 'proxy stopped', 'the proxy stops last');
});

test('transfer makes the named replica the leader', async () => {
  const c = await start('transfer');
  await leaderBecomes(c, 'm', 'm.0');
  assert.equal(await c.transferTo('m.2'), 'm.0');
  assert.equal(await c.leaderOf('m'), 'm.2');
  assert.equal(await c.transferTo('m.2'), 'm.2', 'already the leader');
  assert.throws(() => c.linksBetween('m.0', 's0.1', 'both'), /m\.0 and s0\.1 are in different groups/);
  assert.throws(() => c.groupOf('proxy'), /proxy is not a replica of any group/);
  assert.throws(() => c.group('7'), /no group '7': this cluster has m \(the managers\) and partitions 0\.\.0/);
});

test('a replica that cannot start stops the whole start, proxy included', async () => {
  const broken = path.join(scratch, 'broken.js');
  fs.writeFileSync(broken, 'console.error("cannot open storage"); process.exit(3);\n');
  const dir = path.join(scratch, 'broken');
  await assert.rejects(start('broken', { managers: 1, partitions: 1, rf: 3 }, { server: path.relative(repoRoot(), broken) }), /s0\.\d exited \(3\) while starting:\ncannot open storage/);
  const saved = JSON.parse(fs.readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as { processes: Record<string, unknown> };
  assert.deepEqual(saved.processes, {}, 'nothing left running');
  assert.deepEqual(LocalCluster.liveNodesIn(dir), []);
});

test('a replica running from a lost layout is found by its storage lock', async () => {
  const c = await start('lost', { managers: 1, partitions: 1, rf: 1 });
  const pid = c.pidOf('s0.0');
  fs.rmSync(path.join(c.dir, 'cluster.json'));
  assert.deepEqual(LocalCluster.liveNodesIn(c.dir), [
    { node: 'm.0', pid: c.layout.processes['m.0']!.pid },
    { node: 's0.0', pid },
  ]);
});

test('commands run at once from several processes all land in the saved layout', async () => {
  const c = await start('concurrent', { managers: 3, partitions: 1, rf: 3 });
  const cli = (args: string[]) => runToCompletion(process.execPath, [cliMain, '--dir', c.dir, ...args], '', { env, timeoutMs: 20_000 });
  const results = await Promise.all([cli(['pause', 'm.0']), cli(['pause', 'm.1']), cli(['crash', 's0.0']), cli(['pause', 's0.1']), cli(['crash', 'm.2'])]);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const ps = c.layout.processes;
  assert.deepEqual(
    Object.keys(ps).sort(),
    ['m.0', 'm.1', 'proxy', 's0.1', 's0.2'],
  );
  assert.deepEqual(['m.0', 'm.1', 's0.1'].map((n) => ps[n]!.paused), [true, true, true]);
  const status = await cli(['status']);
  assert.match(status.stdout, /^m\.0 +\S+ +paused \(SIGSTOP\) +pid \d+$/m);
  assert.match(status.stdout, /^m\.2 +\S+ +down$/m);
  assert.match(status.stdout, /^proxy +\S+ +12 links; none cut +pid \d+$/m);
  const bad = await cli(['resume', 's0.2']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'error: s0.2 is not paused\n');
  const unknown = await cli(['cut', 's0.0', 's0.9']);
  assert.equal(unknown.stderr, "error: unknown node 's0.9': this cluster has proxy, m.0, m.1, m.2, s0.0, s0.1, s0.2\n");
});
