// The release bundle, served by the real server, starts in real Chromium with no page
// error, and the demo sign-ins printed at start work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, newPage, assertClean, DEMO_PASSWORD } from './harness.mjs';

const env = useServerAndBrowser();

test('the release bundle loads without page or console errors', async () => {
  const page = await newPage(env.browser);
  const response = await page.goto(env.server.url + '/');
  assert.equal(response.status(), 200);
  // The app has mounted when it has rendered a main landmark.
  await page.locator('main').first().waitFor({ timeout: 20_000 });
  assertClean(page);
});

test('every demo sign-in printed at start works through the API', async () => {
  const printed = [...env.server.output().matchAll(/^\s+\w+\s+(\S+@demo\.test)/gm)].map((m) => m[1]);
  assert.equal(printed.length, 5, env.server.output());
  for (const email of printed) {
    const response = await fetch(env.server.url + '/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: DEMO_PASSWORD }),
    });
    assert.equal(response.status, 200, email);
  }
});
