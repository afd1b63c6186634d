#!/usr/bin/env node
/**
 * Stage 2's fuzz scenarios, each on a fresh local cluster, checked by the
 * runner's linearizability checker:
 *   A: 3 partitions, healthy;
 *   B: 3 partitions, server 1 killed (kill -9) halfway and restarted;
 *   C: 5 partitions, servers 1 and 2 killed halfway and restarted.
 * A crashed server's operations stall, then complete after its restart.
 * The runner reads the cluster's fault journal, so each log lists the kills and
 * restarts; a scenario whose log does not show exactly its faults fails too.
 * Exits non-zero unless every scenario ends PASSED.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { freePort, repoRoot } from '../../../kvstore/src/testing/spawn-node';
import { exitWhenFlushed } from '../../../kvstore/src/common/process-exit';
import { LocalCluster } from '../cluster/local-cluster';
import { parseFaultSection } from '../faults/fault-section';

interface Scenario {
  name: string;
  servers: number;
  crash: number[];
}

const SCENARIOS: Scenario[] = [
  { name: 'A: 3 partitions, healthy', servers: 3, crash: [] },
  { name: 'B: 3 partitions, s1 killed halfway and restarted', servers: 3, crash: [1] },
  { name: 'C: 5 partitions, s1 and s2 killed halfway and restarted', servers: 5, crash: [1, 2] },
];

async function runScenario(s: Scenario, numOps: number, downMs: number, logDir: string | undefined): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-p2-fuzz-'));
  const ports = await Promise.all(Array.from({ length: s.servers + 1 }, () => freePort()));
  const cluster = await LocalCluster.start(
    { stage: 'p2-fuzz-scenarios', dir, host: '127.0.0.1', managerPort: ports[0]!, serverPorts: ports.slice(1) },
    { detached: false, env: { MADKV_RUN_DIR: path.join(dir, 'run') } },
  );
  const client = `${process.execPath} ${path.join(repoRoot(), 'dist/kvstore/src/bin/client.js')} --manager ${cluster.managerAddress}`;
  const history = path.join(dir, 'history.jsonl');
  const fuzzArgs = ['fuzz', '--num-clis', '5', '--conflict', '--num-ops', String(numOps), '--history', history, '--fault-journal', cluster.journalFile, '--client-cmd', client];
  const runner = spawn(process.execPath, [path.join(repoRoot(), 'dist/runner/src/main.js'), ...fuzzArgs], {
    cwd: repoRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let crashed = false;
  const crashHalfway = async (): Promise<void> => {
    crashed = true;
    for (const i of s.crash) await cluster.kill(`s${i}`, 'SIGKILL');
    process.stdout.write(`  [${s.crash.map((i) => `s${i}`).join(', ')} killed; restarting in ${downMs} ms]\n`);
    await new Promise((r) => setTimeout(r, downMs));
    for (const i of s.crash) await cluster.startServer(i);
    process.stdout.write(`  [${s.crash.map((i) => `s${i}`).join(', ')} restarted]\n`);
  };
  let crashing: Promise<void> = Promise.resolve();
  const onOutput = (d: Buffer): void => {
    out += d.toString();
    if (crashed || s.crash.length === 0) return;
    // The runner reports progress as "waited <done> / <total>"; crash once half the operations are done.
    const all = [...out.matchAll(/waited (\d+) \/ (\d+)/g)];
    const last = all[all.length - 1];
    if (last && Number(last[1]) >= Number(last[2]) / 2) crashing = crashHalfway();
  };
  runner.stdout!.on('data', onOutput);
  runner.stderr!.on('data', onOutput);
  const code = await new Promise<number | null>((r) => runner.once('exit', r));
  await crashing;
  await cluster.stopAll('SIGKILL');
  if (logDir) fs.writeFileSync(path.join(logDir, `p2-fuzz-${s.servers}-${s.crash.length ? 'yes' : 'no'}.log`), out);
  const outcome = /Fuzz testing result:\s*(?:\x1b\[[0-9;]*m)*\s*(\w+)/.exec(out)?.[1] ?? `no result (runner exit ${code})`;
  if (s.crash.length > 0 && !crashed) return `${outcome}, but the run ended before the crash point`;
  const faults = faultProblem(out, s);
  if (faults !== undefined) return `${outcome}, but ${faults}`;
  if (outcome !== 'PASSED') {
    process.stdout.write(out.split('\n').slice(-25).join('\n') + `\n  (history kept at ${history})\n`);
    return outcome;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return outcome;
}

/** Whether the log's fault section lists exactly the scenario's kills and restarts. */
function faultProblem(out: string, s: Scenario): string | undefined {
  let section;
  try {
    section = parseFaultSection(out.split('\n'));
  } catch (err) {
    return `its fault section is malformed: ${(err as Error).message}`;
  }
  if (section === undefined) return 'the log has no fault section';
  const listed = section.events.map((e) => `${e.node} ${e.event}`).sort();
  const expected = s.crash.flatMap((i) => [`s${i} killed (SIGKILL)`, `s${i} restarted`]).sort();
  if (listed.join('|') !== expected.join('|')) return `the log lists faults [${listed.join(', ')}], expected [${expected.join(', ')}]`;
  return undefined;
}

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('p2-fuzz-scenarios')
    .option('num-ops', { type: 'number', default: 1000, describe: 'operations per client (5 clients)' })
    .option('down-ms', { type: 'number', default: 1500, describe: 'how long crashed servers stay down' })
    .option('log-dir', { type: 'string', describe: 'save each scenario\'s runner output here' })
    .strict()
    .help()
    .parseAsync();
  let failed = 0;
  for (const s of SCENARIOS) {
    process.stdout.write(`scenario ${s.name}\n`);
    const started = Date.now();
    const outcome = await runScenario(s, args['num-ops'], args['down-ms'], args['log-dir']);
    process.stdout.write(`scenario ${s.name}: ${outcome} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    if (!outcome.startsWith('PASSED') || outcome.includes('but')) failed++;
  }
  process.stdout.write(`${SCENARIOS.length - failed} passed, ${failed} failed\n`);
  await exitWhenFlushed(failed === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
