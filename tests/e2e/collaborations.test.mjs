// Programs that partners join, in real Chromium: a partner applies with two sources to a manual
// program from the Programs page; the advertiser approves one and declines the other with a
// reason on the Applications page; the partner sees both; the approved link redirects and the
// declined one answers 410; an advertiser invites from the marketplace and the partner accepts;
// a deep link lands on a permitted page. axe on every new page, and each holds at 360 px.
//
// Run: scripts/build-web.sh && cargo build --release -p server && node --test tests/e2e/collaborations.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { useServerAndBrowser, newPage, signIn, api, assertAccessible, assertClean } from './harness.mjs';

const env = useServerAndBrowser();

const PROGRAM = `Meadow Sale ${Date.now()}`;
const LANDING = 'https://shop.meadow.example/sale';

async function follow(url) {
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location') };
}

const rowOf = (page, text, program = PROGRAM) =>
  page.getByRole('row').filter({ hasText: program }).filter({ hasText: text }).first();

test('a partner applies with two sources; the advertiser approves one and declines the other', async () => {
  const partner = await newPage(env.browser);
  const advertiser = await newPage(env.browser);
  await signIn(partner, env.server.url, 'partner@demo.test');
  await signIn(advertiser, env.server.url, 'advertiser@demo.test');

  const created = await api(advertiser, 'POST', '/api/programs', {
    name: PROGRAM,
    landing_url: LANDING,
    description: 'Garden gear for spring.',
    approval_mode: 'manual',
    permitted_domains: ['help.meadow.example'],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const mine = await api(partner, 'GET', '/api/traffic-sources?limit=100&status=active');
  const [first, second] = mine.body.items;
  assert.ok(first && second, 'two active sources');

  // Apply from the directory, one source after the other.
  await partner.goto(`${env.server.url}/partner-programs`);
  await partner.getByRole('heading', { level: 1, name: 'Programs' }).waitFor();
  await partner.getByLabel('Search programs').fill(PROGRAM);
  await partner.getByLabel('Search programs').press('Enter');
  const select = partner.getByLabel(`Apply to ${PROGRAM} with`);
  await select.waitFor();
  await assertAccessible(partner, 'partner programs');
  for (const source of [first, second]) {
    await select.selectOption(String(source.id));
    await partner.getByRole('button', { name: 'Apply' }).first().click();
    await rowOf(partner, source.name).getByText('Pending').waitFor();
  }

  // The advertiser decides on the Applications page.
  await advertiser.goto(`${env.server.url}/applications`);
  await advertiser.getByRole('heading', { level: 1, name: 'Applications' }).waitFor();
  await assertAccessible(advertiser, 'applications');
  await advertiser.getByRole('button', { name: `Approve ${first.name} in ${PROGRAM}` }).click();
  await rowOf(advertiser, first.name).getByText('Approved').waitFor();
  await advertiser.getByLabel(`Why you decline ${second.name} in ${PROGRAM}`).fill('Not our audience');
  await advertiser.getByRole('button', { name: `Decline ${second.name} in ${PROGRAM}` }).click();
  await rowOf(advertiser, second.name).getByText('Declined').waitFor();

  // The partner sees both, with the reason.
  await partner.reload();
  await rowOf(partner, first.name).getByText('Approved').waitFor();
  await rowOf(partner, second.name).getByText('Not our audience').waitFor();
  assertClean(partner);

  const collaborations = (await api(partner, 'GET', '/api/collaborations?limit=100')).body.items;
  const approved = collaborations.find((c) => c.program_name === PROGRAM && c.state === 'approved');
  const declined = collaborations.find((c) => c.program_name === PROGRAM && c.state === 'declined');
  const ok = await follow(approved.tracking_url);
  assert.equal(ok.status, 302);
  assert.ok(ok.location.startsWith(`${LANDING}?click_id=`), ok.location);
  assert.equal(declined.tracking_url, null, 'no link once declined');

  // A deep link to a permitted page lands there; another host lands on the landing page.
  const deep = await follow(`${approved.tracking_url}?to=${encodeURIComponent('https://help.meadow.example/boots')}`);
  assert.ok(deep.location.startsWith('https://help.meadow.example/boots?click_id='), deep.location);
  const refused = await follow(`${approved.tracking_url}?to=${encodeURIComponent('https://elsewhere.example/')}`);
  assert.ok(refused.location.startsWith(`${LANDING}?click_id=`), refused.location);
  await partner.context().close();
  await advertiser.context().close();
});

test('an advertiser invites from the marketplace and the partner accepts', async () => {
  const partner = await newPage(env.browser);
  const advertiser = await newPage(env.browser);
  await signIn(partner, env.server.url, 'partner2@demo.test');
  await signIn(advertiser, env.server.url, 'advertiser2@demo.test');
  const program = await api(advertiser, 'POST', '/api/programs', { name: `Invites ${Date.now()}`, landing_url: LANDING });
  assert.equal(program.status, 201);
  const sources = (await api(partner, 'GET', '/api/traffic-sources?limit=100&status=active')).body.items;
  const source = sources.find((s) => s.visibility === 'public');
  await advertiser.goto(`${env.server.url}/marketplace?q=${encodeURIComponent(source.name)}`);
  await advertiser.getByRole('button', { name: `Invite to program ${source.name}` }).click();
  const dialog = advertiser.getByRole('dialog');
  await dialog.getByLabel('Program').selectOption(String(program.body.id));
  await dialog.getByRole('button', { name: 'Invite to program' }).click();
  await dialog.getByText(`Invited “${source.name}” to “${program.body.name}”.`).waitFor();

  await partner.goto(`${env.server.url}/partner-programs`);
  const accept = partner.getByRole('button', { name: `Accept the invitation for ${source.name} in ${program.body.name}` });
  await accept.click();
  await rowOf(partner, source.name, program.body.name).getByText('Approved').waitFor();
  const link = (await api(partner, 'GET', '/api/collaborations?state=approved&limit=100')).body.items.find(
    (c) => c.program_name === program.body.name,
  );
  assert.equal((await follow(link.tracking_url)).status, 302);
  await partner.context().close();
  await advertiser.context().close();
});

test('the new pages hold at 360 px', async () => {
  for (const [email, path] of [
    ['partner@demo.test', '/partner-programs'],
    ['advertiser@demo.test', '/applications'],
  ]) {
    const page = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
    await signIn(page, env.server.url, email);
    await page.goto(`${env.server.url}${path}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
    await assertAccessible(page, `${path} at 360 px`);
    await page.context().close();
  }
});
