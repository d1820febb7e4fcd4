// Issue 5 end to end, in real Chromium on the release bundle served by the release server with
// the demo data: staff's admin table (filters, partner, URL state), Block with a reason and an
// internal note from a row (validation, keyboard, focus), the tracking link answering 410 with
// the "no longer active" page, the partner seeing the block (badge, reason, history without
// the note, notification, bell), the advertiser using the source notified (and not another),
// mark-as-read, Unblock from the admin source page and the link working again (302), and other
// roles turned away from /admin. Every page: no page/console errors, axe-core zero violations.
//
// Run: scripts/build-web.sh && cargo build --release -p server && node --test tests/e2e/admin.test.mjs
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
  waitForBell,
} from './harness.mjs';

const SOURCE = 'Dealspotter Blog';
const REASON = 'Fake reviews found on several pages';
const NOTE = 'Ticket QA-1234, three complaints';

const env = useServerAndBrowser();

/** The table row whose name cell links to `name` (the same on the admin and partner tables). */
function row(page, name) {
  return page.locator('tbody tr').filter({ has: page.locator('th').getByRole('link', { name, exact: true }) });
}

/** Text as read: whitespace collapsed (visually hidden words end up on lines of their own). */
async function said(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

async function toast(page, text) {
  await page.locator('.toast').filter({ hasText: text }).first().waitFor();
}

async function checkPage(page, label) {
  await assertAccessible(page, label);
  assertClean(page);
}

async function rowCount(page) {
  return page.locator('tbody tr').count();
}

/** Follows a tracking link without following the redirect. */
async function follow(link) {
  const response = await fetch(link, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

describe('staff, partner and advertisers around one block', () => {
  let staff;
  let sourceId;
  let trackingLink;

  before(async () => {
    staff = await newPage(env.browser);
    await signIn(staff, env.server.url, 'staff@demo.test');
  });
  after(async () => {
    await staff.context().close();
  });

  test('staff land on the admin table of every partner’s sources', async () => {
    await staff.waitForURL((u) => u.pathname === '/admin/traffic-sources');
    await staff.getByRole('heading', { level: 1, name: 'All traffic sources' }).waitFor();
    await row(staff, SOURCE).waitFor();
    // Sources of both demo partners, with partner and number of programs.
    await row(staff, 'Trailhead Reviews').waitFor();
    const blog = row(staff, SOURCE);
    assert.match(await blog.locator('td[data-label="Partner"]').innerText(), /Dealspotter Media/);
    assert.equal(await blog.locator('td[data-label="Programs"]').innerText(), '1');
    assert.match(await blog.locator('.badge').innerText(), /Active/);
    // The seeded blocked source shows its reason.
    assert.match(await row(staff, 'Spam Pop-unders').innerText(), /Blocked[\s\S]*Pop-under ads break/);
    const nav = staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Traffic Sources' });
    assert.equal(await nav.getAttribute('href'), '/admin/traffic-sources');
    assert.equal(await nav.getAttribute('aria-current'), 'page');
    await checkPage(staff, 'admin table');

    const detail = await api(staff, 'GET', '/api/traffic-sources?q=Dealspotter%20Blog');
    sourceId = detail.body.items.find((s) => s.name === SOURCE).id;
    const full = await api(staff, 'GET', `/api/traffic-sources/${sourceId}`);
    trackingLink = full.body.programs[0].tracking_url;
    assert.equal((await follow(trackingLink)).status, 302);
  });

  test('filters by status, partner and search; all in the URL, kept on reload', async () => {
    await staff.getByRole('checkbox', { name: 'Blocked', exact: true }).check();
    await staff.waitForURL((u) => u.searchParams.getAll('status').join() === 'blocked');
    await staff.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await row(staff, 'Spam Pop-unders').waitFor();
    await staff.getByRole('checkbox', { name: 'Blocked', exact: true }).uncheck();
    await staff.waitForURL((u) => !u.searchParams.has('status'));

    const partners = await api(staff, 'GET', '/api/partners');
    const trailhead = partners.body.items.find((p) => p.display_name === 'Trailhead Reviews');
    await staff.getByLabel('Partner', { exact: true }).selectOption(String(trailhead.id));
    await staff.waitForURL((u) => u.searchParams.get('partner') === String(trailhead.id));
    // Six sources of the first demo, and "Trailhead Link Wall" (issue 30's invalid clicks).
    await staff.waitForFunction(() => document.querySelectorAll('tbody tr').length === 7);
    const partnersShown = await staff.locator('td[data-label="Partner"]').allInnerTexts();
    assert.deepEqual([...new Set(partnersShown)], ['Trailhead Reviews']);
    assert.match(await staff.locator('.pagination__summary').innerText(), /of 7/);

    await staff.getByLabel('Visibility').selectOption('private');
    await staff.waitForURL((u) => u.searchParams.get('visibility') === 'private');
    await staff.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
    await staff.reload();
    await row(staff, 'Trailhead Network').waitFor();
    assert.equal(await rowCount(staff), 2);
    assert.equal(await staff.getByLabel('Partner', { exact: true }).inputValue(), String(trailhead.id));
    assert.equal(await staff.getByLabel('Visibility').inputValue(), 'private');
    await checkPage(staff, 'admin table, filtered');

    // Sort by name, and a channel filter.
    await staff.goto(`${env.server.url}/admin/traffic-sources?channel=comparison&sort=name`);
    await staff.waitForFunction(() => document.querySelectorAll('tbody tr').length === 3);
    const names = await staff.locator('tbody th').allInnerTexts();
    assert.deepEqual(names.map((n) => n.trim()), [SOURCE, 'Outdoor Gear Guide', 'Trailhead Reviews']);
    assert.equal(await staff.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort'), 'ascending');

    // Search, then back to everything.
    await staff.goto(`${env.server.url}/admin/traffic-sources`);
    await staff.getByRole('searchbox', { name: 'Search' }).fill('podcast');
    await staff.getByRole('button', { name: 'Search', exact: true }).click();
    await staff.waitForURL((u) => u.searchParams.get('q') === 'podcast');
    await staff.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await row(staff, 'Trailhead Podcast').waitFor();
    await staff.goto(`${env.server.url}/admin/traffic-sources?limit=5`);
    await staff.waitForFunction(() => document.querySelectorAll('tbody tr').length === 5);
    await staff.getByRole('link', { name: 'Next' }).click();
    await staff.waitForURL((u) => u.searchParams.has('cursor'));
    // The first page's five rows stay until the second page's answer replaces them.
    await staff.locator('.pagination__summary').filter({ hasText: /Showing 6–10/ }).waitFor();
    await staff.waitForFunction(() => document.querySelectorAll('tbody tr').length === 5);
    assert.match(await staff.locator('.pagination__summary').innerText(), /Showing 6–10/);
    assertClean(staff);
  });

  test('the block dialog: keyboard, focus trap, Escape, validation at the field', async () => {
    await staff.goto(`${env.server.url}/admin/traffic-sources`);
    const opener = row(staff, SOURCE).getByRole('button', { name: `Block ${SOURCE}` });
    await opener.focus();
    await staff.keyboard.press('Enter');
    const dialog = staff.getByRole('dialog', { name: `Block ${SOURCE}?` });
    await dialog.waitFor();
    assert.equal(await staff.evaluate(() => document.activeElement.id), 'block-reason');
    await checkPage(staff, 'block dialog');

    // Tab stays inside the dialog.
    for (let i = 0; i < 8; i += 1) {
      await staff.keyboard.press('Tab');
      assert.ok(await staff.evaluate(() => !!document.activeElement.closest('dialog')), `focus left the dialog after ${i + 1} Tab`);
    }

    // Escape closes; focus returns to the opener.
    await staff.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await staff.evaluate(() => document.activeElement.id), `block-${sourceId}`);

    // Empty reason: refused at the field, focus on it, nothing sent.
    await staff.keyboard.press('Enter');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: `Block ${SOURCE}` }).click();
    await staff.locator('#block-reason-error').waitFor();
    assert.match(await staff.locator('#block-reason-error').innerText(), /Enter the reason the partner will see/);
    assert.equal(await dialog.getByLabel('Reason shown to the partner').getAttribute('aria-invalid'), 'true');
    assert.equal(await staff.evaluate(() => document.activeElement.id), 'block-reason');
    await checkPage(staff, 'block dialog with an error');
    assert.match(await row(staff, SOURCE).locator('.badge').innerText(), /Active/);
  });

  test('staff blocks a source with a reason and an internal note; the row shows it at once', async () => {
    const dialog = staff.getByRole('dialog', { name: `Block ${SOURCE}?` });
    await dialog.getByLabel('Reason shown to the partner').fill(REASON);
    await dialog.getByLabel('Internal note (optional)').fill(NOTE);
    await dialog.getByRole('button', { name: `Block ${SOURCE}` }).click();
    await dialog.waitFor({ state: 'hidden' });
    await toast(staff, `Blocked “${SOURCE}”`);
    const blocked = row(staff, SOURCE);
    assert.match(await blocked.locator('.badge').innerText(), /Blocked/);
    assert.match(await blocked.innerText(), new RegExp(REASON));
    // The row now offers Unblock, and has the focus.
    await blocked.getByRole('button', { name: `Unblock ${SOURCE}` }).waitFor();
    await staff.waitForFunction((id) => document.activeElement?.id === `unblock-${id}`, sourceId);
    await checkPage(staff, 'admin table after a block');
  });

  test('its tracking link answers 410 with the “no longer active” page', async () => {
    const { status, body } = await follow(trackingLink);
    assert.equal(status, 410);
    assert.match(body, /no longer active/);
    // Clicked in a browser, the visitor sees the page.
    const visitor = await newPage(env.browser);
    allowConsoleErrors(visitor, /status of 410/);
    const response = await visitor.goto(trackingLink);
    assert.equal(response.status(), 410);
    await visitor.getByRole('heading', { name: 'This link is no longer active' }).waitFor();
    assertClean(visitor);
    await visitor.context().close();
  });

  test('the partner sees it Blocked with the reason, a notification, and the history without the note', async () => {
    const partner = await newPage(env.browser);
    await signIn(partner, env.server.url, 'partner@demo.test');
    await partner.goto(`${env.server.url}/traffic-sources`);
    const blocked = row(partner, SOURCE);
    await blocked.waitFor();
    const text = await blocked.innerText();
    assert.match(text, /Blocked/);
    assert.match(text, new RegExp(REASON));
    assert.match(text, /Only platform staff can lift it/);
    assert.doesNotMatch(text, new RegExp(NOTE));
    assert.equal(await blocked.getByRole('link', { name: /^Edit/ }).count(), 0);

    // The bell says how many are unread (the seeded block and this one).
    const unread = (await api(partner, 'GET', '/api/notifications')).body.unread_count;
    assert.ok(unread >= 1);
    await waitForBell(partner, `Notifications, ${unread} unread`);
    // The admin area is not in a partner's navigation.
    assert.equal(await partner.getByRole('link', { name: /admin/i }).count(), 0);
    await checkPage(partner, 'partner table with the blocked source');

    // The source page: badge, reason, who can lift it, and the history without the staff note.
    await partner.goto(`${env.server.url}/traffic-sources/${sourceId}`);
    await partner.getByRole('heading', { name: 'Blocked by platform staff', level: 2 }).waitFor();
    assert.match(await partner.locator('main').innerText(), new RegExp(REASON));
    const history = partner.getByRole('region', { name: 'History' });
    await history.locator('.history__item').first().waitFor();
    const first = history.locator('.history__item').first();
    // Staff stay anonymous to the partner (issue 27): the team, never the person.
    assert.match(await first.innerText(), /^Blocked by Platform staff ·/);
    assert.match(await said(first), /Status: from Active → to Blocked/);
    assert.match(await first.innerText(), new RegExp(`Reason given to the partner: ${REASON}`));
    assert.match(await history.locator('.history__item').last().innerText(), /Created/);
    assert.doesNotMatch(await history.innerText(), /Internal note/);
    assert.doesNotMatch(await history.innerText(), new RegExp(NOTE));
    await checkPage(partner, 'partner source page, blocked');

    // The notifications page: newest first, unread in words; mark one read, then all.
    await partner.getByRole('link', { name: /^Notifications/ }).click();
    await partner.waitForURL((u) => u.pathname === '/notifications');
    await partner.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    const items = partner.locator('li.notification');
    await items.first().waitFor();
    const newest = items.first();
    assert.match(await newest.innerText(), new RegExp(`“${SOURCE}” was blocked by platform staff. Reason: ${REASON}`));
    assert.match(await newest.innerText(), /Unread/);
    assert.doesNotMatch(await newest.innerText(), new RegExp(NOTE));
    assert.match(await partner.locator('.notifications__summary').innerText(), new RegExp(`You have ${unread} unread`));
    await checkPage(partner, 'notifications page');

    await newest.getByRole('button', { name: 'Mark as read' }).click();
    await partner.waitForFunction(() => /\bRead\b/.test(document.querySelector('li.notification').innerText));
    assert.equal(await newest.getByRole('button', { name: 'Mark as read' }).count(), 0);
    if (unread > 1) {
      await waitForBell(partner, `Notifications, ${unread - 1} unread`);
      await partner.getByRole('button', { name: 'Mark all as read' }).click();
      await toast(partner, 'All notifications are marked as read');
    }
    await waitForBell(partner, 'Notifications');
    assert.equal(await partner.getByText('Unread', { exact: true }).count(), 0);
    assert.equal((await api(partner, 'GET', '/api/notifications')).body.unread_count, 0);
    await checkPage(partner, 'notifications page, all read');
    await partner.context().close();
  });

  test('the advertiser using the source is notified; another advertiser is not', async () => {
    const advertiser = await newPage(env.browser);
    await signIn(advertiser, env.server.url, 'advertiser@demo.test');
    await advertiser.goto(`${env.server.url}/notifications`);
    const item = advertiser.locator('li.notification').filter({ hasText: `“${SOURCE}” in your programs was blocked` });
    await item.waitFor();
    assert.match(await item.innerText(), /Unread/);
    assert.doesNotMatch(await item.innerText(), new RegExp(NOTE));
    assert.doesNotMatch(await item.innerText(), new RegExp(REASON));
    const unread = (await api(advertiser, 'GET', '/api/notifications')).body.unread_count;
    await waitForBell(advertiser, `Notifications, ${unread} unread`);
    await checkPage(advertiser, 'advertiser notifications');

    // The link leads to the advertiser's programs that use the source, and only those.
    await item.getByRole('link', { name: 'See your programs that use it' }).click();
    await advertiser.waitForURL((u) => u.pathname === '/programs' && u.searchParams.get('source') === String(sourceId));
    await advertiser.getByText(`Showing only the programs that use “${SOURCE}”.`).waitFor();
    await advertiser.getByRole('link', { name: 'Northwind Spring Sale' }).waitFor();
    assert.equal(await advertiser.locator('tbody tr').count(), 1);
    assert.equal(await advertiser.getByRole('link', { name: 'Northwind Tents' }).count(), 0);
    await checkPage(advertiser, 'programs using a source');
    await advertiser.getByRole('link', { name: 'Show all programs' }).click();
    await advertiser.waitForURL((u) => u.pathname === '/programs' && u.search === '');
    await advertiser.getByRole('link', { name: 'Northwind Tents' }).waitFor();

    // A program created from the narrowed list uses no source yet: all programs are shown.
    await advertiser.goBack();
    await advertiser.waitForURL((u) => u.searchParams.get('source') === String(sourceId));
    await advertiser.getByLabel('Program name').fill('Northwind Autumn');
    await advertiser.getByLabel('Landing page').fill('https://northwind-outdoor.example/autumn');
    await advertiser.getByRole('button', { name: 'Create program' }).click();
    await advertiser.waitForURL((u) => u.pathname === '/programs' && u.search === '');
    await advertiser.getByRole('link', { name: 'Northwind Autumn' }).waitFor();
    await advertiser.context().close();

    const other = await newPage(env.browser);
    await signIn(other, env.server.url, 'advertiser2@demo.test');
    const theirs = await api(other, 'GET', '/api/notifications');
    assert.ok(!theirs.body.items.some((n) => n.message.includes(SOURCE)), JSON.stringify(theirs.body));
    await other.context().close();
  });

  test('the admin source page shows the block, the note and the full history', async () => {
    await staff.goto(`${env.server.url}/admin/traffic-sources`);
    await row(staff, SOURCE).getByRole('link', { name: SOURCE }).click();
    await staff.waitForURL((u) => u.pathname === `/admin/traffic-sources/${sourceId}`);
    await staff.getByRole('heading', { level: 1, name: SOURCE }).waitFor();
    const main = staff.locator('main');
    await staff.getByRole('heading', { name: 'Blocked by platform staff', level: 2 }).waitFor();
    assert.match(await main.innerText(), new RegExp(`Reason shown to the partner: ${REASON}`));
    assert.match(await main.innerText(), new RegExp(`Internal note \\(staff only\\): ${NOTE}`));
    assert.match(await main.innerText(), /Northwind Spring Sale/);
    const history = staff.getByRole('region', { name: 'History' });
    const first = history.locator('.history__item').first();
    await first.waitFor();
    assert.match(await first.innerText(), /^Blocked by Platform Staff \(platform staff\)/);
    assert.match(await first.innerText(), new RegExp(`Internal note \\(staff only\\): ${NOTE}`));
    assert.match(await history.locator('.history__item').last().innerText(), /Created by Dealspotter Media \(partner\)/);
    await checkPage(staff, 'admin source page, blocked');
  });

  test('staff unblocks from the source page after confirming; the link works again', async () => {
    const opener = staff.getByRole('button', { name: `Unblock ${SOURCE}` });
    await opener.click();
    const dialog = staff.getByRole('dialog', { name: `Unblock ${SOURCE}?` });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /returns to the status it had before it was blocked/);
    // The safe choice has the focus.
    assert.equal(await staff.evaluate(() => document.activeElement.id), 'unblock-cancel');
    await checkPage(staff, 'unblock dialog');
    await dialog.getByRole('button', { name: `Unblock ${SOURCE}` }).click();
    await dialog.waitFor({ state: 'hidden' });
    await toast(staff, `Unblocked “${SOURCE}”. It is Active again`);
    await staff.getByRole('button', { name: `Block ${SOURCE}` }).waitFor();
    await staff.waitForFunction(() => document.activeElement?.id === 'block-source');
    assert.match(await staff.locator('dl .badge').innerText(), /Active/);
    const history = staff.getByRole('region', { name: 'History' });
    await history.locator('.history__item').first().filter({ hasText: 'Block lifted by Platform Staff' }).waitFor();
    assert.match(await said(history.locator('.history__item').first()), /Status: from Blocked → to Active/);
    await checkPage(staff, 'admin source page, unblocked');

    const { status, location } = await follow(trackingLink);
    assert.equal(status, 302);
    assert.ok(location.includes('click_id='), location);
  });
});

