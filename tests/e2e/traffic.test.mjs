// Traffic evidence in real Chromium, on the release bundle served by the real server with its
// demo data (30 days of seeded clicks on the demo links): the partner's chart of a demo source
// and a click made here showing up in it; the staff source page leading with the share from
// other sites, and bots counted apart, and a click showing up there too; the program page's chart per source; the marketplace's
// bands (never counts); the advertiser's click lookup. axe-core on every new view, keyboard
// only where it matters, and the chart at 360 px.
//
// Run: scripts/build-web.sh && cargo build --release -p server && node --test tests/e2e/traffic.test.mjs
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
  liveStreams,
  waitForLiveStreams,
} from './harness.mjs';
import { row, number, follow, captionReaches, cellReaches } from './clicks.mjs';

const env = useServerAndBrowser();

const BANDS = [
  'Too little traffic to judge',
  'Under 1k clicks in 30 days',
  '1k–10k clicks in 30 days',
  '10k–100k clicks in 30 days',
  'Over 100k clicks in 30 days',
];

async function checkPage(page, label) {
  await assertAccessible(page, label);
  assertClean(page);
}

/** 1234 → `1,234`. */
const thousands = (n) => n.toLocaleString('en-US');
/** The model's rounding of a share: whole percent, halves up. */
const share = (part, total) => Math.floor((part * 200 + total) / (2 * total));

/**
 * From now on, notes a reload of the page and anything said in its `status` region: a live
 * update says nothing ("Updating…" is for what the user asked for) and reloads nothing.
 */
async function watchQuietly(page, status) {
  await page.evaluate((selector) => {
    window.__notReloaded = true;
    window.__saidUpdating = false;
    const region = document.querySelector(selector);
    new MutationObserver(() => {
      if (region.textContent.trim()) window.__saidUpdating = true;
    }).observe(region, { childList: true, subtree: true, characterData: true });
  }, status);
}

/** Since `watchQuietly`: no reload, nothing said. */
async function assertQuiet(page) {
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'no reload');
  assert.equal(await page.evaluate(() => window.__saidUpdating), false, 'nothing said');
}

/** The human clicks a chart's caption counts ("1,234 clicks in 30 days: 1,200 valid, 34 invalid; …"). */
async function captionCount(figure, span = '30 days') {
  const caption = await figure.locator('figcaption').innerText();
  const match = caption.match(new RegExp(`^([\\d,]+) clicks? in ${span}: ([\\d,]+) valid, ([\\d,]+) invalid; `));
  assert.ok(match, `caption: ${caption}`);
  return { total: number(match[1]), valid: number(match[2]), invalid: number(match[3]), caption };
}

/** A series' human clicks, as the API counts them. */
const humanOf = (series) => series.reduce((n, d) => n + d.redirected + d.refused, 0);

/** Opens a chart's data table (by keyboard) and reads every day's row. */
async function tableRows(page, figure) {
  const toggle = figure.getByRole('button', { name: /data table/ });
  if ((await toggle.getAttribute('aria-expanded')) === 'false') {
    await toggle.focus();
    await page.keyboard.press('Enter');
  }
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.match(await toggle.innerText(), /^Hide data table/);
  const rows = figure.locator('table tbody tr');
  await rows.first().waitFor();
  return (await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)))).map(
    // Day, Valid, then each invalid reason, Gross and Visitors (issue 30).
    ([day, valid, bots, refused, prefetch, velocity, duplicate, gross, visitors]) => ({
      day,
      valid: number(valid),
      bots: number(bots),
      refused: number(refused),
      invalid: number(refused) + number(prefetch) + number(velocity) + number(duplicate),
      gross: number(gross),
      visitors: number(visitors),
    }),
  );
}

