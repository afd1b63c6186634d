/**
 * Running one `just` recipe in the foreground as a node's long-running service: the recipe
 * gets its own process group (so a signal reaches just, its shell and the node process
 * alike), SIGINT/SIGTERM/SIGHUP sent to us are passed on to that group (a second one sends
 * SIGKILL), and the recipe's exit status becomes ours. Used by the `service` programs of
 * every stage (kvstore's bin/service.ts and the runner's `service` command).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';
import { justExecutable, repoRoot } from './repo-paths';

/** Exit status of a process ended by `signal`, as a shell reports it (128 + n). */
export function signalExitStatus(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0);
}

/**
 * Runs `just <justArgs…>` in the repository root; resolves with its exit status (127 if
 * just cannot be run, 128 + n if it ended on signal n). `onLaunched` runs once it started.
 */
export function launchRecipe(justArgs: readonly string[], onLaunched: () => void = () => undefined): Promise<number> {
  // Handlers first: a signal arriving between spawn and handler installation would end us
  // with the default action and leave the recipe's process group running.
  let child: ChildProcess | undefined;
  let signalled = 0;
  const forward = (signal: NodeJS.Signals): void => {
    if (child === undefined) process.exit(signalExitStatus(signal));
    // A second signal means "now": kill the group outright.
    const sent = ++signalled > 1 ? 'SIGKILL' : signal;
    try {
      process.kill(-child.pid!, sent);
    } catch {
      child.kill(sent); // the group is gone already; the child itself may still be exiting
    }
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, forward);
  const launched = spawn(justExecutable(), [...justArgs], { cwd: repoRoot(), stdio: 'inherit', detached: true });
  child = launched;
  onLaunched();
  return new Promise((resolve) => {
    launched.on('error', (err) => {
      process.stderr.write(`error: cannot run just: ${err.message}\n`);
      resolve(127);
    });
    launched.on('exit', (code, signal) => resolve(code ?? (signal !== null ? signalExitStatus(signal) : 1)));
  });
}
