/**
 * What the dashboard shows, computed from what its cluster source observed. Pure: each poll's
 * observation comes in with its time; the view (plain JSON, sent to the page as is) comes
 * out. The model keeps what a single observation cannot tell:
 *
 * - each node's previous request totals, so that a group's throughput (requests/s) and mean
 *   latency over the last interval are differences of the status RPC's running totals summed
 *   over the group's replicas (a restarted node's totals start again from zero: a total
 *   smaller than before counts from zero);
 * - a short history of those per group, for the sparklines;
 * - a timeline: leader changes it saw, the faults the cluster's journal recorded, and, for a
 *   cluster without a journal (one given by its managers), nodes that stopped or started
 *   answering.
 */
import type { FaultEvent } from '../faults/fault-journal';
import type { NodeStatus } from '../../../kvstore/src/status/node-status';
import type { GroupSpec } from '../cluster/layout';
import { type NodeAnswer, groupLeader } from '../cluster/cluster-status';

/** One node as a source saw it. `running` is a process that is alive but has no status RPC (stage 2). */
export type NodeState = 'up' | 'down' | 'paused' | 'silent' | 'running';

export interface ObservedNode {
  node: string;
  /** Its group's id (`m`, `0`, `1`, …). */
  group: string;
  address: string;
  pid?: number;
  answer: NodeAnswer | { state: 'running' };
}

/** One poll of a cluster. */
export interface Observation {
  /** Wall-clock milliseconds of the poll. */
  t: number;
  nodes: ObservedNode[];
  groups: GroupSpec[];
  /** Journal events that appeared since the previous poll. */
  faults: FaultEvent[];
  /** Links not passing freely (`a->b`), or why they are unknown; absent without a link proxy. */
  links?: { cut: string[]; delayed: string[] } | { error: string };
}

export interface NodeView {
  node: string;
  group: string;
  address: string;
  pid?: number;
  state: NodeState;
  why?: string;
  status?: NodeStatus;
  /** The node id of the leader it follows (its own id when it leads). */
  follows?: string;
}

export interface SeriesPoint {
  t: number;
  /** Requests answered per second over the interval (all replicas of the group). */
  rate: number;
  /** Their mean latency in ms, or null when none was answered. */
  latencyMs: number | null;
}

export interface GroupView {
  id: string;
  name: string;
  members: string[];
  leader: string | null;
  term: number | null;
  series: SeriesPoint[];
}

export interface TimelineEvent {
  t: number;
  kind: 'leader' | 'fault' | 'node';
  group?: string;
  node?: string;
  text: string;
}

export interface DashboardView {
  t: number;
  nodes: NodeView[];
  groups: GroupView[];
  timeline: TimelineEvent[];
  links?: Observation['links'];
}

export interface ModelOptions {
  /** Points kept per sparkline (default 120: 30 s at 4 polls a second). */
  historyPoints?: number;
  /** Timeline events kept (default 200, the newest). */
  timelineEvents?: number;
  /** Whether node state changes go on the timeline (when no journal records the faults). */
  observeNodeChanges?: boolean;
}

export function groupName(id: string): string {
  return id === 'm' ? 'managers' : `partition ${id}`;
}

export function describeFault(e: FaultEvent): string {
  switch (e.event) {
    case 'link-cut':
      return `link ${e.node}->${e.peer} cut`;
    case 'link-delayed':
      return `link ${e.node}->${e.peer} delayed ${e.ms} ms`;
    case 'link-healed':
      return `link ${e.node}->${e.peer} healed`;
    default:
      return `${e.node} ${e.event}${e.signal !== undefined ? ` (${e.signal})` : ''}`;
  }
}

interface Totals {
  requests: number;
  micros: number;
}

export class DashboardModel {
  private readonly history = new Map<string, SeriesPoint[]>();
  private readonly totals = new Map<string, Totals>();
  private readonly leaders = new Map<string, string | null>();
  private readonly states = new Map<string, NodeState>();
  private timeline: TimelineEvent[] = [];
  private lastT: number | undefined;
  private latest: DashboardView = { t: 0, nodes: [], groups: [], timeline: [] };

  constructor(private readonly options: ModelOptions = {}) {}