describe('staff in the marketplace', () => {
  test('staff see what advertisers see, and review a source from there instead of adding it', async () => {
    const page = await newPage(env.browser);
    await signIn(page, env.server.url, 'staff@demo.test');
    const listed = (name) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Marketplace' }).click();
    await page.waitForURL((u) => u.pathname === '/marketplace');
    await page.getByRole('heading', { level: 1, name: 'Marketplace' }).waitFor();
    await page.getByText('What advertisers see').waitFor();
    await listed('Trailhead Reviews').waitFor();
    // Only Active and Public sources, as for advertisers: not the seeded blocked one.
    assert.equal(await listed('Spam Pop-unders').count(), 0);
    assert.equal(await page.getByRole('button', { name: /^Invite to program/ }).count(), 0);
    await checkPage(page, 'staff marketplace');
    await listed('Trailhead Reviews').getByRole('link', { name: 'Review Trailhead Reviews' }).click();
    await page.waitForURL((u) => /^\/admin\/traffic-sources\/\d+$/.test(u.pathname));
    await page.getByRole('heading', { level: 1, name: 'Trailhead Reviews' }).waitFor();
    assertClean(page);
    await page.context().close();
  });
});

describe('only staff get into the admin area', () => {
  test('a partner typing /admin is turned away, on a fresh load and in the app', async () => {
    const partner = await newPage(env.browser);
    await signIn(partner, env.server.url, 'partner2@demo.test');
    await partner.goto(`${env.server.url}/admin`);
    await partner.getByRole('heading', { level: 1, name: "You can't open this page" }).waitFor();
    assert.match(await partner.locator('main').innerText(), /for platform staff only/);
    // Never a glimpse of the admin table.
    assert.equal(await partner.getByRole('heading', { name: 'All traffic sources' }).count(), 0);
    await checkPage(partner, 'not allowed');
    await partner.goto(`${env.server.url}/admin/traffic-sources`);
    await partner.getByRole('heading', { level: 1, name: "You can't open this page" }).waitFor();
    await partner.goto(`${env.server.url}/admin/traffic-sources/1`);
    await partner.getByRole('heading', { level: 1, name: "You can't open this page" }).waitFor();
    // And the API refuses whatever the page shows.
    allowConsoleErrors(partner, /status of 403/);
    assert.equal((await api(partner, 'GET', '/api/partners')).status, 403);
    assert.equal((await api(partner, 'POST', '/api/traffic-sources/1/unblock')).status, 403);
    await partner.getByRole('link', { name: 'Go to your home page' }).click();
    await partner.waitForURL((u) => u.pathname === '/traffic-sources');
    assertClean(partner);
    await partner.context().close();
  });

  test('an advertiser is turned away too; a visitor is asked to sign in', async () => {
    const advertiser = await newPage(env.browser);
    await signIn(advertiser, env.server.url, 'advertiser2@demo.test');
    await advertiser.goto(`${env.server.url}/admin/traffic-sources`);
    await advertiser.getByRole('heading', { level: 1, name: "You can't open this page" }).waitFor();
    assertClean(advertiser);
    await advertiser.context().close();

    const visitor = await newPage(env.browser);
    await visitor.goto(`${env.server.url}/admin/traffic-sources`);
    await visitor.waitForURL((u) => u.pathname === '/sign-in');
    assert.equal(new URL(visitor.url()).searchParams.get('next'), '/admin/traffic-sources');
    assertClean(visitor);
    await visitor.context().close();
  });
});

describe('small screens and empty states', () => {
  test('the admin table, the admin source page and notifications hold at 360 px', async () => {
    const staff = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
    await signIn(staff, env.server.url, 'staff@demo.test');
    await staff.waitForURL((u) => u.pathname === '/admin/traffic-sources');
    await row(staff, 'Trailhead Reviews').waitFor();
    const overflow = () => staff.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok((await overflow()) <= 0, `admin table scrolls sideways by ${await overflow()} px`);
    await checkPage(staff, 'admin table at 360 px');

    await row(staff, 'Spam Pop-unders').getByRole('link', { name: 'Spam Pop-unders' }).click();
    await staff.getByRole('region', { name: 'History' }).locator('.history__item').first().waitFor();
    assert.ok((await overflow()) <= 0, `admin source page scrolls sideways by ${await overflow()} px`);
    await checkPage(staff, 'admin source page at 360 px');

    // Staff have no notifications: the empty state.
    await staff.goto(`${env.server.url}/notifications`);
    await staff.getByRole('heading', { name: 'No notifications yet' }).waitFor();
    assert.ok((await overflow()) <= 0);
    await waitForBell(staff, 'Notifications');
    await checkPage(staff, 'notifications, empty, at 360 px');
    await staff.context().close();
  });
});
