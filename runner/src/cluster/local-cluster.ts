/**
 * A stage-2 cluster on this machine: one manager and N partition servers on
 * loopback, each a separate process with its own storage folder and log file.
 * It is the fault injector the crash scenarios use: kill -9 a server, restart it
 * on the same storage, stop everything. Its layout is saved in `<dir>/cluster.json`
 * so the `p2::crash` / `p2::restart` recipes can act on a cluster started earlier.
 *
 *   <dir>/cluster.json    the layout and the current process of each node
 *   <dir>/faults.jsonl    every kill, stop and restart performed (faults/fault-journal.ts)
 *   <dir>/backer.sN/      server N's storage;  <dir>/<node>.log  its output
 *
 * A start never harms a cluster: it refuses while any node of the folder is alive (by
 * the layout, or by a live lock on a storage folder), and checks its ports before it
 * wipes the folder.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { processStartTime } from '../../../kvstore/src/common/pid-registry';
import { lockHolder } from '../../../kvstore/src/storage/storage-lock';
import { repoRoot } from '../../../kvstore/src/testing/spawn-node';
import { FAULT_JOURNAL_FILE, appendFault, signalEvent } from '../faults/fault-journal';

export interface ClusterLayout {
  stage: string;
  dir: string;
  host: string;
  managerPort: number;
  serverPorts: number[];
  /** Node id ('m', 's0', …) -> pid and start time of its current process. */
  processes: Record<string, { pid: number; startTime: string }>;
}

export interface StartOptions {
  /** Detached processes outlive the command that started them (recipes); attached ones die with it (tests). */
  detached: boolean;
  /** Extra arguments for every server (e.g. a small --snapshot-every in tests). */
  serverArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

const LISTEN_TIMEOUT_MS = 15_000;

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
    super(`unknown node '${node}': this cluster has ${valid.join(', ')}`);
  }
}

export class LocalCluster {
  /** Set once the initial start is done: later launches are restarts, and journaled as such. */
  private started = false;

  private constructor(readonly layout: ClusterLayout, private readonly options: StartOptions) {}

  get managerAddress(): string {
    return `${this.layout.host}:${this.layout.managerPort}`;
  }

  get serverAddresses(): string[] {
    return this.layout.serverPorts.map((p) => `${this.layout.host}:${p}`);
  }

  backerPath(server: number): string {
    return path.join(this.layout.dir, `backer.s${server}`);
  }

  logFile(node: string): string {
    return path.join(this.layout.dir, `${node}.log`);
  }

  get journalFile(): string {
    return path.join(this.layout.dir, FAULT_JOURNAL_FILE);
  }

  /** The node ids of this cluster: m, s0, s1, … */
  get nodeIds(): string[] {
    return ['m', ...this.layout.serverPorts.map((_, i) => `s${i}`)];
  }

  /**
   * Starts a fresh cluster in `dir`. Refuses (ClusterRunningError, nothing touched) while a
   * node of an earlier cluster there is alive, and fails before touching anything if a port
   * is taken; only then wipes `dir` and starts the manager and every server.
   */
  static async start(layout: Omit<ClusterLayout, 'processes'>, options: StartOptions): Promise<LocalCluster> {
    const live = LocalCluster.liveNodesIn(layout.dir);
    if (live.length > 0) throw new ClusterRunningError(layout.dir, live);
    await checkPortsFree(layout.host, [
      { port: layout.managerPort, node: 'm' },
      ...layout.serverPorts.map((port, i) => ({ port, node: `s${i}` })),
    ]);
    fs.rmSync(layout.dir, { recursive: true, force: true });
    fs.mkdirSync(layout.dir, { recursive: true });
    const cluster = new LocalCluster({ ...layout, processes: {} }, options);
    // All or nothing: a half-started cluster would hold its ports and confuse the next attempt.
    const starts = await Promise.allSettled([cluster.startManager(), ...layout.serverPorts.map((_, i) => cluster.startServer(i))]);
    const failure = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      await cluster.stopAll('SIGKILL');
      throw failure.reason;
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
    try {
      const layout = JSON.parse(fs.readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as ClusterLayout;
      for (const [node, p] of Object.entries(layout.processes ?? {})) {
        if (processStartTime(p.pid) === p.startTime) live.set(node, p.pid);
      }
    } catch {
      // No readable layout: the storage locks below still show running servers.
    }
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      // No folder, no cluster.
    }
    for (const name of entries) {
      const m = /^backer\.(s\d+)$/.exec(name);
      if (!m) continue;
      const holder = lockHolder(path.join(dir, name));
      if (holder !== undefined) live.set(m[1]!, holder.pid);
    }
    return [...live].map(([node, pid]) => ({ node, pid })).sort((a, b) => nodeOrder(a.node) - nodeOrder(b.node));
  }

