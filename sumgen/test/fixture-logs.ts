// Hand-written run logs in the runner's formats (runner/README.md), for the report tests.

const ESC = '\x1b';

/** A fault the harness recorded: seconds since the run started, node id, event. */
export type FaultLine = [number, string, string];

/** The fuzz log's fault section: `Faults during the run:  N injected, M operations retried by clients`. */
export function faultsSection(injected: number, retried: number, events: FaultLine[]): string[] {
  return [
    `Faults during the run:  ${injected} injected, ${retried} operations retried by clients`,
    ...events.map(([at, node, event]) => `  +${at.toFixed(1)} s  ${node}  ${event}`),
  ];
}

export function fuzzLog(
  outcome: string,
  ops: [number, number, number, number, number],
  colour: boolean,
  faults?: string[],
  runSecs = 41.0,
): string {
  const [put, swap, get, scan, del] = ops;
  const total = put + swap + get + scan + del;
  const y = (s: string) => (colour ? `${ESC}[1m${ESC}[33m${s}${ESC}[0m` : s);
  const g = (s: string) => (colour ? `${ESC}[32m${s}${ESC}[0m` : s);
  return [
    y('Fuzzing starts...'),
    `  Progress:  called 50 / ${total}\r  Progress:  called ${total}\r`,
    y('Stopping clients...'),
    `  Ops stats:  Put ${put}  Swap ${swap}  Get ${get}  Scan ${scan}  Delete ${del}`,
    '  Keys freq:  [12, 9, 11, 10, 8]',
    `  Ran ${total} operations in ${runSecs.toFixed(1)} s (${Math.round(total / runSecs)} ops/s)`,
    ...(faults ?? []),
    y(`Checking linearizability of ${total} operations...`),
    `${y('Fuzz testing result:')} ${g(outcome)}`,
    '  Remaining checks queued:  3  reasonable',
    '',
  ].join('\n');
}

export interface OpLine {
  op: string;
  ops: number;
  avg: number;
  p99: number;
  p50?: number; // our runner's percentile lines; absent in the template's logs
  mergedP99?: number;
}

/**
 * A bench log as the runner writes it: YCSB's lines for the run phase, then the template's
 * block last. `oldLayout` puts YCSB's lines after the block, as runners before that change did.
 */
export function benchLog(wload: string, nclis: number, tput: number, ops: OpLine[], colour: boolean, oldLayout = false): string {
  const c = (code: string, s: string) => (colour ? `${ESC}[${code}m${s}${ESC}[0m` : s);
  const latency = (o: OpLine, i: number) =>
    `${i === 0 ? '    Latency:' : '            '}    ${o.op.padEnd(6)}  ops ${String(o.ops).padStart(6)}` +
    `  avg ${o.avg.toFixed(2).padStart(9)}  min     10  max   9000  p99 ${String(o.p99).padStart(6)}  us`;
  const ycsb = [`  YCSB measurements of the [Run] phase (all ${nclis} clients):`, '[OVERALL], RunTime(ms), 1530', `[OVERALL], Throughput(ops/sec), ${tput * 0.97}`];
  for (const o of ops) {
    ycsb.push(`[${o.op}], Operations, ${o.ops}`);
    if (o.p50 !== undefined) ycsb.push(`[${o.op}], 50thPercentileLatency(us), ${o.p50}`);
    if (o.mergedP99 !== undefined) ycsb.push(`[${o.op}], 99thPercentileLatency(us), ${o.mergedP99}`);
  }
  const block = [
    `${c('1;33', 'Benchmarking results:')}  ${c('36', `YCSB-${wload}`)}  ${c('35', `${nclis} clients`)}`,
    `  ${c('36', '[Load]')}     812 ms`,
    '    Throughput:   12345.67 ops/sec',
    '    Latency:    INSERT  ops   1000  avg   7777.00  min     30  max   4012  p99  99999  us',
    `  ${c('36', '[Run] ')}    1530 ms`,
    `    Throughput:  ${tput.toFixed(2).padStart(9)} ops/sec`,
    ...ops.map(latency),
  ];
  const lines = [
    c('1;33', 'Benchmarking [Load] phase...'),
    '  Progress:  1000 / 1000 operations',
    c('1;33', 'Benchmarking [Run] phase...'),
    '  Progress:  10000 / 10000 operations',
    ...(oldLayout ? [...block, ...ycsb] : [...ycsb, '  Note: the YCSB lines above measure all clients together ...', ...block]),
  ];
  return lines.join('\n') + '\n';
}
