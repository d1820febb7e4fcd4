// The partner's whole journey in real Chromium, on the release bundle served by the real
// server: sign up, onboarding, add sources, the table (search, filters, sort, paging in the URL),
// edit and save, edit and discard, pause, a duplicate name refused at the field, a conflict from a
// second tab, a blocked source shown read-only, a network failure that keeps what was typed.
// Every page is checked for page errors, console errors and axe-core (WCAG 2.2 AA) violations.
//
// Run: scripts/build-web.sh && cargo build --release -p server && node --test tests/e2e/
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser,
  newPage,
  assertClean,
  assertAccessible,
  allowConsoleErrors,
  signIn,
  api,
} from './harness.mjs';

const env = useServerAndBrowser();

const PASSWORD = 'correct-horse-battery';
let accounts = 0;
/** A fresh partner account, signed up through the real form. */
async function signUpPartner(page, name = 'Ann Publisher') {
  accounts += 1;
  const email = `partner${accounts}-${Date.now()}@example.com`;
  await page.goto(`${env.server.url}/sign-up`);
  await page.getByRole('radio', { name: 'Partner' }).check();
  await page.getByLabel('Your name or company').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((u) => u.pathname === '/onboarding');
  return email;
}

/** Fills the source form; `channels` are the labels of the channels to tick. */
async function fillSource(page, { name, url, channels = [], status, visibility }) {
  if (name !== undefined) await page.getByLabel('Name', { exact: true }).fill(name);
  if (url !== undefined) await page.getByLabel('Web address').fill(url);
  for (const channel of channels) {
    await page.getByRole('checkbox', { name: channel, exact: true }).check();
  }
  if (status) await page.getByRole('radio', { name: status, exact: true }).check();
  if (visibility) await page.getByRole('radio', { name: visibility, exact: true }).check();
}

async function addSource(page, source) {
  await page.goto(`${env.server.url}/traffic-sources/new`);
  await fillSource(page, source);
  await page.getByRole('button', { name: 'Add traffic source' }).click();
  await page.waitForURL((u) => u.pathname === '/traffic-sources');
  await row(page, source.name).waitFor();
}

/** The table row of a source, by its name. */
function row(page, name) {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: false }) });
}

async function toast(page, text) {
  await page.locator('.toast').filter({ hasText: text }).first().waitFor();
}

async function checkPage(page, label) {
  await assertAccessible(page, label);
  assertClean(page);
}

