/**
 * Writes the README's picture of the checker page (docs/images/checker-page.png): the page of
 * a small hand-made history with a lost update, as headless Chromium shows it.
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

async function main(): Promise<number> {
  const skip = browserSkipReason();
  if (skip !== false) {
    console.error(`error: ${skip}`);
    return 1;
  }
  const history = lostUpdateHistory();
  const html = renderCheckPage(buildCheckPage(checkHistory(history), history, { source: '/tmp/madkv-fuzz-4242.jsonl', timeUnit: 'us' }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-screenshot-'));
  const out = path.join(repoRoot(), 'docs', 'images', 'checker-page.png');
  const browser = await launchHeadless(findBrowser() as string);
  try {
    const file = path.join(dir, 'check.html');
    fs.writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(file).href);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`wrote ${out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  },
);
