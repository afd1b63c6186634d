/** Failure reports of the checker, written for a student reading a log on one screen. */
import { type CheckResult, type Violation, showValue } from './checker';
import type { HistoryOp } from './history';

export interface ReportOptions {
  /** Unit of the history's timestamps, shown after them ('' when unknown). */
  timeUnit: string;
  /** Show at most this many violations (one per key). */
  maxViolations?: number;
  /** Show at most this many operations per violation. */
  maxOps?: number;
}

/**
 * A count with its thousands separated by commas, as toLocaleString('en-US') writes it, without
 * loading the locale's data (about 12 ms of CPU the first time, most of a small check's report).
 */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function describeOp(op: HistoryOp, forKey?: string): string {
  const pending = op.ret === null;
  const tail = (answer: string): string => (pending ? ' -> (never returned)' : ` -> ${answer}`);
  switch (op.op) {
    case 'PUT':
      return `PUT ${op.key} ${showValue(op.value)}${tail(op.result ?? '?')}`;
    case 'SWAP':
      return `SWAP ${op.key} ${showValue(op.value)}${tail(`old ${op.result === null ? 'null' : showValue(op.result)}`)}`;
    case 'GET':
      return `GET ${op.key}${tail(op.result === null ? 'null' : showValue(op.result))}`;
    case 'DELETE':
      return `DELETE ${op.key}${tail(op.result ?? '?')}`;
    case 'SCAN': {
      if (pending || op.result === null) return `SCAN ${op.start} ${op.end}${tail('')}`;
      const n = `${op.result.length} pair${op.result.length === 1 ? '' : 's'}`;
      if (forKey === undefined) return `SCAN ${op.start} ${op.end} -> ${n}`;
      const pair = op.result.find(([k]) => k === forKey);
      return `SCAN ${op.start} ${op.end} -> ${n}; for ${forKey}: ${pair === undefined ? 'absent' : showValue(pair[1])}`;
    }
  }
}

function formatTime(t: number | null, unit: string): string {
  if (t === null) return '...';
  const s = Number.isInteger(t) ? String(t) : t.toFixed(3);
  return unit === '' ? s : `${s}${unit}`;
}

function opLine(history: readonly HistoryOp[], index: number, key: string, options: ReportOptions): string {
  const op = history[index]!;
  const when = `[${formatTime(op.call, options.timeUnit)} .. ${formatTime(op.ret, options.timeUnit)}]`;
  return `    #${String(index + 1).padEnd(7)} client ${String(op.client).padEnd(3)} ${when.padEnd(30)} ${describeOp(op, key)}`;
}

export function formatViolation(v: Violation, history: readonly HistoryOp[], options: ReportOptions): string[] {
  const maxOps = options.maxOps ?? 40;
  const lines = [`  Violation on key ${v.key}: ${v.summary}`];
  if (v.context.length > 0 || v.priorValues.length > 0) {
    const values = [...new Set(v.priorValues.map(showValue))];
    if (values.length > 0) lines.push(`   Before these operations the key could hold: ${values.join(' or ')}`);
    for (const i of v.context.slice(0, maxOps)) lines.push(`${opLine(history, i, v.key, options)}   (earlier write)`);
  }
  lines.push(`   Operations that cannot be put in any legal order (#N = line N of the history):`);
  for (const i of v.ops.slice(0, maxOps)) lines.push(opLine(history, i, v.key, options));
  if (v.ops.length > maxOps) lines.push(`    ... and ${v.ops.length - maxOps} more`);
  for (const l of v.explanation) lines.push(`   ${l}`);
  return lines;
}

/** The body of a failure report (the caller prints the verdict line). */
export function formatCheckReport(result: CheckResult, history: readonly HistoryOp[], options: ReportOptions): string[] {
  const lines: string[] = [];
  const max = options.maxViolations ?? 3;
  for (const v of result.violations.slice(0, max)) lines.push(...formatViolation(v, history, options));
  if (result.violations.length > max) {
    lines.push(`  ... and violations on ${result.violations.length - max} more key(s): ${result.violations.slice(max).map((v) => v.key).join(', ')}`);
  }
  lines.push(...describeUndecided(result));
  return lines;
}

/** Which keys were left undecided and why, in one or two lines (none if every key was decided). */
export function describeUndecided(result: CheckResult): string[] {
  const timed = result.undecided.filter((u) => u.reason === 'time').map((u) => u.key);
  const memory = result.undecided.filter((u) => u.reason === 'memory').map((u) => u.key);
  const lines: string[] = [];
  const list = (keys: string[]): string => (keys.length <= 10 ? keys.join(', ') : `${keys.slice(0, 10).join(', ')} and ${keys.length - 10} more`);
  if (timed.length > 0) lines.push(`  Undecided at the time limit: key(s) ${list(timed)} (a longer --timeout may decide them)`);
  if (memory.length > 0) lines.push(`  Undecided, the search's memo reached its cap: key(s) ${list(memory)} (--memo-mb raises it)`);
  return lines;
}
