/**
 * Starting this project's compiled programs as child processes for tests and
 * benchmarks, and always cleaning them up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import { repoRoot } from '../common/repo-paths';

export { repoRoot };

/** Path of a compiled entry point, e.g. binPath('server') -> dist/kvstore/src/bin/server.js. */
export function binPath(name: string): string {
  return path.join(repoRoot(), 'dist', 'kvstore', 'src', 'bin', `${name}.js`);
}

export interface StartedServer {
  child: ChildProcess;
  address: string;
  stderr: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/**
 * Starts a program that prints `... listening on <host:port>` on stdout and
 * resolves once it does (so tests can bind port 0 and learn the port).
 */
export function startListening(bin: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 10_000): Promise<StartedServer> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  running.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => running.delete(child), () => undefined);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`${path.basename(bin)} did not start within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, address: m[1]!, stderr: () => err, stop });
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(bin)} exited (${code ?? sig}) before listening: ${err}`));
    });
  });
}

/** The lowest port the kernel hands out as the local end of outgoing connections (Linux; 32768 elsewhere). */
function ephemeralLow(): number {
  try {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
}

const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A port that was free a moment ago (for programs that must be told their port up front).
 * It is taken from below the kernel's ephemeral range: a port inside it may meanwhile become
 * the local end of some outgoing connection (clusters in tests open many), and then the
 * program cannot listen on it.
 */
export async function freePort(): Promise<number> {
  const low = Math.min(ephemeralLow(), 65536);
  const base = 10_000;
  if (low - base >= 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = base + randomInt(low - base);
      // Never the same port twice in one process: callers often ask for several at once.
      if (handedOut.has(port)) continue;
      handedOut.add(port);
      if (await canListen(port)) return port;
    }
  }
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion with the given stdin; kills it after timeoutMs. */
export function runToCompletion(cmd: string, args: string[], input: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, cwd: options.cwd ?? repoRoot(), detached: true });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      // The whole process group: `just` recipes start grandchildren.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${options.timeoutMs ?? 30_000} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(input);
  });
}

/**
 * Runs a start on free ports, again up to `attempts` times while it fails because a port was
 * taken between being picked and being listened on (other tests pick ports at the same time).
 * `undo` runs before each new attempt, after a failed one.
 */
export async function retryWhilePortTaken<T>(start: () => Promise<T>, undo: () => void = () => undefined, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !/EADDRINUSE/.test(String((err as Error).message))) throw err;
      undo();
    }
  }
}
