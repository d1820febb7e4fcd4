// Staff work the review queue in real Chromium: open a source from the queue, read its
// evidence, mark it reviewed with a note, then select three sources and block them in bulk,
// watching the summary. A partner exports their list as CSV. axe-core checks each new view,
// and the queue holds at 360 px.
//
// Run: scripts/build-web.sh && cargo build --release -p server && node --test tests/e2e/
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, newPage, assertClean, assertAccessible, signIn, api } from './harness.mjs';

const names = ['Queue walk 1', 'Queue walk 2', 'Queue walk 3', 'Queue walk 4'];
const ids = [];
const env = useServerAndBrowser();
before(async () => {
  await env.ready;
  const partner = await newPage(env.browser);
  await signIn(partner, env.server.url, 'partner@demo.test');
  for (const [i, name] of names.entries()) {
    const r = await api(partner, 'POST', '/api/traffic-sources', {
      name, url: `https://queue-walk-${i}.example/`, channels: ['content'], status: 'active', visibility: 'public',
    });
    assert.equal(r.status, 201);
    ids.push(r.body.id);
  }
  await partner.context().close();
});

const row = (page, name) => page.getByRole('row', { name: new RegExp(name) });

test('staff open a queued source, mark it reviewed, then block three in bulk', async () => {
  const page = await newPage(env.browser);
  await signIn(page, env.server.url, 'staff@demo.test');
  await page.getByRole('link', { name: 'Review queue' }).click();
  await page.getByRole('heading', { name: 'Review queue', level: 1 }).waitFor();
  await page.getByLabel('Reason').selectOption('new_unverified');
  await page.waitForURL((u) => u.searchParams.get('reason') === 'new_unverified');
  await row(page, names[0]).waitFor();
  assert.match(await row(page, names[0]).innerText(), /New and not verified/);
  await assertAccessible(page, 'review queue');

  // Open one: its evidence, then "Mark reviewed" with a note, by keyboard.
  await row(page, names[0]).getByRole('link', { name: names[0] }).click();
  await page.getByRole('heading', { name: 'Why it is here' }).waitFor();
  await page.getByRole('heading', { name: 'Claims of the same site' }).waitFor();
  await page.getByRole('heading', { name: 'Ownership checks' }).waitFor();
  await page.locator('.history__item').first().waitFor();
  await assertAccessible(page, 'review evidence');
  await page.getByLabel('Note (optional, staff only)').fill('Known publisher, checked by phone');
  await page.getByRole('button', { name: 'Mark reviewed' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText(/No pending reasons: reviewed/).waitFor();
  await page.getByText('Reviewed by staff').first().waitFor();
  await assertAccessible(page, 'review evidence, reviewed');

  // Back in the queue it is gone; block the other three together.
  await page.getByRole('link', { name: 'Review queue' }).first().click();
  await page.getByLabel('Reason').selectOption('new_unverified');
  await row(page, names[1]).waitFor();
  assert.equal(await row(page, names[0]).count(), 0, 'reviewed: out of the queue');
  for (const name of names.slice(1)) {
    await page.getByRole('checkbox', { name: `Select ${name}` }).check();
  }
  await page.getByText('3 selected.').waitFor();
  await page.getByRole('button', { name: 'Block…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Block 3 sources?' });
  await dialog.waitFor();
  await assertAccessible(page, 'bulk block dialog');
  // Without a reason the dialog says so at the field and sends nothing.
  await dialog.getByRole('button', { name: 'Block 3 sources?' }).click();
  await dialog.getByText('Enter the reason the partners will see.').waitFor();
  await dialog.getByLabel('Reason shown to the partners').fill('Copied content');
  await dialog.getByRole('button', { name: 'Block 3 sources?' }).click();
  await page.getByRole('status').filter({ hasText: 'Blocked 3 sources.' }).waitFor();
  await assertAccessible(page, 'review queue after a bulk block');
  for (const id of ids.slice(1)) {
    const source = await api(page, 'GET', `/api/traffic-sources/${id}`);
    assert.equal(source.body.source.status, 'blocked');
    assert.equal(source.body.source.block_reason, 'Copied content');
  }
  assertClean(page);

  // The queue at 360 px: no sideways scrolling.
  const small = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
  await signIn(small, env.server.url, 'staff@demo.test');
  await small.goto(`${env.server.url}/admin/review`);
  await small.getByRole('heading', { name: 'Review queue', level: 1 }).waitFor();
  await small.locator('tbody tr, .empty').first().waitFor();
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the queue scrolls sideways by ${overflow} px`);
  await assertAccessible(small, 'review queue at 360 px');
  await small.context().close();
  await page.context().close();
});

test('a partner exports their list as CSV from the page', async () => {
  const page = await newPage(env.browser);
  await signIn(page, env.server.url, 'partner@demo.test');
  await page.goto(`${env.server.url}/traffic-sources?q=${encodeURIComponent('Queue walk')}`);
  await row(page, names[0]).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /Export CSV/ }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^traffic-sources-\d{4}-\d{2}-\d{2}\.csv$/);
  const path = await download.path();
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(path, 'utf8');
  const lines = text.trim().split('\n');
  assert.equal(lines[0].split(',')[0], 'id');
  assert.equal(lines.length, 5, 'the header and the four sources this search matches');
  await assertAccessible(page, 'partner list with export');
  assertClean(page);
  await page.context().close();
});

test('in the admin table, staff select every source matching a search and mark them reviewed', async () => {
  const page = await newPage(env.browser);
  await signIn(page, env.server.url, 'staff@demo.test');
  await page.goto(`${env.server.url}/admin/traffic-sources?q=${encodeURIComponent('Queue walk')}`);
  await row(page, names[0]).waitFor();
  await page.getByRole('checkbox', { name: `Select ${names[0]}` }).check();
  await page.getByText('1 selected.').waitFor();
  // Across every partner the list has no total: the matching ids are gathered page by page.
  await page.getByRole('button', { name: /Select all matching this filter/ }).click();
  await page.getByText('4 selected.').waitFor();
  await assertAccessible(page, 'admin table with a selection');
  await page.getByRole('button', { name: 'Mark reviewed…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Mark reviewed 4 sources?' });
  await dialog.getByLabel('Internal note (optional)').fill('Batch checked');
  await dialog.getByRole('button', { name: 'Mark reviewed 4 sources?' }).click();
  await page.getByRole('status').filter({ hasText: 'Marked reviewed 4 sources.' }).waitFor();
  for (const id of ids) {
    const history = await api(page, 'GET', `/api/traffic-sources/${id}/history`);
    assert.equal(history.body.items[0].action, 'reviewed');
  }
  assertClean(page);
  await page.context().close();
});
