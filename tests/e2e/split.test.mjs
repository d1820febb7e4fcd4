// The per-screen split (src/screens/mod.rs, scripts/wasm-split-hook.sh): a screen's module is
// fetched when the screen is first opened (or, for the partner's, when a link to one is pointed
// at or focused), once; while it downloads the page shows the same loading state as a data
// fetch; and a module that fails to download offers Try again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser,
  newPage,
  assertClean,
  assertAccessible,
  allowConsoleErrors,
  signIn,
} from './harness.mjs';

const env = useServerAndBrowser();

/** The wasm files the page requests from now on, by name, with how often each was asked for. */
function countWasm(page) {
  const counts = new Map();
  page.on('request', (request) => {
    const name = new URL(request.url()).pathname.split('/').pop();
    if (name.endsWith('.wasm')) counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  return counts;
}

test("a partner's first screen does not download the other roles' or the partner's later screens", async () => {
  const page = await newPage(env.browser);
  const wasm = countWasm(page);
  await signIn(page, env.server.url, 'partner@demo.test');
  await page.goto(`${env.server.url}/traffic-sources`);
  await page.locator('table tbody tr').first().waitFor();
  const names = [...wasm.keys()];
  assert.ok(names.includes('split_sources_list.wasm'), names.join(', '));
  for (const other of ['split_partner.wasm', 'split_marketplace.wasm', 'split_admin_sources.wasm', 'split_staff.wasm', 'split_advertiser.wasm']) {
    assert.ok(!names.includes(other), `${other} was downloaded: ${names.join(', ')}`);
  }
  assertClean(page);
  await page.context().close();
});

test("a later screen's module is fetched on first use, shows the loading state meanwhile, and only once", async () => {
  const page = await newPage(env.browser);
  const wasm = countWasm(page);
  await signIn(page, env.server.url, 'partner@demo.test');
  await page.getByRole('heading', { level: 1, name: 'Traffic sources' }).waitFor();
  assert.equal(wasm.get('split_partner.wasm'), undefined);

  // Hold the module back for a moment, to see what the page shows while it downloads.
  let release;
  const held = new Promise((r) => (release = r));
  await page.route('**/split_partner.wasm', async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole('link', { name: 'Add traffic source' }).click();
  await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
  release();
  await page.getByRole('heading', { level: 1, name: 'Add a traffic source' }).waitFor();
  assert.equal(wasm.get('split_partner.wasm'), 1);

  // Away and back, and to another screen of the same module: no second download.
  // A module already here shows its screen at once: not even a frame of "Loading…".
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Traffic sources' }).waitFor();
  await page.evaluate(() => {
    window.__loadingShown = false;
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n.nodeType === 1 && (n.matches('.page-loading') || n.querySelector('.page-loading'))) window.__loadingShown = true;
        }
      }
    }).observe(document.querySelector('main'), { childList: true, subtree: true });
  });
  await page.getByRole('link', { name: 'Add traffic source' }).click();
  await page.getByRole('heading', { level: 1, name: 'Add a traffic source' }).waitFor();
  assert.equal(await page.evaluate(() => window.__loadingShown), false, 'no loading state for a module already here');
  await page.goBack();
  await page.locator('table tbody a.cell-name').first().click();
  await page.waitForURL(/\/traffic-sources\/\d+$/);
  await page.getByRole('heading', { level: 1 }).waitFor();
  assert.equal(wasm.get('split_partner.wasm'), 1);
  assertClean(page);
  await page.context().close();
});

