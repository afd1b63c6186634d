/**
 * The fault journal: every fault the harness injects (a kill, a stop, a restart; later a
 * pause or a cut link), one JSON line each, appended by whoever injects it (the local
 * cluster tool, the stage-3 nemesis) and read by the fuzz runner, which reports the events
 * that fell within its run. By default `<cluster dir>/faults.jsonl`.
 *
 *     {"t": 1733112345678, "node": "s1", "event": "killed", "signal": "SIGKILL"}
 *     {"t": 1733112353012, "node": "s1", "event": "restarted"}
 *     {"t": 1733112360000, "node": "s0.0", "event": "link-cut", "peer": "s0.1"}
 *     {"t": 1733112361000, "node": "s0.1", "event": "link-delayed", "peer": "s0.2", "ms": 200}
 *
 * t: wall-clock milliseconds (Date.now()) when the fault took effect; node: the node id
 * (m, s0, m.0, s0.1, proxy, …); event: killed | stopped | restarted | paused | resumed |
 * link-cut | link-delayed | link-healed; signal: the signal sent (killed, stopped, paused,
 * resumed); peer: the other end of a link (link events, which need it: the link is node ->
 * peer, the direction node's messages to peer travel); ms: the added delay (link-delayed,
 * which needs it). A link-healed event ends a cut or a delay.
 */
import * as fs from 'node:fs';

export const FAULT_JOURNAL_FILE = 'faults.jsonl';

export const FAULT_EVENTS = ['killed', 'stopped', 'restarted', 'paused', 'resumed', 'link-cut', 'link-delayed', 'link-healed'] as const;
export type FaultEventKind = (typeof FAULT_EVENTS)[number];

export interface FaultEvent {
  t: number;
  node: string;
  event: FaultEventKind;
  signal?: string;
  peer?: string;
  /** link-delayed: the delay added to the link, in milliseconds. */
  ms?: number;
}

/** The event a signal sent to a node amounts to. */
export function signalEvent(signal: NodeJS.Signals): FaultEventKind {
  switch (signal) {
    case 'SIGKILL':
      return 'killed';
    case 'SIGSTOP':
      return 'paused';
    case 'SIGCONT':
      return 'resumed';
    default:
      return 'stopped';
  }
}

/** Appends one event (one write of one line, so concurrent appenders do not interleave). */
export function appendFault(file: string, event: FaultEvent): void {
  fs.appendFileSync(file, JSON.stringify(event) + '\n');
}

export interface JournalContents {
  events: FaultEvent[];
  /** Lines that are not events (a torn last line after a crash, a hand edit): skipped and counted. */
  malformed: number;
}

/** The journal's events in file order; an absent journal has none. */
export function readFaults(file: string): JournalContents {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], malformed: 0 };
    throw err;
  }
  const events: FaultEvent[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const e = parseEvent(line);
    if (e === undefined) malformed++;
    else events.push(e);
  }
  return { events, malformed };
}

/**
 * The events appended since byte `offset` (0: from the start), for a reader that follows the
 * journal as it grows (the dashboard). Only whole lines are read: `next` is where the first
 * line not yet ended begins, the offset to pass next time. A journal that got shorter (a new
 * cluster started in the folder) is read again from its start.
 */
export function readFaultsFrom(file: string, offset: number): JournalContents & { next: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], malformed: 0, next: 0 };
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const from = size < offset ? 0 : offset;
    const buf = Buffer.alloc(size - from);
    const read = buf.length > 0 ? fs.readSync(fd, buf, 0, buf.length, from) : 0;
    const end = buf.subarray(0, read).lastIndexOf(0x0a) + 1;
    const events: FaultEvent[] = [];
    let malformed = 0;
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      const e = parseEvent(line);
      if (e === undefined) malformed++;
      else events.push(e);
    }
    return { events, malformed, next: from + end };
  } finally {
    fs.closeSync(fd);
  }
}

function parseEvent(line: string): FaultEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o['t'] !== 'number' || !Number.isFinite(o['t']) || typeof o['node'] !== 'string' || !/^\S+$/.test(o['node'])) return undefined;
  if (!(FAULT_EVENTS as readonly unknown[]).includes(o['event'])) return undefined;
  const e: FaultEvent = { t: o['t'], node: o['node'], event: o['event'] as FaultEventKind };
  if (typeof o['signal'] === 'string') e.signal = o['signal'];
  if (typeof o['peer'] === 'string') e.peer = o['peer'];
  // A link event without its other end, or a delay without its length, cannot be reported.
  if (e.event.startsWith('link-') && (e.peer === undefined || !/^\S+$/.test(e.peer))) return undefined;
  if (e.event === 'link-delayed') {
    if (!Number.isSafeInteger(o['ms']) || (o['ms'] as number) < 0) return undefined;
    e.ms = o['ms'] as number;
  }
  return e;
}
