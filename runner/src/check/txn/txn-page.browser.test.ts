import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, openOffline } from '../../testing/browser';
import { checkListAppend } from './list-append';
import { txnHistory } from './txn-history';
import { buildTxnPage } from './txn-page';
import { renderTxnPage } from './txn-page-html';

const skip = browserSkipReason();

describe("the transactional checker's page in a real browser", { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-txn-page-'));
  // A key is user data: this one would break the page if it were not escaped.
  const oddKey = `<i>k</i>&"'`;
  // A stale read: #2 reads the key empty after #1's append was answered committed.
  const history = txnHistory([
    { client: 0, call: 0, ret: 10, outcome: 'committed', ops: [{ op: 'APPEND', key: oddKey, elem: '1' }] },
    { client: 1, call: 20, ret: 30, outcome: 'committed', ops: [{ op: 'GET', key: oddKey, result: null }] },
  ]);
  const file = path.join(dir, 'txn.html');
  let browser: Browser | undefined;
  let page: Page;
  let requested: string[] = [];
  let dialogs: string[] = [];

  before(async () => {
    const result = checkListAppend(history);
    assert.equal(result.verdict, 'FAILED');
    fs.writeFileSync(file, renderTxnPage(buildTxnPage(result, history, undefined, { source: 'hand-made.jsonl', timeUnit: 'us', elapsedMs: 1 })));
    ({ browser, page, requested, dialogs } = await openOffline(file));
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the page loads nothing from elsewhere and runs no script from the history', () => {
    assert.deepEqual(requested, []);
    assert.deepEqual(dialogs, []);
  });

  test('the verdict, one section for the real-time cycle, its two transactions as bars and its two edges as arrows', async () => {
    assert.equal(await page.textContent('#verdict'), 'FAILED');
    assert.equal(await page.locator('section[data-role=anomaly]').count(), 1);
    assert.match((await page.textContent('section[data-role=anomaly] h2')) ?? '', /real-time violation/);
    assert.equal(await page.locator('g.txnbar').count(), 2);
    const arrows = await page.$$eval('g.edge[data-role=edge-arrow]', (els) => els.map((el) => el.getAttribute('data-type')).sort());
    assert.deepEqual(arrows, ['rt', 'rw']);
    assert.match((await page.textContent('section[data-role=anomaly] td.ops')) ?? '', new RegExp(`APPEND ${oddKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} 1`));
  });

  test('hovering a bar marks the same transaction in the table', async () => {
    await page.locator('g.txnbar[data-op="1"] rect').hover();
    assert.match((await page.locator('tr[data-role=txn][data-op="1"]').getAttribute('class')) ?? '', /\bhl\b/);
    assert.doesNotMatch((await page.locator('tr[data-role=txn][data-op="0"]').getAttribute('class')) ?? '', /\bhl\b/);
  });
});
