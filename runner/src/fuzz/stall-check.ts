/**
 * Progress, the fuzz's liveness check: a store that stops answering is as broken as one that
 * answers wrong, and some classic mistakes of stage 4 (a watermark that never covers the last
 * clock handed out) show only as a stall: transactions time out and the history, holding
 * nothing but unknown outcomes, is trivially serializable.
 *
 * The rule, over the run's timeline (microseconds since it began):
 * - an answer is a committed or aborted transaction's return (an unknown outcome is the
 *   client giving up, not an answer);
 * - a gap is a stretch between consecutive answers, from the first call to the last moment a
 *   client was still waiting (the last return, or the end of the run for a client that never
 *   got one);
 * - every fault excuses a while: from its start (a kill, a stop, a pause, a cut or delayed
 *   link) until `grace` after it was undone (restarted, resumed, healed), or to the end of
 *   the run. A group that lost a minority should carry on sooner, but with one replica (rf 1)
 *   a killed node's shard is down until it restarts, and a paused node or a cut link holds the
 *   requests already sent to it until the client's timeout;
 * - a stall is a part of a gap, outside every excused while, at least `threshold` long.
 * Pure: the fuzz command reads the clock and the fault journal and passes them in.
 */
import type { FaultEvent } from '../faults/fault-journal';

export interface Interval {
  from: number;
  to: number;
}

/** A transaction as the check sees it: its call, its return (null: none), whether it was answered. */
export interface TimedTxn {
  call: number;
  ret: number | null;
  outcome: 'committed' | 'aborted' | 'unknown';
}

export interface ProgressReport {
  /** The longest gap between answers. */
  longestGap: Interval;
  /** Parts of gaps, outside the faults' excused whiles, at least the threshold long. */
  stalls: Interval[];
}

/** The whiles the faults excuse, in run time (µs), merged and sorted; `startMs` is the run's start on the wall clock. */
export function excusedWhiles(events: readonly FaultEvent[], startMs: number, endMicros: number, graceMicros: number): Interval[] {
  const at = (e: FaultEvent): number => (e.t - startMs) * 1000;
  const open = new Map<string, number>();
  const out: Interval[] = [];
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    const link = `${e.node}->${e.peer ?? ''}`;
    switch (e.event) {
      case 'killed':
      case 'stopped':
      case 'paused':
        if (!open.has(e.node)) open.set(e.node, at(e));
        break;
      case 'link-cut':
      case 'link-delayed':
        if (!open.has(link)) open.set(link, at(e));
        break;
      case 'restarted':
      case 'resumed':
      case 'link-healed': {
        const key = e.event === 'link-healed' ? link : e.node;
        const from = open.get(key);
        open.delete(key);
        out.push({ from: from ?? at(e), to: at(e) + graceMicros });
        break;
      }
    }
  }
  for (const from of open.values()) out.push({ from, to: Math.max(from, endMicros) + graceMicros });
  return merge(out);
}

function merge(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ ...i });
  }
  return out;
}

/** `gap` minus the excused whiles (sorted, merged). */
function unexcused(gap: Interval, excused: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let from = gap.from;
  for (const e of excused) {
    if (e.to <= from) continue;
    if (e.from >= gap.to) break;
    if (e.from > from) out.push({ from, to: e.from });
    from = Math.max(from, e.to);
    if (from >= gap.to) return out;
  }
  if (from < gap.to) out.push({ from, to: gap.to });
  return out;
}

export function checkProgress(txns: readonly TimedTxn[], endMicros: number, excused: readonly Interval[], thresholdMicros: number): ProgressReport {
  if (txns.length === 0) return { longestGap: { from: 0, to: 0 }, stalls: [] };
  let first = Infinity;
  let lastWait = -Infinity;
  const answers: number[] = [];
  for (const t of txns) {
    first = Math.min(first, t.call);
    lastWait = Math.max(lastWait, t.ret ?? endMicros);
    if (t.outcome !== 'unknown' && t.ret !== null) answers.push(t.ret);
  }
  answers.sort((a, b) => a - b);
  const points = [first, ...answers.filter((a) => a > first && a < lastWait), lastWait];
  let longestGap: Interval = { from: first, to: first };
  const stalls: Interval[] = [];
  for (let i = 1; i < points.length; i++) {
    const gap = { from: points[i - 1]!, to: points[i]! };
    if (gap.to - gap.from > longestGap.to - longestGap.from) longestGap = gap;
    if (gap.to - gap.from < thresholdMicros) continue;
    for (const part of unexcused(gap, excused)) if (part.to - part.from >= thresholdMicros) stalls.push(part);
  }
  return { longestGap, stalls };
}

/** The log's lines for the check: one when the store kept answering, one per stall otherwise. */
export function progressLines(r: ProgressReport, thresholdMicros: number): string[] {
  const s = (us: number): string => `${(us / 1e6).toFixed(1)} s`;
  const rule = `stall: ${s(thresholdMicros)} without an answer, more than ${s(thresholdMicros)} after any fault`;
  if (r.stalls.length === 0) return [`  Progress:  longest wait for an answer ${s(r.longestGap.to - r.longestGap.from)} (${rule})`];
  return r.stalls.map((st) => `  Progress:  STALLED: no transaction answered from +${s(st.from)} to +${s(st.to)} (${s(st.to - st.from)}) with no fault to excuse it (${rule})`);
}
