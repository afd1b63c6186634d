/** One-line diagnostics on stderr; stdout belongs to protocols. */

export type LogFn = (message: string) => void;

export function makeLogger(component: string): LogFn {
  return (message: string) => {
    process.stderr.write(`${new Date().toISOString()} ${component}: ${message}\n`);
  };
}

export const silentLogger: LogFn = () => {};
