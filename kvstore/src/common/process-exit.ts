/** Process-level exits shared by the entry points. */
import type { Writable } from 'node:stream';

/** Prints one line on stderr and exits non-zero: for errors a user can act on. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

/**
 * On SIGTERM/SIGINT, runs cleanup (bounded in time) and exits 0: a stop that was
 * asked for (`pN::kill`, Ctrl-C) is a clean end, not a failure of the recipe.
 */
export function exitOnSignals(cleanup: () => Promise<void> | void, graceMs = 2000): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`stopping on ${signal}\n`);
    setTimeout(() => process.exit(1), graceMs).unref();
    Promise.resolve()
      .then(cleanup)
      .then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** A reader that went away (`| head`, a runner that stopped) is not an error: exit quietly. */
export function exitOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/** Resolves once everything written to `stream` so far has been handed to the OS (or the stream failed). */
export function flushed(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * Exits with `code` once stdout and stderr are flushed. Writes to a pipe are asynchronous, and
 * process.exit drops whatever is still queued: `client | tail` would lose the end of the output.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