test("pointing at or focusing a link to a partner's later screen starts its module's download, once", async () => {
  const page = await newPage(env.browser);
  const wasm = countWasm(page);
  await signIn(page, env.server.url, 'partner@demo.test');
  await page.getByRole('heading', { level: 1, name: 'Traffic sources' }).waitFor();
  await page.mouse.move(0, 0);
  // Pointing at the table and its plain text asks for nothing.
  await page.locator('table tbody tr td').first().hover();
  await page.waitForTimeout(300);
  assert.equal(wasm.get('split_partner.wasm'), undefined);

  // A link to a source's page, pointed at: the module comes before any click.
  await page.locator('table tbody a.cell-name').first().hover();
  await page.waitForResponse((r) => r.url().endsWith('/split_partner.wasm'));
  assert.equal(wasm.get('split_partner.wasm'), 1);
  // Another link of the same module, by keyboard, and the click: nothing more to fetch.
  await page.getByRole('link', { name: 'Add traffic source' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Add a traffic source' }).waitFor();
  assert.equal(wasm.get('split_partner.wasm'), 1);
  assertClean(page);
  await page.context().close();

  // Focus alone does it too.
  const keyboard = await newPage(env.browser);
  const asked = countWasm(keyboard);
  await signIn(keyboard, env.server.url, 'partner@demo.test');
  await keyboard.getByRole('heading', { level: 1, name: 'Traffic sources' }).waitFor();
  await keyboard.mouse.move(0, 0);
  assert.equal(asked.get('split_partner.wasm'), undefined);
  await keyboard.getByRole('link', { name: 'Add traffic source' }).focus();
  await keyboard.waitForResponse((r) => r.url().endsWith('/split_partner.wasm'));
  assertClean(keyboard);
  await keyboard.context().close();
});

test('a screen whose module fails to download offers Try again, and Try again recovers', async () => {
  const page = await newPage(env.browser);
  // The browser's own log lines for the refused request, and the loader's report of it.
  allowConsoleErrors(page, /Failed to load resource/, /split_partner|failed to load|TypeError|NetworkError|Failed to fetch/i);
  await signIn(page, env.server.url, 'partner@demo.test');
  await page.getByRole('heading', { level: 1, name: 'Traffic sources' }).waitFor();

  let blocked = 0;
  await page.route('**/split_partner.wasm', (route) => {
    blocked += 1;
    return route.abort('internetdisconnected');
  });
  await page.locator('table tbody a.cell-name').first().click();
  const alert = page.getByRole('alert').filter({ hasText: "This page couldn't be loaded" });
  await alert.waitFor();
  assert.ok(blocked >= 1);
  await assertAccessible(page, 'a screen that failed to download');
  // Still failing: Try again fails again, and says so again.
  await alert.getByRole('button', { name: 'Try again' }).click();
  await alert.waitFor();
  assert.ok(blocked >= 2, 'Try again asked for the module again');

  await page.unroute('**/split_partner.wasm');
  await alert.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { level: 2, name: 'Programs using this source' }).waitFor();
  assert.equal(await alert.count(), 0);
  // The app is whole: the rest of it still works.
  await page.getByRole('link', { name: /^Notifications/ }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
  assertClean(page);
  await page.context().close();
});

test("the marketplace's Invite to program dialog downloads after the table shows; if it can't, Try again opens it", async () => {
  const page = await newPage(env.browser);
  allowConsoleErrors(page, /Failed to load resource/, /split_advertiser|failed to load|TypeError|NetworkError|Failed to fetch/i);
  // In order: the list's answer and each request for the dialog's module.
  const order = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/api/marketplace/traffic-sources') order.push('list answered');
  });
  await page.route('**/split_advertiser.wasm', (route) => {
    order.push('dialog module');
    return route.abort('internetdisconnected');
  });
  await signIn(page, env.server.url, 'advertiser@demo.test');
  await page.locator('table tbody tr').first().waitFor();
  // Once the page is idle, after the table: never before the list has answered.
  await expectSoon(() => order.includes('dialog module'), () => `the dialog's module was never fetched: ${order}`);
  assert.equal(order[0], 'list answered', `the dialog's module waited for the table: ${order}`);

  // Asked for while its module can't be had: the page says so, with Try again.
  await page.locator('table tbody').getByRole('button', { name: /^Invite to program/ }).first().click();
  const alert = page.getByRole('alert').filter({ hasText: "This couldn't be opened" });
  await alert.waitFor();
  await assertAccessible(page, 'a dialog that failed to download');

  await page.unroute('**/split_advertiser.wasm');
  await alert.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('dialog', { name: /to a program$/ }).waitFor();
  assert.equal(await alert.count(), 0);
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  assertClean(page);
  await page.context().close();
});

test("the staff table's bulk bar and Block dialogs download after the table; if they can't, Try again brings them", async () => {
  const page = await newPage(env.browser);
  allowConsoleErrors(page, /Failed to load resource/, /split_staff|failed to load|TypeError|NetworkError|Failed to fetch/i);
  const order = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/api/traffic-sources') order.push('list answered');
  });
  await page.route('**/split_staff.wasm', (route) => {
    order.push('actions module');
    return route.abort('internetdisconnected');
  });
  await signIn(page, env.server.url, 'staff@demo.test');
  await page.locator('table tbody tr').first().waitFor();
  await expectSoon(() => order.includes('actions module'), () => `the actions' module was never fetched: ${order}`);
  assert.equal(order[0], 'list answered', `the actions' module waited for the table: ${order}`);
  // Until it is here the bar looks as it does at first, its buttons unavailable.
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await bar.getByText('Select rows to act on several sources at once.').waitFor();
  assert.equal(await bar.getByRole('button', { name: 'Block…', exact: true }).getAttribute('aria-disabled'), 'true');
  await assertAccessible(page, 'the staff table before its actions arrive');

  // Asked for (a row selected) while the module can't be had: the page says so.
  await page.locator('table tbody').getByRole('checkbox').first().check();
  const alert = page.getByRole('alert').filter({ hasText: "This couldn't be opened" });
  await alert.waitFor();
  await assertAccessible(page, "the staff table's actions failed to download");

  await page.unroute('**/split_staff.wasm');
  await alert.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('region', { name: 'Bulk actions' }).getByText('1 selected.').waitFor();
  assert.equal(await alert.count(), 0);
  // The rows' own Block dialog came with it.
  await page.locator('table tbody').getByRole('button', { name: /^Block / }).first().click();
  await page.getByRole('dialog', { name: /^Block / }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  assertClean(page);
  await page.context().close();
});

test('a bulk action pressed before its module arrives opens its confirmation when it does', async () => {
  const page = await newPage(env.browser);
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let asked = false;
  await page.route('**/split_staff.wasm', async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  await signIn(page, env.server.url, 'staff@demo.test');
  await page.locator('table tbody tr').first().waitFor();
  await expectSoon(() => asked, () => "the actions' module was never asked for");
  const checks = page.locator('table tbody').getByRole('checkbox');
  await checks.nth(0).check();
  await checks.nth(1).check();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await bar.getByText('2 selected.').waitFor();
  assert.equal(await bar.getByRole('button', { name: 'Block…', exact: true }).getAttribute('aria-disabled'), 'false');
  await bar.getByRole('button', { name: 'Block…', exact: true }).click();
  assert.equal(await page.getByRole('dialog').count(), 0, 'nothing opens while the module is held');
  release();
  const dialog = page.getByRole('dialog', { name: 'Block 2 sources?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  await bar.getByText('2 selected.').waitFor();
  assertClean(page);
  await page.context().close();
});

/** Waits up to 5 s for `check()` to hold. */
async function expectSoon(check, message) {
  for (let i = 0; i < 50 && !check(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(check(), message());
}
