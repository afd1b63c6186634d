/** Writing the checker's HTML page to a file (the shell around check-page.ts and check-page-html.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CheckResult } from './checker';
import { type PageOptions, buildCheckPage } from './check-page';
import { renderCheckPage } from './check-page-html';
import type { HistoryOp } from './history';

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
  try {
    fs.writeFileSync(file, renderCheckPage(buildCheckPage(result, history, options)));
    return undefined;
  } catch (err) {
    return `cannot write ${file}: ${(err as Error).message}`;
  }
}
