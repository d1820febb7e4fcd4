// Live updates in real Chromium: two browser contexts, staff and an advertiser. Staff block
// a source that is in the advertiser's open marketplace and in one of their programs; within
// a second, without a reload, it leaves the marketplace with a notice and the advertiser's
// bell count goes up. axe-core stays clean.
//
// Run: scripts/build-web.sh && cargo build --release -p server && node --test tests/e2e/live.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser,
  newPage,
  assertClean,
  assertAccessible,
  signIn,
  api,
  bellName,
  waitForBell,
} from './harness.mjs';

const env = useServerAndBrowser();

const unreadIn = (name) => Number(/(\d+) unread/.exec(name)?.[1] ?? 0);

test('a block by staff leaves the advertiser\u2019s open marketplace and rings the bell, without a reload', async () => {
  const advertiser = await newPage(env.browser);
  const staff = await newPage(env.browser);
  await signIn(advertiser, env.server.url, 'advertiser@demo.test');
  await signIn(staff, env.server.url, 'staff@demo.test');

  // A marketplace source the advertiser also has in a program, so the block notifies them.
  const market = await api(advertiser, 'GET', '/api/marketplace/traffic-sources?limit=100');
  assert.equal(market.status, 200);
  const programs = await api(advertiser, 'GET', '/api/programs');
  assert.equal(programs.status, 200);
  const program = programs.body.items[0];
  let chosen;
  for (const source of market.body.items) {
    const added = await api(advertiser, 'POST', `/api/programs/${program.id}/sources`, { traffic_source_id: source.id });
    if (added.status === 201) {
      chosen = source;
      break;
    }
  }
  assert.ok(chosen, 'a marketplace source that could join the program');

  const search = encodeURIComponent(chosen.name);
  await advertiser.goto(`${env.server.url}/marketplace?q=${search}`);
  const row = advertiser.getByRole('row').filter({ has: advertiser.getByRole('rowheader', { name: chosen.name }) });
  await row.first().waitFor();
  await assertAccessible(advertiser, 'marketplace before the block');
  const before = unreadIn(await bellName(advertiser));
  await advertiser.evaluate(() => (window.__notReloaded = true));

  const asked = Date.now();
  const blocked = await api(staff, 'POST', `/api/traffic-sources/${chosen.id}/block`, { reason: 'Fake traffic' });
  assert.equal(blocked.status, 200);

  await row.first().waitFor({ state: 'detached', timeout: 1000 });
  await advertiser.getByText(`“${chosen.name}” is no longer in the marketplace.`).waitFor({ timeout: 1000 });
  await waitForBell(advertiser, `Notifications, ${before + 1} unread`, { within: 1000 });
  const took = Date.now() - asked;
  assert.ok(took <= 1500, `updated in place in ${took} ms`);
  assert.equal(await advertiser.evaluate(() => window.__notReloaded), true, 'no reload');
  await assertAccessible(advertiser, 'marketplace after the block');
  assertClean(advertiser);
  assertClean(staff);
});

test('a source in none of the advertiser\u2019s programs leaves their open marketplace too (the page\u2019s own stream)', async () => {
  const advertiser = await newPage(env.browser);
  const staff = await newPage(env.browser);
  await signIn(advertiser, env.server.url, 'advertiser@demo.test');
  await signIn(staff, env.server.url, 'staff@demo.test');

  // The advertiser's own stream carries only their programs' sources (issue 27): the page
  // follows the ones it shows with /api/events?status_of=.
  const held = new Set();
  const programs = await api(advertiser, 'GET', '/api/programs?limit=100');
  assert.equal(programs.status, 200);
  for (const program of programs.body.items) {
    const detail = await api(advertiser, 'GET', `/api/programs/${program.id}`);
    for (const s of detail.body.sources) held.add(s.traffic_source_id);
  }
  const market = await api(advertiser, 'GET', '/api/marketplace/traffic-sources?limit=100');
  assert.equal(market.status, 200);
  const chosen = market.body.items.find((s) => !held.has(s.id));
  assert.ok(chosen, 'a marketplace source in none of their programs');

  await advertiser.goto(`${env.server.url}/marketplace?q=${encodeURIComponent(chosen.name)}`);
  const row = advertiser.getByRole('row').filter({ has: advertiser.getByRole('rowheader', { name: chosen.name }) });
  await row.first().waitFor();
  const blocked = await api(staff, 'POST', `/api/traffic-sources/${chosen.id}/block`, { reason: 'Fake traffic' });
  assert.equal(blocked.status, 200);
  await row.first().waitFor({ state: 'detached', timeout: 1000 });
  await advertiser.getByText(`\u201c${chosen.name}\u201d is no longer in the marketplace.`).waitFor({ timeout: 1000 });
  assertClean(advertiser);
  assertClean(staff);
});

