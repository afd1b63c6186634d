/**
 * `npm run bench:runner`: the operations per second the runner itself sustains, with a
 * client that answers from memory (testing/fake-clients.ts) instead of a store, so the
 * runner (and the pipes) are the only cost. A store benchmark is meaningful only well below
 * these rates. Uses 2 cores here: the runner and the stand-in clients share them.
 */
import { fakeClientCommand } from '../testing/fake-clients';
import { runRunner } from '../testing/runner-cli';

async function bench(workload: string, clients: number, opsPerClient: number): Promise<void> {
  const r = await runRunner(['bench', '--num-clis', String(clients), '--workload', workload, '--num-ops', String(opsPerClient), '--seed', '1', '--client-cmd', fakeClientCommand()], {
    timeoutMs: 600_000,
  });
  if (r.code !== 0) throw new Error(r.stdout + r.stderr);
  const run = r.stdout.slice(r.stdout.indexOf('  [Run]'));
  const tput = /Throughput:\s+([\d.]+)/.exec(run)?.[1];
  const avg = /avg\s+([\d.]+)/.exec(run)?.[1];
  console.log(`bench  YCSB-${workload}  ${String(clients).padStart(2)} clients x ${opsPerClient} ops   ${Number(tput).toFixed(0).padStart(7)} ops/s   avg latency ${avg} us`);
}

async function fuzz(clients: number, opsPerClient: number): Promise<void> {
  const r = await runRunner(['fuzz', '--num-clis', String(clients), '--num-ops', String(opsPerClient), '--seed', '1', '--client-cmd', fakeClientCommand()], { timeoutMs: 600_000 });
  const m = /Ran (\d+) operations in ([\d.]+) s \((\d+) ops\/s\)/.exec(r.stdout);
  console.log(`fuzz   ${String(clients).padStart(2)} client(s) x ${opsPerClient} ops (recording the history)   ${m?.[3]?.padStart(7) ?? '?'} ops/s`);
}

async function main(): Promise<void> {
  await bench('a', 1, 20_000);
  await bench('a', 4, 10_000);
  await bench('a', 10, 5_000);
  await bench('c', 10, 5_000);
  await bench('e', 4, 2_000);
  await fuzz(1, 20_000);
}

void main();
