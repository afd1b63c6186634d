/**
 * Stage 1 throughput benchmark: drives a server through the client library over
 * several connections, each keeping many requests in flight, and prints ops/s and
 * p50/p99 latency for GET and PUT. Starts its own server unless --server is given.
 */
import * as hdr from 'hdr-histogram-js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SingleServerClient } from '../client/single-server-client';
import { parseAddress } from '../wire/address';
import { binPath, startListening } from '../testing/spawn-node';

interface Config {
  server: string;
  connections: number;
  depth: number;
  seconds: number;
  keys: number;
  valueBytes: number;
}

async function runPhase(cfg: Config, label: string): Promise<void> {
  const hist = { get: hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }), put: hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }) };
  const value = 'v'.repeat(cfg.valueBytes);
  const clients = Array.from({ length: cfg.connections }, () => new SingleServerClient(parseAddress(cfg.server)));
  // Load the keys first so GETs find values.
  await Promise.all(clients.map((c, i) => Promise.all(Array.from({ length: Math.ceil(cfg.keys / cfg.connections) }, (_, j) => c.put(`key${i * 1_000_000 + j}`, value)))));
  const deadline = Date.now() + cfg.seconds * 1000;
  let ops = 0;
  const started = process.hrtime.bigint();
  const worker = async (c: SingleServerClient): Promise<void> => {
    while (Date.now() < deadline) {
      const key = `key${Math.floor(Math.random() * cfg.keys)}`;
      const isGet = Math.random() < 0.5;
      const t0 = process.hrtime.bigint();
      if (isGet) await c.get(key);
      else await c.put(key, value);
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      (isGet ? hist.get : hist.put).recordValue(Math.max(1, Math.round(us)));
      ops++;
    }
  };
  await Promise.all(clients.flatMap((c) => Array.from({ length: cfg.depth }, () => worker(c))));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  clients.forEach((c) => c.close());
  console.log(`${label}: ${cfg.connections} connections x ${cfg.depth} in flight, ${cfg.seconds} s`);
  console.log(`  throughput  ${Math.round(ops / elapsed).toLocaleString('en-US')} ops/s  (${ops} ops, 50% GET / 50% PUT, ${cfg.valueBytes}-byte values)`);
  for (const [op, h] of Object.entries(hist)) {
    console.log(`  ${op.toUpperCase().padEnd(4)}  p50 ${h.getValueAtPercentile(50)} us  p99 ${h.getValueAtPercentile(99)} us  max ${h.maxValue} us  (${h.totalCount} ops)`);
  }
}

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('p1-bench')
    .option('server', { type: 'string', describe: 'benchmark a running server instead of starting one' })
    .option('seconds', { type: 'number', default: 5 })
    .option('keys', { type: 'number', default: 10_000 })
    .option('value-bytes', { type: 'number', default: 100 })
    .strict()
    .help()
    .parseAsync();
  const started = args.server ? undefined : await startListening(binPath('server'), ['--listen', '127.0.0.1:0', '--stage', 'bench']);
  const server = args.server ?? started!.address;
  try {
    const base = { server, seconds: args.seconds, keys: args.keys, valueBytes: args['value-bytes'] };
    await runPhase({ ...base, connections: 10, depth: 1 }, 'unpipelined');
    await runPhase({ ...base, connections: 10, depth: 16 }, 'pipelined');
  } finally {
    await started?.stop();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
