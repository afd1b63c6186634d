/**
 * Starting this project's compiled programs as child processes for tests and
 * benchmarks, and always cleaning them up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
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

/** A port that was free a moment ago (for programs that must be told their port up front). */
export function freePort(): Promise<number> {
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
