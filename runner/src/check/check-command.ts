/** `runner check <history.jsonl>`: re-check a saved history; exit 0 PASSED, 1 FAILED, 2 UNKNOWN or unreadable. */
import { checkHistory } from './checker';
import { HistoryFormatError, type HistoryOp, readHistoryFile } from './history';
import { formatCheckReport } from './report';
import { colour, heading } from '../terminal';

export function runCheck(file: string, options: { checkTimeoutMs: number; timeUnit: string }): number {
  let history: HistoryOp[];
  try {
    history = readHistoryFile(file);
  } catch (err) {
    const message = err instanceof HistoryFormatError ? `malformed history: ${err.message}` : `cannot read ${file}: ${(err as Error).message}`;
    console.error(`error: ${message}`);
    console.log(`${heading('Linearizability check:')} ${colour.yellow('UNKNOWN')}`);
    return 2;
  }
  const started = Date.now();
  const result = checkHistory(history, { maxMillis: options.checkTimeoutMs });
  const secs = ((Date.now() - started) / 1000).toFixed(2);
  console.log(`Checked ${result.opsChecked} operations on ${result.keysChecked} keys in ${secs} s`);
  for (const line of formatCheckReport(result, history, { timeUnit: options.timeUnit })) console.log(line);
  const word = result.verdict === 'PASSED' ? colour.green('PASSED') : result.verdict === 'FAILED' ? colour.red('FAILED') : colour.yellow('UNKNOWN');
  console.log(`${heading('Linearizability check:')} ${word}`);
  return result.verdict === 'PASSED' ? 0 : result.verdict === 'FAILED' ? 1 : 2;
}
