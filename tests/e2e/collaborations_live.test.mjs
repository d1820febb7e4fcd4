// Every change of a collaboration reaches the other side's open page, live, in real
// Chromium: two browser contexts, one acts, the other sees it without a reload. The
// advertiser's Applications page shows each source's evidence (verified, volume band, match
// rate, bot share, declared channels, observed channels as bands). The partner's sources
// table counts each source's memberships, links to its collaborations, fits its card at
// 1280 px and scrolls inside it below that. axe on each, and each holds at 360 px.
//
// Run: scripts/build-web.sh && SERVER_BIN=$PWD/target/debug/traffic-sources-server \
//   node --test --test-concurrency=1 tests/e2e/collaborations_live.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  useServerAndBrowser,
  newPage,
  signIn,
  api,
  assertAccessible,
  assertClean,
  waitForLiveStreams,
} from './harness.mjs';

const env = useServerAndBrowser();

const LANDING = 'https://shop.live.example/';

const rowOf = (page, source, program) =>
  page.getByRole('row').filter({ hasText: program }).filter({ hasText: source }).first();

async function signedIn(email, viewport) {
  const page = await newPage(env.browser, viewport ? { viewport } : undefined);
  await signIn(page, env.server.url, email);
  return page;
}

/** Opens `path` and waits for its heading and for the account's own live stream. */
async function open(page, path, heading) {
  await page.goto(`${env.server.url}${path}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await waitForLiveStreams(page, ['']);
}

test('each change reaches the other side’s open page without a reload', async () => {
  const partner = await signedIn('partner@demo.test');
  const advertiser = await signedIn('advertiser@demo.test');
  const program = `Live Sale ${Date.now()}`;
  const created = await api(advertiser, 'POST', '/api/programs', { name: program, landing_url: LANDING, approval_mode: 'manual' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const programId = created.body.id;
  const mine = (await api(partner, 'GET', '/api/traffic-sources?limit=100&status=active')).body.items;
  // Three to apply with, and a public one (the marketplace's) to invite.
  const fourth = mine.find((s) => s.visibility === 'public');
  const [first, second, third] = mine.filter((s) => s !== fourth);
  assert.ok(fourth && third, 'four active sources, one of them public');

  await open(partner, '/partner-programs', 'Programs');
  await open(advertiser, '/applications', 'Applications');

  // Apply (from the API, as another tab would): the advertiser's open page lists it, with
  // the source's evidence beside it.
  const apply = async (source) => {
    const r = await api(partner, 'POST', `/api/programs/${programId}/applications`, { traffic_source_ids: [source.id] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.results[0].collaboration;
  };
  await apply(first);
  const firstRow = rowOf(advertiser, first.name, program);
  await firstRow.getByText('Pending').waitFor();
  const evidence = await firstRow.getByRole('cell').nth(3).innerText();
  for (const fact of [/Verified|Not verified/, /clicks in 30 days|Too little traffic to judge/, /Match rate/, /Bot share/, /Observed/, /Declares/]) {
    assert.match(evidence, fact, evidence);
  }
  await assertAccessible(advertiser, 'applications with evidence');
  // The partner's own page shows it too (their change, their stream).
  await rowOf(partner, first.name, program).getByText('Pending').waitFor();

  // Approve on the advertiser's page: the partner's open page shows it approved, with its link.
  await advertiser.getByRole('button', { name: `Approve ${first.name} in ${program}` }).click();
  await rowOf(partner, first.name, program).getByText('Approved').waitFor();
  await rowOf(partner, first.name, program).getByLabel(/Deep link for/).waitFor();

  // Leave on the partner's page: the advertiser's open page shows it ended, with the reason.
  await partner.getByLabel(`Why you leave, for ${first.name} in ${program}`).fill('Season over');
  await partner.getByRole('button', { name: `Leave the program for ${first.name} in ${program}` }).click();
  await rowOf(advertiser, first.name, program).getByText('Ended').waitFor();
  await rowOf(advertiser, first.name, program).getByText('Season over').waitFor();

  // Decline with a reason on the advertiser's page: the partner reads it live.
  await apply(second);
  await rowOf(advertiser, second.name, program).getByText('Pending').waitFor();
  await advertiser.getByLabel(`Why you decline ${second.name} in ${program}`).fill('Not our audience');
  await advertiser.getByRole('button', { name: `Decline ${second.name} in ${program}` }).click();
  await rowOf(partner, second.name, program).getByText('Not our audience').waitFor();

  // Withdraw on the partner's page: the advertiser's page shows it withdrawn.
  await apply(third);
  await rowOf(partner, third.name, program).getByText('Pending').waitFor();
  await rowOf(advertiser, third.name, program).getByText('Pending').waitFor();
  await partner.getByRole('button', { name: `Withdraw the application for ${third.name} in ${program}` }).click();
  await rowOf(advertiser, third.name, program).getByText('Withdrawn').waitFor();

  // Invite (the advertiser): the partner's page offers Accept; accepting shows on the
  // advertiser's program page, open meanwhile.
  await open(advertiser, `/programs/${programId}`, program);
  const invited = await api(advertiser, 'POST', `/api/programs/${programId}/sources`, { traffic_source_id: fourth.id });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  const accept = partner.getByRole('button', { name: `Accept the invitation for ${fourth.name} in ${program}` });
  await accept.click();
  await advertiser
    .getByRole('row')
    .filter({ hasText: fourth.name })
    .getByRole('button', { name: `Copy tracking link for ${fourth.name}` })
    .waitFor();

  assertClean(partner);
  assertClean(advertiser);
  await partner.context().close();
  await advertiser.context().close();
});

test('the partner’s sources table counts memberships, links to them, and fits its card', async () => {
  const partner = await signedIn('partner@demo.test');
  const advertiser = await signedIn('advertiser2@demo.test');
  await open(partner, '/traffic-sources', 'Traffic sources');
  const mine = (await api(partner, 'GET', '/api/traffic-sources?limit=25')).body.items;
  const words = (s) => {
    const parts = [
      [s.programs_approved, 'approved'],
      [s.programs_pending, 'pending'],
      [s.invitations, 'invited'],
    ]
      .filter(([n]) => n > 0)
      .map(([n, w]) => `${n} ${w}`);
    return parts.length ? parts.join(', ') : 'None';
  };
  const source = mine.find((s) => s.status === 'active' && s.visibility === 'public');
  // The count's link, named "<count>: programs of <source>" (its name in hidden words).
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const countLink = (s) => partner.getByRole('link', { name: new RegExp(`^${escape(words(s))} ?: programs of ${escape(s.name)}$`) });
  const cell = countLink(source);
  await cell.waitFor();

  // An invitation arrives: the open table counts it without a reload.
  const program = await api(advertiser, 'POST', '/api/programs', { name: `Count ${Date.now()}`, landing_url: LANDING });
  assert.equal(program.status, 201);
  const invited = await api(advertiser, 'POST', `/api/programs/${program.body.id}/sources`, { traffic_source_id: source.id });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  const after = { ...source, invitations: source.invitations + 1 };
  const counted = countLink(after);
  await counted.waitFor();

  // At 1280 px the table fits its card: nothing to scroll, the last column inside.
  const fit = () =>
    partner.evaluate(() => {
      const wrap = document.querySelector('.table-wrap');
      const table = wrap.querySelector('table');
      const last = table.querySelector('thead th:last-child').getBoundingClientRect();
      const card = wrap.getBoundingClientRect();
      return {
        wrapScroll: wrap.scrollWidth - wrap.clientWidth,
        pageScroll: document.documentElement.scrollWidth - window.innerWidth,
        lastRight: last.right,
        cardRight: card.right,
      };
    });
  let f = await fit();
  assert.ok(f.wrapScroll <= 0, `the table scrolls by ${f.wrapScroll}px at 1280 px`);
  assert.ok(f.lastRight <= f.cardRight + 0.5, `the last column ends at ${f.lastRight}, the card at ${f.cardRight}`);
  assert.ok(f.pageScroll <= 0, `the page scrolls sideways by ${f.pageScroll}px`);
  await assertAccessible(partner, 'sources table with memberships');

  // Narrower, above the phone layout: the table scrolls inside its card, never the page.
  await partner.setViewportSize({ width: 900, height: 800 });
  f = await fit();
  assert.ok(f.pageScroll <= 0, `the page scrolls sideways by ${f.pageScroll}px at 900 px`);

  // The count links to that source's collaborations.
  await partner.setViewportSize({ width: 1280, height: 800 });
  await counted.click();
  await partner.getByRole('heading', { level: 1, name: 'Programs' }).waitFor();
  await partner.getByText("Showing one source's collaborations.").waitFor();
  await rowOf(partner, source.name, program.body.name).getByText('Invited').waitFor();
  const others = await partner
    .getByRole('table', { name: 'Your collaborations' })
    .getByRole('row')
    .filter({ hasNotText: source.name })
    .count();
  assert.equal(others, 1, 'only the header row beside this source’s rows');
  assertClean(partner);
  await partner.context().close();
  await advertiser.context().close();
});

test('the changed pages hold at 360 px', async () => {
  for (const [email, path] of [
    ['partner@demo.test', '/traffic-sources'],
    ['advertiser@demo.test', '/applications'],
    ['partner@demo.test', '/partner-programs'],
  ]) {
    const page = await signedIn(email, { width: 360, height: 740 });
    await page.goto(`${env.server.url}${path}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForFunction(() => !document.querySelector('.page-loading'));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
    await assertAccessible(page, `${path} at 360 px`);
    await page.context().close();
  }
});