  /** A cluster started earlier (by another command), from its saved layout. */
  static load(dir: string, options: StartOptions): LocalCluster {
    const file = path.join(dir, 'cluster.json');
    let layout: ClusterLayout;
    try {
      layout = JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterLayout;
    } catch {
      throw new Error(`no cluster at ${dir} (${file} is missing): start one first`);
    }
    const cluster = new LocalCluster(layout, options);
    cluster.started = true;
    return cluster;
  }

  /** Throws UnknownNodeError unless `node` is one of this cluster's ids. */
  checkNode(node: string): void {
    if (!this.nodeIds.includes(node)) throw new UnknownNodeError(node, this.nodeIds);
  }

  /** Starts a node again on its existing storage (journaled as a restart). */
  restart(node: string): Promise<void> {
    this.checkNode(node);
    return node === 'm' ? this.startManager() : this.startServer(Number(node.slice(1)));
  }

  startManager(): Promise<void> {
    const args = [this.bin('manager'), '--stage', this.layout.stage, '--listen-host', this.layout.host, '--port', String(this.layout.managerPort), '--servers', this.serverAddresses.join(',')];
    return this.launch('m', args);
  }

  startServer(i: number): Promise<void> {
    if (!(i >= 0 && i < this.layout.serverPorts.length)) throw new Error(`no server s${i}: the cluster has s0..s${this.layout.serverPorts.length - 1}`);
    const args = [
      this.bin('partition-server'),
      '--stage', this.layout.stage,
      '--id', String(i),
      '--manager', this.managerAddress,
      '--listen-host', this.layout.host,
      '--api-port', String(this.layout.serverPorts[i]),
      '--backer-path', this.backerPath(i),
      ...(this.options.serverArgs ?? []),
    ];
    return this.launch(`s${i}`, args);
  }

  /** Whether the node's recorded process is still the one we started. */
  isRunning(node: string): boolean {
    const p = this.layout.processes[node];
    return p !== undefined && processStartTime(p.pid) === p.startTime;
  }

  /**
   * Sends a signal (default SIGKILL: a crash) to a node and waits until it is gone (SIGKILL
   * after 5 s). Journaled. False if the node was not running; UnknownNodeError if there is no such node.
   */
  async kill(node: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<boolean> {
    this.checkNode(node);
    const p = this.layout.processes[node];
    if (!p || !this.isRunning(node)) return false;
    process.kill(p.pid, signal);
    this.journal(node, signal);
    for (let i = 0; i < 200 && this.isRunning(node); i++) await new Promise((r) => setTimeout(r, 25));
    if (this.isRunning(node)) {
      process.kill(p.pid, 'SIGKILL');
      this.journal(node, 'SIGKILL');
    }
    delete this.layout.processes[node];
    this.save();
    return true;
  }

  async stopAll(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await Promise.all(Object.keys(this.layout.processes).map((node) => this.kill(node, signal)));
  }

  private bin(name: string): string {
    return path.join(repoRoot(), 'dist', 'kvstore', 'src', 'bin', `${name}.js`);
  }

  private async launch(node: string, args: string[]): Promise<void> {
    if (this.isRunning(node)) throw new Error(`${node} is already running (pid ${this.layout.processes[node]!.pid})`);
    const logFile = this.logFile(node);
    const from = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const fd = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, args, {
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
    this.layout.processes[node] = { pid: child.pid!, startTime: processStartTime(child.pid!) ?? '' };
    this.save();
    if (this.started) appendFault(this.journalFile, { t: Date.now(), node, event: 'restarted' });
  }

  private journal(node: string, signal: NodeJS.Signals): void {
    appendFault(this.journalFile, { t: Date.now(), node, event: signalEvent(signal), signal });
  }

  private save(): void {
    fs.writeFileSync(path.join(this.layout.dir, 'cluster.json'), JSON.stringify(this.layout, null, 2) + '\n');
  }
}

function nodeOrder(node: string): number {
  return node === 'm' ? -1 : Number(node.slice(1));
}

/** Fails, naming the port and its node, if any port cannot be bound on host right now. */
async function checkPortsFree(host: string, ports: Array<{ port: number; node: string }>): Promise<void> {
  const seen = new Map<number, string>();
  for (const { port, node } of ports) {
    const other = seen.get(port);
    if (other !== undefined) throw new Error(`port ${port} is given to both ${other} and ${node}`);
    seen.set(port, node);
  }
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
