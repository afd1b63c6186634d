/**
 * A cluster on this machine, every node a separate process on loopback with its own storage
 * folder and log file: stage 2's manager and partition servers (layout.ts), or stage 3's
 * manager replicas, server replicas and link proxy daemon (p3-layout.ts), or stage 4's (the
 * same, the server replicas being transactional shards). It is the fault
 * injector the scenarios, the recipes and the nemesis use: kill -9 a node, pause and resume
 * it (SIGSTOP/SIGCONT), restart it on its storage, cut or delay links between replicas
 * (through the proxy), stop everything. Its layout is saved in `<dir>/cluster.json`, so
 * commands run later (`p2::crash`, `p3::pause`, the nemesis) act on a cluster started earlier.
 *
 *   <dir>/cluster.json    the layout and the current process of each node (written whole,
 *                         under <dir>/cluster.json.lock, so concurrent commands do not lose
 *                         each other's updates)
 *   <dir>/faults.jsonl    every kill, stop, pause, resume, restart, cut, delay and heal performed
 *                         (faults/fault-journal.ts)
 *   <dir>/links.json      the proxy daemon's links (p3)
 *   <dir>/backer.<node>/  a node's storage;  <dir>/<node>.log  its output
 *
 * A start never harms a cluster: it refuses while any node of the folder is alive (by the
 * layout, or by a live lock on a storage folder), and checks every port before it wipes the
 * folder; it is all or nothing (a node that fails to start stops the others).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { processStartTime } from '../../../kvstore/src/common/pid-registry';
import { lockHolder } from '../../../kvstore/src/storage/storage-lock';
import { parseAddress } from '../../../kvstore/src/wire/address';
import { repoRoot } from '../../../kvstore/src/testing/spawn-node';
import { FAULT_JOURNAL_FILE, type FaultEvent, appendFault, signalEvent } from '../faults/fault-journal';
import { type NodeAnswer, groupLeader } from './cluster-status';
import { type ClusterLayout, type GroupSpec, type NodeSpec, type TxnClusterOptions, checkDistinctPorts, p2Nodes, portLabel } from './layout';
import { type LinkRef, type LinkStatus, linkName } from './link-proxy';
import type { NodeStatus } from '../../../kvstore/src/status/node-status';
import { queryStatus, transferLeader } from '../../../kvstore/src/status/query-status';
import { KvRequestError } from '../../../kvstore/src/client/errors';
import { type P3LayoutOptions, groupOfNode, p3Layout } from './p3-layout';
import { callProxy } from './proxy-control';

export type { ClusterLayout } from './layout';

export interface StartOptions {
  /** Detached processes outlive the command that started them (recipes); attached ones die with it (tests). */
  detached: boolean;
  /** Extra arguments for every p2 server (e.g. a small --snapshot-every in tests). */
  serverArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Options for node itself before each program (e.g. --cpu-prof for a profile). */
  nodeArgs?: string[];
}

const LISTEN_TIMEOUT_MS = 15_000;
const LAYOUT_FILE = 'cluster.json';

export interface LiveNode {
  node: string;
  pid: number;
}

/** A start refused because nodes of the folder are still running; nothing was changed. */
export class ClusterRunningError extends Error {
  override readonly name = 'ClusterRunningError';

  constructor(
    readonly dir: string,
    readonly live: LiveNode[],
  ) {
    super(`a cluster is running in ${dir}: ${live.map((n) => `${n.node} (pid ${n.pid})`).join(', ')}; nothing was changed. Stop it first`);
  }
}

/** A node id the cluster does not have. */
export class UnknownNodeError extends Error {
  override readonly name = 'UnknownNodeError';

  constructor(node: string, valid: string[]) {
    super(`unknown node '${node}': this cluster has ${describeIds(valid)}`);
  }
}

/** Lists ids, shortening long runs of one group: m.0, m.1, m.2, s0.0 … s9.2. */
function describeIds(ids: string[]): string {
  return ids.length <= 12 ? ids.join(', ') : `${ids.slice(0, 6).join(', ')}, …, ${ids.slice(-3).join(', ')}`;
}

