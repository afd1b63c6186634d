/**
 * The nemesis driver on a local cluster of stand-in replicas: it injects and undoes faults,
 * never has more than a minority of a group down or paused (read back from the journal it
 * leaves), prints each with its time, leaves the cluster whole, and, interrupted, still heals.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../../kvstore/src/testing/spawn-node';
import type { LocalCluster } from '../cluster/local-cluster';
import { startTestCluster } from '../testing/local-p3';
import { readFaults } from './fault-journal';
import { runNemesis } from './nemesis';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-nemesis-'));
const env = { MADKV_RUN_DIR: path.join(scratch, 'run') };
const clusters: LocalCluster[] = [];
after(async () => {
  await Promise.all(clusters.map((c) => c.stopAll('SIGKILL')));
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function start(name: string): Promise<LocalCluster> {
  const c = await startTestCluster({ dir: path.join(scratch, name), stage: 'test-nemesis', shape: { managers: 3, partitions: 1, rf: 5 }, env, standIn: true });
  clusters.push(c);
  return c;
}

/** Replays the journal: the most replicas of each group down or paused at once. */
function peakDown(c: LocalCluster): Map<string, number> {
  const down = new Set<string>();
  const peak = new Map<string, number>();
  for (const e of readFaults(c.journalFile).events) {
    if (e.event === 'killed' || e.event === 'paused') down.add(e.node);
    if (e.event === 'restarted' || e.event === 'resumed') down.delete(e.node);
    for (const g of c.groups) peak.set(g.id, Math.max(peak.get(g.id) ?? 0, g.members.filter((m) => down.has(m)).length));
  }
  return peak;
}

test('a nemesis run injects every kind of fault into minorities, says when, and leaves the cluster whole', async () => {
  const c = await start('run');
  const lines: string[] = [];
  const report = await runNemesis(c, {
    durationMs: 6000,
    seed: 11,
    faults: ['kill', 'pause', 'cut', 'delay'],
    intervalMs: [100, 300],
    faultMs: [300, 1200],
    delayMs: [10, 50],
    leaderBias: 0.5,
    leaderWaitMs: 10_000,
    print: (l) => lines.push(l),
  });
  assert.ok(report.injected >= 10, `${report.injected} faults`);
  assert.deepEqual(report.unrecovered, []);
  assert.deepEqual(report.leaderless, []);
  assert.ok(report.onLeaders > 0, 'leaders were aimed at');
  for (const line of lines.slice(1, -3)) assert.match(line, /^\+ *\d+\.\d s {2}\S/, 'each line says when');
  assert.match(lines.join('\n'), /kill -9 \S+/);
  assert.match(lines.join('\n'), /restarted \S+/);
  assert.match(lines.at(-1)!, /^ {2}leaders: managers m\.\d, partition 0 s0\.\d$/);

  // Whole again: every replica runs unpaused, no link is cut or delayed.
  for (const n of c.nodeIds) assert.ok(c.isRunning(n) && !c.isPaused(n), n);
  assert.deepEqual((await c.linkStatus()).filter((l) => l.cut || l.delayMs > 0), []);
  const events = readFaults(c.journalFile).events;
  const count = (event: string): number => events.filter((e) => e.event === event).length;
  assert.equal(count('killed'), report.byKind.kill);
  assert.equal(count('restarted'), report.byKind.kill, 'every kill undone');
  assert.equal(count('paused'), report.byKind.pause);
  assert.equal(count('resumed'), report.byKind.pause, 'every pause undone');
  assert.ok(count('link-cut') >= 2 * report.byKind.cut && count('link-delayed') > 0 === report.byKind.delay > 0);
  const lastOfLink = new Map<string, string>();
  for (const e of events) if (e.event.startsWith('link-')) lastOfLink.set(`${e.node}->${e.peer}`, e.event);
  assert.ok(lastOfLink.size > 0);
  for (const [link, last] of lastOfLink) assert.equal(last, 'link-healed', `every link fault undone: ${link}`);
  const peak = peakDown(c);
  assert.ok((peak.get('m') ?? 0) <= 1 && (peak.get('0') ?? 0) <= 2, JSON.stringify([...peak]));
});

test('interrupted, the nemesis command heals everything before it exits', async () => {
  const c = await start('interrupted');
  const child = spawn(
    process.execPath,
    [path.join(repoRoot(), 'dist', 'runner', 'src', 'main.js'), 'nemesis', '--cluster', c.dir, '--duration', '60', '--faults', 'pause,cut', '--interval-ms', '50,100', '--fault-ms', '5000', '--seed', '3'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  while ((out.match(/^\+ *[\d.]+ s {2}(pause|cut) /gm) ?? []).length < 3) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  assert.equal(await exited, 0, out);
  assert.match(out, /stopping early: undoing [1-9]\d* fault\(s\)/);
  for (const n of c.nodeIds) assert.ok(c.isRunning(n) && !c.isPaused(n), `${n}\n${out}`);
  assert.deepEqual((await c.linkStatus()).filter((l) => l.cut), []);
});

test('the nemesis refuses a cluster that is not whole, and link faults without proxies', async () => {
  const c = await start('refuse');
  c.pause('s0.3');
  const base = { durationMs: 1000, seed: 1, intervalMs: [100, 100] as [number, number], faultMs: [100, 100] as [number, number], delayMs: [0, 0] as [number, number], leaderBias: 0, leaderWaitMs: 1000, print: () => undefined };
  await assert.rejects(runNemesis(c, { ...base, faults: ['kill'] }), /starts on a whole cluster, but s0\.3 is down or paused/);
  c.resume('s0.3');
  const direct = await startTestCluster({ dir: path.join(scratch, 'direct'), stage: 'test-nemesis', shape: { managers: 1, partitions: 1, rf: 3 }, env, standIn: true, proxies: false });
  clusters.push(direct);
  await assert.rejects(runNemesis(direct, { ...base, faults: ['kill', 'cut'] }), /runs without link proxies/);
});
