/**
 * The nemesis's plan, as a pure seeded state machine: which fault to inject into which
 * replica when, and when to undo it. The driver (nemesis.ts) feeds it the time and the
 * groups' current leaders and carries out what it returns; nothing here reads a clock, a
 * socket or Math.random, so a seed and the same inputs give the same schedule.
 *
 * Every `interval` (drawn from a range), it picks a group (the manager group or a partition)
 * that still has room for a fault, and in it one replica, the group's current leader with
 * probability `leaderBias` when the leader is known and healthy, else any healthy replica,
 * and one fault for it, lasting a drawn time:
 *
 *   kill    kill -9, restarted when the fault ends (on its storage);
 *   pause   SIGSTOP, SIGCONT when it ends;
 *   cut     its links to the group's other replicas cut: out (its messages are lost), in
 *           (messages to it are lost) or both, healed when it ends;
 *   delay   its links both ways held back by a drawn delay, healed when it ends.
 *
 * The invariant it keeps: in each group of n replicas at most f = (n-1)/2 replicas are under
 * any fault at once, so a majority of every group is always up, unpaused and fully connected; a
 * group of one or two replicas gets no fault. A replica counts from its injection until the
 * driver reports its recovery carried out (`recovered`): a restart takes a while, and the
 * replica is not back before it is done. `finish` undoes everything still active.
 */
import { SeededRandom } from '../random';

export const NEMESIS_FAULTS = ['kill', 'pause', 'cut', 'delay'] as const;
export type NemesisFaultKind = (typeof NEMESIS_FAULTS)[number];

export interface NemesisGroup {
  /** `m` or a partition number. */
  id: string;
  /** Node ids of its replicas. */
  members: string[];
}

export interface NemesisConfig {
  groups: NemesisGroup[];
  faults: NemesisFaultKind[];
  seed: number;
  /** Time between two injections, ms: drawn uniformly from [min, max]. */
  intervalMs: [number, number];
  /** How long a fault lasts, ms. */
  faultMs: [number, number];
  /** The delay added by a delay fault, ms. */
  delayMs: [number, number];
  /** Probability of aiming at the group's leader (when it is known and healthy). */
  leaderBias: number;
}

export interface Fault {
  id: number;
  group: string;
  node: string;
  kind: NemesisFaultKind;
  /** cut and delay: which of the node's links. */
  links?: 'out' | 'in' | 'both';
  /** delay: ms added. */
  delayMs?: number;
  /** The node led its group when it was chosen. */
  wasLeader: boolean;
  /** When it was injected and when it is to be undone, ms since the start. */
  at: number;
  until: number;
}

export type NemesisAction = { kind: 'inject'; fault: Fault } | { kind: 'recover'; fault: Fault };

/** f: the replicas a group of n can lose and still have a majority. */
export function tolerated(n: number): number {
  return Math.floor((n - 1) / 2);
}

export function checkNemesisConfig(c: NemesisConfig): string | undefined {
  const range = (name: string, r: [number, number], min: number): string | undefined =>
    Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] >= min && r[1] >= r[0] ? undefined : `${name} must be a range min,max with ${min} <= min <= max, got ${r.join(',')}`;
  if (c.faults.length === 0) return 'name at least one fault (kill, pause, cut, delay)';
  if (!(c.leaderBias >= 0 && c.leaderBias <= 1)) return 'the leader bias is a probability (0..1)';
  return range('the interval', c.intervalMs, 1) ?? range('the fault length', c.faultMs, 1) ?? range('the delay', c.delayMs, 0);
}

export class NemesisSchedule {
  private readonly rnd: SeededRandom;
  private readonly activeFaults: Fault[] = [];
  /** Faults whose recovery was handed to the driver and not yet reported done. */
  private readonly recovering = new Map<number, Fault>();
  private nextInjection: number;
  private nextId = 1;

  constructor(private readonly config: NemesisConfig) {
    const problem = checkNemesisConfig(config);
    if (problem !== undefined) throw new RangeError(problem);
    this.rnd = new SeededRandom(config.seed);
    this.nextInjection = this.draw(config.intervalMs);
  }

  /** Faults injected whose recovery is not yet due. */
  get active(): readonly Fault[] {
    return this.activeFaults;
  }

