/**
 * Child process of the crash test (durable-log-crash.test.ts): opens the log in argv[2] and
 * appends forever from several concurrent writers, printing "<index> <payload>" on stdout for
 * every acknowledged record, until the parent kills it with SIGKILL.
 */
import { DurableLog } from './durable-log';

async function main(): Promise<void> {
  const dir = process.argv[2];
  const segmentBytes = Number(process.argv[3] ?? 4096);
  if (dir === undefined) throw new Error('usage: crash-writer <log dir> [segment bytes]');
  const log = await DurableLog.open(dir, { segmentBytes });
  process.stdout.write(`open ${log.lastIndex}\n`);
  const writer = async (w: number): Promise<never> => {
    for (let n = 0; ; n++) {
      const payload = `pid${process.pid}-w${w}-n${n}-${'x'.repeat((n * 13) % 50)}`;
      const index = await log.append({ term: 1, payload: Buffer.from(payload) });
      process.stdout.write(`${index} ${payload}\n`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-writer: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
