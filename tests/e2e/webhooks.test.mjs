// The webhooks page (issue 29) in Chromium against the real server: reached from the account
// area, its empty state, errors at their fields (the form's own and the server's guard), the
// secret shown once, a test event delivered to a receiver on 127.0.0.1 and its attempt in the
// log, rotate and delete; at 360 px without sideways scrolling and by keyboard; axe clean.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { useServerAndBrowser, newPage, assertClean, assertAccessible, signIn, api, allowConsoleErrors } from './harness.mjs';

// A receiver that takes every delivery and keeps its headers (the signature itself is judged
// by the standardwebhooks package in the API tests).
const received = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ headers: req.headers, body: JSON.parse(body) });
    res.writeHead(200, { 'content-type': 'text/plain' }).end('got it');
  });
});
const receiverUp = new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
after(() => receiver.close());

const env = useServerAndBrowser(async () => {
  await receiverUp;
  return { seedDemo: true, extraArgs: ['--verify-allow-loopback', '--webhook-poll-ms', '50'] };
});

function receiverUrl(path) {
  return `http://127.0.0.1:${receiver.address().port}${path}`;
}

test('an advertiser adds an endpoint, copies its secret, sends a test event, rotates and deletes', async () => {
  const page = await newPage(env.browser);
  await signIn(page, env.server.url, 'advertiser@demo.test');
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.waitForURL((u) => u.pathname === '/settings/webhooks');
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await page.getByText('No endpoints yet').waitFor();
  await assertAccessible(page, 'webhooks, empty');

  // The form's own rules, at their fields.
  const url = page.getByLabel('Endpoint address');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.locator('#webhook-url-error').getByText('Enter the web address').waitFor();
  assert.equal(await url.evaluate((e) => e === document.activeElement), true, 'focus goes to the field to fix');
  await url.fill('http://hooks.example.com/in');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.locator('#webhook-url-error').getByText('Use an https:// address').waitFor();
  // The server's guard, at the same field (its 422 is the browser's console error).
  allowConsoleErrors(page, /status of 422/);
  await url.fill('https://10.0.0.1/in');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.locator('#webhook-url-error').getByText('private address').waitFor();
  await assertAccessible(page, 'webhooks, a field error');

  await url.fill(receiverUrl('/advertiser'));
  await page.getByLabel('Description (optional)').fill('CRM sync');
  await page.getByLabel(/^collaboration\.invited/).uncheck();
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const secretBox = page.locator('.secret-box');
  await secretBox.waitFor();
  const secret = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
  assert.equal(await page.locator('#webhook-secret-title').evaluate((e) => e === document.activeElement), true);
  await assertAccessible(page, 'webhooks, the secret shown');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await secretBox.waitFor({ state: 'detached' });
  const card = page.locator('.endpoint').filter({ hasText: receiverUrl('/advertiser') });
  await card.getByText('CRM sync').waitFor();
  assert.equal(await card.getByText('collaboration.invited').count(), 0, 'the unchecked event is not sent');
  assert.equal(await page.getByText(secret).count(), 0, 'shown once');

  // A test event reaches the receiver, signed, and its attempt shows in the log.
  await card.getByRole('button', { name: /^Send test event/ }).click();
  const log = card.locator('table');
  await log.getByRole('cell', { name: 'Delivered (200)' }).waitFor({ timeout: 10_000 });
  await log.getByRole('cell', { name: 'webhook.test' }).waitFor();
  await log.getByRole('cell', { name: 'got it' }).waitFor();
  const delivery = received.find((r) => r.body.type === 'webhook.test');
  assert.ok(delivery, 'the receiver got the test event');
  assert.match(delivery.headers['webhook-signature'], /^v1,[A-Za-z0-9+/=]+$/);
  assert.match(delivery.headers['webhook-id'], /^msg_/);
  await assertAccessible(page, 'webhooks, deliveries open');

  // Rotate: a new secret, once.
  await card.getByRole('button', { name: /^Rotate secret/ }).click();
  await secretBox.getByText('New signing secret').waitFor();
  const rotated = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
  assert.notEqual(rotated, secret);
  await page.getByRole('button', { name: 'I have copied it' }).click();

  // Delete, confirmed.
  await card.getByRole('button', { name: /^Delete/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this endpoint?' });
  await dialog.waitFor();
  await assertAccessible(page, 'webhooks, delete dialog');
  await dialog.getByRole('button', { name: 'Delete endpoint' }).click();
  await page.getByText('No endpoints yet').waitFor();
  const left = await api(page, 'GET', '/api/webhooks');
  assert.deepEqual(left.body.items, []);
  assertClean(page);
  await page.context().close();
});

test('at 360 px a partner uses the page by keyboard, without sideways scrolling', async () => {
  const page = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
  await signIn(page, env.server.url, 'partner@demo.test');
  const made = await api(page, 'POST', '/api/webhooks', {
    url: receiverUrl('/partner-with-a-rather-long-path/that/keeps/going/on/and/on'),
    events: ['source.paused', 'source.blocked'],
    description: 'Partner dashboard',
  });
  assert.equal(made.status, 201);
  await page.goto(env.server.url + '/settings/webhooks');
  const card = page.locator('.endpoint');
  await card.waitFor();
  // Keyboard only: Tab to the test button and press Enter.
  const testButton = card.getByRole('button', { name: /^Send test event/ });
  await page.locator('h1').focus();
  for (let i = 0; i < 20 && !(await testButton.evaluate((b) => b === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await testButton.evaluate((b) => b === document.activeElement), true, 'reached by Tab');
  await page.keyboard.press('Enter');
  await card.locator('table').getByText('Delivered (200)').waitFor({ timeout: 10_000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
  await assertAccessible(page, 'webhooks at 360 px, deliveries open');
  assertClean(page);
  await page.context().close();
});

test('staff have no webhooks page', async () => {
  const page = await newPage(env.browser);
  await signIn(page, env.server.url, 'staff@demo.test');
  assert.equal(await page.getByRole('link', { name: 'Webhooks' }).count(), 0, 'no link for staff');
  await page.goto(env.server.url + '/settings/webhooks');
  await page.getByRole('heading', { level: 1 }).waitFor();
  assert.equal(await page.locator('.webhook-form').count(), 0);
  assertClean(page);
  await page.context().close();
});
