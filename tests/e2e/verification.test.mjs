// Ownership verification in real Chromium: a partner proves control of a local test site with
// the meta tag and "Verify now", then an advertiser filters the marketplace on Verified.
// The server runs with --verify-allow-loopback (tests only) so it may fetch the site on
// 127.0.0.1; every other private address stays refused. axe-core checks each new view.
//
// Run: scripts/build-web.sh && cargo build --release -p server && node --test tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { useServerAndBrowser, newPage, assertClean, assertAccessible, signIn, api } from './harness.mjs';

const env = useServerAndBrowser({ seedDemo: true, extraArgs: ['--verify-allow-loopback'] });
let site;
let siteToken = null;
before(async () => {
  // The partner's own site: its home page carries the meta tag once the token is known.
  site = createServer((req, res) => {
    if (req.url === '/' && siteToken) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>Trail notes</title><meta name="traffic-sources-verification" content="${siteToken}"></head><body>Hi</body></html>`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not here');
    }
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
});
after(async () => {
  await new Promise((r) => (site ? site.close(r) : r()));
});

test('a partner verifies a source with the meta tag; an advertiser filters on Verified', async () => {
  const page = await newPage(env.browser);
  await signIn(page, env.server.url, 'partner@demo.test');
  const url = `http://127.0.0.1:${site.address().port}/`;
  const created = await api(page, 'POST', '/api/traffic-sources', {
    name: 'Trail notes (own site)', url, channels: ['content'], status: 'active', visibility: 'public',
  });
  assert.equal(created.status, 201);
  const id = created.body.id;
  const detail = await api(page, 'GET', `/api/traffic-sources/${id}`);
  siteToken = detail.body.verification.token;

  await page.goto(`${env.server.url}/traffic-sources/${id}`);
  const section = page.locator('section.verification');
  await section.getByRole('heading', { name: /Ownership/ }).waitFor();
  assert.match(await section.innerText(), /Not verified/);
  // The tag to copy is exactly the one to paste into the page.
  const tag = page.getByRole('textbox', { name: 'Meta tag' });
  assert.equal(await tag.inputValue(), `<meta name="traffic-sources-verification" content="${siteToken}">`);
  await assertAccessible(page, 'source page, not verified');

  const button = section.getByRole('button', { name: 'Verify now' });
  await button.focus();
  await page.keyboard.press('Enter');
  const status = section.getByRole('status');
  await status.getByText('Verified: we found your meta tag on the page.').waitFor({ timeout: 15_000 });
  await section.getByRole('heading', { name: /Ownership.*Verified/ }).waitFor();
  await assertAccessible(page, 'source page, verified');
  // The partner's list shows the state too.
  await page.goto(`${env.server.url}/traffic-sources?q=${encodeURIComponent('Trail notes (own site)')}`);
  const row = page.getByRole('row', { name: /Trail notes \(own site\)/ });
  await row.waitFor();
  assert.match(await row.innerText(), /Verified/);
  assertClean(page);

  const advertiser = await newPage(env.browser);
  await signIn(advertiser, env.server.url, 'advertiser@demo.test');
  await advertiser.goto(`${env.server.url}/marketplace`);
  await advertiser.getByRole('table').waitFor();
  await advertiser.getByRole('checkbox', { name: 'Verified only' }).check();
  await advertiser.waitForURL((u) => u.searchParams.get('verified') === 'true');
  const rows = advertiser.locator('tbody tr');
  // The unfiltered table (which lists this source too) stays up until the filtered answer
  // replaces it: wait for that answer, up to the usual 15 s, before counting.
  await advertiser
    .waitForFunction(() => document.querySelectorAll('tbody tr').length === 1, null, { timeout: 15_000 })
    .catch(() => {});
  await advertiser.getByRole('row', { name: /Trail notes \(own site\)/ }).waitFor();
  assert.equal(await rows.count(), 1, 'only the verified source is listed');
  assert.match(await rows.first().innerText(), /Verified/);
  await assertAccessible(advertiser, 'marketplace, verified only');
  assertClean(advertiser);
});
