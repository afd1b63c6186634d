/**
 * Driving the fuzz clients: every client runs its own loop with one operation in flight, all
 * truly concurrent; each call and return is stamped with the monotonic clock (microseconds
 * since the run began) and becomes one history line.
 */
import { type ClientFailure, type ClientLaunch, ClientProcess } from '../clients/client-process';
import { ClientTroubleMonitor } from '../clients/client-trouble';
import type { KvAnswer, KvCall } from '../clients/protocol';
import { type HistoryOp, HistoryWriter } from '../check/history';
import { SeededRandom } from '../random';
import { FuzzOpSource, OpCounts } from './workload';

export interface DriveOptions {
  launch: ClientLaunch;
  /** Keys of each client (index = client). */
  keys: string[][];
  /** Operations per client; or, with `durationMs`, clients keep calling until that long after the run began. */
  numOps: number;
  durationMs?: number | undefined;
  seed: number;
  opTimeoutMs: number;
  historyFile: string;
  forwardStderr: boolean;
  onStarted?: () => void;
  onProgress?: (called: number, waited: number) => void;
}

export interface DriveResult {
  history: HistoryOp[];
  counts: OpCounts;
  keyFreq: number[][];
  failures: ClientFailure[];
  /** Operations the clients reported retrying (their stderr's `retrying (attempt 1)` lines). */
  retriedOps: number;
}

export class MonotonicClock {
  private readonly origin = process.hrtime.bigint();

  /** Microseconds since the clock was made, with nanosecond resolution. */
  nowMicros(): number {
    return Number(process.hrtime.bigint() - this.origin) / 1000;
  }
}

export function historyOp(client: number, call: KvCall, callT: number, retT: number | null, answer: KvAnswer | null): HistoryOp {
  const ret = answer === null ? null : retT;
  switch (call.op) {
    case 'PUT':
      return { client, op: 'PUT', key: call.key, value: call.value, call: callT, ret, result: answer?.op === 'PUT' ? (answer.found ? 'found' : 'not_found') : null };
    case 'SWAP':
      return { client, op: 'SWAP', key: call.key, value: call.value, call: callT, ret, result: answer?.op === 'SWAP' ? answer.old : null };
    case 'GET':
      return { client, op: 'GET', key: call.key, call: callT, ret, result: answer?.op === 'GET' ? answer.value : null };
    case 'DELETE':
      return { client, op: 'DELETE', key: call.key, call: callT, ret, result: answer?.op === 'DELETE' ? (answer.found ? 'found' : 'not_found') : null };
    case 'SCAN':
      return { client, op: 'SCAN', start: call.start, end: call.end, call: callT, ret, result: answer?.op === 'SCAN' ? answer.pairs : null };
  }
}

/**
 * Start the clients, clear every key the run uses (sequentially, before any recorded
 * operation, so each key starts absent), then run all clients concurrently and stop them.
 */
export async function driveFuzzClients(opts: DriveOptions): Promise<DriveResult> {
  const n = opts.keys.length;
  // Connection trouble shows while we wait (a wrong address is not a silent wait); retries are counted.
  const trouble = new ClientTroubleMonitor((line) => process.stderr.write(`${line}\n`), { show: !opts.forwardStderr });
  const clients = Array.from({ length: n }, (_, i) =>
    ClientProcess.start(`client ${i}`, opts.launch, { forwardStderr: opts.forwardStderr, onStderrLine: (line) => trouble.onLine(i, line) }),
  );
  const failures: ClientFailure[] = [];
  const history: HistoryOp[] = [];
  const writer = new HistoryWriter(opts.historyFile);
  const counts = new OpCounts();
  const sources = opts.keys.map((keys, i) => new FuzzOpSource(keys, new SeededRandom((opts.seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0)));
  const clock = new MonotonicClock();
  const alive = clients.map(() => true);

  try {
    // Earlier runs may have left values under these keys; the history assumes they start absent.
    const allKeys = [...new Set(opts.keys.flat())];
    for (const key of allKeys) {
      const r = await clients[0]!.call({ op: 'DELETE', key }, opts.opTimeoutMs);
      if (!r.ok) {
        failures.push({ kind: r.failure.kind, message: `while clearing the keys before the run: ${r.failure.message}` });
        alive.fill(false);
        break;
      }
    }
    if (failures.length === 0) opts.onStarted?.();
    const runStart = clock.nowMicros();
    const durationMicros = opts.durationMs === undefined ? undefined : opts.durationMs * 1000;
    // A timed run calls a new operation only while time is left; the one in flight at the end completes.
    const another = (i: number): boolean => (durationMicros === undefined ? i < opts.numOps : clock.nowMicros() - runStart < durationMicros);

    let called = 0;
    let waited = 0;
    const pending: HistoryOp[] = [];
    const runClient = async (c: number): Promise<void> => {
      if (!alive[c]) return;
      const proc = clients[c]!;
      for (let i = 0; another(i); i++) {
        const call = sources[c]!.next();
        counts.count(call);
        called++;
        const t0 = clock.nowMicros();
        const outcome = await proc.call(call, opts.opTimeoutMs);
        const t1 = clock.nowMicros();
        if (!outcome.ok) {
          // Whether it took effect is unknown: the checker lets it happen any time after its call, or never.
          pending.push(historyOp(c, call, t0, null, null));
          failures.push(outcome.failure);
          alive[c] = false;
          proc.kill();
          return;
        }
        const op = historyOp(c, call, t0, t1, outcome.answer);
        history.push(op);
        writer.append(op);
        waited++;
        opts.onProgress?.(called, waited);
      }
    };
    await Promise.all(clients.map((_, c) => runClient(c)));
    for (const op of pending) {
      history.push(op);
      writer.append(op);
    }

    await Promise.all(
      clients.map(async (proc, c) => {
        if (!alive[c]) return;
        const r = await proc.stop(10_000);
        if (!r.ok) failures.push({ kind: r.failure.kind, message: `on STOP: ${r.failure.message}` });
      }),
    );
  } finally {
    writer.close();
    for (const proc of clients) proc.kill();
  }
  return { history, counts, keyFreq: sources.map((s) => s.keyFreq), failures, retriedOps: trouble.retriedOps };
}
