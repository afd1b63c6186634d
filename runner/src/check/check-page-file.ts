/** Writing the checkers' HTML pages to a file (the shell around check-page.ts / check-page-html.ts and txn/txn-page.ts / txn-page-html.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CheckResult } from './checker';
import { type PageOptions, buildCheckPage } from './check-page';
import { renderCheckPage } from './check-page-html';
import type { HistoryOp } from './history';
import type { BankResult } from './txn/bank';
import type { TxnCheckResult } from './txn/list-append';
import type { TxnHistory } from './txn/txn-history';
import { type TxnPageOptions, buildTxnPage } from './txn/txn-page';
import { renderTxnPage } from './txn/txn-page-html';

/** Where a failed fuzz run's page goes: beside its history, `.jsonl` replaced by `.html`. */
export function pageFileBeside(historyFile: string): string {
  return historyFile.endsWith('.jsonl') ? `${historyFile.slice(0, -'.jsonl'.length)}.html` : `${historyFile}.html`;
}

/** Why `file` cannot be written (its folder is missing, or it is a folder), before a long check; undefined if it looks writable. */
export function pageFileProblem(file: string): string | undefined {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) return `cannot write ${file}: the folder ${dir} does not exist`;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) return `cannot write ${file}: it is a folder`;
  return undefined;
}

/** Writes the page; an error message if it could not be written. */
export function writeCheckPage(file: string, result: CheckResult, history: readonly HistoryOp[], options: PageOptions): string | undefined {
  return writePage(file, () => renderCheckPage(buildCheckPage(result, history, options)));
}

/** The transactional checker's page (txn/txn-page.ts); an error message if it could not be written. */
export function writeTxnCheckPage(file: string, result: TxnCheckResult, history: TxnHistory, bank: BankResult | undefined, options: TxnPageOptions): string | undefined {
  return writePage(file, () => renderTxnPage(buildTxnPage(result, history, bank, options)));
}

function writePage(file: string, html: () => string): string | undefined {
  try {
    fs.writeFileSync(file, html());
    return undefined;
  } catch (err) {
    return `cannot write ${file}: ${(err as Error).message}`;
  }
}
