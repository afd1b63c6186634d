/**
 * Benchmark of the durable log (not a test): raw fsync latency of this disk, then durable
 * appends per second with 1 and with 50 concurrent writers, and the fsyncs they cost.
 * Group commit should keep 50 writers far above 1 / fsync latency.
 *
 *   npm run bench:log                      # temp dir under the OS temp folder, 3 s a phase
 *   npm run bench:log -- --dir /path --seconds 5 --payload 100
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DurableLog } from './durable-log';

interface BenchArgs {
  dir: string | null;
  seconds: number;
  payloadBytes: number;
}

function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { dir: null, seconds: 3, payloadBytes: 100 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--dir') args.dir = value;
    else if (flag === '--seconds') args.seconds = Number(value);
    else if (flag === '--payload') args.payloadBytes = Number(value);
    else throw new Error(`unknown flag ${flag}; flags: --dir <path> --seconds <n> --payload <bytes>`);
  }
  return args;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Write a small record and fdatasync it, over and over: the floor under a lone durable append. */
async function fsyncLatency(dir: string, seconds: number): Promise<number[]> {
  const handle = await open(path.join(dir, 'fsync-probe'), 'w');
  const samples: number[] = [];
  const block = Buffer.alloc(128, 1);
  try {
    const end = performance.now() + seconds * 1000;
    for (let position = 0; performance.now() < end; position += block.length) {
      await handle.write(block, 0, block.length, position);
      const started = performance.now();
      await handle.datasync();
      samples.push(performance.now() - started);
    }
  } finally {
    await handle.close();
  }
  return samples.sort((a, b) => a - b);
}

async function appendPhase(dir: string, writers: number, seconds: number, payloadBytes: number): Promise<void> {
  const log = await DurableLog.open(dir);
  const payload = Buffer.alloc(payloadBytes, 0x61);
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await log.append({ term: 0, payload });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const stats = log.stats;
  await log.close();
  latencies.sort((a, b) => a - b);
  console.log(
    [
      `${String(writers).padStart(2)} writer${writers === 1 ? ' ' : 's'}:`,
      `${Math.round(stats.records / elapsed).toLocaleString('en-US').padStart(8)} durable appends/s`,
      `${Math.round(stats.fsyncs / elapsed).toLocaleString('en-US').padStart(6)} fsyncs/s`,
      `${(stats.records / stats.batches).toFixed(1).padStart(5)} records/batch`,
      `append latency p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
      `mean batch fsync ${(stats.appendSyncMillis / stats.batches).toFixed(3)} ms`,
    ].join('  '),
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = args.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'log-bench-')));
  try {
    console.log(`durable log benchmark in ${root}: ${args.seconds} s a phase, ${args.payloadBytes}-byte payloads`);
    const fsyncs = await fsyncLatency(root, Math.min(args.seconds, 2));
    const mean = fsyncs.reduce((a, b) => a + b, 0) / fsyncs.length;
    console.log(
      `fsync (fdatasync after a 128-byte write): mean ${mean.toFixed(3)} ms, p50 ${percentile(fsyncs, 50).toFixed(3)} ms, p99 ${percentile(fsyncs, 99).toFixed(3)} ms (${Math.round(1000 / mean).toLocaleString('en-US')} fsyncs/s)`,
    );
    for (const writers of [1, 50]) await appendPhase(path.join(root, `log-${writers}`), writers, args.seconds, args.payloadBytes);
  } finally {
    if (args.dir === null) await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`log-bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
