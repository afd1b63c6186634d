/**
 * `runner check <history.jsonl> [--html page.html]`: re-check a saved history (and draw it);
 * exit 0 PASSED, 1 FAILED, 3 UNKNOWN, 2 unreadable file or bad arguments. A history of
 * transactions (its first record has `ops`, see txn/txn-history.ts) is checked for strict
 * serializability instead of linearizability, with the same verdicts and exit codes.
 */
import * as fs from 'node:fs';
import { pageFileProblem, writeCheckPage } from './check-page-file';
import { HistoryFormatError, type HistoryOp, parseHistoryText } from './history';
import { type HistoryColumns, readHistoryColumns } from './history-columns';
import { formatCheckReport, formatCount } from './report';
import { runTimedCheck } from './timed-check';
import { TXN_VERDICT_HEADING, runTxnCheck, verdictLine } from './txn/txn-check';
import { isTxnHistoryText } from './txn/txn-history';

export interface CheckCommandOptions {
  timeoutMs: number;
  memoBytes?: number;
  timeUnit: string;
  /** Also write the HTML page here. */
  htmlFile?: string | undefined;
}

export function runCheck(file: string, options: CheckCommandOptions): number {
  const problem = validateCheckOptions(options) ?? (options.htmlFile === undefined ? undefined : pageFileProblem(options.htmlFile));
  if (problem !== undefined) {
    console.error(`error: ${problem} (see --help)`);
    return 2;
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    console.error(`error: cannot read ${file}: ${(err as Error).message}`);
    console.log(verdictLine('Linearizability check:', 'UNKNOWN'));
    return 2;
  }
  if (isTxnHistoryText(text)) {
    const verdict = runTxnCheck(text, file, { timeUnit: options.timeUnit, htmlFile: options.htmlFile });
    console.log(verdictLine(TXN_VERDICT_HEADING, verdict ?? 'UNKNOWN'));
    return verdict === undefined ? 2 : verdictExitCode(verdict);
  }
  let columns: HistoryColumns;
  try {
    columns = readHistoryColumns(text, file);
  } catch (err) {
    if (!(err instanceof HistoryFormatError)) throw err;
    console.error(`error: malformed history: ${err.message}`);
    console.log(verdictLine('Linearizability check:', 'UNKNOWN'));
    return 2;
  }
  const { result, elapsedMs } = runTimedCheck(columns, {
    timeoutMs: options.timeoutMs,
    memoBytes: options.memoBytes,
    onProgress: (line) => console.error(line),
  });
  const memo = `memo peak ${formatCount(result.memoPeakEntries)} entries, ${(result.memoPeakBytes / 2 ** 20).toFixed(1)} MB`;
  console.log(`Checked ${result.opsChecked} operations on ${result.keysChecked} keys in ${(elapsedMs / 1000).toFixed(2)} s (${formatCount(result.steps)} search steps, ${memo})`);
  // The operations as objects, for a page that draws them, or just those a report shows:
  // the check itself reads only the columns.
  const history: HistoryOp[] =
    options.htmlFile !== undefined ? parseHistoryText(text, file) : columns.operationsAt(result.violations.flatMap((v) => [...v.ops, ...v.context]));
  for (const line of formatCheckReport(result, history, { timeUnit: options.timeUnit })) console.log(line);
  let pageFailed = false;
  if (options.htmlFile !== undefined) {
    const failure = writeCheckPage(options.htmlFile, result, history, { source: file, timeUnit: options.timeUnit });
    if (failure === undefined) console.log(`  HTML report: ${options.htmlFile}`);
    else console.error(`error: ${failure}`);
    pageFailed = failure !== undefined;
  }
  console.log(verdictLine('Linearizability check:', result.verdict));
  return pageFailed ? 2 : verdictExitCode(result.verdict);
}

export function validateCheckOptions(o: { timeoutMs: number; memoBytes?: number }): string | undefined {
  if (!(o.timeoutMs >= 0)) return '--timeout must be a number of seconds, 0 or more';
  if (o.memoBytes !== undefined && !(o.memoBytes > 0)) return '--memo-mb must be a positive number';
  return undefined;
}

/** Exit status of `check` and `fuzz`: 0 PASSED, 1 FAILED, 3 UNKNOWN (2 is for bad arguments or files). */
export function verdictExitCode(verdict: 'PASSED' | 'FAILED' | 'UNKNOWN'): number {
  return verdict === 'PASSED' ? 0 : verdict === 'FAILED' ? 1 : 3;
}