/** Which way a link fault goes: from a to b only, or both ways. */
export type LinkDirection = 'one' | 'both';
/** Which of a node's links: those carrying its messages out, those bringing messages in, or both. */
export type IsolationMode = 'out' | 'in' | 'both';

export class LocalCluster {
  /** Set once the initial start is done: later launches are restarts, and journaled as such. */
  private started = false;
  /** The processes this object started, in case the saved layout is lost (stopAll still finds them). */
  private readonly launched = new Map<string, { pid: number; startTime: string }>();

  private constructor(
    private readonly fixed: Omit<ClusterLayout, 'processes'>,
    private readonly options: StartOptions,
  ) {}

  /** The layout with each node's current process, as saved now (as this object started them, if the saved layout is gone). */
  get layout(): ClusterLayout {
    return { ...this.fixed, processes: readLayoutFile(this.fixed.dir)?.processes ?? Object.fromEntries(this.launched) };
  }

  get dir(): string {
    return this.fixed.dir;
  }

  get kind(): 'p2' | 'p3' {
    return this.fixed.kind;
  }

  /** The manager's address (p3: manager replica 0's). */
  get managerAddress(): string {
    return this.fixed.kind === 'p3' ? this.p3.managerAddresses[0]! : `${this.fixed.host}:${this.fixed.managerPort}`;
  }

  /** p3: the manager replicas' client addresses, by replica id. */
  get managerAddresses(): string[] {
    return this.fixed.kind === 'p3' ? [...this.p3.managerAddresses] : [this.managerAddress];
  }

  /** Every server's client address: p2's partitions, or p3's replicas partition-major. */
  get serverAddresses(): string[] {
    if (this.fixed.kind === 'p3') return [...this.p3.serverAddresses];
    return (this.fixed.serverPorts ?? []).map((p) => `${this.fixed.host}:${p}`);
  }

  /** p3: the manager group `m` and the partitions `0`, `1`, … */
  get groups(): GroupSpec[] {
    return this.fixed.kind === 'p3' ? this.p3.groups : [];
  }

  /** Stage 4: how the shards run transactions; undefined for a stage-2 or stage-3 cluster. */
  get txn(): TxnClusterOptions | undefined {
    return this.fixed.p3?.txn;
  }

  get hasProxy(): boolean {
    return this.fixed.p3?.proxyControl !== undefined;
  }

  private get p3(): NonNullable<ClusterLayout['p3']> {
    if (this.fixed.p3 === undefined) throw new Error(`the cluster in ${this.fixed.dir} is a stage-2 cluster: no replicas, groups or links`);
    return this.fixed.p3;
  }

  /** p2: server i's storage. */
  backerPath(server: number): string {
    return path.join(this.fixed.dir, `backer.s${server}`);
  }

  /** A node's storage folder. */
  storagePath(node: string): string | undefined {
    const spec = this.spec(node);
    return spec.storage === undefined ? undefined : path.join(this.fixed.dir, spec.storage);
  }

  logFile(node: string): string {
    return path.join(this.fixed.dir, `${node}.log`);
  }

  get journalFile(): string {
    return path.join(this.fixed.dir, FAULT_JOURNAL_FILE);
  }

  /** The node ids of this cluster: m, s0, s1, … (p2); proxy, m.0, …, s0.0, … (p3). */
  get nodeIds(): string[] {
    return this.fixed.nodes.map((n) => n.id);
  }

  /** The client address of a node (where it answers status). */
  clientAddress(node: string): string {
    const spec = this.spec(node);
    const port = spec.ports.find((p) => p.what === 'client' || p.what === 'control')!.port;
    return `${this.fixed.host}:${port}`;
  }

  /**
   * Starts a fresh stage-2 cluster in `dir`. Refuses (ClusterRunningError, nothing touched)
   * while a node of an earlier cluster there is alive, and fails before touching anything if
   * a port is taken; only then wipes `dir` and starts the manager and every server.
   */
  static async start(layout: { stage: string; dir: string; host: string; managerPort: number; serverPorts: number[] }, options: StartOptions): Promise<LocalCluster> {
    const nodes = p2Nodes({ ...layout, ...(options.serverArgs ? { serverArgs: options.serverArgs } : {}) });
    return LocalCluster.startNodes({ ...layout, kind: 'p2', nodes }, options, undefined);
  }

