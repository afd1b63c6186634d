/**
 * A headless browser for the browser tests (the dashboard, the checker's HTML report).
 *
 * The browser is the system's Chromium (Debian's `chromium` package; CHROMIUM_PATH names
 * another), driven through playwright-core, which ships no browser of its own. When none is
 * installed the tests skip with a note saying what to install; CI installs one.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';

const DEFAULT_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser binary to use, or undefined when none is installed. */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env['CHROMIUM_PATH'];
  if (named !== undefined && named !== '') return existsSync(named) ? named : undefined;
  return DEFAULT_PATHS.find((p) => existsSync(p));
}

/** Why browser tests are skipped here (for `test(..., { skip })`), or false when a browser exists. */
export function browserSkipReason(env: NodeJS.ProcessEnv = process.env): string | false {
  if (findBrowser(env) !== undefined) return false;
  const named = env['CHROMIUM_PATH'];
  return named !== undefined && named !== ''
    ? `CHROMIUM_PATH names ${named}, which does not exist`
    : 'no Chromium installed (apt-get install chromium, or set CHROMIUM_PATH)';
}

/**
 * Starts headless Chromium (playwright gives it a fresh temporary profile and removes it on
 * close). The flags keep it from reaching out to the network on its own (background updates,
 * sync), which a closed network answers with errors; a start that hangs fails after 30 s.
 */
export async function launchHeadless(executablePath: string): Promise<Browser> {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ];
  return chromium.launch({ executablePath, headless: true, args, timeout: 30_000 });
}

/** A page opened from a file with nothing else allowed to load: what it tried, and any dialog a script opened. */
export interface OfflinePage {
  browser: Browser;
  page: Page;
  /** URLs other than the file that the page asked for (each refused). */
  requested: string[];
  /** Messages of dialogs (alert, confirm) that opened (each dismissed). */
  dialogs: string[];
}

/** Opens `file` in headless Chromium, offline: any request but the file itself is refused and recorded. */
export async function openOffline(file: string, viewport = { width: 1200, height: 900 }): Promise<OfflinePage> {
  const browser = await launchHeadless(findBrowser() as string);
  const page = await browser.newPage({ viewport });
  const requested: string[] = [];
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const href = pathToFileURL(file).href;
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url === href) return route.continue();
    requested.push(url);
    return route.abort();
  });
  await page.goto(href);
  return { browser, page, requested, dialogs };
}