  /** Takes one poll's observation; returns the view after it. */
  observe(o: Observation): DashboardView {
    const dt = this.lastT === undefined ? undefined : (o.t - this.lastT) / 1000;
    this.lastT = o.t;
    for (const f of o.faults) this.push({ t: f.t, kind: 'fault', node: f.node, text: describeFault(f) });
    const answers = new Map<string, NodeAnswer>();
    for (const n of o.nodes) if (n.answer.state !== 'running') answers.set(n.node, n.answer);
    const members = new Map(o.groups.map((g) => [g.id, g.members]));

    const nodes = o.nodes.map((n): NodeView => {
      const view: NodeView = { node: n.node, group: n.group, address: n.address, state: n.answer.state, ...(n.pid !== undefined ? { pid: n.pid } : {}) };
      if (n.answer.state === 'up') {
        const s = n.answer.status;
        view.status = s;
        const leader = s.leader >= 0 ? members.get(n.group)?.[s.leader] : undefined;
        if (leader !== undefined) view.follows = leader;
      } else if (n.answer.state === 'silent') view.why = n.answer.why;
      const before = this.states.get(n.node);
      if (this.options.observeNodeChanges && before !== undefined && before !== view.state) {
        this.push({ t: o.t, kind: 'node', node: n.node, text: `${n.node} ${view.state === 'up' || view.state === 'running' ? 'answers again' : `is ${view.state}`}` });
      }
      this.states.set(n.node, view.state);
      return view;
    });

    const groups = o.groups.map((g): GroupView => {
      const leader = groupLeader(g, answers) ?? null;
      const term = leader !== null ? (answers.get(leader) as { status: NodeStatus }).status.term : null;
      const before = this.leaders.get(g.id);
      // A group of one always leads itself: its faults tell its story.
      if (g.members.length > 1 && (before !== undefined ? before !== leader : leader !== null)) {
        this.push({ t: o.t, kind: 'leader', group: g.id, text: leader !== null ? `${groupName(g.id)}: ${leader} leads (term ${term})` : `${groupName(g.id)}: no leader${before ? ` (was ${before})` : ''}` });
      }
      this.leaders.set(g.id, leader);
      const series = this.history.get(g.id) ?? [];
      const point = this.point(g, answers, o.t, dt);
      if (point !== undefined) {
        series.push(point);
        const keep = this.options.historyPoints ?? 120;
        if (series.length > keep) series.splice(0, series.length - keep);
      }
      this.history.set(g.id, series);
      return { id: g.id, name: groupName(g.id), members: [...g.members], leader, term, series: [...series] };
    });

    this.latest = { t: o.t, nodes, groups, timeline: [...this.timeline], ...(o.links !== undefined ? { links: o.links } : {}) };
    return this.latest;
  }

  /** The view after the latest observation. */
  get view(): DashboardView {
    return this.latest;
  }

  /** Adds an event the dashboard itself caused or saw (e.g. an action's outcome). */
  note(event: TimelineEvent): void {
    this.push(event);
    this.latest = { ...this.latest, timeline: [...this.timeline] };
  }

  /** The group's point for this interval (undefined on the first poll, or when no replica counts requests). */
  private point(g: GroupSpec, answers: ReadonlyMap<string, NodeAnswer>, t: number, dt: number | undefined): SeriesPoint | undefined {
    let requests = 0;
    let micros = 0;
    let counted = false;
    for (const node of g.members) {
      const a = answers.get(node);
      if (a?.state !== 'up' || a.status.requests === undefined) continue;
      counted = true;
      const now: Totals = { requests: a.status.requests, micros: a.status.requestMicros ?? 0 };
      const prev = this.totals.get(node);
      // A node seen for the first time adds nothing yet; totals that went down belong to a
      // restarted process, which counts from zero.
      if (prev !== undefined) {
        const restarted = now.requests < prev.requests || now.micros < prev.micros;
        requests += restarted ? now.requests : now.requests - prev.requests;
        micros += restarted ? now.micros : now.micros - prev.micros;
      }
      this.totals.set(node, now);
    }
    if (!counted || dt === undefined || dt <= 0) return undefined;
    return { t, rate: requests / dt, latencyMs: requests > 0 ? micros / requests / 1000 : null };
  }

  private push(e: TimelineEvent): void {
    this.timeline.push(e);
    this.timeline.sort((a, b) => a.t - b.t);
    const keep = this.options.timelineEvents ?? 200;
    if (this.timeline.length > keep) this.timeline.splice(0, this.timeline.length - keep);
  }
}