  /** Faults whose recovery is being carried out. */
  get inRecovery(): readonly Fault[] {
    return [...this.recovering.values()];
  }

  /** Replicas of the group under a fault now (recovering ones included). */
  faultyIn(group: string): string[] {
    return [...this.activeFaults, ...this.recovering.values()].filter((f) => f.group === group).map((f) => f.node);
  }

  /** The next time (ms since the start) the schedule has something to do. */
  nextAt(): number {
    return Math.min(this.nextInjection, ...this.activeFaults.map((f) => f.until));
  }

  /** Whether `step(now)` would consider an injection (so the driver knows to look up leaders first). */
  injectionDue(now: number): boolean {
    return now >= this.nextInjection;
  }

  /**
   * What to do at `now`: the recoveries that are due (each fault still counts until the driver
   * reports it `recovered`, or puts it back with `retry`), then at most one injection.
   */
  step(now: number, leaders: ReadonlyMap<string, string | undefined>): NemesisAction[] {
    const out: NemesisAction[] = [];
    for (const f of [...this.activeFaults].sort((a, b) => a.until - b.until || a.id - b.id)) {
      if (f.until > now) continue;
      this.startRecovery(f);
      out.push({ kind: 'recover', fault: f });
    }
    if (now >= this.nextInjection) {
      this.nextInjection = now + this.draw(this.config.intervalMs);
      const fault = this.pickFault(now, leaders);
      if (fault !== undefined) {
        this.activeFaults.push(fault);
        out.push({ kind: 'inject', fault });
      }
    }
    return out;
  }

  /** The driver carried out the fault's recovery: its replica is healthy again. */
  recovered(fault: Fault): void {
    this.recovering.delete(fault.id);
  }

  /**
   * A recovery (or an injection) that could not be carried out: the fault stays active and is
   * undone (again) at `at`.
   */
  retry(fault: Fault, at: number): void {
    this.recovering.delete(fault.id);
    const i = this.activeFaults.findIndex((f) => f.id === fault.id);
    if (i >= 0) this.activeFaults.splice(i, 1);
    this.activeFaults.push({ ...fault, until: at });
  }

  /** Recoveries for every fault still active (not those already recovering): the end of the run. */
  finish(): NemesisAction[] {
    const due = [...this.activeFaults].sort((a, b) => a.id - b.id);
    for (const f of due) this.startRecovery(f);
    return due.map((fault): NemesisAction => ({ kind: 'recover', fault }));
  }

  private startRecovery(f: Fault): void {
    this.activeFaults.splice(this.activeFaults.indexOf(f), 1);
    this.recovering.set(f.id, f);
  }

  private pickFault(now: number, leaders: ReadonlyMap<string, string | undefined>): Fault | undefined {
    const open = this.config.groups.filter((g) => this.faultyIn(g.id).length < tolerated(g.members.length));
    if (open.length === 0) return undefined;
    const group = open[this.rnd.nextInt(open.length)]!;
    const faulty = new Set(this.faultyIn(group.id));
    const healthy = group.members.filter((m) => !faulty.has(m));
    const leader = leaders.get(group.id);
    const leaderFree = leader !== undefined && healthy.includes(leader);
    // Draw the leader coin even when it cannot be used, so the draws do not depend on leadership.
    const aimAtLeader = this.rnd.nextDouble() < this.config.leaderBias;
    const node = aimAtLeader && leaderFree ? leader : healthy[this.rnd.nextInt(healthy.length)]!;
    const kind = this.config.faults[this.rnd.nextInt(this.config.faults.length)]!;
    const fault: Fault = { id: this.nextId++, group: group.id, node, kind, wasLeader: node === leader, at: now, until: now + this.draw(this.config.faultMs) };
    if (kind === 'cut') fault.links = (['out', 'in', 'both'] as const)[this.rnd.nextInt(3)]!;
    if (kind === 'delay') {
      fault.links = 'both';
      fault.delayMs = this.draw(this.config.delayMs);
    }
    return fault;
  }

  private draw([min, max]: [number, number]): number {
    return min + Math.floor(this.rnd.nextDouble() * (max - min + 1));
  }
}
