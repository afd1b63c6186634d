/** Running the runner's CLI as a child process in tests (compiled, or through tsx). */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../paths';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runRunner(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const ts = __filename.endsWith('.ts');
  const main = path.join(__dirname, '..', `main${ts ? '.ts' : '.js'}`);
  const nodeArgs = ts ? ['--import', 'tsx', main, ...args] : [main, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: repoRoot(), env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runner ${args.join(' ')} timed out; stdout so far:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
