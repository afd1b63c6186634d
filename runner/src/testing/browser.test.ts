import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { browserSkipReason, findBrowser, launchHeadless } from './browser';

test('a named browser that does not exist is reported, not guessed around', () => {
  const env = { CHROMIUM_PATH: '/nonexistent/chromium' };
  assert.equal(findBrowser(env), undefined);
  assert.match(String(browserSkipReason(env)), /does not exist/);
});

test('headless Chromium renders a page served on loopback and runs its script', { skip: browserSkipReason() }, async () => {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<p id="out">waiting</p><script>document.getElementById("out").textContent = "ran"</script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const browser = await launchHeadless(findBrowser() as string);
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      assert.equal(await page.textContent('#out'), 'ran');
    } finally {
      await browser.close();
    }
  } finally {
    server.close();
  }
});
