// The advertiser's journey in real Chromium, on the release bundle served by the real server:
// the marketplace (search, channel filter, sort and paging in the URL), a program created from
// the "Invite to program" dialog, the tracking link copied and followed (302 with click_id), the
// same source refused twice, the programs list and the program page with clicks; then the
// partner's source page with the program and its link, and a pause that turns the link into a
// 410, a Private source that stays in the program. axe-core on every new page.
//
// Run: scripts/build-web.sh && cargo build --release -p server && node --test tests/e2e/advertiser.test.mjs
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser,
  newPage,
  assertClean,
  assertAccessible,
  allowConsoleErrors,
  api,
} from './harness.mjs';

const env = useServerAndBrowser();

const PASSWORD = 'correct-horse-battery';
const SOURCE = 'Zephyr Hiking Podcast';
const PROGRAM = 'Zephyr Spring Sale';
const LANDING = 'https://shop.zephyr.example/spring?ref=affiliates';

async function signUp(page, role, name) {
  const email = `${role.toLowerCase()}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto(`${env.server.url}/sign-up`);
  await page.getByRole('radio', { name: role }).check();
  await page.getByLabel('Your name or company').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-up'));
  return email;
}

async function checkPage(page, label) {
  await assertAccessible(page, label);
  assertClean(page);
}

async function toast(page, text) {
  await page.locator('.toast').filter({ hasText: text }).first().waitFor();
}

function row(page, name) {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: false }) });
}

/** Follows a tracking link without following the redirect. */
async function follow(link) {
  const response = await fetch(link, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

/** Reloads until the row's click count is `clicks`: clicks are written in the background. */
async function waitForClicks(page, name, clicks, tries = 20) {
  for (let i = 0; i < tries; i += 1) {
    const r = row(page, name);
    await r.waitFor();
    const shown = await r.locator('td[data-label="Clicks"] > span').first().innerText();
    if (shown === String(clicks)) return r;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await page.reload();
  }
  assert.fail(`row ${name} never showed ${clicks} clicks`);
}

describe('an advertiser and a partner', () => {
  let partner;
  let advertiser;
  let sourceId;
  let trackingLink;

  before(async () => {
    partner = await newPage(env.browser);
    await signUp(partner, 'Partner', 'Zephyr Media');
    const created = await api(partner, 'POST', '/api/traffic-sources', {
      name: SOURCE,
      url: 'https://podcast.zephyr.example',
      channels: ['podcast', 'content'],
      status: 'active',
      visibility: 'public',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    sourceId = created.body.id;
    advertiser = await newPage(env.browser);
    await advertiser.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url });
  });
  after(async () => {
    await partner?.context().close();
    await advertiser?.context().close();
  });

  test('a new advertiser lands on the marketplace, with Marketplace and Programs in the navigation', async () => {
    await signUp(advertiser, 'Advertiser', 'Zephyr Outdoor');
    await advertiser.waitForURL((u) => u.pathname === '/marketplace');
    await advertiser.getByRole('heading', { level: 1, name: 'Marketplace' }).waitFor();
    const nav = advertiser.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Marketplace' }).getAttribute('aria-current'), 'page');
    await nav.getByRole('link', { name: 'Programs' }).waitFor();
    await row(advertiser, 'Dealspotter Blog').waitFor();
    // Only Active and Public sources: the paused, private and blocked demo sources are absent.
    const text = await advertiser.locator('tbody').innerText();
    for (const hidden of ['Dealspotter App', 'Weekly Deals Newsletter', 'Spam Pop-unders', 'Trailhead Podcast', 'Trailhead Network']) {
      assert.doesNotMatch(text, new RegExp(hidden));
    }
    await checkPage(advertiser, 'marketplace');
  });

  test('searches, filters by several channels, sorts and pages, all in the URL; Back undoes', async () => {
    const page = advertiser;
    await page.getByRole('searchbox', { name: 'Search' }).fill('zephyr');
    await page.waitForURL((u) => u.searchParams.get('q') === 'zephyr');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    const r = row(page, SOURCE);
    assert.match(await r.innerText(), /Zephyr Media/);
    assert.match(await r.innerText(), /Podcast/);
    const link = r.getByRole('link', { name: /podcast\.zephyr\.example/ });
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');

    // Two channels at once: a source matches when it has any of them.
    await page.locator('summary', { hasText: 'Channels: any' }).click();
    await page.getByRole('checkbox', { name: 'Podcast', exact: true }).check();
    await page.waitForURL((u) => u.searchParams.getAll('channel').join() === 'podcast');
    await page.getByRole('checkbox', { name: 'Video', exact: true }).check();
    await page.waitForURL((u) => u.searchParams.getAll('channel').join() === 'video,podcast');
    await row(page, SOURCE).waitFor();
    await checkPage(page, 'marketplace filtered');

    // A channel it does not have: the no-match state, with a way out.
    const channels = () => page.evaluate(() => new URL(location.href).searchParams.getAll('channel').join());
    const waitForChannels = (list) =>
      page.waitForFunction((l) => new URL(location.href).searchParams.getAll('channel').join() === l, list);
    await page.getByRole('checkbox', { name: 'Podcast', exact: true }).uncheck();
    await waitForChannels('video');
    await page.getByRole('checkbox', { name: 'Video', exact: true }).uncheck();
    await waitForChannels('');
    await page.getByRole('checkbox', { name: 'Cashback', exact: true }).check();
    await waitForChannels('cashback');
    await page.getByRole('heading', { name: 'No traffic sources match' }).waitFor();
    await checkPage(page, 'marketplace no match');
    // Back undoes the last filter; the boxes follow the URL.
    await page.goBack();
    await waitForChannels('');
    assert.equal(await channels(), '');
    assert.equal(new URL(page.url()).searchParams.get('q'), 'zephyr');
    await row(page, SOURCE).waitFor();
    assert.equal(await page.getByRole('checkbox', { name: 'Cashback', exact: true }).isChecked(), false);

    // Sorting by name, and paging two at a time: a bookmarkable address.
    await page.goto(`${env.server.url}/marketplace?sort=name&limit=2`);
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
    const firstPage = await page.locator('tbody th').allInnerTexts();
    assert.deepEqual([...firstPage].sort(), firstPage);
    assert.equal(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort'), 'ascending');
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL((u) => u.searchParams.has('cursor'));
    await page.waitForFunction((first) => document.querySelector('tbody th')?.innerText !== first, firstPage[0]);
    const secondPage = await page.locator('tbody th').allInnerTexts();
    assert.ok(secondPage[0] > firstPage[1], `${secondPage} after ${firstPage}`);
    await page.getByRole('link', { name: 'Previous' }).click();
    await page.waitForURL((u) => !u.searchParams.has('cursor'));
    await page.waitForFunction((first) => document.querySelector('tbody th')?.innerText === first, firstPage[0]);
    assertClean(page);
  });

  test('adds a source to a program created in the dialog, and copies the tracking link', async () => {
    const page = advertiser;
    await page.goto(`${env.server.url}/marketplace?q=zephyr`);
    const button = page.getByRole('button', { name: `Invite to program ${SOURCE}` });
    // Keyboard: the dialog opens on Enter and Escape closes it, giving the focus back.
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Invite “${SOURCE}” to a program` });
    await dialog.waitFor();
    await dialog.getByText('You have no program yet').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), `Invite to program ${SOURCE}`);

    await button.click();
    await dialog.getByText('You have no program yet').waitFor();
    await checkPage(page, 'add dialog, no program yet');
    // The program form checks as you type with the shared rules.
    await dialog.getByLabel('Program name').fill(PROGRAM);
    await dialog.getByLabel('Landing page').fill('shop.zephyr.example');
    await dialog.getByLabel('Landing page').blur();
    assert.match(await dialog.locator('#program-landing-url-error').innerText(), /Start the address with http/);
    await dialog.getByLabel('Landing page').fill(LANDING);
    assert.equal(await dialog.locator('#program-landing-url-error').count(), 0);
    await dialog.getByRole('button', { name: 'Create program' }).click();
    await toast(page, `Created the program “${PROGRAM}”`);
    const select = dialog.getByLabel('Program');
    await select.waitFor();
    assert.match(await select.locator('option:checked').innerText(), new RegExp(PROGRAM));
    await checkPage(page, 'add dialog, choosing a program');

    await dialog.getByRole('button', { name: 'Invite to program' }).click();
    // An invitation now: no link until the source's partner accepts.
    await dialog.getByText(`Invited “${SOURCE}” to “${PROGRAM}”.`).waitFor();
    await checkPage(page, 'add dialog, invited');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const invited = (await api(partner, 'GET', '/api/collaborations?state=invited')).body.items.find(
      (c) => c.source_name === SOURCE && c.program_name === PROGRAM,
    );
    assert.ok(invited, 'the partner sees the invitation');
    const accepted = await api(partner, 'POST', `/api/collaborations/${invited.id}/accept`);
    assert.equal(accepted.status, 200);
    trackingLink = accepted.body.tracking_url;
    assert.match(trackingLink, new RegExp(`^${env.server.url}/t/[A-Za-z0-9_-]{11,}$`));
    assertClean(page);
  });

  test('the tracking link answers 302 to the landing page with a click id', async () => {
    const { status, location } = await follow(trackingLink);
    assert.equal(status, 302);
    assert.ok(location.startsWith(`${LANDING}&click_id=`), location);
    assert.ok(new URL(location).searchParams.get('click_id').length >= 16);
  });

  test('adding the same source again shows the server’s message at the field', async () => {
    const page = advertiser;
    allowConsoleErrors(page, /status of 422/);
    await page.getByRole('button', { name: `Invite to program ${SOURCE}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Program').waitFor();
    await dialog.getByRole('button', { name: 'Invite to program' }).click();
    await dialog.locator('#add-program-error').waitFor();
    assert.match(await dialog.locator('#add-program-error').innerText(), /already in this program/);
    assert.equal(await dialog.getByLabel('Program').getAttribute('aria-invalid'), 'true');
    // The focus moves on the frame after the message shows (request_animation_frame).
    await page
      .waitForFunction(() => document.activeElement?.id === 'add-program', null, { timeout: 3000 })
      .catch(() => {});
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'add-program');
    await checkPage(page, 'add dialog, duplicate');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  test('the programs page lists the program and creates another', async () => {
    const page = advertiser;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Programs' }).click();
    await page.waitForURL((u) => u.pathname === '/programs');
    const r = row(page, PROGRAM);
    await r.waitFor();
    assert.match(await r.innerText(), /1 source/);
    assert.match(await r.innerText(), /shop\.zephyr\.example\/spring/);
    await checkPage(page, 'programs');

    // Errors appear at the field once it was left, and on submit.
    await page.getByRole('button', { name: 'Create program' }).click();
    assert.match(await page.locator('#program-name-error').innerText(), /name/i);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'program-name');
    await checkPage(page, 'programs, form errors');
    await page.getByLabel('Program name').fill('Zephyr Tents');
    await page.getByLabel('Landing page').fill('https://shop.zephyr.example/tents');
    await page.getByRole('button', { name: 'Create program' }).click();
    await toast(page, 'Created the program “Zephyr Tents”');
    await row(page, 'Zephyr Tents').waitFor();
    assert.match(await row(page, 'Zephyr Tents').innerText(), /0 sources/);
    assert.equal(await page.getByLabel('Program name').inputValue(), '');
    assertClean(page);
  });

  test('the program page shows the source, its status, its link and its clicks', async () => {
    const page = advertiser;
    await page.getByRole('link', { name: PROGRAM }).click();
    await page.waitForURL((u) => /^\/programs\/\d+$/.test(u.pathname));
    await page.getByRole('heading', { level: 1, name: PROGRAM }).waitFor();
    const r = await waitForClicks(page, SOURCE, 1);
    const text = await r.innerText();
    assert.match(text, /Zephyr Media/);
    assert.match(text, /Active/);
    assert.match(text, /Public/);
    assert.equal(await r.getByRole('textbox', { name: `Tracking link for ${SOURCE}` }).inputValue(), trackingLink);
    await r.getByRole('button', { name: `Copy tracking link for ${SOURCE}` }).waitFor();
    await checkPage(page, 'program page');
  });

  test('the partner sees the program and its link on their source page; an unused source says so', async () => {
    const page = partner;
    await page.goto(`${env.server.url}/traffic-sources`);
    await page.getByRole('link', { name: SOURCE, exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/traffic-sources/${sourceId}`);
    await page.getByRole('heading', { level: 1, name: SOURCE }).waitFor();
    await page.getByRole('heading', { name: 'Programs using this source' }).waitFor();
    const r = row(page, PROGRAM);
    await r.waitFor();
    assert.match(await r.innerText(), /Zephyr Outdoor/);
    assert.equal(await r.getByRole('textbox', { name: `Tracking link for ${PROGRAM}` }).inputValue(), trackingLink);
    await r.getByRole('button', { name: `Copy tracking link for ${PROGRAM}` }).waitFor();
    await page.getByRole('link', { name: `Edit ${SOURCE}` }).waitFor();
    await checkPage(page, 'partner source page');

    const other = await api(page, 'POST', '/api/traffic-sources', {
      name: 'Zephyr Newsletter',
      url: 'https://zephyr.example/news',
      channels: ['email'],
      status: 'active',
      visibility: 'public',
    });
    assert.equal(other.status, 201);
    await page.goto(`${env.server.url}/traffic-sources/${other.body.id}`);
    await page.getByRole('heading', { name: 'No program uses this source yet' }).waitFor();
    await checkPage(page, 'partner source page, no program');
  });

  test('the copy button falls back to selecting the link when the clipboard is unavailable', async () => {
    const page = partner;
    await page.goto(`${env.server.url}/traffic-sources/${sourceId}`);
    const r = row(page, PROGRAM);
    await r.waitFor();
    await page.evaluate(() => Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true }));
    await r.getByRole('button', { name: `Copy tracking link for ${PROGRAM}` }).click();
    await toast(page, 'press Ctrl+C');
    const selected = await page.evaluate(() => {
      const el = document.activeElement;
      return el.value.substring(el.selectionStart, el.selectionEnd);
    });
    assert.equal(selected, trackingLink);
    assertClean(page);
  });

  test('the partner pauses the source: the link answers 410 with the friendly page; the program says so', async () => {
    const page = partner;
    await page.goto(`${env.server.url}/traffic-sources/${sourceId}/edit`);
    await page.getByRole('radio', { name: 'Paused', exact: true }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');

    const gone = await follow(trackingLink);
    assert.equal(gone.status, 410);
    assert.match(gone.body, /This link is no longer active/);
    assert.doesNotMatch(gone.body, /shop\.zephyr\.example/);

    await page.goto(`${env.server.url}/traffic-sources/${sourceId}`);
    await page.getByText('its tracking links do not redirect').waitFor();
    await checkPage(page, 'partner source page, paused');

    await advertiser.reload();
    const r = row(advertiser, SOURCE);
    await r.waitFor();
    assert.match(await r.innerText(), /Paused/);
    assert.match(await r.innerText(), /does not redirect/);
    await checkPage(advertiser, 'program page, paused source');
  });

  test('resumed as Private: out of the marketplace, still in the program, the link redirects again', async () => {
    const page = partner;
    await page.goto(`${env.server.url}/traffic-sources/${sourceId}/edit`);
    await page.getByRole('radio', { name: 'Active', exact: true }).check();
    await page.getByRole('radio', { name: 'Private', exact: true }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL((u) => u.pathname === '/traffic-sources');
    assert.equal((await follow(trackingLink)).status, 302);

    await advertiser.reload();
    const r = row(advertiser, SOURCE);
    await r.waitFor();
    assert.match(await r.innerText(), /Private/);
    assert.match(await r.innerText(), /still works/);
    await checkPage(advertiser, 'program page, private source');

    await advertiser.goto(`${env.server.url}/marketplace?q=zephyr`);
    await row(advertiser, 'Zephyr Newsletter').waitFor();
    assert.equal(await row(advertiser, SOURCE).count(), 0);
    assertClean(advertiser);
  });
});