  /** Starts a fresh stage-3 cluster in `o.dir`, with the same guarantees as `start`. */
  static async startReplicated(o: P3LayoutOptions, options: StartOptions): Promise<LocalCluster> {
    const built = p3Layout(o);
    return LocalCluster.startNodes({ stage: o.stage, dir: o.dir, host: o.host, kind: 'p3', p3: built.info, nodes: built.nodes }, options, built.links);
  }

  private static async startNodes(fixed: Omit<ClusterLayout, 'processes'>, options: StartOptions, links: unknown[] | undefined): Promise<LocalCluster> {
    const live = LocalCluster.liveNodesIn(fixed.dir);
    if (live.length > 0) throw new ClusterRunningError(fixed.dir, live);
    checkDistinctPorts(fixed.nodes);
    for (const program of new Set(fixed.nodes.map((n) => n.program))) {
      if (!fs.existsSync(path.join(repoRoot(), program))) throw new Error(`${program} is missing: build the kit first (npm run build); nothing was changed`);
    }
    await checkPortsFree(fixed.host, fixed.nodes.flatMap((n) => n.ports.map((p) => ({ port: p.port, node: portLabel(n.id, p.what) }))));
    fs.rmSync(fixed.dir, { recursive: true, force: true });
    fs.mkdirSync(fixed.dir, { recursive: true });
    if (links !== undefined) fs.writeFileSync(path.join(fixed.dir, 'links.json'), JSON.stringify(links, null, 1) + '\n');
    writeLayout(fixed.dir, { ...fixed, processes: {} });
    const cluster = new LocalCluster(fixed, options);
    // All or nothing: a half-started cluster would hold its ports and confuse the next attempt.
    try {
      // The proxy first: nodes dial their peers through it.
      const proxy = fixed.nodes.find((n) => n.id === 'proxy');
      if (proxy !== undefined) await cluster.launch(proxy);
      const starts = await Promise.allSettled(fixed.nodes.filter((n) => n !== proxy).map((n) => cluster.launch(n)));
      const failure = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failure) throw failure.reason;
    } catch (err) {
      await cluster.stopAll('SIGKILL');
      throw err;
    }
    cluster.started = true;
    return cluster;
  }

  /**
   * Nodes of a cluster in `dir` that are alive: those its saved layout lists, and any
   * process holding a storage folder's lock there (a server whose layout was lost).
   */
  static liveNodesIn(dir: string): LiveNode[] {
    const live = new Map<string, number>();
    for (const [node, p] of Object.entries(readProcesses(dir))) {
      if (processStartTime(p.pid) === p.startTime) live.set(node, p.pid);
    }
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      // No folder, no cluster.
    }
    for (const name of entries) {
      const m = /^backer\.(m|m\.\d+|s\d+|s\d+\.\d+)$/.exec(name);
      if (!m) continue;
      const holder = lockHolder(path.join(dir, name));
      if (holder !== undefined) live.set(m[1]!, holder.pid);
    }
    return [...live].map(([node, pid]) => ({ node, pid })).sort((a, b) => compareNodeIds(a.node, b.node));
  }

  /** A cluster started earlier (by another command), from its saved layout. */
  static load(dir: string, options: StartOptions): LocalCluster {
    const file = path.join(dir, LAYOUT_FILE);
    let saved: Partial<ClusterLayout>;
    try {
      saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ClusterLayout>;
    } catch {
      throw new Error(`no cluster at ${dir} (${file} is missing): start one first`);
    }
    const fixed = completeLayout(saved, dir);
    const cluster = new LocalCluster(fixed, options);
    cluster.started = true;
    return cluster;
  }

  /** Throws UnknownNodeError unless `node` is one of this cluster's ids. */
  checkNode(node: string): void {
    if (!this.nodeIds.includes(node)) throw new UnknownNodeError(node, this.nodeIds);
  }

  private spec(node: string): NodeSpec {
    const spec = this.fixed.nodes.find((n) => n.id === node);
    if (spec === undefined) throw new UnknownNodeError(node, this.nodeIds);
    return spec;
  }

  /** Starts a node again on its existing storage (journaled as a restart). */
  restart(node: string): Promise<void> {
    return this.launch(this.spec(node));
  }

  /** p2: starts the manager (again). */
  startManager(): Promise<void> {
    return this.launch(this.spec('m'));
  }

  /** p2: starts server i (again). */
  startServer(i: number): Promise<void> {
    const servers = this.fixed.serverPorts?.length ?? 0;
    if (!(i >= 0 && i < servers)) throw new Error(`no server s${i}: the cluster has s0..s${servers - 1}`);
    return this.launch(this.spec(`s${i}`));
  }

  /** The node's current process as saved, or as this object started it. */
  private processOf(node: string): ClusterLayout['processes'][string] | undefined {
    return readProcesses(this.fixed.dir)[node] ?? this.launched.get(node);
  }

  /** Whether the node's recorded process is still the one we started (paused or not). */
  isRunning(node: string): boolean {
    const p = this.processOf(node);
    return p !== undefined && processStartTime(p.pid) === p.startTime;
  }

  isPaused(node: string): boolean {
    return this.isRunning(node) && readProcesses(this.fixed.dir)[node]?.paused === true;
  }

  /** The pid of the node's running process, if any. */
  pidOf(node: string): number | undefined {
    return this.isRunning(node) ? this.processOf(node)!.pid : undefined;
  }

  /**
   * Sends a signal (default SIGKILL: a crash) to a node and waits until it is gone (SIGKILL
   * after 5 s). Journaled. False if the node was not running; UnknownNodeError if there is no such node.
   */
  async kill(node: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<boolean> {
    this.checkNode(node);
    const p = this.processOf(node);
    if (!p || !this.isRunning(node)) return false;
    process.kill(p.pid, signal);
    // A stopped process acts on no signal but SIGKILL until it is continued.
    if (p.paused && signal !== 'SIGKILL') process.kill(p.pid, 'SIGCONT');
    this.journal({ t: Date.now(), node, event: signalEvent(signal), signal });
    for (let i = 0; i < 200 && this.isRunning(node); i++) await new Promise((r) => setTimeout(r, 25));
    if (this.isRunning(node)) {
      process.kill(p.pid, 'SIGKILL');
      this.journal({ t: Date.now(), node, event: 'killed', signal: 'SIGKILL' });
    }
    if (this.launched.get(node)?.pid === p.pid) this.launched.delete(node);
    tryUpdateProcesses(this.fixed.dir, (ps) => {
      if (ps[node]?.pid === p.pid) delete ps[node];
    });
    return true;
  }

  /** SIGSTOP: the node stops dead, its sockets open. Journaled. False if it is not running or already paused. */
  pause(node: string): boolean {
    return this.stopOrContinue(node, true);
  }

  /** SIGCONT for a paused node. Journaled. False if it is not running or not paused. */
  resume(node: string): boolean {
    return this.stopOrContinue(node, false);
  }

  private stopOrContinue(node: string, pause: boolean): boolean {
    this.checkNode(node);
    const p = this.processOf(node);
    if (!p || !this.isRunning(node) || (p.paused === true) === pause) return false;
    const signal = pause ? 'SIGSTOP' : 'SIGCONT';
    process.kill(p.pid, signal);
    this.journal({ t: Date.now(), node, event: signalEvent(signal), signal });
    updateProcesses(this.fixed.dir, (ps) => {
      const q = ps[node];
      if (q?.pid !== p.pid) return;
      if (pause) q.paused = true;
      else delete q.paused;
    });
    return true;
  }

  /** Stops every node (the proxy last, so nodes stopping can still reach their peers). */
  async stopAll(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const running = [...new Set([...Object.keys(readProcesses(this.fixed.dir)), ...this.launched.keys()])];
    await Promise.all(running.filter((n) => n !== 'proxy').map((node) => this.kill(node, signal)));
    if (running.includes('proxy')) await this.kill('proxy', signal);
  }

  // ---- stage 3: groups, leaders, links ----

  /** The group a replica belongs to and its replica id. */
  groupOf(node: string): { group: GroupSpec; replica: number } {
    this.checkNode(node);
    const g = groupOfNode(this.groups, node);
    if (g === undefined) throw new Error(`${node} is not a replica of any group`);
    return g;
  }

  /** A group by name: `m` (the manager group) or a partition number. */
  group(id: string): GroupSpec {
    const g = this.groups.find((x) => x.id === id);
    if (g === undefined) throw new Error(`no group '${id}': this cluster has m (the managers) and partitions 0..${this.p3.partitions - 1}`);
    return g;
  }

  /** Asks every replica (or those given) for its status, at once; a paused one is not asked. */
  async answers(nodes: readonly string[] = this.groups.flatMap((g) => g.members), timeoutMs = 1000): Promise<Map<string, NodeAnswer>> {
    const processes = readProcesses(this.fixed.dir);
    const entries = await Promise.all(
      nodes.map(async (node): Promise<[string, NodeAnswer]> => {
        const p = processes[node];
        const running = p !== undefined && processStartTime(p.pid) === p.startTime;
        if (running && p.paused) return [node, { state: 'paused' }];
        try {
          const status: NodeStatus = await queryStatus(this.clientAddress(node), timeoutMs);
          return [node, { state: 'up', status }];
        } catch (err) {
          return [node, running ? { state: 'silent', why: (err as Error).message } : { state: 'down' }];
        }
      }),
    );
    return new Map(entries);
  }

  /** The group's current leader by its replicas' status, or undefined. */
  async leaderOf(groupId: string, timeoutMs = 1000): Promise<string | undefined> {
    const g = this.group(groupId);
    return groupLeader(g, await this.answers(g.members, timeoutMs));
  }

  /** Waits until the group has a leader (undefined after `waitMs`). */
  async waitForLeader(groupId: string, waitMs: number): Promise<string | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const leader = await this.leaderOf(groupId);
      if (leader !== undefined || Date.now() >= deadline) return leader;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until every group has a leader; returns the leaders, and the groups without one after `waitMs`. */
  async waitForLeaders(waitMs: number): Promise<{ leaders: Map<string, string>; missing: string[] }> {
    const deadline = Date.now() + waitMs;
    const leaders = new Map<string, string>();
    for (;;) {
      const todo = this.groups.filter((g) => !leaders.has(g.id));
      const found = await Promise.all(todo.map(async (g) => [g.id, await this.leaderOf(g.id)] as const));
      for (const [g, l] of found) if (l !== undefined) leaders.set(g, l);
      const missing = this.groups.filter((g) => !leaders.has(g.id)).map((g) => g.id);
      if (missing.length === 0 || Date.now() >= deadline) return { leaders, missing };
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Makes `node` its group's leader: asks the current leader to hand over and waits until
   * `node` leads. Returns the former leader (the node itself if it led already).
   */
  async transferTo(node: string, waitMs = 10_000): Promise<string> {
    const { group, replica } = this.groupOf(node);
    const deadline = Date.now() + waitMs;
    const current = await this.waitForLeader(group.id, waitMs);
    if (current === undefined) throw new Error(`group ${group.id} has no leader to hand over (see status)`);
    if (current === node) return current;
    let lastError = '';
    while (Date.now() < deadline) {
      const leader = (await this.leaderOf(group.id)) ?? current;
      if (leader === node) return current;
      try {
        await transferLeader(this.clientAddress(leader), replica, Math.max(1000, deadline - Date.now()));
      } catch (err) {
        lastError = err instanceof KvRequestError ? `${leader} answered ${err.message}` : `${leader}: ${(err as Error).message}`;
      }
      if ((await this.leaderOf(group.id)) === node) return current;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${node} does not lead group ${group.id} after ${waitMs} ms${lastError ? ` (${lastError})` : ''}`);
  }

  /** The links between a and b (a->b, and b->a when both ways); they must be replicas of one group. */
  linksBetween(a: string, b: string, direction: LinkDirection): LinkRef[] {
    const ga = this.groupOf(a);
    const gb = this.groupOf(b);
    if (a === b) throw new Error(`a link joins two different replicas, got ${a} twice`);
    if (ga.group.id !== gb.group.id) throw new Error(`${a} and ${b} are in different groups: links join the replicas of one group (m.X with m.Y, sP.X with sP.Y)`);
    return direction === 'both' ? [{ from: a, to: b }, { from: b, to: a }] : [{ from: a, to: b }];
  }

  /** A node's links to (out), from (in) or both ways with every other replica of its group. */
  linksOf(node: string, mode: IsolationMode): LinkRef[] {
    const { group } = this.groupOf(node);
    const others = group.members.filter((m) => m !== node);
    return [...(mode !== 'in' ? others.map((to) => ({ from: node, to })) : []), ...(mode !== 'out' ? others.map((from) => ({ from, to: node })) : [])];
  }

  /** Cuts links (journaled, each link the proxy actually changed); returns those changed. */
  async cut(links: LinkRef[]): Promise<LinkRef[]> {
    const { changed } = await callProxy(this.proxyAddress(), { type: 'cut', links });
    const t = Date.now();
    for (const l of changed) this.journal({ t, node: l.from, event: 'link-cut', peer: l.to });
    return changed;
  }

  /** Delays links by `ms` (journaled); returns those changed. */
  async delay(links: LinkRef[], ms: number): Promise<LinkRef[]> {
    const { changed } = await callProxy(this.proxyAddress(), { type: 'delay', links, ms });
    const t = Date.now();
    for (const l of changed) this.journal(ms === 0 ? { t, node: l.from, event: 'link-healed', peer: l.to } : { t, node: l.from, event: 'link-delayed', peer: l.to, ms });
    return changed;
  }

  /** Heals links (all when undefined): no cut, no delay (journaled); returns those that were cut or delayed. */
  async heal(links?: LinkRef[]): Promise<LinkRef[]> {
    const { changed } = await callProxy(this.proxyAddress(), links === undefined ? { type: 'heal' } : { type: 'heal', links });
    const t = Date.now();
    for (const l of changed) this.journal({ t, node: l.from, event: 'link-healed', peer: l.to });
    return changed;
  }

  /** Every link's state, from the proxy. */
  async linkStatus(): Promise<LinkStatus[]> {
    return (await callProxy(this.proxyAddress(), { type: 'status' })).links;
  }

  private proxyAddress(): ReturnType<typeof parseAddress> {
    const control = this.fixed.p3?.proxyControl;
    if (control === undefined) throw new Error(`the cluster in ${this.fixed.dir} has no link proxies (it was started without them), so links cannot be cut or delayed`);
    if (!this.isRunning('proxy')) throw new Error(`the link proxy of ${this.fixed.dir} is not running: restart it first (restart proxy)`);
    return parseAddress(control);
  }

  // ---- processes ----

  private async launch(spec: NodeSpec): Promise<void> {
    const node = spec.id;
    const running = this.processOf(node);
    if (running !== undefined && this.isRunning(node)) throw new Error(`${node} is already running (pid ${running.pid}${running.paused ? ', paused: resume it' : ''})`);
    const logFile = this.logFile(node);
    const from = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const fd = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), path.join(repoRoot(), spec.program), ...spec.args], {
      stdio: ['ignore', fd, fd],
      detached: this.options.detached,
      env: { ...process.env, ...this.options.env },
    });
    fs.closeSync(fd);
    if (this.options.detached) child.unref();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Wait for the process to say it is listening (or to die trying).
    const deadline = Date.now() + LISTEN_TIMEOUT_MS;
    for (;;) {
      const text = readFrom(logFile, from);
      if (/listening on/.test(text)) break;
      const dead = await Promise.race([exited, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 25))]);
      // Read again: what it printed just before exiting came after the read above.
      if (dead !== 'waiting') throw new Error(`${node} exited (${dead}) while starting:\n${readFrom(logFile, from).trim()}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${node} did not start listening within ${LISTEN_TIMEOUT_MS} ms:\n${text.trim()}`);
      }
    }
    const record = { pid: child.pid!, startTime: processStartTime(child.pid!) ?? '' };
    this.launched.set(node, record);
    updateProcesses(this.fixed.dir, (ps) => {
      ps[node] = record;
    });
    if (this.started) this.journal({ t: Date.now(), node, event: 'restarted' });
  }

  private journal(e: FaultEvent): void {
    appendFault(this.journalFile, e);
  }
}

/** proxy first, then m (m.0, m.1, …), then servers by partition and replica. */
export function compareNodeIds(a: string, b: string): number {
  const key = (id: string): number[] => {
    if (id === 'proxy') return [0];
    const m = /^(m|s)(\d*)(?:\.(\d+))?$/.exec(id);
    if (!m) return [3];
    return m[1] === 'm' ? [1, Number(m[3] ?? -1)] : [2, Number(m[2]), Number(m[3] ?? -1)];
  };
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const d = (ka[i] ?? -1) - (kb[i] ?? -1);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A layout read back: layouts saved before nodes were listed (stage 2) get their nodes rebuilt. */
function completeLayout(saved: Partial<ClusterLayout>, dir: string): Omit<ClusterLayout, 'processes'> {
  const stage = saved.stage ?? 'p2';
  const host = saved.host ?? '127.0.0.1';
  if (Array.isArray(saved.nodes)) {
    const { processes: _ignored, ...rest } = saved as ClusterLayout;
    return { ...rest, dir: saved.dir ?? dir, kind: saved.kind ?? 'p2' };
  }
  if (typeof saved.managerPort !== 'number' || !Array.isArray(saved.serverPorts)) throw new Error(`${path.join(dir, LAYOUT_FILE)} is not a cluster layout`);
  return {
    stage,
    dir: saved.dir ?? dir,
    host,
    kind: 'p2',
    managerPort: saved.managerPort,
    serverPorts: saved.serverPorts,
    nodes: p2Nodes({ stage, host, managerPort: saved.managerPort, serverPorts: saved.serverPorts, dir: saved.dir ?? dir }),
  };
}

// ---- the saved layout: read whole, written whole under a lock ----

function layoutPath(dir: string): string {
  return path.join(dir, LAYOUT_FILE);
}

function readLayoutFile(dir: string): ClusterLayout | undefined {
  try {
    return JSON.parse(fs.readFileSync(layoutPath(dir), 'utf8')) as ClusterLayout;
  } catch {
    return undefined;
  }
}

function readProcesses(dir: string): ClusterLayout['processes'] {
  return readLayoutFile(dir)?.processes ?? {};
}

function writeLayout(dir: string, layout: ClusterLayout): void {
  const tmp = `${layoutPath(dir)}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(layout, null, 2) + '\n');
  fs.renameSync(tmp, layoutPath(dir));
}

/** Read-modify-write of the processes under `<dir>/cluster.json.lock` (held for microseconds). */
function updateProcesses(dir: string, change: (processes: ClusterLayout['processes']) => void): void {
  const lock = `${layoutPath(dir)}.lock`;
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A holder that died between taking and releasing it leaves the file: judge it by its pid.
      let holder = Number.NaN;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      // An empty file is being written by its creator; a holder pid that is gone left it behind.
      const dead = Number.isInteger(holder) && holder > 0 && processStartTime(holder) === undefined;
      if (dead || Date.now() > deadline) fs.rmSync(lock, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
  try {
    const layout = readLayoutFile(dir);
    if (layout === undefined) throw new Error(`no cluster at ${dir} (${layoutPath(dir)} is missing)`);
    layout.processes ??= {};
    change(layout.processes);
    writeLayout(dir, layout);
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** As updateProcesses, when there may be no layout left to update (it was removed by hand). */
function tryUpdateProcesses(dir: string, change: (processes: ClusterLayout['processes']) => void): void {
  if (fs.existsSync(layoutPath(dir))) updateProcesses(dir, change);
}

/** Fails, naming the port and its node, if any port cannot be bound on host right now. */
async function checkPortsFree(host: string, ports: Array<{ port: number; node: string }>): Promise<void> {
  for (const { port, node } of ports) {
    const problem = await new Promise<string | undefined>((resolve) => {
      const srv = net.createServer();
      srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(undefined)));
    });
    if (problem === 'EADDRINUSE') throw new Error(`port ${port} (for ${node}) on ${host} is in use by another program; nothing was changed. Stop that program, or choose other ports`);
    if (problem !== undefined) throw new Error(`port ${port} (for ${node}) on ${host} cannot be used (${problem}); nothing was changed`);
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString();
  } catch {
    return '';
  }
}

/** For messages: the links as a->b, c->d. */
export function describeLinks(links: readonly LinkRef[]): string {
  return links.length === 0 ? 'none' : links.map(linkName).join(', ');
}
