/**
 * The dashboard's source over a local cluster (cluster/local-cluster.ts): stage 3 asks each
 * replica for its status (a paused one is not asked), reads the link proxy's cut and delayed
 * links, and follows the fault journal; stage 2 asks each partition server (a group of one)
 * and shows whether the manager, which has no status, is alive. Actions are LocalCluster's own (kill -9, SIGSTOP/SIGCONT,
 * restart on the node's storage, leadership transfer, cut/heal through the proxy), so each is
 * journaled exactly as the recipes' are.
 */
import type { GroupSpec } from '../cluster/layout';
import { LocalCluster, describeLinks } from '../cluster/local-cluster';
import { readFaultsFrom } from '../faults/fault-journal';
import { queryStatus } from '../../../kvstore/src/status/query-status';
import type { ActionKind, ClusterSource, DashboardAction, SourceInfo } from './cluster-source';
import { type Observation, type ObservedNode, groupName } from './dashboard-model';

export interface LocalSourceOptions {
  /** How long a node may take to answer status before it shows as not answering. */
  statusTimeoutMs?: number;
  /** How long a transfer may take. */
  transferWaitMs?: number;
}

export class LocalClusterSource implements ClusterSource {
  readonly info: SourceInfo;
  private journalOffset = 0;

  constructor(
    private readonly cluster: LocalCluster,
    private readonly options: LocalSourceOptions = {},
  ) {
    const actions: ActionKind[] = ['kill', 'pause', 'resume', 'restart'];
    if (cluster.kind === 'p3') actions.push('transfer');
    if (cluster.hasProxy) actions.push('cut', 'heal');
    this.info = { stage: cluster.kind, target: cluster.dir, actions };
  }

  /** The cluster whose layout is saved in `dir`; restarted nodes outlive the dashboard. */
  static load(dir: string, options: LocalSourceOptions = {}): LocalClusterSource {
    return new LocalClusterSource(LocalCluster.load(dir, { detached: true }), options);
  }

  /** Stage 2's groups: the manager, and each partition's one server. */
  private get groups(): GroupSpec[] {
    if (this.cluster.kind === 'p3') return this.cluster.groups;
    return this.cluster.nodeIds.map((id) => (id === 'm' ? { id: 'm', members: ['m'] } : { id: id.slice(1), members: [id] }));
  }

  async observe(): Promise<Observation> {
    const t = Date.now();
    const groups = this.groups;
    const journal = readFaultsFrom(this.cluster.journalFile, this.journalOffset);
    this.journalOffset = journal.next;
    const nodes: ObservedNode[] = [];
    if (this.cluster.kind === 'p3') {
      const answers = await this.cluster.answers(groups.flatMap((g) => g.members), this.options.statusTimeoutMs ?? 1000);
      for (const g of groups) {
        for (const node of g.members) nodes.push(this.observed(node, g.id, answers.get(node) ?? { state: 'down' }));
      }
    } else {
      const timeoutMs = this.options.statusTimeoutMs ?? 1000;
      const observed = await Promise.all(groups.flatMap((g) => g.members.map((node) => this.p2Answer(node, timeoutMs).then((answer) => this.observed(node, g.id, answer)))));
      nodes.push(...observed);
    }
    const o: Observation = { t, nodes, groups, faults: journal.events };
    if (this.cluster.hasProxy) o.links = await this.links();
    return o;
  }

  /** A stage-2 server answers status as a group of one; the manager has none: it is running or not. */
  private async p2Answer(node: string, timeoutMs: number): Promise<ObservedNode['answer']> {
    if (this.cluster.isPaused(node)) return { state: 'paused' };
    const running = this.cluster.isRunning(node);
    if (node === 'm') return running ? { state: 'running' } : { state: 'down' };
    try {
      return { state: 'up', status: await queryStatus(this.cluster.clientAddress(node), timeoutMs) };
    } catch (err) {
      return running ? { state: 'silent', why: (err as Error).message } : { state: 'down' };
    }
  }

  private observed(node: string, group: string, answer: ObservedNode['answer']): ObservedNode {
    const pid = this.cluster.pidOf(node);
    return { node, group, address: this.cluster.clientAddress(node), answer, ...(pid !== undefined ? { pid } : {}) };
  }

  private async links(): Promise<NonNullable<Observation['links']>> {
    if (!this.cluster.isRunning('proxy')) return { error: 'the link proxy is down (restart it: restart proxy)' };
    try {
      const links = await this.cluster.linkStatus();
      return { cut: links.filter((l) => l.cut).map((l) => `${l.from}->${l.to}`), delayed: links.filter((l) => !l.cut && l.delayMs > 0).map((l) => `${l.from}->${l.to} ${l.delayMs} ms`) };
    } catch (err) {
      return { error: `the link proxy does not answer: ${(err as Error).message}` };
    }
  }

  async perform(a: DashboardAction): Promise<string> {
    if (!this.info.actions.includes(a.kind)) throw new Error(`${a.kind} is not available for this ${this.cluster.kind} cluster${a.kind === 'cut' || a.kind === 'heal' ? ' (it runs without the link proxy)' : ''}`);
    const c = this.cluster;
    c.checkNode(a.node);
    switch (a.kind) {
      case 'kill':
        return (await c.kill(a.node, 'SIGKILL')) ? `${a.node} killed (kill -9)` : `${a.node} was not running`;
      case 'pause':
        if (c.pause(a.node)) return `${a.node} paused (SIGSTOP)`;
        throw new Error(c.isPaused(a.node) ? `${a.node} is already paused` : `${a.node} is not running`);
      case 'resume':
        if (c.resume(a.node)) return `${a.node} resumed (SIGCONT)`;
        throw new Error(c.isRunning(a.node) ? `${a.node} is not paused` : `${a.node} is not running`);
      case 'restart':
        await c.restart(a.node);
        return `${a.node} restarted on its storage`;
      case 'transfer': {
        const was = await c.transferTo(a.node, this.options.transferWaitMs ?? 10_000);
        const name = groupName(c.groupOf(a.node).group.id);
        return was === a.node ? `${a.node} already leads ${name}` : `${a.node} now leads ${name} (was ${was})`;
      }
      case 'cut':
        return `cut: ${describeLinks(await c.cut(c.linksBetween(a.node, a.peer!, 'both')))}`;
      case 'heal': {
        const links = a.peer === undefined ? c.linksOf(a.node, 'both') : c.linksBetween(a.node, a.peer, 'both');
        return `healed: ${describeLinks(await c.heal(links))}`;
      }
    }
  }
}
