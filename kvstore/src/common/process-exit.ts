/** Process-level exits shared by the entry points. */

/** Prints one line on stderr and exits non-zero: for errors a user can act on. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

/** On SIGTERM/SIGINT, runs cleanup (bounded in time) and exits. */
export function exitOnSignals(cleanup: () => Promise<void> | void, graceMs = 2000): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGINT' ? 130 : 143;
    setTimeout(() => process.exit(code), graceMs).unref();
    Promise.resolve()
      .then(cleanup)
      .finally(() => process.exit(code));
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
