/**
 * Writes the README's pictures of the checkers' pages, as headless Chromium shows them:
 * docs/images/checker-page.png, the page of a small hand-made history with a lost update, and
 * docs/images/txn-checker-page.png, the transactional page of a read skew (G-single).
 *
 *   npm run screenshot:checker
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../paths';
import { browserSkipReason, findBrowser, launchHeadless } from '../testing/browser';
import { lostUpdateHistory } from '../testing/check-page-examples';
import { checkHistory } from './checker';
import { buildCheckPage } from './check-page';
import { renderCheckPage } from './check-page-html';
import { checkListAppend } from './txn/list-append';
import { txnHistory } from './txn/txn-history';
import { buildTxnPage } from './txn/txn-page';
import { renderTxnPage } from './txn/txn-page-html';

/** A read skew: #2 sees #1's append to x but not its append to y, and #3 reads both after. */
function readSkewHistory() {
  return txnHistory([
    { client: 0, call: 1000, ret: 1450, outcome: 'committed', ops: [{ op: 'APPEND', key: 'x', elem: '1' }, { op: 'APPEND', key: 'y', elem: '1' }] },
    { client: 1, call: 1100, ret: 1300, outcome: 'committed', ops: [{ op: 'GET', key: 'x', result: '1' }, { op: 'GET', key: 'y', result: null }] },
    { client: 2, call: 1600, ret: 1700, outcome: 'committed', ops: [{ op: 'GET', key: 'x', result: '1' }, { op: 'GET', key: 'y', result: '1' }] },
  ]);
}

async function main(): Promise<number> {
  const skip = browserSkipReason();
  if (skip !== false) {
    console.error(`error: ${skip}`);
    return 1;
  }
  const history = lostUpdateHistory();
  const txns = readSkewHistory();
  const pages: Array<[string, string]> = [
    ['checker-page.png', renderCheckPage(buildCheckPage(checkHistory(history), history, { source: '/tmp/madkv-fuzz-4242.jsonl', timeUnit: 'us' }))],
    ['txn-checker-page.png', renderTxnPage(buildTxnPage(checkListAppend(txns), txns, undefined, { source: '/tmp/madkv-p4/fuzz/fuzz-mako-yes.history.jsonl', timeUnit: 'us', elapsedMs: 1 }))],
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-screenshot-'));
  const browser = await launchHeadless(findBrowser() as string);
  try {
    for (const [name, html] of pages) {
      const file = path.join(dir, 'page.html');
      fs.writeFileSync(file, html);
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 1 });
      await page.goto(pathToFileURL(file).href);
      const out = path.join(repoRoot(), 'docs', 'images', name);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      await page.screenshot({ path: out, fullPage: true });
      await page.close();
      console.log(`wrote ${out}`);
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  },
);