describe('guards and layout', () => {
  test('partners are kept out of the advertiser pages, and advertisers out of a partner’s source page', async () => {
    const page = await newPage(env.browser);
    await signUp(page, 'Partner', 'Guarded Partner');
    for (const path of ['/marketplace', '/programs', '/programs/1']) {
      await page.goto(`${env.server.url}${path}`);
      await page.waitForURL((u) => u.pathname !== path && u.pathname !== '/sign-in');
      assert.equal(await page.getByRole('heading', { level: 1, name: 'Marketplace' }).count(), 0);
    }
    await page.context().close();

    const adv = await newPage(env.browser);
    await signUp(adv, 'Advertiser', 'Guarded Advertiser');
    await adv.waitForURL((u) => u.pathname === '/marketplace');
    await adv.goto(`${env.server.url}/traffic-sources/1`);
    await adv.waitForURL((u) => u.pathname === '/marketplace');
    // Another advertiser's program reads as not found.
    allowConsoleErrors(adv, /status of 404/);
    await adv.goto(`${env.server.url}/programs/1`);
    await adv.getByRole('heading', { level: 1, name: 'Program not found' }).waitFor();
    await checkPage(adv, 'program not found');
    await adv.context().close();
  });

  test('the marketplace, its dialog and the programs page hold at 360px wide', async () => {
    const page = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
    await signUp(page, 'Advertiser', 'Narrow Advertiser');
    await page.waitForURL((u) => u.pathname === '/marketplace');
    await row(page, 'Dealspotter Blog').waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok((await overflow()) <= 0, `marketplace scrolls sideways by ${await overflow()}px`);
    await checkPage(page, 'narrow marketplace');
    await page.getByRole('button', { name: 'Invite to program Dealspotter Blog' }).click();
    await page.getByLabel('Program name').fill('Narrow');
    await page.getByLabel('Landing page').fill('https://narrow.example');
    await page.getByRole('button', { name: 'Create program' }).click();
    await page.getByRole('button', { name: 'Invite to program', exact: true }).click();
    await page.getByText('Invited “Dealspotter Blog” to “Narrow”.').waitFor();
    assert.ok((await overflow()) <= 0, `dialog scrolls sideways by ${await overflow()}px`);
    await checkPage(page, 'narrow dialog');
    await page.getByRole('link', { name: 'Open the program' }).click();
    await page.waitForURL((u) => /^\/programs\/\d+$/.test(u.pathname));
    await row(page, 'Dealspotter Blog').waitFor();
    assert.ok((await overflow()) <= 0, `program page scrolls sideways by ${await overflow()}px`);
    await checkPage(page, 'narrow program page');
    await page.goto(`${env.server.url}/programs`);
    await row(page, 'Narrow').waitFor();
    assert.ok((await overflow()) <= 0, `programs page scrolls sideways by ${await overflow()}px`);
    await checkPage(page, 'narrow programs');
    await page.context().close();
  });
});

