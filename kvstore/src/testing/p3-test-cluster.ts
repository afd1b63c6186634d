/**
 * A stage-3 (or, with `serverBin: 'txn-shard-server'`, stage-4) cluster for end-to-end tests: manager replicas m.X and server replicas sP.R,
 * each a child process of the compiled programs on loopback, with fresh ports and storage
 * under a scratch folder. Every node's arguments are derived from its id by the template's
 * convention (cluster/service-args.ts), as `p3::service` derives them, and passed as the
 * p3 recipes pass them. Nodes can be killed (kill -9), paused, wiped and restarted on their
 * storage; `stopAll` ends every process it started.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReplicatedClient } from '../client/replicated-client';
import type { RetryPolicy } from '../client/retry-policy';
import { type P3ClusterArgs, p3ServiceCommand } from '../cluster/service-args';
import type { NodeStatus } from '../status/node-status';
import { queryStatus } from '../status/query-status';
import { parseAddress } from '../wire/address';
import { binPath, freePort, retryWhilePortTaken, startListening, type StartedServer } from './spawn-node';

export interface P3TestClusterOptions {
  /** Scratch folder: storage (`backer.<node>`) and the pid registry go there. */
  dir: string;
  managers: number;
  partitions: number;
  rf: number;
  /** Raft tick (elections after 10 to 20 ticks of silence). Default 20 ms. */
  tickMs?: number;
  /** Extra flags for every server replica (e.g. --snapshot-every). */
  serverArgs?: string[];
  /** Extra flags for every manager replica. */
  managerArgs?: string[];
  /** The server replicas' program: stage 3's replica-server (default) or stage 4's txn-shard-server (same arguments). */
  serverBin?: 'replica-server' | 'txn-shard-server';
}

const HOST = '127.0.0.1';
const STAGE = 'test-p3';

export class P3TestCluster {
  private readonly procs = new Map<string, StartedServer>();
  readonly args: P3ClusterArgs;

  private constructor(
    readonly options: P3TestClusterOptions,
    lists: { managers: string[]; managerP2ps: string[]; servers: string[]; serverP2ps: string[] },
  ) {
    this.args = {
      managers: lists.managers.join(','),
      managerP2ps: lists.managerP2ps.join(','),
      serverRf: String(options.rf),
      servers: lists.servers.join(','),
      serverP2ps: lists.serverP2ps.join(','),
      backerPrefix: path.join(options.dir, 'backer'),
    };
  }

  /**
   * Starts every node at once and resolves once each listens (it does not wait for leaders).
   * A port free when picked may be taken before its node listens (other tests pick ports at
   * the same time): such a start is undone (nodes stopped, storage removed) and tried again
   * on other ports, up to three times.
   */
  static async start(options: P3TestClusterOptions): Promise<P3TestCluster> {
    const removeStorage = (): void => {
      for (const f of fs.readdirSync(options.dir)) if (f.startsWith('backer.')) fs.rmSync(path.join(options.dir, f), { recursive: true, force: true });
    };
    return retryWhilePortTaken(() => P3TestCluster.startOnFreePorts(options), removeStorage);
  }

  private static async startOnFreePorts(options: P3TestClusterOptions): Promise<P3TestCluster> {
    const ports = async (n: number): Promise<string[]> => Promise.all(Array.from({ length: n }, async () => `${HOST}:${await freePort()}`));
    const servers = options.partitions * options.rf;
    const c = new P3TestCluster(options, { managers: await ports(options.managers), managerP2ps: await ports(options.managers), servers: await ports(servers), serverP2ps: await ports(servers) });
    try {
      await Promise.all(c.nodes().map((n) => c.startNode(n)));
    } catch (err) {
      await c.stopAll();
      throw err;
    }
    return c;
  }

  /** Every node id: m.0 …, then s0.0, s0.1, … */
  nodes(): string[] {
    const { managers, partitions, rf } = this.options;
    const m = Array.from({ length: managers }, (_, x) => `m.${x}`);
    const s = Array.from({ length: partitions * rf }, (_, i) => `s${Math.floor(i / rf)}.${i % rf}`);
    return [...m, ...s];
  }

  /** The replicas of a group: 'm' or a partition number. */
  groupNodes(group: 'm' | number): string[] {
    return group === 'm' ? this.nodes().filter((n) => n.startsWith('m.')) : Array.from({ length: this.options.rf }, (_, r) => `s${group}.${r}`);
  }

  get managerList(): string[] {
    return this.args.managers.split(',');
  }

  /** A node's client address. */
  address(node: string): string {
    const cmd = this.command(node);
    return `${HOST}:${cmd.recipe === 'manager' ? cmd.args[1] : cmd.args[3]}`;
  }

