/**
 * `runner check` on a transactional history: parse, check strict serializability (list-append
 * keys) and the bank invariant when the history declares one, print the report and the verdict
 * line. The shell owns the clock; the checkers are pure.
 */
import { bankWorkloadProblem, checkBank } from './bank';
import { checkListAppend } from './list-append';
import { type TxnHistory, TxnHistoryError, parseTxnHistoryText } from './txn-history';
import { formatBankReport, formatTxnCheckReport, txnName, txnSummaryLine } from './txn-report';
import { colour, heading } from '../../terminal';
import { writeTxnCheckPage } from '../check-page-file';

export type Verdict = 'PASSED' | 'FAILED' | 'UNKNOWN';

export const TXN_VERDICT_HEADING = 'Strict serializability check:';

/**
 * Prints the report (and with `htmlFile` writes the page, naming it) and returns the verdict, or
 * undefined (after an error line) for a history that cannot be checked or a page that cannot be written.
 */
export function runTxnCheck(text: string, file: string, options: { timeUnit: string; htmlFile?: string | undefined }): Verdict | undefined {
  let history: TxnHistory;
  try {
    history = parseTxnHistoryText(text, file);
  } catch (err) {
    if (!(err instanceof TxnHistoryError)) throw err;
    console.error(`error: malformed history: ${err.message}`);
    return undefined;
  }
  const bank = history.bank;
  if (bank !== undefined) {
    const problem = bankWorkloadProblem(history, bank);
    if (problem !== undefined) {
      console.error(`error: not a bank history: ${file}:${txnName(history, problem.txn).slice(1)}: ${problem.message}`);
      return undefined;
    }
  }
  const started = performance.now();
  const result = checkListAppend(history);
  const bankResult = bank === undefined ? undefined : checkBank(history, bank);
  const elapsedMs = performance.now() - started;
  console.log(txnSummaryLine(result, elapsedMs));
  for (const line of formatTxnCheckReport(result, history, options)) console.log(line);
  if (bankResult !== undefined && bank !== undefined) for (const line of formatBankReport(bankResult, history, bank.total, options)) console.log(line);
  const bankFailed = bankResult !== undefined && bankResult.violationCount > 0;
  if (options.htmlFile !== undefined) {
    const failure = writeTxnCheckPage(options.htmlFile, result, history, bankResult, { source: file, timeUnit: options.timeUnit, elapsedMs });
    if (failure !== undefined) {
      console.error(`error: ${failure}`);
      return undefined;
    }
    console.log(`  HTML report: ${options.htmlFile}`);
  }
  return bankFailed ? 'FAILED' : result.verdict;
}

export function verdictLine(title: string, verdict: Verdict): string {
  const word = verdict === 'PASSED' ? colour.green('PASSED') : verdict === 'FAILED' ? colour.red('FAILED') : colour.yellow('UNKNOWN');
  return `${heading(title)} ${word}`;
}
