/**
 * The fuzz log's account of faults: what the harness injected during the run (from the
 * fault journal) and how many client operations had to be retried. Report generators
 * parse it, so the format is fixed:
 *
 *     Faults during the run:  2 injected, 17 operations retried by clients
 *       +12.4 s  s1  killed (SIGKILL)
 *       +20.9 s  s1  restarted
 *
 * A header line `Faults during the run:  <N> injected, <M> operations retried by clients`
 * (N may be 0), then one line per event, N in all, in time order:
 * `  +<seconds since the run started, one decimal> s  <node id>  <event>`, where event is
 * `killed (SIGKILL)`, `stopped (SIGTERM)`, `restarted`, `paused (SIGSTOP)`,
 * `resumed (SIGCONT)`, `link cut <a>-><b>`, `link delayed <a>-><b> <ms> ms` or
 * `link healed <a>-><b>` (the signal in parentheses is the one actually sent; a link a->b
 * carries a's messages to b, and the node field is a). Two spaces separate the fields.
 */
import type { FaultEvent } from './fault-journal';

export const FAULT_HEADER_PREFIX = 'Faults during the run:';

const HEADER = /^Faults during the run: {2}(\d+) injected, (\d+) operations retried by clients$/;
const EVENT = /^ {2}\+(\d+\.\d) s {2}(\S+) {2}(\S.*)$/;
/** The event texts describeFault writes; a link event's first end is the line's node. */
const EVENT_TEXT = /^(?:(?:killed|stopped|paused|resumed) \(SIG[A-Z0-9]+\)|restarted|link (?:cut|healed) (\S+)->\S+|link delayed (\S+)->\S+ \d+ ms)$/;

export interface FaultSection {
  injected: number;
  retried: number;
  events: Array<{ offsetSecs: number; node: string; event: string }>;
}

/** The event's text in the log. */
export function describeFault(e: FaultEvent): string {
  switch (e.event) {
    case 'killed':
    case 'stopped':
    case 'paused':
    case 'resumed':
      return `${e.event} (${e.signal ?? defaultSignal(e.event)})`;
    case 'restarted':
      return 'restarted';
    case 'link-cut':
      return `link cut ${e.node}->${e.peer ?? '?'}`;
    case 'link-delayed':
      return `link delayed ${e.node}->${e.peer ?? '?'} ${e.ms ?? '?'} ms`;
    case 'link-healed':
      return `link healed ${e.node}->${e.peer ?? '?'}`;
  }
}

function defaultSignal(event: 'killed' | 'stopped' | 'paused' | 'resumed'): string {
  return { killed: 'SIGKILL', stopped: 'SIGTERM', paused: 'SIGSTOP', resumed: 'SIGCONT' }[event];
}

/**
 * The section's lines for a run that began at wall-clock `runStartMs` and ended at
 * `runEndMs`: the journal events inside that window, in time order.
 */
export function formatFaultSection(events: readonly FaultEvent[], runStartMs: number, runEndMs: number, retried: number): string[] {
  const inRun = events.filter((e) => e.t >= runStartMs && e.t <= runEndMs).sort((a, b) => a.t - b.t);
  return [
    `${FAULT_HEADER_PREFIX}  ${inRun.length} injected, ${retried} operations retried by clients`,
    ...inRun.map((e) => `  +${((e.t - runStartMs) / 1000).toFixed(1)} s  ${e.node}  ${describeFault(e)}`),
  ];
}

/** Finds the section in a log's lines and reads it back; undefined when the log has none. Throws on a malformed section. */
export function parseFaultSection(lines: readonly string[]): FaultSection | undefined {
  const start = lines.findIndex((l) => l.startsWith(FAULT_HEADER_PREFIX));
  if (start < 0) return undefined;
  const header = HEADER.exec(lines[start]!);
  if (!header) throw new Error(`line ${start + 1}: malformed fault header: ${lines[start]}`);
  const injected = Number(header[1]);
  const events: FaultSection['events'] = [];
  for (let i = 1; i <= injected; i++) {
    const line = lines[start + i];
    const m = line === undefined ? null : EVENT.exec(line);
    if (!m) throw new Error(`line ${start + i + 1}: expected fault event ${i} of ${injected}, found: ${line ?? 'end of log'}`);
    const text = EVENT_TEXT.exec(m[3]!);
    const linkFrom = text?.[1] ?? text?.[2];
    if (!text || (linkFrom !== undefined && linkFrom !== m[2])) throw new Error(`line ${start + i + 1}: unknown fault event: ${line}`);
    events.push({ offsetSecs: Number(m[1]), node: m[2]!, event: m[3]! });
  }
  return { injected, retried: Number(header[2]), events };
}