describe('a new partner', () => {
  let page;
  before(async () => {
    page = await newPage(env.browser);
  });
  after(async () => {
    await page.context().close();
  });

  test('signs up and lands on onboarding, which adds the first source and leads to the table', async () => {
    await page.goto(`${env.server.url}/sign-up`);
    await checkPage(page, 'sign-up');
    await signUpPartner(page);
    await page.getByRole('heading', { level: 1, name: 'Welcome, Ann Publisher!' }).waitFor();
    await checkPage(page, 'onboarding');

    // Saving an empty form says what is missing at each field, and focuses the first.
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.locator('#name-error').waitFor();
    assert.match(await page.locator('#name-error').innerText(), /Enter a name/);
    assert.match(await page.locator('#url-error').innerText(), /Enter the web address/);
    assert.match(await page.locator('#channels-error').innerText(), /Choose at least one channel/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'name');
    await checkPage(page, 'onboarding with errors');

    // Validation as you type, with the shared rules.
    await page.getByLabel('Web address').fill('cooking.example');
    assert.match(await page.locator('#url-error').innerText(), /Start the address with http/);
    await fillSource(page, {
      name: 'Cooking Blog',
      url: 'HTTPS://Cooking.Example:443/recipes',
      channels: ['Content', 'Video'],
    });
    assert.equal(await page.locator('.field__error').count(), 0);
    // The choice is visible at a glance.
    const chips = await page.locator('.chip').allInnerTexts();
    assert.deepEqual(chips.map((c) => c.replace(/^Remove\s*/, '').replace(/[×\s]+$/, '')), ['Content', 'Video']);
    await page.getByRole('button', { name: 'Remove Video' }).waitFor();

    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    await toast(page, 'Added “Cooking Blog”');

    const first = row(page, 'Cooking Blog');
    // Stored normalised; opens in a new tab without handing over the opener.
    const link = first.getByRole('link', { name: /cooking\.example\/recipes/ });
    assert.equal(await link.getAttribute('href'), 'https://cooking.example/recipes');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.match(await first.innerText(), /Content/);
    assert.match(await first.innerText(), /Video/);
    assert.match(await first.locator('td[data-label="Status"] .badge').innerText(), /Active/);
    assert.match(await first.innerText(), /Public/);
    await first.getByRole('link', { name: 'Edit Cooking Blog' }).waitFor();
    // "Traffic Sources" is in the main navigation, marked as the current page.
    const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Traffic Sources' });
    assert.equal(await nav.getAttribute('aria-current'), 'page');
    await checkPage(page, 'table');
  });

  test('the session survives a reload', async () => {
    await page.reload();
    await row(page, 'Cooking Blog').waitFor();
    assert.equal(new URL(page.url()).pathname, '/traffic-sources');
    assertClean(page);
  });

  test('adds more sources by keyboard alone', async () => {
    await page.goto(`${env.server.url}/traffic-sources`);
    await page.getByRole('link', { name: 'Add traffic source' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources/new');
    await checkPage(page, 'new source');

    await page.getByLabel('Name', { exact: true }).focus();
    await page.keyboard.type('Recipe Videos');
    await page.keyboard.press('Tab');
    await page.keyboard.type('https://videos.example');
    // Tab into the channel list: Space ticks a box.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'channels-content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    assert.equal(await page.getByRole('checkbox', { name: 'Paid Search' }).isChecked(), true);
    // Chips are buttons: Enter on the chip removes the channel again.
    await page.locator('.chip').first().focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.getByRole('checkbox', { name: 'Paid Search' }).isChecked(), false);
    await page.getByRole('checkbox', { name: 'Video', exact: true }).focus();
    await page.keyboard.press('Space');
    // Status: arrow keys move within the radio group.
    await page.getByRole('radio', { name: 'Active', exact: true }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('radio', { name: 'Paused', exact: true }).isChecked(), true);
    assert.match(await page.locator('#status-help').innerText(), /Paused: hidden from advertisers/);
    await page.getByRole('radio', { name: 'Public', exact: true }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('radio', { name: 'Private', exact: true }).isChecked(), true);
    assert.match(await page.locator('#visibility-help').innerText(), /Private: not listed/);
    await page.getByRole('button', { name: 'Add traffic source' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    const paused = row(page, 'Recipe Videos');
    await paused.waitFor();
    assert.match(await paused.locator('td[data-label="Status"] .badge').innerText(), /Paused/);
    assert.match(await paused.innerText(), /Private/);

    await addSource(page, { name: 'Deal Alerts', url: 'https://deals.example/news', channels: ['Email & Newsletter', 'Coupons & Deals'] });
    assert.equal(await page.locator('tbody tr').count(), 3);
    assertClean(page);
  });

  test('search, filters and sorting live in the URL; Back undoes them', async () => {
    await page.goto(`${env.server.url}/traffic-sources`);
    await row(page, 'Deal Alerts').waitFor();

    await page.getByRole('checkbox', { name: 'Paused', exact: true }).check();
    await page.waitForURL((u) => u.searchParams.getAll('status').join() === 'paused');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await row(page, 'Recipe Videos').waitFor();
    await checkPage(page, 'filtered table');

    await page.goBack();
    await page.waitForURL((u) => u.search === '');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 3);
    assert.equal(await page.getByRole('checkbox', { name: 'Paused', exact: true }).isChecked(), false);

    // Sort by name: the header says so, and so does the URL.
    await page.getByRole('button', { name: 'Name' }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'name');
    await page.waitForFunction(() => document.querySelector('tbody th')?.innerText.startsWith('Cooking Blog'));
    const nameHeader = page.getByRole('columnheader', { name: 'Name' });
    assert.equal(await nameHeader.getAttribute('aria-sort'), 'ascending');
    await page.getByRole('button', { name: 'Name' }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === '-name');
    await page.waitForFunction(() => document.querySelector('tbody th')?.innerText.startsWith('Recipe Videos'));
    assert.equal(await nameHeader.getAttribute('aria-sort'), 'descending');

    // Search, bookmarkable: a fresh load of the URL shows the same view.
    await page.getByRole('searchbox', { name: 'Search' }).fill('deal');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('q') === 'deal');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await page.reload();
    await row(page, 'Deal Alerts').waitFor();
    assert.equal(await page.getByRole('searchbox', { name: 'Search' }).inputValue(), 'deal');
    assert.equal(await page.locator('tbody tr').count(), 1);

    // No match: says so, and offers to clear.
    await page.goto(`${env.server.url}/traffic-sources?q=nothing-like-this&channel=podcast`);
    await page.getByRole('heading', { name: 'No traffic sources match' }).waitFor();
    await checkPage(page, 'no match');
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.waitForURL((u) => u.search === '');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 3);
    assertClean(page);
  });

  test('pages forward and back with a cursor in the URL', async () => {
    await page.goto(`${env.server.url}/traffic-sources?limit=2&sort=name`);
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
    assert.match(await page.locator('.pagination__summary').innerText(), /Showing 1–2 of 3/);
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL((u) => u.searchParams.has('cursor'));
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await row(page, 'Recipe Videos').waitFor();
    assert.match(await page.locator('.pagination__summary').innerText(), /Showing 3–3 of 3/);
    await checkPage(page, 'second page');
    await page.getByRole('link', { name: 'Previous' }).click();
    await page.waitForURL((u) => !u.searchParams.has('cursor'));
    await row(page, 'Cooking Blog').waitFor();
    assertClean(page);
  });

  test('edits a source and saves it', async () => {
    await page.goto(`${env.server.url}/traffic-sources`);
    await row(page, 'Cooking Blog').getByRole('link', { name: 'Edit Cooking Blog' }).click();
    await page.waitForURL(/\/traffic-sources\/\d+\/edit$/);
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    assert.equal(await name.inputValue(), 'Cooking Blog');
    assert.equal(await page.getByRole('checkbox', { name: 'Video', exact: true }).isChecked(), true);
    // Blocked is never offered.
    assert.equal(await page.getByRole('radio', { name: 'Blocked' }).count(), 0);
    await checkPage(page, 'edit form');

    await name.fill('Cooking Blog Weekly');
    await page.getByRole('checkbox', { name: 'Social', exact: true }).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    await toast(page, 'Saved your changes to “Cooking Blog Weekly”');
    const edited = row(page, 'Cooking Blog Weekly');
    await edited.waitFor();
    assert.match(await edited.innerText(), /Social/);
    assertClean(page);
  });

  test('edits and discards: asks first, and nothing changes', async () => {
    await page.goto(`${env.server.url}/traffic-sources`);
    await row(page, 'Deal Alerts').getByRole('link', { name: 'Edit Deal Alerts' }).click();
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();

    // Unchanged: Discard leaves at once.
    await page.getByRole('button', { name: 'Discard' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');

    await row(page, 'Deal Alerts').getByRole('link', { name: 'Edit Deal Alerts' }).click();
    await name.waitFor();
    await name.fill('Something else');
    await page.getByRole('radio', { name: 'Paused', exact: true }).check();
    await page.getByRole('button', { name: 'Discard' }).click();
    const dialog = page.getByRole('dialog', { name: 'Discard your changes?' });
    await dialog.waitFor();
    // The safe choice has the focus.
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Keep editing');
    await checkPage(page, 'discard dialog');
    await dialog.getByRole('button', { name: 'Keep editing' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await name.inputValue(), 'Something else');

    // Escape cancels too.
    await page.getByRole('button', { name: 'Discard' }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Discard' }).click();
    await dialog.getByRole('button', { name: 'Discard changes' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    const unchanged = row(page, 'Deal Alerts');
    await unchanged.waitFor();
    assert.match(await unchanged.locator('td[data-label="Status"] .badge').innerText(), /Active/);
    assert.equal(await row(page, 'Something else').count(), 0);
    assertClean(page);
  });

  test('leaving with unsaved edits by a link, Back or closing the tab asks first', async () => {
    await page.goto(`${env.server.url}/traffic-sources`);
    await row(page, 'Deal Alerts').getByRole('link', { name: 'Edit Deal Alerts' }).click();
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    const back = page.locator('.breadcrumb').getByRole('link', { name: 'Traffic sources' });

    // Unchanged: the link leaves at once.
    await back.click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');

    await row(page, 'Deal Alerts').getByRole('link', { name: 'Edit Deal Alerts' }).click();
    await name.waitFor();
    await name.fill('Left behind');
    const editUrl = page.url();
    await back.click();
    const dialog = page.getByRole('dialog', { name: 'Discard your changes?' });
    await dialog.waitFor();
    assert.equal(page.url(), editUrl, 'the link was held');
    await dialog.getByRole('button', { name: 'Keep editing' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await name.inputValue(), 'Left behind');

    // The browser's Back button is held too; confirming then goes back.
    const goBack = () => page.goBack({ timeout: 1500 }).catch(() => null);
    await goBack();
    await dialog.waitFor();
    assert.equal(page.url(), editUrl, 'Back was held');
    await dialog.getByRole('button', { name: 'Keep editing' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await name.inputValue(), 'Left behind');
    await goBack();
    await dialog.getByRole('button', { name: 'Discard changes' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    await row(page, 'Deal Alerts').waitFor();
    assert.equal(await row(page, 'Left behind').count(), 0);
    // Forward returns to the form, as saved.
    await page.goForward();
    await page.waitForURL(editUrl);
    await name.waitFor();
    assert.equal(await name.inputValue(), 'Deal Alerts');
    await name.fill('Left behind');

    // The skip link stays on the page: nothing to ask.
    await page.keyboard.press('Shift+Tab');
    await page.locator('.skip-link').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.hash === '#main');
    assert.equal(await dialog.isVisible(), false);
    // Back to the same page without the fragment is not leaving it either.
    await page.goBack();
    await page.waitForURL((u) => u.hash === '');
    assert.equal(await dialog.isVisible(), false);
    assert.equal(await name.inputValue(), 'Left behind');

    // Confirming goes where the link pointed, with nothing saved.
    await page.locator('#notification-bell').click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Discard changes' }).click();
    await page.waitForURL((u) => u.pathname === '/notifications');
    await page.goto(`${env.server.url}/traffic-sources`);
    await row(page, 'Deal Alerts').waitFor();
    assert.equal(await row(page, 'Left behind').count(), 0);

    // Closing the tab with unsaved edits: the browser's own question. Without edits: none.
    const tab = await page.context().newPage();
    await tab.goto(editUrl);
    const tabName = tab.getByLabel('Name', { exact: true });
    await tabName.waitFor();
    const dialogs = [];
    tab.on('dialog', async (d) => {
      dialogs.push(d.type());
      await d.dismiss();
    });
    await tab.reload();
    await tabName.waitFor();
    assert.deepEqual(dialogs, [], 'no question without edits');
    await tabName.click();
    await tab.keyboard.type(' typed');
    await tab.close({ runBeforeUnload: true });
    await tab.waitForEvent('dialog', { timeout: 5000 }).catch(() => {});
    assert.deepEqual(dialogs, ['beforeunload']);
    assertClean(page);
  });

  test('pauses a source', async () => {
    await page.goto(`${env.server.url}/traffic-sources`);
    await row(page, 'Deal Alerts').getByRole('link', { name: 'Edit Deal Alerts' }).click();
    await page.getByRole('radio', { name: 'Paused', exact: true }).check();
    assert.match(await page.locator('#status-help').innerText(), /tracking links stop working/);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('tbody tr')].some((r) => /Deal Alerts/.test(r.innerText) && /Paused/.test(r.innerText)),
    );
    assertClean(page);
  });

  test('a duplicate name is refused at the name field', async () => {
    allowConsoleErrors(page, /status of 422/);
    await page.goto(`${env.server.url}/traffic-sources/new`);
    await fillSource(page, { name: 'deal alerts', url: 'https://other.example', channels: ['Podcast'] });
    await page.getByRole('button', { name: 'Add traffic source' }).click();
    const error = page.locator('#name-error');
    await error.waitFor();
    assert.ok((await error.innerText()).length > 5, await error.innerText());
    assert.equal(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'name');
    assert.equal(new URL(page.url()).pathname, '/traffic-sources/new');
    await checkPage(page, 'duplicate name');
    // Editing the name clears the server's message.
    await page.getByLabel('Name', { exact: true }).fill('Podcast Feed');
    assert.equal(await error.count(), 0);
    await page.getByRole('button', { name: 'Add traffic source' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    await row(page, 'Podcast Feed').waitFor();
    assertClean(page);
  });

  test('a save over a change made in a second tab is refused, and Reload shows the saved version', async () => {
    allowConsoleErrors(page, /status of 409/);
    await page.goto(`${env.server.url}/traffic-sources`);
    await row(page, 'Podcast Feed').getByRole('link', { name: 'Edit Podcast Feed' }).click();
    await page.getByLabel('Name', { exact: true }).waitFor();
    const editUrl = page.url();

    const second = await page.context().newPage();
    await second.goto(editUrl);
    await second.getByLabel('Name', { exact: true }).fill('Podcast Feed (tab two)');
    await second.getByRole('button', { name: 'Save', exact: true }).click();
    await second.waitForURL((u) => u.pathname === '/traffic-sources');
    await second.close();

    await page.getByLabel('Name', { exact: true }).fill('Podcast Feed (tab one)');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'This source was changed elsewhere' });
    await alert.waitFor();
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Podcast Feed (tab one)');
    await checkPage(page, 'conflict');
    await alert.getByRole('button', { name: 'Reload' }).click();
    await page.waitForFunction(() => document.getElementById('name').value === 'Podcast Feed (tab two)');
    assert.equal(await alert.count(), 0);
    // Now a save goes through.
    await page.getByRole('radio', { name: 'Private', exact: true }).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    await row(page, 'Podcast Feed (tab two)').waitFor();
    assertClean(page);
  });

  test('a network failure keeps what was typed and Retry saves it', async () => {
    allowConsoleErrors(page, /ERR_FAILED|net::/);
    await page.goto(`${env.server.url}/traffic-sources/new`);
    await fillSource(page, { name: 'Offline Draft', url: 'https://offline.example', channels: ['Display'] });
    await page.route('**/api/traffic-sources', (route) =>
      route.request().method() === 'POST' ? route.abort('failed') : route.continue(),
    );
    await page.getByRole('button', { name: 'Add traffic source' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Not saved: no connection' });
    await alert.waitFor();
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Offline Draft');
    assert.equal(await page.getByRole('checkbox', { name: 'Display', exact: true }).isChecked(), true);
    await page.unroute('**/api/traffic-sources');
    await alert.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    await row(page, 'Offline Draft').waitFor();
    assertClean(page);
  });

  test('a source blocked by staff is listed read-only with the reason', async () => {
    const href = await row(page, 'Recipe Videos').getByRole('link', { name: 'Edit Recipe Videos' }).getAttribute('href');
    const id = Number(href.match(/\/traffic-sources\/(\d+)\/edit/)[1]);

    const staff = await newPage(env.browser);
    await signIn(staff, env.server.url, 'staff@demo.test');
    const blocked = await api(staff, 'POST', `/api/traffic-sources/${id}/block`, {
      reason: 'Misleading claims on the landing page',
      note: 'internal only',
    });
    assert.equal(blocked.status, 200, JSON.stringify(blocked.body));
    await staff.context().close();

    await page.goto(`${env.server.url}/traffic-sources`);
    const blockedRow = row(page, 'Recipe Videos');
    await blockedRow.waitFor();
    const text = await blockedRow.innerText();
    assert.match(text, /Blocked/);
    assert.match(text, /Misleading claims on the landing page/);
    assert.match(text, /Only platform staff can lift it/);
    assert.doesNotMatch(text, /internal only/);
    assert.equal(await blockedRow.getByRole('link', { name: /Edit/ }).count(), 0);
    await checkPage(page, 'table with a blocked source');

    // Its edit address shows the block, not a form.
    await page.goto(`${env.server.url}${href}`);
    await page.getByRole('heading', { name: 'Blocked by platform staff' }).waitFor();
    assert.equal(await page.getByLabel('Name', { exact: true }).count(), 0);
    await checkPage(page, 'blocked source');
  });

  test('a table that fails to load says so and offers to try again', async () => {
    allowConsoleErrors(page, /ERR_FAILED|net::/);
    await page.route('**/api/traffic-sources?*', (route) => route.abort('failed'));
    await page.goto(`${env.server.url}/traffic-sources?sort=name`);
    const alert = page.getByRole('alert').filter({ hasText: "Couldn't load your traffic sources" });
    await alert.waitFor();
    assert.match(await alert.innerText(), /could not reach the server/i);
    await checkPage(page, 'table load error');
    await page.unroute('**/api/traffic-sources?*');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await row(page, 'Deal Alerts').waitFor();
    assert.equal(await alert.count(), 0);
    assertClean(page);
  });

  test('the table holds at 360px wide', async () => {
    const narrow = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
    await narrow.context().addCookies(await page.context().cookies());
    await narrow.goto(`${env.server.url}/traffic-sources`);
    await row(narrow, 'Deal Alerts').waitFor();
    const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    await checkPage(narrow, 'narrow table');
    await narrow.goto(`${env.server.url}/traffic-sources/new`);
    await narrow.getByLabel('Name', { exact: true }).waitFor();
    const formOverflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(formOverflow <= 0, `form scrolls sideways by ${formOverflow}px`);
    await checkPage(narrow, 'narrow form');
    await narrow.context().close();
  });

  test('signs out, and a partner page then asks to sign in and returns there', async () => {
    await page.goto(`${env.server.url}/traffic-sources`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/sign-in');
    await checkPage(page, 'sign-in');
    await page.goto(`${env.server.url}/traffic-sources/new`);
    await page.waitForURL((u) => u.pathname === '/sign-in' && u.searchParams.get('next') === '/traffic-sources/new');
    assertClean(page);
  });
});

describe('a returning partner', () => {
  test('asking for a page while signed out goes to sign-in and back to that page', async () => {
    const page = await newPage(env.browser);
    await page.goto(`${env.server.url}/traffic-sources?status=active&sort=name`);
    await page.waitForURL((u) => u.pathname === '/sign-in');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/traffic-sources?status=active&sort=name');
    await page.getByLabel('Email').fill('partner@demo.test');
    await page.getByLabel('Password', { exact: true }).fill('demo-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources' && u.searchParams.get('sort') === 'name');
    assert.equal(await page.getByRole('checkbox', { name: 'Active', exact: true }).isChecked(), true);
    await page.locator('tbody tr').first().waitFor();
    await checkPage(page, 'demo partner table');
    await page.context().close();
  });

  // `next` is resolved as the browser resolves it (src/session.rs, `safe_next_on`): each of
  // these names another site to some parser on the way, and each must leave the person on
  // the app, signed in. Any request to another origin is refused and counted.
  test('next after sign-in never leaves the app, however it is spelled', async () => {
    const origin = new URL(env.server.url).origin;
    for (const next of ['/\t/evil.example', '//evil.example', 'https:evil.example', '/%2F%2Fevil.example']) {
      const page = await newPage(env.browser);
      const away = [];
      await page.route(
        (url) => url.origin !== origin,
        (route) => {
          away.push(route.request().url());
          return route.abort();
        },
      );
      await page.goto(`${env.server.url}/sign-in?next=${encodeURIComponent(next)}`);
      await page.getByLabel('Email').fill('partner@demo.test');
      await page.getByLabel('Password', { exact: true }).fill('demo-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      // Off the sign-in page, or a request to another site: whichever comes first.
      const deadline = Date.now() + 10_000;
      while (away.length === 0 && new URL(page.url()).pathname.startsWith('/sign-in') && Date.now() < deadline) {
        await page.waitForTimeout(50);
      }
      // Settled on a page of the app (home leads a partner to the table; a path that is no
      // page says so), with nothing asked of another site.
      await page.locator('main h1').first().waitFor();
      const landed = new URL(page.url());
      assert.equal(landed.origin, origin, `${JSON.stringify(next)} led to ${page.url()}`);
      assert.ok(!landed.pathname.startsWith('/sign-in'), `${JSON.stringify(next)}: signed in and moved on`);
      assert.deepEqual(away, [], `${JSON.stringify(next)} asked another site`);
      await page.context().close();
    }
  });

  test('Sign out everywhere, in the account menu, signs out the other browsers too', async () => {
    const here = await newPage(env.browser);
    const there = await newPage(env.browser);
    for (const page of [here, there]) {
      await signIn(page, env.server.url, 'partner2@demo.test');
      await page.locator('tbody tr').first().waitFor();
    }
    // The account menu opens from the name.
    await here.locator('.account__menu > summary').click();
    await here.getByRole('button', { name: 'Sign out everywhere' }).click();
    await here.waitForURL((u) => u.pathname === '/sign-in');
    await here.getByText('signed out everywhere').waitFor();
    // The other browser's session is gone, and its live stream with it: refused on
    // reconnecting (401), the tab finds itself signed out and asks to sign in, untouched.
    allowConsoleErrors(there, /status of 401/);
    await there.waitForURL((u) => u.pathname === '/sign-in', { timeout: 20_000 });
    assert.ok(new URL(there.url()).searchParams.get('next')?.startsWith('/traffic-sources'), there.url());
    assertClean(here);
    await here.context().close();
    await there.context().close();
  });

  test('a wrong password is refused with a message', async () => {
    const page = await newPage(env.browser);
    allowConsoleErrors(page, /status of 401/);
    await page.goto(`${env.server.url}/sign-in`);
    await page.getByLabel('Email').fill('partner2@demo.test');
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: "don't match" }).waitFor();
    await checkPage(page, 'sign-in refused');
    await page.context().close();
  });

  test('an advertiser is kept away from the partner pages', async () => {
    const page = await newPage(env.browser);
    await signIn(page, env.server.url, 'advertiser@demo.test');
    // No partner navigation for advertisers.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Traffic Sources' }).count(), 0);
    for (const path of ['/traffic-sources', '/traffic-sources/new', '/onboarding']) {
      await page.goto(`${env.server.url}${path}`);
      // Sent to their own home: whatever it is, it is not the partner page.
      await page.waitForURL((u) => u.pathname !== path && u.pathname !== '/sign-in');
      assert.equal(await page.getByRole('heading', { level: 1, name: 'Traffic sources' }).count(), 0);
    }
    assertClean(page);
    await page.context().close();
  });

  test('an unknown address shows a page that says so', async () => {
    const page = await newPage(env.browser);
    await page.goto(`${env.server.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await checkPage(page, 'not found');
    await page.context().close();
  });
});
