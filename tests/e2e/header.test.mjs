// The header on a narrow screen: the same three rows for every role, held while the session
// is checked, so a first screen does not jump down when the signed-in header arrives (it was
// staff's largest Lighthouse loss on mobile: cumulative layout shift 0.167); and the
// navigation, which scrolls sideways there, is reachable by keyboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, newPage, assertClean, assertAccessible, signIn } from './harness.mjs';

const env = useServerAndBrowser();

const FIRST_SCREENS = [
  ['partner@demo.test', '/traffic-sources'],
  ['advertiser@demo.test', '/marketplace'],
  ['staff@demo.test', '/admin/traffic-sources'],
];

/** Records, from the first paint, every height the header has and every layout shift. */
function watchLayout() {
  window.__headerHeights = new Set();
  window.__shift = 0;
  const note = () => {
    const header = document.querySelector('.site-header');
    if (header) window.__headerHeights.add(Math.round(header.getBoundingClientRect().height));
  };
  new MutationObserver(note).observe(document, { subtree: true, childList: true, attributes: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
  }).observe({ type: 'layout-shift', buffered: true });
}

for (const width of [360, 412]) {
  test(`at ${width} px a first screen opened directly does not move when the session arrives`, async () => {
    for (const [email, path] of FIRST_SCREENS) {
      const page = await newPage(env.browser, { viewport: { width, height: 740 } });
      await signIn(page, env.server.url, email);
      await page.addInitScript(watchLayout);
      await page.goto(env.server.url + path);
      await page.locator('tbody tr').first().waitFor();
      await page.locator('.account').waitFor();
      const { heights, shift } = await page.evaluate(() => ({
        heights: [...window.__headerHeights],
        shift: window.__shift,
      }));
      assert.equal(heights.length, 1, `${email} at ${width} px: the header went through ${heights.join(', ')} px`);
      assert.ok(shift < 0.01, `${email} at ${width} px: cumulative layout shift ${shift}`);
      assertClean(page);
      await page.context().close();
    }
  });
}

test('the sign-in page holds no room for a signed-in header', async () => {
  const page = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
  await page.addInitScript(watchLayout);
  await page.goto(env.server.url + '/sign-in');
  await page.getByLabel('Email').waitFor();
  const heights = await page.evaluate(() => [...window.__headerHeights]);
  assert.ok(Math.max(...heights) < 120, `the signed-out header was ${heights.join(', ')} px high`);
  assertClean(page);
  await page.context().close();
});

test('at 360 px the navigation scrolls sideways and every link is reached by keyboard', async () => {
  const page = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
  await signIn(page, env.server.url, 'staff@demo.test');
  await page.waitForURL((u) => u.pathname === '/admin/traffic-sources');
  await page.locator('tbody tr').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);

  const last = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Marketplace' });
  const box = await last.boundingBox();
  assert.ok(box.x + box.width > 360, 'the last link starts out of view (else this test proves nothing)');
  await page.locator('.brand').focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
  assert.equal(await last.evaluate((a) => a === document.activeElement), true, 'the third Tab reaches Marketplace');
  const seen = await last.boundingBox();
  assert.ok(seen.x >= 0 && seen.x + seen.width <= 360, `focused, it is scrolled into view: ${JSON.stringify(seen)}`);
  await assertAccessible(page, 'staff table at 360 px, navigation scrolled');
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.pathname === '/marketplace');
  assertClean(page);
  await page.context().close();
});