describe('an advertiser with many programs', () => {
  test('the add dialog offers every program, past the API’s largest page of 100', async () => {
    const page = await newPage(env.browser);
    await signUp(page, 'Advertiser', 'Many Programs Inc');
    // Created oldest first: the oldest is on the second page of the list, newest first.
    for (let i = 1; i <= 101; i += 1) {
      const created = await api(page, 'POST', '/api/programs', {
        name: `Program ${String(i).padStart(3, '0')}`,
        landing_url: `https://shop.example/p${i}`,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    await page.goto(`${env.server.url}/marketplace`);
    const add = page.getByRole('button', { name: /^Invite to program / }).first();
    await add.click();
    const dialog = page.getByRole('dialog');
    const select = dialog.getByLabel('Program');
    await select.waitFor();
    assert.equal(await select.locator('option').count(), 101);
    // Newest first, so the newest is chosen; the oldest is there to pick.
    assert.match(await select.locator('option:checked').innerText(), /Program 101/);
    await select.selectOption({ label: 'Program 001 (0 sources)' });
    await dialog.getByRole('button', { name: 'Invite to program' }).click();
    // The line starts with a ✓ hidden from screen readers.
    await dialog.getByText(/Invited “.*” to “Program 001”\.$/).waitFor();
    assertClean(page);
    await page.context().close();
  });
});
