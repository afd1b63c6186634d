/**
 * Where the dashboard's picture of a cluster comes from, and what it may do to it. A source
 * observes the cluster once per poll; a source over a local cluster (one whose folder the
 * dashboard was given, or which it was handed already started) also performs the fault
 * actions, through the same LocalCluster calls the `pN::crash/pause/…` recipes use. A source
 * over a cluster known only by its managers' addresses performs none: its nodes are someone
 * else's processes. Stage 4 plugs in as another source (or reuses these) without the server
 * or the page changing.
 */
import type { Observation } from './dashboard-model';

export const ACTION_KINDS = ['kill', 'pause', 'resume', 'restart', 'transfer', 'cut', 'heal'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** A fault or admin action asked for from the page; cut and heal act on the links between node and peer. */
export interface DashboardAction {
  kind: ActionKind;
  node: string;
  peer?: string;
}

export interface SourceInfo {
  stage: string;
  /** What the dashboard watches: the cluster folder or the managers' addresses. */
  target: string;
  /** The actions this source performs (empty: it only watches). */
  actions: ActionKind[];
  /** Why it performs none, for the page (when `actions` is empty). */
  readOnlyReason?: string;
}

export interface ClusterSource {
  readonly info: SourceInfo;
  observe(): Promise<Observation>;
  /** Performs an action; resolves to what was done, in words; rejects with why not. */
  perform(action: DashboardAction): Promise<string>;
}

/** Checks an action request from the page; a string says what is wrong with it. */
export function parseAction(v: unknown): DashboardAction | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'an action is an object { kind, node, peer? }';
  const o = v as Record<string, unknown>;
  if (typeof o['kind'] !== 'string' || !(ACTION_KINDS as readonly string[]).includes(o['kind'])) return `unknown action ${JSON.stringify(o['kind'])}: one of ${ACTION_KINDS.join(', ')}`;
  if (typeof o['node'] !== 'string' || !/^[\w.]{1,32}$/.test(o['node'])) return 'the action needs the node it acts on';
  const kind = o['kind'] as ActionKind;
  if (o['peer'] !== undefined && (typeof o['peer'] !== 'string' || !/^[\w.]{1,32}$/.test(o['peer']))) return 'peer must be a node id';
  if (kind === 'cut' && o['peer'] === undefined) return 'cut needs the peer at the link\'s other end';
  return { kind, node: o['node'], ...(o['peer'] !== undefined ? { peer: o['peer'] as string } : {}) };
}
