/**
 * The dashboard in a real browser (headless Chromium), on a real stage-3 group: the page
 * shows the three replicas and their leader; a click on the leader's kill button, confirmed,
 * kills it, and another replica shows as leader on the page. Skipped, with what to install,
 * where no Chromium is installed.
 */
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { browserSkipReason, findBrowser, launchHeadless } from '../testing/browser';
import { startTestCluster } from '../testing/local-p3';
import { DashboardServer } from './dashboard-server';
import { LocalClusterSource } from './local-source';

/** The replica the group's card names as leader, once `ok` holds for it (the page updates about 4 times a second). */
async function shownLeader(card: Locator, ok: (leader: string | undefined) => boolean, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const text = (await card.textContent()) ?? '';
    const leader = /^leader (s0\.[012])$/.exec(text)?.[1];
    if (ok(leader)) return leader!;
    if (Date.now() > deadline) assert.fail(`the page still shows '${text}' after ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the page shows a 3-replica group and its leader; a confirmed kill from the page makes another replica leader on screen', { skip: browserSkipReason() }, async () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-dashboard-browser-'));
  const cluster = await startTestCluster({ dir: path.join(scratch, 'cluster'), stage: 'test-dashboard-browser', shape: { managers: 1, partitions: 1, rf: 3 }, env: { MADKV_RUN_DIR: path.join(scratch, 'run') }, proxies: false });
  let dashboard: DashboardServer | undefined;
  const browser = await launchHeadless(findBrowser() as string).catch(async (err: Error) => {
    await cluster.stopAll('SIGKILL');
    throw err;
  });
  try {
    const { missing } = await cluster.waitForLeaders(30_000);
    assert.deepEqual(missing, [], 'every group elects a leader');
    dashboard = await DashboardServer.start(new LocalClusterSource(cluster));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dashboard.url);

    for (const n of ['m.0', 's0.0', 's0.1', 's0.2']) await page.locator(`tr[data-node="${n}"][data-state="up"]`).waitFor({ timeout: 15_000 });
    const leaderText = page.locator('[data-group="0"] h2 .leader');
    const leader = await shownLeader(leaderText, (l) => l !== undefined, 15_000);
    assert.equal(await page.locator(`tr[data-node="${leader}"]`).getAttribute('data-role'), 'leader');

    const asked: string[] = [];
    page.on('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.locator(`tr[data-node="${leader}"] button[data-action="kill"]`).click();
    await page.locator('#actions li', { hasText: `${leader} killed (kill -9)` }).waitFor({ timeout: 15_000 });
    assert.deepEqual(asked, [`kill -9 ${leader}?`]);
    await page.locator(`tr[data-node="${leader}"][data-state="down"]`).waitFor({ timeout: 10_000 });
    const next = await shownLeader(leaderText, (l) => l !== undefined && l !== leader, 20_000);
    assert.notEqual(next, leader);
    assert.equal(await page.locator(`tr[data-node="${next}"]`).getAttribute('data-role'), 'leader');
    await page.locator('#timeline li', { hasText: `partition 0: ${next} leads` }).waitFor({ timeout: 5000 });
    assert.deepEqual(errors, [], 'the page runs without script errors');
  } finally {
    await browser.close();
    await dashboard?.close();
    await cluster.stopAll('SIGKILL');
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});
