/**
 * A local etcd cluster for benchmarks: n members of Debian's etcd on loopback (free
 * ports, temporary data folders), started as child processes and killed at the end.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../../../kvstore/src/testing/spawn-node';
import { EtcdClient } from './etcd-client';

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

/** The etcd version line, or null if etcd is not installed. */
export function etcdVersion(): string | null {
  if (!fs.existsSync(ETCD_BIN)) return null;
  const r = spawnSync(ETCD_BIN, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : null;
}

export class LocalEtcdCluster {
  private constructor(
    readonly dir: string,
    readonly clientAddresses: string[],
    private readonly children: ChildProcess[],
  ) {}

  static async start(members: number): Promise<LocalEtcdCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-etcd-'));
    const clientPorts: number[] = [];
    const peerPorts: number[] = [];
    for (let i = 0; i < members; i++) {
      clientPorts.push(await freePort());
      peerPorts.push(await freePort());
    }
    const initial = peerPorts.map((p, i) => `m${i}=http://127.0.0.1:${p}`).join(',');
    const children = clientPorts.map((cp, i) =>
      spawn(
        ETCD_BIN,
        [
          '--name', `m${i}`,
          '--data-dir', path.join(dir, `m${i}`),
          '--listen-client-urls', `http://127.0.0.1:${cp}`,
          '--advertise-client-urls', `http://127.0.0.1:${cp}`,
          '--listen-peer-urls', `http://127.0.0.1:${peerPorts[i]}`,
          '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPorts[i]}`,
          '--initial-cluster', initial,
          '--initial-cluster-token', `madkv-bench-${process.pid}`,
          '--initial-cluster-state', 'new',
          '--logger', 'zap',
          '--log-level', 'error',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    const cluster = new LocalEtcdCluster(dir, clientPorts.map((p) => `127.0.0.1:${p}`), children);
    const deadline = Date.now() + 20_000;
    for (const address of cluster.clientAddresses) {
      const c = EtcdClient.connect(address);
      try {
        for (;;) {
          try {
            const s = await c.status();
            if (s.leader !== '0') break;
          } catch {
            // not up yet
          }
          if (Date.now() > deadline) {
            await cluster.stop();
            throw new Error(`etcd member ${address} did not come up within 20 s`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        c.close();
      }
    }
    return cluster;
  }

  /** The client address of the current leader. */
  async leaderAddress(): Promise<string> {
    for (const address of this.clientAddresses) {
      const c = EtcdClient.connect(address);
      try {
        const s = await c.status();
        if (s.member === s.leader) return address;
      } finally {
        c.close();
      }
    }
    throw new Error('no etcd member says it leads');
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