test('a partner\u2019s open edit form of a source that gets blocked says so and stops offering Save', async () => {
  const partner = await newPage(env.browser);
  const staff = await newPage(env.browser);
  await signIn(partner, env.server.url, 'partner2@demo.test');
  await signIn(staff, env.server.url, 'staff@demo.test');
  const mine = await api(partner, 'GET', '/api/traffic-sources?limit=100');
  assert.equal(mine.status, 200);
  const source = mine.body.items.find((s) => s.status !== 'blocked');
  assert.ok(source, 'a source that is not blocked');

  await partner.goto(`${env.server.url}/traffic-sources/${source.id}/edit`);
  const save = partner.getByRole('button', { name: 'Save', exact: true });
  await save.waitFor();
  await partner.getByLabel('Name').fill(`${source.name} (edited)`);

  const blocked = await api(staff, 'POST', `/api/traffic-sources/${source.id}/block`, { reason: 'Fake traffic' });
  assert.equal(blocked.status, 200);
  await partner.getByRole('heading', { name: 'This source is blocked' }).waitFor({ timeout: 1000 });
  await save.waitFor({ state: 'detached', timeout: 1000 });
  assert.equal(await partner.getByLabel('Name').inputValue(), `${source.name} (edited)`, 'what was typed stays');
  await assertAccessible(partner, 'edit form of a blocked source');
  assertClean(partner);
  assertClean(staff);
});

// A source of partner@demo.test that is active and in one of advertiser@demo.test's programs.
async function sharedSource(partner, advertiser) {
  const mine = await api(partner, 'GET', '/api/traffic-sources?limit=100&status=active');
  assert.equal(mine.status, 200);
  const programs = await api(advertiser, 'GET', '/api/programs');
  const program = programs.body.items[0];
  for (const source of mine.body.items.filter((s) => s.visibility === 'public')) {
    const added = await api(advertiser, 'POST', `/api/programs/${program.id}/sources`, { traffic_source_id: source.id });
    if (added.status === 201) {
      // Invited, then accepted by the partner: the link works.
      const accepted = await api(partner, 'POST', `/api/collaborations/${added.body.id}/accept`);
      assert.equal(accepted.status, 200);
      return { source, program };
    }
  }
  throw new Error('no active public source could join the program');
}

const rowOf = (page, name) =>
  page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) }).first();

test('a block updates the partner\u2019s table, the advertiser\u2019s program page and the staff table in place', async () => {
  const partner = await newPage(env.browser);
  const advertiser = await newPage(env.browser);
  const staffTable = await newPage(env.browser);
  const staff = await newPage(env.browser);
  await signIn(partner, env.server.url, 'partner@demo.test');
  await signIn(advertiser, env.server.url, 'advertiser@demo.test');
  await signIn(staffTable, env.server.url, 'staff@demo.test');
  await signIn(staff, env.server.url, 'staff@demo.test');
  const { source, program } = await sharedSource(partner, advertiser);

  await partner.goto(`${env.server.url}/traffic-sources?q=${encodeURIComponent(source.name)}`);
  await rowOf(partner, source.name).locator('.badge', { hasText: 'Active' }).waitFor();
  await advertiser.goto(`${env.server.url}/programs/${program.id}`);
  await rowOf(advertiser, source.name).locator('.badge', { hasText: 'Active' }).waitFor();
  await staffTable.goto(`${env.server.url}/admin/traffic-sources?q=${encodeURIComponent(source.name)}`);
  await rowOf(staffTable, source.name).locator('.badge', { hasText: 'Active' }).waitFor();
  for (const p of [partner, advertiser, staffTable]) await p.evaluate(() => (window.__notReloaded = true));

  const blocked = await api(staff, 'POST', `/api/traffic-sources/${source.id}/block`, { reason: 'Fake traffic' });
  assert.equal(blocked.status, 200);
  await rowOf(partner, source.name).locator('.badge', { hasText: 'Blocked' }).waitFor({ timeout: 1000 });
  await rowOf(advertiser, source.name).locator('.badge', { hasText: 'Blocked' }).waitFor({ timeout: 1000 });
  await advertiser.getByText(`“${source.name}” was blocked by platform staff`).waitFor({ timeout: 1000 });
  await rowOf(staffTable, source.name).locator('.badge', { hasText: 'Blocked' }).waitFor({ timeout: 1000 });
  for (const p of [partner, advertiser, staffTable]) {
    assert.equal(await p.evaluate(() => window.__notReloaded), true, 'no reload');
    assertClean(p);
  }
  await assertAccessible(advertiser, 'program page after the block');

  // The partner's source page follows the unblock too.
  await partner.goto(`${env.server.url}/traffic-sources/${source.id}`);
  await partner.locator('.badge', { hasText: 'Blocked' }).first().waitFor();
  const unblocked = await api(staff, 'POST', `/api/traffic-sources/${source.id}/unblock`, {});
  assert.equal(unblocked.status, 200);
  await partner.locator('.badge', { hasText: 'Active' }).first().waitFor({ timeout: 1000 });
  assertClean(partner);
});

test('a partner turns notification emails off on the Notifications page, and it stays off', async () => {
  const partner = await newPage(env.browser);
  await signIn(partner, env.server.url, 'partner2@demo.test');
  await partner.goto(`${env.server.url}/notifications`);
  const box = partner.getByRole('checkbox', { name: /Email me these notifications/ });
  await box.waitFor();
  assert.equal(await box.isChecked(), true, 'on by default');
  await box.focus();
  await partner.keyboard.press('Space');
  await partner.getByText('Saved: no more emails; notifications still appear here.').waitFor();
  await assertAccessible(partner, 'notifications with the email setting');
  await partner.reload();
  await box.waitFor();
  assert.equal(await box.isChecked(), false, 'saved');
  const setting = await api(partner, 'GET', '/api/me/email-settings');
  assert.deepEqual(setting.body, { notifications: false });
  assertClean(partner);
});