  backerPath(node: string): string {
    const cmd = this.command(node);
    return cmd.args[cmd.args.length - 1]!;
  }

  isUp(node: string): boolean {
    return this.procs.has(node);
  }

  process(node: string): ChildProcess | undefined {
    return this.procs.get(node)?.child;
  }

  /** What a node logged on stderr so far (this incarnation). */
  stderr(node: string): string {
    return this.procs.get(node)?.stderr() ?? '';
  }

  /** Starts (or restarts, on its storage) one node; resolves once it listens. */
  async startNode(node: string): Promise<void> {
    if (this.procs.has(node)) throw new Error(`${node} is already running`);
    const cmd = this.command(node);
    const a = cmd.args;
    const common = ['--listen-host', HOST, '--stage', STAGE, '--tick-ms', String(this.options.tickMs ?? 20)];
    const started =
      cmd.recipe === 'manager'
        ? await startListening(
            binPath('replicated-manager'),
            ['--rep-id', a[0]!, '--port', a[1]!, '--p2p-port', a[2]!, '--peers', a[3]!, '--server-rf', a[4]!, '--servers', a[5]!, '--backer-path', a[6]!, ...common, ...(this.options.managerArgs ?? [])],
            this.env(),
            20_000,
          )
        : await startListening(
            binPath(this.options.serverBin ?? 'replica-server'),
            ['--part-id', a[0]!, '--rep-id', a[1]!, '--managers', a[2]!, '--api-port', a[3]!, '--p2p-port', a[4]!, '--peers', a[5]!, '--backer-path', a[6]!, ...common, ...(this.options.serverArgs ?? [])],
            this.env(),
            20_000,
          );
    this.procs.set(node, started);
  }

  /** kill -9 (or another signal) one node and wait until it is gone; resolves with its exit code and what it logged on stderr. */
  async kill(node: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; stderr: string }> {
    const p = this.procs.get(node);
    this.procs.delete(node);
    await p?.stop(signal);
    return { code: p?.child.exitCode ?? null, stderr: p?.stderr() ?? '' };
  }

  pause(node: string): void {
    this.procs.get(node)?.child.kill('SIGSTOP');
  }

  resume(node: string): void {
    this.procs.get(node)?.child.kill('SIGCONT');
  }

  /** Removes a stopped node's storage, as a replica whose disk was lost. */
  wipe(node: string): void {
    if (this.procs.has(node)) throw new Error(`${node} is running; kill it before wiping its storage`);
    fs.rmSync(this.backerPath(node), { recursive: true, force: true });
  }

  /** The node's status, or undefined if it does not answer within timeoutMs. */
  async status(node: string, timeoutMs = 1000): Promise<NodeStatus | undefined> {
    return queryStatus(this.address(node), timeoutMs).catch(() => undefined);
  }

  /**
   * The node id of the group's leader, once one of the running replicas reports itself
   * leader and every other running replica that answers agrees on the term or follows it.
   */
  async leaderOf(group: 'm' | number, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const nodes = this.groupNodes(group);
    for (;;) {
      const statuses = (await Promise.all(nodes.filter((n) => this.isUp(n)).map((n) => this.status(n, 500)))).filter((s): s is NodeStatus => s !== undefined);
      const leaders = statuses.filter((s) => s.role === 'leader');
      const top = Math.max(...statuses.map((s) => s.term));
      const leader = leaders.find((l) => l.term === top);
      if (leader !== undefined) return leader.node;
      if (Date.now() > deadline) throw new Error(`no leader in group ${group} within ${timeoutMs} ms: ${JSON.stringify(statuses)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A client of this cluster (the caller closes it). */
  client(policy?: Partial<RetryPolicy>): ReplicatedClient {
    const full: RetryPolicy = { callTimeoutMs: 2000, backoff: { initialMs: 10, maxMs: 200 }, ...policy };
    return new ReplicatedClient(this.managerList.map(parseAddress), full);
  }

  async stopAll(): Promise<void> {
    const all = [...this.procs.values()];
    this.procs.clear();
    // A paused process must be resumed to die of anything but SIGKILL; SIGKILL needs no help.
    await Promise.all(all.map((p) => p.stop('SIGKILL')));
  }

  private command(node: string): { recipe: 'manager' | 'server'; args: string[] } {
    const cmd = p3ServiceCommand(node, this.args);
    if (typeof cmd === 'string') throw new Error(cmd);
    return cmd;
  }

  private env(): NodeJS.ProcessEnv {
    return { MADKV_RUN_DIR: path.join(this.options.dir, 'run') };
  }
}
