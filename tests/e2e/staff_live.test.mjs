// Staff work in real Chromium against a server that sends its emails to a real SMTP
// receiver (tests/smtp/receiver.py, aiosmtpd) on 127.0.0.1:
// - a source blocked elsewhere leaves the staff's open review queue within a second,
//   without a reload;
// - an email the receiver refuses for good is shown on the queue under "Emails not sent";
//   once the receiver accepts again, "Try again" by keyboard sends it.
// axe-core checks each view.
//
// Run: scripts/build-web.sh && cargo build --release -p server && node --test tests/e2e/staff_live.test.mjs
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useServerAndBrowser, newPage, assertClean, assertAccessible, signIn, api } from './harness.mjs';

const receiverScript = join(dirname(fileURLToPath(import.meta.url)), '../smtp/receiver.py');

async function freePort() {
  const probe = createServer();
  await new Promise((ok) => probe.listen(0, '127.0.0.1', ok));
  const { port } = probe.address();
  await new Promise((ok) => probe.close(ok));
  return port;
}

/** A real SMTP receiver on `port` refusing the first `reject` messages with `code`. */
async function startReceiver(port, { reject = 0, code = 451 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-smtp-'));
  const child = spawn('python3', [receiverScript, '--port', String(port), '--dir', dir,
    '--reject', String(reject), '--code', String(code)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the SMTP receiver did not start')), 20000);
    child.stdout.on('data', (chunk) => {
      if (String(chunk).includes(`ready ${port}`)) {
        clearTimeout(timer);
        ok();
      }
    });
    child.on('exit', (c) => fail(new Error(`the SMTP receiver exited with ${c}`)));
  });
  return {
    messages: () => readdirSync(dir).filter((f) => f.endsWith('.eml')),
    stop: async () => {
      child.stdin.end();
      await new Promise((ok) => (child.exitCode !== null ? ok() : child.on('exit', ok)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function until(what, check, within = 15000) {
  const end = Date.now() + within;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let receiver;
let smtpPort;
const env = useServerAndBrowser(async () => {
  smtpPort = await freePort();
  // Refuses every message for good (550) until it is replaced by one that accepts.
  receiver = await startReceiver(smtpPort, { reject: 1000, code: 550 });
  return { seedDemo: true, extraArgs: ['--smtp-url', `smtp://127.0.0.1:${smtpPort}`, '--email-poll-ms', '100'] };
});
after(async () => {
  await receiver?.stop();
});

test('a source blocked elsewhere leaves the open review queue at once; an email refused for good is shown and sent again by keyboard', async () => {
  const partner = await newPage(env.browser);
  await signIn(partner, env.server.url, 'partner@demo.test');
  const name = 'Live queue walk';
  const created = await api(partner, 'POST', '/api/traffic-sources', {
    name, url: 'https://live-queue-walk.example/', channels: ['content'], status: 'active', visibility: 'public',
  });
  assert.equal(created.status, 201);
  await partner.context().close();

  const queue = await newPage(env.browser);
  const other = await newPage(env.browser);
  await signIn(queue, env.server.url, 'staff@demo.test');
  await signIn(other, env.server.url, 'staff@demo.test');
  await queue.goto(`${env.server.url}/admin/review?reason=new_unverified`);
  const row = queue.getByRole('row', { name: new RegExp(name) });
  await row.waitFor();
  await queue.evaluate(() => (window.__notReloaded = true));

  // Another member of staff blocks it: the row leaves this queue within a second.
  const asked = Date.now();
  const blocked = await api(other, 'POST', `/api/traffic-sources/${created.body.id}/block`, { reason: 'Fake traffic' });
  assert.equal(blocked.status, 200);
  await row.waitFor({ state: 'detached', timeout: 1000 });
  const took = Date.now() - asked;
  assert.ok(took <= 1500, `left the queue in ${took} ms`);
  assert.equal(await queue.evaluate(() => window.__notReloaded), true, 'no reload');
  await assertAccessible(queue, 'review queue after a block elsewhere');

  // The partner's "blocked" email was refused for good.
  const failed = await until('the refused email to be marked failed', async () => {
    const r = await api(other, 'GET', '/api/admin/emails?state=failed');
    return r.body.items.find((e) => e.subject.includes(name));
  });
  assert.equal(failed.to, 'partner@demo.test');
  assert.match(failed.last_error ?? '', /550/);

  // The receiver accepts again; staff retry from the queue, by keyboard.
  await receiver.stop();
  receiver = await startReceiver(smtpPort);
  await queue.reload();
  const summary = queue.locator('summary', { hasText: 'Emails not sent: ' });
  await summary.filter({ hasNotText: 'loading' }).waitFor();
  // The demo's invitations and acceptances (issue 29) mail too: past 20 the count says so.
  assert.match(await summary.innerText(), /Emails not sent: ([1-9]|more than \d+)/);
  await summary.focus();
  await queue.keyboard.press('Enter');
  const item = queue.locator('.failed-emails li', { hasText: failed.subject });
  await item.waitFor();
  await assertAccessible(queue, 'emails not sent, open');
  await item.getByRole('button', { name: `Try again email ${failed.id}` }).focus();
  await queue.keyboard.press('Enter');
  await item.waitFor({ state: 'detached' });
  await until('the email to arrive', () => receiver.messages().length >= 1);
  const sent = await until('the email to be marked sent', async () => {
    const r = await api(other, 'GET', '/api/admin/emails?state=sent');
    return r.body.items.find((e) => e.id === failed.id);
  });
  assert.equal(sent.to, 'partner@demo.test');
  assertClean(queue);
  assertClean(other);
});
