// End-to-end harness: the real server binary serving the release bundle (dist/) on 127.0.0.1,
// driven by Debian's Chromium through playwright-core. Nothing here downloads a browser.
// The binary is $SERVER_BIN (scripts/test.sh points it at the debug build its API tests made),
// else target/release/traffic-sources-server.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
export const SERVER_BIN = process.env.SERVER_BIN ?? join(root, 'target/release/traffic-sources-server');
export const DIST = process.env.DIST ?? join(root, 'dist');
export const DEMO_PASSWORD = 'demo-password';

/**
 * One test file's server and browser: started before its first test, stopped after its last.
 * Read `env.server` and `env.browser` inside tests and `describe` hooks. Node runs the hooks of
 * a file's top level as they are registered, without waiting for each other: a top-level hook
 * that needs the server awaits `env.ready` first.
 * @param {object | (() => Promise<object>)} options `startServer`'s, or a function that
 *   works them out when the server starts (e.g. after starting a service it should talk to)
 */
export function useServerAndBrowser(options = { seedDemo: true }) {
  const env = { server: undefined, browser: undefined, ready: undefined };
  let started;
  env.ready = new Promise((resolve, reject) => (started = { resolve, reject }));
  // A failed start is reported by the hook below; a file that never awaits `ready` must not
  // also see it as an unhandled rejection.
  env.ready.catch(() => {});
  before(async () => {
    try {
      env.server = await startServer(typeof options === 'function' ? await options() : options);
      env.browser = await launchBrowser();
      started.resolve(env);
    } catch (error) {
      started.reject(error);
      throw error;
    }
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * Starts the server on a free port with a fresh SQLite file.
 * @param {{seedDemo?: boolean, databaseUrl?: string, extraArgs?: string[]}} options
 * @returns {Promise<{url: string, databaseUrl: string, stop: () => Promise<void>}>}
 */
export async function startServer({ seedDemo = true, databaseUrl, extraArgs = [] } = {}) {
  assert.ok(existsSync(SERVER_BIN), `build the server first: ${SERVER_BIN}`);
  assert.ok(existsSync(join(DIST, 'index.html')), `build the web app first: ${DIST}`);
  const dir = mkdtempSync(join(tmpdir(), 'ts-e2e-'));
  databaseUrl ??= `sqlite://${dir}/e2e.db`;
  const args = ['--port', '0', '--static-dir', DIST, '--database-url', databaseUrl, '--log-level', 'warn'];
  if (seedDemo) args.push('--seed-demo');
  // Every test browses from 127.0.0.1 at a pace no person keeps up: the per-address rate
  // limits (server/src/guard/rate.rs) are raised, unless a test sets its own.
  for (const [flag, value] of [
    ['--rate-sign-in-per-min', '100000'],
    ['--rate-sign-up-per-min', '100000'],
    ['--rate-verify-per-min', '100000'],
    ['--rate-writes-per-min', '100000'],
  ]) {
    if (!extraArgs.includes(flag)) args.push(flag, value);
  }
  args.push(...extraArgs);
  const child = spawn(SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/Listening on (http:\/\/[\d.:]+)/);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    url,
    databaseUrl,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A new page (own cookies) that records page errors, console errors and failed
 * requests; call `assertClean(page)` at the end of a test.
 */
export async function newPage(browser, { viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  return noteProblems(await context.newPage());
}

/** Another tab beside `page`, in its browser context (same cookies, same shared workers), its problems noted as `newPage`'s. */
export async function newTab(page) {
  return noteProblems(await page.context().newPage());
}

function noteProblems(page) {
  page.problems = [];
  page.allowedConsoleErrors = [];
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (page.allowedConsoleErrors.some((re) => re.test(text))) return;
    page.problems.push(`console error: ${text}`);
  });
  return page;
}

/**
 * Lets a test declare console errors it causes on purpose, e.g. the browser's own log
 * line for an expected 409 or 422 response.
 */
export function allowConsoleErrors(page, ...patterns) {
  page.allowedConsoleErrors.push(...patterns);
}

export function assertClean(page) {
  assert.deepEqual(page.problems, [], `problems on ${page.url()}`);
}

const axeSource = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.0–2.2 A and AA rules) on the page and fails on any violation.
 * Injected through the DevTools protocol, so the page's strict CSP stays on.
 */
export async function assertAccessible(page, label = page.url()) {
  // Judge the screen the user gets, not the frame before it: a screen whose module is still
  // downloading (or whose session is still being read) shows only the shared loading state,
  // which on a slow machine can outlast page.goto.
  // (A closed dialog may hold a loading state of its own, unseen: only a shown one counts.)
  await page.waitForFunction(
    () => ![...document.querySelectorAll('.page-loading')].some((e) => e.checkVisibility()),
    null,
    { timeout: 15_000 },
  );
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary),
    }));
  });
  assert.deepEqual(violations, [], `axe violations on ${label}:\n${JSON.stringify(violations, null, 2)}`);
}

/** Signs in through the real form. */
export async function signIn(page, baseUrl, email, password = DEMO_PASSWORD) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

/**
 * The live streams that the browser's shared worker (js/live-worker.js) holds for the tabs of
 * the page's context, asked through a port of the page's own: `[{url, state, tabs}]`, `url`
 * being the address's query (`''` for an account's own stream), sorted by it.
 */
export async function liveStreams(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const worker = new SharedWorker('/live-worker.js', { name: 'live-1' });
        worker.port.onmessage = ({ data }) => {
          if (!data.list) return;
          worker.port.postMessage({ op: 'bye' });
          worker.port.close();
          const list = data.list.map((s) => ({ url: new URL(s.url, location.href).search, state: s.state, tabs: s.tabs }));
          resolve(list.sort((a, b) => a.url.localeCompare(b.url)));
        };
        worker.port.start();
        worker.port.postMessage({ op: 'list' });
      }),
  );
}

/** Waits until the shared worker holds exactly the streams of these queries (see `liveStreams`), all open. */
export async function waitForLiveStreams(page, urls, { within = 10_000 } = {}) {
  const wanted = JSON.stringify([...urls].sort());
  const until = Date.now() + within;
  for (;;) {
    const now = await liveStreams(page);
    if (JSON.stringify(now.map((s) => s.url)) === wanted && now.every((s) => s.state === 'open')) return now;
    if (Date.now() > until) assert.fail(`live streams: ${JSON.stringify(now)}, wanted ${wanted}, all open`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Calls the JSON API with the page's cookies (same origin, so the CSRF check passes). */
export async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );
}

/** The bell's accessible name, as the accessibility tree has it (the badge is aria-hidden). */
export async function bellName(page) {
  const bell = page.getByRole('link', { name: /^Notifications/ });
  await bell.waitFor();
  return (await bell.evaluate((el) => {
    const walk = (node) => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent;
      if (node.getAttribute?.('aria-hidden') === 'true') return '';
      return [...node.childNodes].map(walk).join('');
    };
    return walk(el);
  })).trim();
}

/** Waits up to `within` ms for the bell to read `name`, then fails with what it reads. */
export async function waitForBell(page, name, { within = 6000 } = {}) {
  const until = Date.now() + within;
  while (Date.now() < until) {
    if ((await bellName(page)) === name) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await bellName(page), name);
}