describe('the partner', () => {
  let page;
  let source;
  before(async () => {
    page = await newPage(env.browser);
    await signIn(page, env.server.url, 'partner@demo.test');
    const list = await api(page, 'GET', '/api/traffic-sources?limit=100');
    assert.equal(list.status, 200);
    source = list.body.items.find((s) => s.name === 'Dealspotter Blog');
    assert.ok(source, 'the demo source');
  });
  after(async () => {
    await page?.context().close();
  });

  test('the sources table has 30-day clicks and the match rate', async () => {
    await page.goto(`${env.server.url}/traffic-sources`);
    const r = row(page, 'Dealspotter Blog');
    await r.waitFor();
    await page.getByRole('columnheader', { name: 'Clicks (30 days)' }).waitFor();
    await page.getByRole('columnheader', { name: 'Match rate' }).waitFor();
    assert.equal(number(await r.locator('td[data-label="Clicks (30 days)"]').innerText()), source.clicks_30d);
    assert.ok(source.clicks_30d > 0, 'the demo source has seeded clicks');
    const rate = await r.locator('td[data-label="Match rate"]').innerText();
    assert.equal(rate, source.match_rate_30d === null ? 'Too little traffic' : `${source.match_rate_30d}%`);
    await checkPage(page, 'sources table with traffic');
  });

  test('a click on a tracking link shows in the sources table by itself, the focus kept', async () => {
    const detail = (await api(page, 'GET', `/api/traffic-sources/${source.id}`)).body;
    const link = detail.programs[0]?.tracking_url;
    assert.ok(link, 'the demo source is in a program');
    await page.goto(`${env.server.url}/traffic-sources`);
    const r = row(page, 'Dealspotter Blog');
    await r.waitFor();
    const cell = r.locator('td[data-label="Clicks (30 days)"]');
    const before = number(await cell.innerText());
    const edit = r.getByRole('link', { name: /^Edit/ });
    await edit.focus();
    await watchQuietly(page, '.updating');

    const clickedAt = Date.now();
    const { status } = await follow(link, 'https://blog.dealspotter.example/best-tents-2026');
    assert.equal(status, 302);
    await cellReaches(page, 'Dealspotter Blog', before + 1);
    console.log(`a click to the open sources table: ${Date.now() - clickedAt} ms`);
    await assertQuiet(page);
    assert.equal(await edit.evaluate((a) => a === document.activeElement), true, 'the focus stays');
    const now = (await api(page, 'GET', '/api/traffic-sources?limit=100')).body.items.find((s) => s.id === source.id);
    assert.equal(now.clicks_30d, before + 1);
    const rate = await r.locator('td[data-label="Match rate"]').innerText();
    assert.equal(rate, now.match_rate_30d === null ? 'Too little traffic' : `${now.match_rate_30d}%`);
    await checkPage(page, 'sources table after a live update');
  });

  test('the source page charts the seeded demo traffic, in words and as a table', async () => {
    await page.getByRole('link', { name: 'Dealspotter Blog', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/traffic-sources/${source.id}`);
    const panel = page.getByRole('region', { name: 'Traffic in the last 30 days' });
    const figure = panel.locator('figure');
    await figure.waitFor();
    const traffic = (await api(page, 'GET', `/api/traffic-sources/${source.id}/traffic`)).body;
    assert.equal(traffic.series.length, 30);
    const { total, valid, invalid, caption } = await captionCount(figure);
    assert.ok(total > 0, 'seeded clicks are charted');
    assert.equal(total, humanOf(traffic.series), caption);
    assert.equal(valid + invalid, total);
    assert.equal(valid, traffic.series.reduce((n, d) => n + d.valid, 0));

    const svg = figure.getByRole('img');
    assert.match(await svg.getAttribute('aria-label'), /^Chart of clicks per day/);
    assert.ok((await svg.getAttribute('aria-label')).includes(caption));
    const legend = await figure.locator('.chart-legend').innerText();
    assert.match(legend, /Valid \(solid\)/);
    assert.match(legend, /Invalid \(hatched\): Refused \(link not live\) [\d,]+, Prefetches and previews [\d,]+, Too fast [\d,]+, Repeat clicks [\d,]+/);
    assert.match(legend, /Bot clicks/);

    // The match rate in words, and the referrers with whose site they are in words.
    const sentence = await panel.locator('.traffic__rate').innerText();
    if (traffic.match_rate === null) assert.match(sentence, /Too little traffic to judge/);
    else assert.equal(sentence, `${traffic.match_rate}% of clicks came from ${traffic.declared_site}.`);
    const referrers = panel.locator('.traffic__referrers tbody tr');
    assert.equal(await referrers.count(), traffic.top_referrers.length);
    for (const [i, r] of traffic.top_referrers.entries()) {
      const cells = await referrers.nth(i).locator('th, td').allInnerTexts();
      assert.deepEqual(cells, [r.host, thousands(r.clicks), r.matches ? 'Declared site' : 'Other site']);
    }
    await checkPage(page, 'partner source page with traffic');

    // The table holds every day, and adds up to the caption.
    const days = await tableRows(page, figure);
    assert.equal(days.length, 30);
    assert.equal(days.reduce((n, d) => n + d.valid + d.invalid, 0), total);
    for (const [i, d] of days.entries()) {
      const api = traffic.series[i];
      assert.equal(d.gross, api.valid + Object.values(api.invalid).reduce((n, c) => n + c, 0), d.day);
      assert.equal(d.bots, api.bots, d.day);
    }
    await checkPage(page, 'partner source page, data table open');
    await figure.getByRole('button', { name: /data table/ }).press('Enter');
    assert.equal(await figure.getByRole('button', { name: /data table/ }).getAttribute('aria-expanded'), 'false');
    assert.equal(await figure.locator('table').count(), 0);

    // Another period, chosen from the labelled list by keyboard: the server's week, in the
    // heading, the caption and the data table alike.
    const section = page.locator('section.traffic');
    const period = section.getByLabel('Period');
    await period.focus();
    await page.keyboard.press('ArrowUp');
    assert.equal(await period.inputValue(), '7d');
    await page.getByRole('region', { name: 'Traffic in the last 7 days' }).waitFor();
    const week = section.locator('figure');
    await week.locator('figcaption').filter({ hasText: ' in 7 days:' }).waitFor();
    const weekTraffic = (await api(page, 'GET', `/api/traffic-sources/${source.id}/traffic?days=7`)).body;
    assert.equal(weekTraffic.series.length, 7);
    assert.deepEqual(weekTraffic.series, traffic.series.slice(-7), 'the week is the month’s last seven days');
    const weekCount = await captionCount(week, '7 days');
    assert.equal(weekCount.total, humanOf(weekTraffic.series));
    assert.equal((await tableRows(page, week)).length, 7);
    await checkPage(page, 'partner source page, last 7 days');
    // The period is in the address: a reload (or a shared link) opens on the same week.
    assert.equal(new URL(page.url()).searchParams.get('days'), '7');
    await page.reload();
    await section.locator('figcaption').filter({ hasText: ' in 7 days:' }).waitFor();
    assert.equal(await period.inputValue(), '7d');

    // The last 24 hours, hour by hour (the demo's clicks run up to now).
    await period.focus();
    await page.keyboard.press('ArrowUp');
    assert.equal(await period.inputValue(), '24h');
    await page.getByRole('region', { name: 'Traffic in the last 24 hours' }).waitFor();
    await week.locator('figcaption').filter({ hasText: ' in 24 hours:' }).waitFor();
    const dayTraffic = (await api(page, 'GET', `/api/traffic-sources/${source.id}/traffic?hours=24`)).body;
    assert.equal(dayTraffic.hours, 24);
    assert.equal(dayTraffic.series.length, 24);
    const dayCount = await captionCount(week, '24 hours');
    const dayTotal = humanOf(dayTraffic.series);
    assert.ok(dayTotal > 0, 'the demo has clicks in the last 24 hours');
    assert.equal(dayCount.total, dayTotal);
    const hours = await tableRows(page, week);
    assert.equal(hours.length, 24);
    assert.equal(hours.reduce((n, h) => n + h.valid + h.invalid, 0), dayTotal);
    assert.match(hours[23].day, /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:00 UTC$/);
    assert.equal(await week.locator('table thead th').first().innerText(), 'Hour (UTC)');
    // The same 24 hours as a CSV download, one row per hour, as the API counts them.
    const csvLink = section.getByRole('link', { name: 'Download CSV' });
    const href = await csvLink.getAttribute('href');
    assert.equal(href, `/api/traffic-sources/${source.id}/traffic.csv?hours=24`);
    assert.notEqual(await csvLink.getAttribute('download'), null);
    const csv = await page.evaluate(async (url) => {
      const r = await fetch(url);
      return { type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    assert.equal(csv.type, 'text/csv; charset=utf-8');
    const lines = csv.text.trim().split('\n');
    // Gross counts, then valid and each invalid reason (issue 30).
    assert.equal(
      lines[0],
      'start,redirected,refused,bots,visitors,valid,invalid_bot,invalid_prefetch,invalid_duplicate,invalid_velocity,invalid_refused',
    );
    assert.equal(lines.length, 25);
    assert.equal(lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1]) + Number(l.split(',')[2]), 0), dayTotal);
    await checkPage(page, 'partner source page, last 24 hours');
    assert.equal(new URL(page.url()).searchParams.get('hours'), '24');
    assert.equal(new URL(page.url()).searchParams.get('days'), null);

    await period.selectOption('30d');
    await section.locator('figcaption').filter({ hasText: ' in 30 days:' }).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the default month stays out of the address');
  });

  test('a click on the tracking link from the source’s own site shows in the open chart by itself, the table open and the focus kept', async () => {
    const detail = (await api(page, 'GET', `/api/traffic-sources/${source.id}`)).body;
    const link = detail.programs[0]?.tracking_url;
    assert.ok(link, 'the demo source is in a program');
    await page.goto(`${env.server.url}/traffic-sources/${source.id}`);
    const figure = page.getByRole('region', { name: 'Traffic in the last 30 days' }).locator('figure');
    await figure.waitFor();
    const before = await captionCount(figure);
    const programClicks = row(page, detail.programs[0].program_name).locator('td[data-label="Clicks"]');
    assert.equal(number(await programClicks.innerText()), detail.programs[0].clicks);
    const beforeToday = (await tableRows(page, figure)).at(-1);
    const toggle = figure.getByRole('button', { name: /data table/ });
    await toggle.focus();
    await watchQuietly(page, '.traffic__updating');

    const clickedAt = Date.now();
    const { status, location } = await follow(link, 'https://blog.dealspotter.example/best-tents-2026');
    assert.equal(status, 302);
    assert.match(location, /click_id=/);

    // The server stores clicks about every second and tells the page on its live stream (at
    // most once every 5 s per source and advertiser: an earlier test's click may have just
    // been told).
    await captionReaches(page, before.total + 1);
    console.log(`a click to the open chart: ${Date.now() - clickedAt} ms`);
    const after = await captionCount(figure);
    assert.equal(after.valid, before.valid + 1, after.caption);
    await assertQuiet(page);
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true', 'the table stays open');
    assert.equal(await toggle.evaluate((b) => b === document.activeElement), true, 'the focus stays');
    const today = (await tableRows(page, figure)).at(-1);
    assert.equal(today.day, beforeToday.day);
    assert.equal(today.valid, beforeToday.valid + 1);
    assert.equal(today.bots, beforeToday.bots, 'a browser is not a bot');
    // The programs table beside it counts the click too.
    const until = Date.now() + 5_000;
    while (number(await programClicks.innerText()) === detail.programs[0].clicks && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(number(await programClicks.innerText()), detail.programs[0].clicks + 1);
    await checkPage(page, 'source page after a live update');
  });

  test('the chart holds at 360 px wide', async () => {
    const narrow = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
    await signIn(narrow, env.server.url, 'partner@demo.test');
    await narrow.goto(`${env.server.url}/traffic-sources/${source.id}`);
    const figure = narrow.getByRole('region', { name: 'Traffic in the last 30 days' }).locator('figure');
    await figure.waitFor();
    const svg = await figure.getByRole('img').boundingBox();
    const box = await figure.boundingBox();
    assert.ok(svg.width > 250 && svg.x >= 0 && svg.x + svg.width <= 360, JSON.stringify(svg));
    assert.ok(box.x + box.width <= 360, JSON.stringify(box));
    // Axis labels stay readable: at least 9 px drawn.
    const smallest = await figure.locator('svg text').evaluateAll((texts) =>
      Math.min(...texts.map((t) => t.getBoundingClientRect().height)),
    );
    assert.ok(smallest >= 9, `smallest label ${smallest}px`);
    await tableRows(narrow, figure);
    await checkPage(narrow, 'partner source page at 360 px');
    await narrow.context().close();
  });
});

describe('staff', () => {
  let page;
  let judged;
  before(async () => {
    page = await newPage(env.browser);
    await signIn(page, env.server.url, 'staff@demo.test');
    const list = await api(page, 'GET', '/api/traffic-sources?limit=100');
    assert.equal(list.status, 200);
    judged = list.body.items.filter((s) => s.clicks_30d > 0);
    assert.ok(judged.length >= 2, 'demo sources with traffic');
  });
  after(async () => {
    await page?.context().close();
  });

  test('the admin table has 30-day clicks and the match rate', async () => {
    await page.goto(`${env.server.url}/admin/traffic-sources?limit=100`);
    const s = judged[0];
    const r = row(page, s.name);
    await r.waitFor();
    assert.equal(number(await r.locator('td[data-label="Clicks (30 days)"]').innerText()), s.clicks_30d);
    assert.equal(
      await r.locator('td[data-label="Match rate"]').innerText(),
      s.match_rate_30d === null ? 'Too little traffic' : `${s.match_rate_30d}%`,
    );
    await checkPage(page, 'admin table with traffic');
  });

  test('the source with the most clicks from other sites leads with that share', async () => {
    const rated = judged.filter((s) => s.match_rate_30d !== null);
    assert.ok(rated.length > 0);
    const worst = rated.reduce((a, b) => (b.match_rate_30d < a.match_rate_30d ? b : a));
    const traffic = (await api(page, 'GET', `/api/traffic-sources/${worst.id}/traffic`)).body;
    const total = traffic.referrers.match + traffic.referrers.mismatch + traffic.referrers.none;
    assert.ok(traffic.referrers.mismatch > 0, 'a demo source gets mostly other sites’ clicks');

    await page.goto(`${env.server.url}/admin/traffic-sources/${worst.id}`);
    const panel = page.getByRole('region', { name: 'Traffic in the last 30 days' });
    const lead = panel.locator('.traffic__lead');
    await lead.waitFor();
    // First thing in the panel, highlighted, in words.
    assert.equal(await panel.locator('.traffic__head + *').getAttribute('class'), 'alert alert--warning traffic__lead');
    assert.equal(
      await lead.locator('.traffic__lead-figure').innerText(),
      `${share(traffic.referrers.mismatch, total)}% of clicks came from other sites`,
    );
    assert.match(
      await lead.innerText(),
      new RegExp(`${thousands(traffic.referrers.mismatch)} of ${thousands(total)} clicks came from other sites`),
    );
    const other = traffic.top_referrers.find((r) => !r.matches);
    if (other) assert.match(await lead.innerText(), new RegExp(other.host.replace(/\./g, '\\.')));
    await checkPage(page, 'admin source page, mismatch lead');
  });

  test('a click from another site shows on the open staff source page by itself, on a stream for that source only', async () => {
    // An active source (a blocked one's link answers 410), judged, so that the lead counts.
    const rated = judged.filter((s) => s.match_rate_30d !== null && s.status === 'active');
    assert.ok(rated.length > 0, 'an active demo source with enough traffic to judge');
    const worst = rated.reduce((a, b) => (b.match_rate_30d < a.match_rate_30d ? b : a));
    const link = (await api(page, 'GET', `/api/traffic-sources/${worst.id}`)).body.programs[0]?.tracking_url;
    assert.ok(link, 'the demo source is in a program');
    await page.goto(`${env.server.url}/admin/traffic-sources/${worst.id}`);
    const panel = page.getByRole('region', { name: 'Traffic in the last 30 days' });
    const figure = panel.locator('figure');
    await figure.waitFor();
    const before = await captionCount(figure);
    const mix = (await api(page, 'GET', `/api/traffic-sources/${worst.id}/traffic`)).body.referrers;
    const toggle = figure.getByRole('button', { name: /data table/ });
    await toggle.focus();
    await watchQuietly(page, '.traffic__updating');

    const clickedAt = Date.now();
    assert.equal((await follow(link, 'https://elsewhere.example/deals')).status, 302);
    await captionReaches(page, before.total + 1);
    console.log(`a click to the open staff source page: ${Date.now() - clickedAt} ms`);
    // The lead counts it among the clicks from other sites.
    const total = mix.match + mix.mismatch + mix.none;
    assert.match(
      await panel.locator('.traffic__lead').innerText(),
      new RegExp(`${thousands(mix.mismatch + 1)} of ${thousands(total + 1)} clicks came from other sites`),
    );
    await assertQuiet(page);
    assert.equal(await toggle.evaluate((b) => b === document.activeElement), true, 'the focus stays');
    // Staff's own stream, and one for this source's clicks, held by the browser's shared worker.
    await waitForLiveStreams(page, ['', `?traffic_of=${worst.id}`]);
    await checkPage(page, 'admin source page after a live update');
  });

  test('a click shows in the admin table by itself, the row kept selected and focused; leaving the page closes its stream', async () => {
    let source = null;
    let link = null;
    for (const s of judged.filter((s) => s.status === 'active')) {
      link = (await api(page, 'GET', `/api/traffic-sources/${s.id}`)).body.programs[0]?.tracking_url;
      if (link) {
        source = s;
        break;
      }
    }
    assert.ok(source, 'an active demo source in a program');
    await page.goto(`${env.server.url}/admin/traffic-sources?limit=100`);
    const r = row(page, source.name);
    await r.waitFor();
    const cell = r.locator('td[data-label="Clicks (30 days)"]');
    const before = number(await cell.innerText());
    // Staff at work: the row selected by keyboard, the focus on its box.
    const box = r.getByRole('checkbox');
    await box.focus();
    await page.keyboard.press('Space');
    assert.equal(await box.isChecked(), true);
    await watchQuietly(page, '.updating');

    const clickedAt = Date.now();
    assert.equal((await follow(link, 'https://elsewhere.example/')).status, 302);
    await cellReaches(page, source.name, before + 1);
    console.log(`a click to the open admin table: ${Date.now() - clickedAt} ms`);
    await assertQuiet(page);
    assert.equal(await box.isChecked(), true, 'still selected');
    assert.equal(await box.evaluate((b) => b === document.activeElement), true, 'the focus stays');
    const now = (await api(page, 'GET', '/api/traffic-sources?limit=100')).body.items.find((s) => s.id === source.id);
    assert.equal(now.clicks_30d, before + 1);
    assert.equal(
      await r.locator('td[data-label="Match rate"]').innerText(),
      now.match_rate_30d === null ? 'Too little traffic' : `${now.match_rate_30d}%`,
    );
    // Staff's own stream, and one for the page's sources, held by the browser's shared worker.
    const open = await liveStreams(page);
    const table = open.find((s) => s.url.startsWith('?traffic_of='));
    assert.ok(table, JSON.stringify(open));
    assert.ok(table.url.slice('?traffic_of='.length).split(',').includes(String(source.id)), table.url);
    await waitForLiveStreams(page, ['', table.url]);
    await checkPage(page, 'admin table after a live update');

    // Its page: the table's stream closed, one for this source open, staff's own still open.
    await r.getByRole('link', { name: source.name, exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/admin/traffic-sources/${source.id}`);
    await page.getByRole('region', { name: 'Traffic in the last 30 days' }).locator('figure').waitFor();
    // The table's stream let go of (no tab holds it, so the worker closed it); this source's
    // open; staff's own still open.
    await waitForLiveStreams(page, ['', `?traffic_of=${source.id}`]);
  });

  test('bot clicks are shown apart and left out of the totals', async () => {
    let heaviest = null;
    for (const s of judged) {
      const t = (await api(page, 'GET', `/api/traffic-sources/${s.id}/traffic`)).body;
      const bots = t.series.reduce((n, d) => n + d.bots, 0);
      if (!heaviest || bots > heaviest.bots) heaviest = { source: s, traffic: t, bots };
    }
    assert.ok(heaviest.bots > 0, 'a demo source gets heavy bot traffic');
    const human = heaviest.traffic.series.reduce((n, d) => n + d.redirected + d.refused, 0);

    await page.goto(`${env.server.url}/admin/traffic-sources/${heaviest.source.id}`);
    const figure = page.getByRole('region', { name: 'Traffic in the last 30 days' }).locator('figure');
    await figure.waitFor();
    const { total, caption } = await captionCount(figure);
    assert.equal(total, human, caption);
    assert.match(caption, new RegExp(`; ${thousands(heaviest.bots)} bot clicks? left out\\.$`));
    assert.ok((await figure.locator('svg.traffic-chart__svg rect.chart__bots').count()) > 0, 'the bots’ row');
    const days = await tableRows(page, figure);
    assert.equal(days.reduce((n, d) => n + d.bots, 0), heaviest.bots);
    await checkPage(page, 'admin source page, bots');
  });
});

describe('an advertiser', () => {
  let page;
  let program;
  before(async () => {
    page = await newPage(env.browser);
    await signIn(page, env.server.url, 'advertiser@demo.test');
    const programs = await api(page, 'GET', '/api/programs?limit=100');
    const found = programs.body.items.find((p) => p.name === 'Northwind Spring Sale');
    program = (await api(page, 'GET', `/api/programs/${found.id}`)).body;
  });
  after(async () => {
    await page?.context().close();
  });

  test('the marketplace shows volume bands and match rates, never counts', async () => {
    await page.goto(`${env.server.url}/marketplace?limit=100`);
    await page.getByRole('columnheader', { name: 'Traffic', exact: true }).waitFor();
    await page.getByRole('columnheader', { name: 'Match rate' }).waitFor();
    await row(page, 'Dealspotter Blog').waitFor();
    const bands = await page.locator('td[data-label="Traffic"]').allInnerTexts();
    assert.ok(bands.length > 0);
    for (const band of bands) assert.ok(BANDS.includes(band), band);
    assert.ok(bands.some((b) => b !== BANDS[0]), `some source has enough traffic: ${bands}`);
    for (const rate of await page.locator('td[data-label="Match rate"]').allInnerTexts()) {
      assert.match(rate, /^(\d{1,3}%|Too little traffic)$/);
    }
    const answer = await api(page, 'GET', '/api/marketplace/traffic-sources?limit=100');
    for (const item of answer.body.items) {
      assert.ok(!('clicks_30d' in item), 'no exact count reaches an advertiser');
      assert.equal(typeof item.volume_band, 'string', JSON.stringify(item));
    }
    await checkPage(page, 'marketplace with bands');
  });

  test('the program page has each source’s 30-day clicks and a chart per source', async () => {
    await page.goto(`${env.server.url}/programs/${program.program.id}`);
    await page.getByRole('columnheader', { name: 'Clicks (30 days)' }).waitFor();
    const section = page.getByRole('region', { name: 'Traffic by source, last 30 days' });
    const cards = section.locator('.traffic-card');
    await cards.first().waitFor();
    const traffic = (await api(page, 'GET', `/api/programs/${program.program.id}/traffic`)).body;
    assert.equal(await cards.count(), traffic.collaborations.length);
    assert.equal(traffic.collaborations.length, program.sources.length);
    for (const c of program.sources) {
      const r = row(page, c.source_name);
      assert.equal(number(await r.locator('td[data-label="Clicks (30 days)"]').innerText()), c.clicks_30d);
      assert.equal(
        await r.locator('td[data-label="Match rate"]').innerText(),
        c.match_rate_30d === null ? 'Too little traffic' : `${c.match_rate_30d}%`,
      );
    }
    for (const c of traffic.collaborations) {
      const card = section.getByRole('region', { name: c.source_name, exact: true });
      const human = c.series.reduce((n, d) => n + d.redirected + d.refused + d.bots, 0);
      if (human === 0) {
        assert.equal(await card.locator('.traffic-chart__empty').innerText(), 'No clicks in the last 30 days yet');
      } else {
        await card.locator('figure figcaption').waitFor();
        assert.match(await card.getByRole('img').getAttribute('aria-label'), new RegExp(c.source_name));
      }
    }
    await checkPage(page, 'program page with charts');

    // The last 24 hours, each source's card hour by hour, from an address shared as is.
    await page.goto(`${env.server.url}/programs/${program.program.id}?hours=24`);
    const daySection = page.getByRole('region', { name: 'Traffic by source, last 24 hours' });
    await daySection.locator('.traffic-card').first().waitFor();
    assert.equal(await daySection.getByLabel('Period').inputValue(), '24h');
    const hourly = (await api(page, 'GET', `/api/programs/${program.program.id}/traffic?hours=24`)).body;
    assert.equal(hourly.hours, 24);
    for (const c of hourly.collaborations) {
      assert.equal(c.series.length, 24);
      const card = daySection.getByRole('region', { name: c.source_name, exact: true });
      const human = c.series.reduce((n, h) => n + h.redirected + h.refused, 0);
      if (c.series.every((h) => h.redirected + h.refused + h.bots === 0)) {
        assert.equal(await card.locator('.traffic-chart__empty').innerText(), 'No clicks in the last 24 hours yet');
      } else {
        const caption = await card.locator('figure figcaption').innerText();
        assert.match(caption, new RegExp(`^${thousands(human)} clicks? in 24 hours: `));
      }
    }
    assert.equal(
      await daySection.getByRole('link', { name: 'Download CSV' }).getAttribute('href'),
      `/api/programs/${program.program.id}/traffic.csv?hours=24`,
    );
    await checkPage(page, 'program page, last 24 hours');
  });

  test('a click on one of the program’s links shows in that source’s card by itself', async () => {
    const link = program.sources[0];
    await page.goto(`${env.server.url}/programs/${program.program.id}?hours=24`);
    const section = page.getByRole('region', { name: 'Traffic by source, last 24 hours' });
    const card = section.getByRole('region', { name: link.source_name, exact: true });
    await card.waitFor();
    const total = async () => {
      const empty = await card.locator('.traffic-chart__empty').count();
      if (empty) return 0;
      return number((await card.locator('figcaption').innerText()).match(/^([\d,]+) clicks?/)[1]);
    };
    const before = await total();
    const cells = row(page, link.source_name);
    // "1,234" or "1,234" over "5 refused".
    const cell = async (label) => number((await cells.locator(`td[data-label="${label}"]`).innerText()).split('\n')[0]);
    const [allTime, month] = [await cell('Clicks'), await cell('Clicks (30 days)')];
    await page.evaluate(() => (window.__notReloaded = true));
    const { status } = await follow(link.tracking_url, 'https://somewhere.example/');
    assert.ok(status === 302 || status === 410, `answered ${status}`);
    const deadline = Date.now() + 12_000;
    while ((await total()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await total(), before + 1, 'the card counts the new click');
    // And the table above the cards.
    while ((await cell('Clicks (30 days)')) === month && Date.now() < deadline + 5_000) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(await cell('Clicks (30 days)'), month + 1);
    assert.equal(await cell('Clicks'), allTime + (status === 302 ? 1 : 0), 'all-time redirected clicks');
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'no reload');
    await checkPage(page, 'program page after a live update');
  });

  test('looks up a click by its ID, by keyboard; an unknown or empty ID is said at the field', async () => {
    allowConsoleErrors(page, /status of 404/);
    const collaboration = program.sources.find((c) => c.status === 'active');
    const { status, location } = await follow(collaboration.tracking_url, 'https://news.example/roundup');
    assert.equal(status, 302);
    const clickId = new URL(location).searchParams.get('click_id');

    await page.goto(`${env.server.url}/programs`);
    const field = page.getByLabel('Click ID');
    await field.waitFor();
    await checkPage(page, 'programs page with the click lookup');

    // Empty: said at the field, nothing asked.
    await page.getByRole('button', { name: 'Look up' }).click();
    assert.match(await page.locator('#click-id-error').innerText(), /Enter a click ID/);
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'click-id');

    // Unknown.
    await field.fill('no-such-click');
    await page.keyboard.press('Enter');
    await page.locator('#click-id-error').filter({ hasText: 'No click with this ID in your programs.' }).waitFor();
    await checkPage(page, 'click lookup, unknown id');

    // The click just made, once the server has written it down.
    await field.fill(clickId);
    const result = page.locator('.click-lookup__result dl');
    const deadline = Date.now() + 6_000;
    while (Date.now() < deadline) {
      await field.press('Enter');
      await page.waitForFunction(() => document.querySelector('.click-lookup button[type=submit]')?.getAttribute('aria-disabled') === 'false');
      if (await result.count()) break;
      await new Promise((r) => setTimeout(r, 400));
    }
    const shown = await result.innerText();
    assert.match(shown, new RegExp(collaboration.source_name));
    assert.match(shown, /Northwind Spring Sale/);
    assert.match(shown, /Redirected/);
    assert.match(shown, /news\.example \(Other site\)/);
    assert.match(shown, /Bot\s+No/);
    assert.equal(await page.locator('#click-id-error').count(), 0);
    await checkPage(page, 'click lookup, found');

    // Another advertiser's lookup of it: as unknown as any ID.
    const other = await newPage(env.browser);
    allowConsoleErrors(other, /status of 404/);
    await signIn(other, env.server.url, 'advertiser2@demo.test');
    await other.goto(`${env.server.url}/programs`);
    await other.getByLabel('Click ID').fill(clickId);
    await other.getByRole('button', { name: 'Look up' }).click();
    await other.locator('#click-id-error').filter({ hasText: 'No click with this ID in your programs.' }).waitFor();
    assertClean(other);
    await other.context().close();
  });
});
