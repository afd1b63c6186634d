import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, openOffline } from '../testing/browser';
import { lostUpdateHistory, staleReadHistory } from '../testing/check-page-examples';
import { checkHistory } from './checker';
import { buildCheckPage } from './check-page';
import { renderCheckPage } from './check-page-html';

const skip = browserSkipReason();

describe('the checker page in a real browser', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-check-page-'));
  // A key is user data: this one would break the page if it were not escaped.
  const oddKey = `<i>k</i>&"'`;
  const history = [...staleReadHistory(oddKey), ...lostUpdateHistory('key00001').map((op) => ({ ...op, client: op.client + 3 }))];
  const file = path.join(dir, 'check.html');
  let browser: Browser | undefined;
  let page: Page;
  let requested: string[] = [];
  let dialogs: string[] = [];

  before(async () => {
    const result = checkHistory(history);
    assert.equal(result.verdict, 'FAILED');
    fs.writeFileSync(file, renderCheckPage(buildCheckPage(result, history, { source: 'hand-made.jsonl' })));
    ({ browser, page, requested, dialogs } = await openOffline(file));
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const section = (key: string): string => `section.key[data-key=${JSON.stringify(key)}]`;
  const opsWithRole = (key: string, selector: string): Promise<number[]> =>
    page.$$eval(`${section(key)} ${selector}`, (els) => els.map((el) => Number(el.getAttribute('data-op')) + 1).sort((a, b) => a - b));

  test('the page loads nothing from elsewhere and runs no script from the history', () => {
    assert.deepEqual(requested, []);
    assert.deepEqual(dialogs, []);
  });

  test('the verdict and one section per failing key, the key shown as written', async () => {
    assert.equal(await page.textContent('#verdict'), 'FAILED');
    assert.equal(await page.locator('section.key').count(), 2);
    assert.equal(await page.locator(`${section(oddKey)} h2 code`).textContent(), oddKey);
  });

  test('the stale read: exactly its GET is drawn as impossible to place, and the reason is on the page', async () => {
    assert.deepEqual(await opsWithRole(oddKey, 'g.bar[data-role=blocked]'), [3]);
    assert.deepEqual(await opsWithRole(oddKey, 'g.bar[data-role=earlier]'), [2]);
    const item = page.locator(`${section(oddKey)} ul.blocked li[data-op="2"]`);
    assert.equal(await item.locator('.reason').textContent(), "read 'a', but the value is 'b'");
    assert.ok(await item.isVisible());
  });

  test('the lost update: the longest legal order numbered on the bars and in the list, then the SWAP that cannot follow', async () => {
    const key = 'key00001';
    const blocked = await opsWithRole(key, 'g.bar[data-role=blocked]');
    const placed = await opsWithRole(key, 'g.bar[data-role=placed]');
    assert.ok(blocked.length >= 1);
    // Its operations follow the stale read's five in the history.
    assert.deepEqual([...placed, ...blocked].sort((a, b) => a - b), [8, 9, 10, 11, 12]);
    const steps = await page.$$eval(`${section(key)} g.bar[data-step]`, (els) => els.map((el) => [Number(el.getAttribute('data-op')) + 1, Number(el.getAttribute('data-step'))]));
    const list = await page.$$eval(`${section(key)} ol.order li`, (els) => els.map((el) => Number(el.getAttribute('data-op')) + 1));
    assert.deepEqual(steps.sort((a, b) => a[1]! - b[1]!).map(([op]) => op), list);
    const reason = await page.locator(`${section(key)} ul.blocked .reason`).first().textContent();
    assert.match(reason ?? '', /^returned old value 'v\d', but the value is 'v\d'$/);
  });

  test('hovering a bar marks the same operation in the list', async () => {
    const key = 'key00001';
    const op = await page.locator(`${section(key)} ul.blocked li`).first().getAttribute('data-op');
    await page.locator(`${section(key)} g.bar[data-op="${op}"] rect.body`).hover();
    assert.match((await page.locator(`${section(key)} ul.blocked li[data-op="${op}"]`).getAttribute('class')) ?? '', /\bhl\b/);
  });
});
