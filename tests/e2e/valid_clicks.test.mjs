// Declared against observed, valid and invalid clicks (issue 30), in real Chromium on the
// demo data: the source that declares Content but sends Google Ads clicks ("Outdoor Gear
// Guide") shows its observed mix to its partner; staff find it in the review queue with the
// undeclared-channel reason and in their list filtered on "observed matches declared"; the
// partner adds Paid Search in one press and the reason clears at the next sweep (the server
// sweeps every second here: --review-sweep-secs 1); the chart tells valid from invalid clicks
// and says each reason and the gross in its legend and data table. axe-core on each view.
//
// Run: scripts/build-web.sh && cargo build -p server &&
//   SERVER_BIN=$PWD/target/debug/traffic-sources-server node --test tests/e2e/valid_clicks.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, newPage, assertClean, assertAccessible, signIn, api } from './harness.mjs';
import { number, row } from './clicks.mjs';

const SOURCE = 'Outdoor Gear Guide';
const env = useServerAndBrowser({ extraArgs: ['--review-sweep-secs', '1'] });

let partner;
let staff;
let source;
before(async () => {
  await env.ready;
  partner = await newPage(env.browser);
  await signIn(partner, env.server.url, 'partner@demo.test');
  staff = await newPage(env.browser);
  await signIn(staff, env.server.url, 'staff@demo.test');
  const list = await api(partner, 'GET', `/api/traffic-sources?q=${encodeURIComponent(SOURCE)}`);
  source = list.body.items.find((s) => s.name === SOURCE);
  assert.ok(source, `the demo has ${SOURCE}`);
  assert.deepEqual(source.channels, ['content', 'comparison']);
});
after(async () => {
  await partner?.context().close();
  await staff?.context().close();
});

