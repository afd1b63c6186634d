/**
 * A stage-2 cluster on this machine: one manager and N partition servers on
 * loopback, each a separate process with its own storage folder and log file.
 * It is the fault injector the crash scenarios use: kill -9 a server, restart it
 * on the same storage, stop everything. Its layout is saved in `<dir>/cluster.json`
 * so the `p2::crash` / `p2::restart` recipes can act on a cluster started earlier.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processStartTime } from '../../../kvstore/src/common/pid-registry';
import { repoRoot } from '../../../kvstore/src/testing/spawn-node';

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

export class LocalCluster {
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

  /** Starts a fresh cluster: wipes `dir`, then starts the manager and every server. */
  static async start(layout: Omit<ClusterLayout, 'processes'>, options: StartOptions): Promise<LocalCluster> {
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
    return cluster;
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
    return new LocalCluster(layout, options);
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

  /** Sends a signal (default SIGKILL: a crash) to a node and waits until it is gone. */
  async kill(node: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<boolean> {
    const p = this.layout.processes[node];
    if (!p || !this.isRunning(node)) return false;
    process.kill(p.pid, signal);
    for (let i = 0; i < 200 && this.isRunning(node); i++) await new Promise((r) => setTimeout(r, 25));
    if (this.isRunning(node)) process.kill(p.pid, 'SIGKILL');
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
  }

  private save(): void {
    fs.writeFileSync(path.join(this.layout.dir, 'cluster.json'), JSON.stringify(this.layout, null, 2) + '\n');
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString();
  } catch {
    return '';
  }
}
