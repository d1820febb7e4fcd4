// How long a partner waits for a later screen the first time they open it, on a slow mobile
// link: from the click on a source's name in their table to its page (its "Programs using this
// source" heading), with the pointer resting on the link for 0, 300 or 600 ms first. Pointing
// at the link starts the partner's module's download (src/screens/mod.rs,
// `warm_partner_screens`); with 0 ms it starts at the click, as before that.
// The network is Chromium's emulation of Lighthouse's "slow 4G": 150 ms round trips, 1.6 Mbit/s
// down, 750 kbit/s up. Each run is a fresh browser context (nothing cached).
// Build first: scripts/build-web.sh && cargo build -p server (SERVER_BIN, tests/e2e/harness.mjs)
//   node scripts/later-screen.mjs [runs per case, default 5]
import { startServer, launchBrowser, newPage, assertClean, signIn } from '../tests/e2e/harness.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };

const server = await startServer({ seedDemo: true });
const browser = await launchBrowser();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const results = new Map([[0, []], [300, []], [600, []]]);
  for (let run = 0; run < RUNS; run++) {
    for (const pointing of results.keys()) {
      const page = await newPage(browser);
      await signIn(page, server.url, 'partner@demo.test');
      await page.getByRole('table').waitFor();
      await page.mouse.move(0, 0);
      // Let the first screen finish what it does after showing.
      await page.waitForTimeout(1000);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
      const link = page.locator('table tbody a.cell-name').first();
      if (pointing) {
        await link.hover();
        await page.waitForTimeout(pointing);
      }
      // Timed in the page: from the click event to the frame the heading is first in (a
      // MutationObserver), not by the test's own polling, which checks only now and then.
      await page.evaluate(() => {
        window.__shown = new Promise((resolve) => {
          let clickedAt = null;
          addEventListener('click', () => (clickedAt ??= performance.now()), { capture: true });
          new MutationObserver((_, observer) => {
            const heading = [...document.querySelectorAll('h2')].find((h) => h.textContent === 'Programs using this source');
            if (clickedAt !== null && heading) {
              observer.disconnect();
              resolve(performance.now() - clickedAt);
            }
          }).observe(document.body, { childList: true, subtree: true, characterData: true });
        });
      });
      await link.click();
      const waited = await page.evaluate(() => window.__shown);
      results.get(pointing).push(Math.round(waited));
      assertClean(page);
      await page.context().close();
    }
  }
  console.log('pointer on the link before the click   click to the source page (ms, each run)   median');
  for (const [pointing, times] of results) {
    console.log(`${String(pointing).padStart(6)} ms${' '.repeat(33)}${times.join(', ').padEnd(40)}${median(times)}`);
  }
} finally {
  await browser.close();
  await server.stop();
}