/** Waits (bounded) until `check()` holds, asking again every 200 ms. */
async function until(check, what, within = 15_000) {
  const end = Date.now() + within;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) assert.fail(`still not so after ${within} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const reasonsOf = async (page, id) => (await api(page, 'GET', `/api/admin/review/${id}`)).body.reasons.map((r) => r.reason);

describe('in order', () => {
  test('the partner sees the observed mix beside the declared channels', async () => {
    await partner.goto(`${env.server.url}/traffic-sources/${source.id}`);
    const panel = partner.getByRole('region', { name: 'Traffic in the last 30 days' });
    await panel.locator('figure').waitFor();
    const traffic = (await api(partner, 'GET', `/api/traffic-sources/${source.id}/traffic`)).body;
    const paid = traffic.observed_channels.find((c) => c.channel === 'paid_search');
    assert.ok(paid && paid.clicks > 0, 'the demo sends Google Ads clicks');
    assert.equal(paid.signal, 'gclid');
    assert.ok(traffic.declared_share < 70, `declared share ${traffic.declared_share}`);
    await panel.getByRole('heading', { name: 'Channels observed' }).waitFor();
    assert.equal(
      await panel.getByText(/of valid clicks came through a channel this source declares/).innerText(),
      `${traffic.declared_share}% of valid clicks came through a channel this source declares.`,
    );
    const observed = panel.locator('table.traffic__observed tbody tr');
    assert.equal(await observed.count(), traffic.observed_channels.length);
    const paidRow = row(partner, 'Paid Search');
    assert.match(await paidRow.locator('td[data-label="Valid clicks"]').innerText(), new RegExp(`\\(${paid.share}%\\)$`));
    assert.equal(await paidRow.locator('td[data-label="Signal"]').innerText(), 'Google Ads click id');
    assert.match(await paidRow.locator('td[data-label="Declared"]').innerText(), /^Not declared/);
    await paidRow.getByRole('button', { name: "Add Paid Search to this source's channels" }).waitFor();
    assert.match(await row(partner, 'Content').locator('td[data-label="Declared"]').innerText(), /^Declared/);
    await assertAccessible(partner, 'partner source page, channels observed');
    assertClean(partner);
  });

  test('the chart tells valid from invalid clicks, with each reason and the gross in words', async () => {
    const traffic = (await api(partner, 'GET', `/api/traffic-sources/${source.id}/traffic`)).body;
    const valid = traffic.series.reduce((n, d) => n + d.valid, 0);
    const humanInvalid = traffic.series.reduce((n, d) => n + d.invalid.refused + d.invalid.prefetch + d.invalid.duplicate + d.invalid.velocity, 0);
    assert.ok(humanInvalid > 0, 'the demo source has repeat clicks');
    const figure = partner.getByRole('region', { name: 'Traffic in the last 30 days' }).locator('figure');
    const caption = await figure.locator('figcaption').innerText();
    assert.match(caption, /^[\d,]+ clicks in 30 days: [\d,]+ valid, [\d,]+ invalid; /);
    const [, total, shownValid, shownInvalid] = caption.match(/^([\d,]+) clicks in 30 days: ([\d,]+) valid, ([\d,]+) invalid; /);
    assert.equal(number(shownValid), valid, caption);
    assert.equal(number(shownInvalid), humanInvalid, caption);
    assert.equal(number(total), valid + humanInvalid);
    // Told apart without colour: invalid bars are hatched, and the legend says so in words.
    assert.ok((await figure.locator('svg.traffic-chart__svg rect.chart__valid').count()) > 0);
    const hatched = figure.locator('svg.traffic-chart__svg rect.chart__invalid');
    assert.ok((await hatched.count()) > 0);
    assert.match(await hatched.first().getAttribute('fill'), /^url\(#.+-hatch\)$/);
    const legend = await figure.locator('.chart-legend').innerText();
    assert.match(legend, /Valid \(solid\)/);
    const sum = (key) => traffic.series.reduce((n, d) => n + d.invalid[key], 0);
    const reasons = `Refused (link not live) ${sum('refused').toLocaleString('en-US')}, Prefetches and previews ${sum('prefetch').toLocaleString('en-US')}, Too fast ${sum('velocity').toLocaleString('en-US')}, Repeat clicks ${sum('duplicate').toLocaleString('en-US')}`;
    assert.ok(legend.includes(`Invalid (hatched): ${reasons}`), legend);

    // The data table: valid, each invalid reason and the gross, day by day, as the API counts.
    const toggle = figure.getByRole('button', { name: /data table/ });
    await toggle.focus();
    await partner.keyboard.press('Enter');
    const table = figure.locator('table');
    await table.waitFor();
    assert.deepEqual(await table.locator('thead th').allInnerTexts(), [
      'Day', 'Valid', 'Bots', 'Refused (link not live)', 'Prefetches and previews', 'Too fast', 'Repeat clicks', 'Gross', 'Visitors',
    ]);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.equal(rows.length, traffic.series.length);
    for (const [i, d] of traffic.series.entries()) {
      const cells = rows[i].slice(1).map(number);
      const i_ = d.invalid;
      assert.deepEqual(cells, [
        d.valid, i_.bot, i_.refused, i_.prefetch, i_.velocity, i_.duplicate,
        d.valid + i_.bot + i_.refused + i_.prefetch + i_.velocity + i_.duplicate, d.visitors,
      ], rows[i][0]);
    }
    await assertAccessible(partner, 'partner source page, data table open');
    await toggle.press('Enter');
    assertClean(partner);
  });

  test('staff find it in the queue with the undeclared-channel reason, and in their list filtered on observed matches', async () => {
    // The first sweep (a second after the start) raised the reason.
    await until(async () => (await reasonsOf(staff, source.id)).includes('undeclared_channel'), 'the reason is raised');
    await staff.goto(`${env.server.url}/admin/review`);
    await staff.getByRole('heading', { name: 'Review queue', level: 1 }).waitFor();
    await staff.getByLabel('Reason').selectOption('undeclared_channel');
    await staff.waitForURL((u) => u.searchParams.get('reason') === 'undeclared_channel');
    const queued = staff.getByRole('row', { name: new RegExp(SOURCE) });
    await queued.waitFor();
    const reasons = await queued.locator('td[data-label="Reasons"]').innerText();
    assert.match(reasons, /Clicks through an undeclared channel: \d+% of [\d,]+ valid clicks in 7 days carried a Google Ads `gclid` \(Paid Search\); the source declares Content, Comparison/);
    await assertAccessible(staff, 'review queue, undeclared channel');

    // The list of every source, "Observed matches declared": No shows it, Yes does not.
    await staff.goto(`${env.server.url}/admin/traffic-sources`);
    await staff.getByRole('heading', { name: 'All traffic sources' }).waitFor();
    const filter = staff.getByLabel('Observed matches declared');
    await filter.selectOption('false');
    await staff.waitForURL((u) => u.searchParams.get('observed_matches') === 'false');
    const no = (await api(staff, 'GET', '/api/traffic-sources?observed_matches=false')).body.items.map((s) => s.name);
    assert.ok(no.includes(SOURCE));
    // The unfiltered table (which also lists the source) may still be shown until the filtered
    // page arrives: wait for the filtered page's rows, not for the source's row alone.
    await until(async () => (await staff.locator('table tbody tr').count()) === no.length, `the ${no.length} rows that do not match`);
    await row(staff, SOURCE).waitFor();
    await assertAccessible(staff, 'admin list, observed does not match');
    await filter.selectOption('true');
    await staff.waitForURL((u) => u.searchParams.get('observed_matches') === 'true');
    const yes = (await api(staff, 'GET', '/api/traffic-sources?observed_matches=true')).body.items.map((s) => s.name);
    assert.ok(yes.length > 0 && !yes.includes(SOURCE));
    await row(staff, yes[0]).waitFor();
    assert.equal(await row(staff, SOURCE).count(), 0);
    await filter.selectOption('');
    await staff.waitForURL((u) => !u.searchParams.has('observed_matches'));
    await row(staff, SOURCE).waitFor();
    assertClean(staff);
  });

  test('the partner adds Paid Search in one press, and the reason clears at the next sweep', async () => {
    await partner.goto(`${env.server.url}/traffic-sources/${source.id}`);
    const add = partner.getByRole('button', { name: "Add Paid Search to this source's channels" });
    await add.click();
    // Said in a toast (the panel is drawn anew when the figures are read again, so a note of
    // its own would be gone before it was seen), and the figures are read again: Paid Search is
    // declared now, and nothing is left to add.
    await partner.locator('.toasts').getByText("Paid Search added to this source's channels.").waitFor();
    await until(async () => (await row(partner, 'Paid Search').locator('td[data-label="Declared"]').innerText()) === 'Declared', 'Paid Search declared');
    const now = (await api(partner, 'GET', `/api/traffic-sources/${source.id}`)).body.source;
    assert.deepEqual([...now.channels].sort(), ['comparison', 'content', 'paid_search']);
    assert.equal(await partner.getByRole('button', { name: /^Add .* to this source's channels$/ }).count(), 0);
    await assertAccessible(partner, 'partner source page, Paid Search added');
    // Audited like any edit.
    const history = (await api(partner, 'GET', `/api/traffic-sources/${source.id}/history`)).body.items;
    assert.equal(history[0].action, 'edited');

    await until(async () => !(await reasonsOf(staff, source.id)).includes('undeclared_channel'), 'the reason clears');
    await staff.goto(`${env.server.url}/admin/review?reason=undeclared_channel`);
    await staff.getByRole('heading', { name: 'Review queue', level: 1 }).waitFor();
    await staff.locator('tbody tr, .empty').first().waitFor();
    assert.equal(await staff.getByRole('row', { name: new RegExp(SOURCE) }).count(), 0);
    await assertAccessible(staff, 'review queue after the sweep');
    assertClean(partner);
    assertClean(staff);
  });
});
