// Lighthouse (npm, driving Debian's Chromium) on a role's first screen (the partner's traffic
// sources table unless told), served by the release server with the release bundle:
// performance and accessibility, desktop and mobile.
// Build first: scripts/build-web.sh && cargo build --release -p server
//   node scripts/lighthouse.mjs [partner|advertiser|staff] [--tasks]
// Lighthouse is a measuring tool, not a test dependency: scripts/setup.sh installs it into
// target/lighthouse (its dependency tree does not survive `npm ci` in package-lock form).
// The partner signs in through the real page in a persistent Chromium profile; Lighthouse
// then audits the table in that same browser without resetting its storage.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, signIn } from '../tests/e2e/harness.mjs';

const lhRoot = resolve(import.meta.dirname, '../target/lighthouse/node_modules/lighthouse');
if (!existsSync(join(lhRoot, 'core/index.js'))) {
  console.error('Lighthouse is not installed: run scripts/setup.sh');
  process.exit(1);
}
const { default: lighthouse } = await import(pathToFileURL(join(lhRoot, 'core/index.js')));
const { default: desktopConfig } = await import(pathToFileURL(join(lhRoot, 'core/config/desktop-config.js')));

const FIRST_SCREENS = {
  partner: ['partner@demo.test', '/traffic-sources'],
  advertiser: ['advertiser@demo.test', '/marketplace'],
  staff: ['staff@demo.test', '/admin/traffic-sources'],
};
const port = 9300 + Math.floor(Math.random() * 500);
const profile = mkdtempSync(join(tmpdir(), 'ts-lighthouse-'));
const server = await startServer({ seedDemo: true });
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', `--remote-debugging-port=${port}`,
  ],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const [email, path] = FIRST_SCREENS[process.argv[2] ?? 'partner'];
  await signIn(page, server.url, email);
  const url = `${server.url}${path}`;
  console.log('form      performance  accessibility');
  for (const [form, config] of [['desktop', desktopConfig], ['mobile', undefined]]) {
    const result = await lighthouse(
      url,
      { port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'], disableStorageReset: true },
      config,
    );
    const lhr = result.lhr;
    const score = (c) => Math.round(lhr.categories[c].score * 100);
    const a = lhr.audits;
    console.log(
      form.padEnd(8), String(score('performance')).padStart(12), String(score('accessibility')).padStart(14),
      '  FCP', a['first-contentful-paint'].displayValue, ' LCP', a['largest-contentful-paint'].displayValue,
      ' TBT', a['total-blocking-time'].displayValue, ' CLS', a['cumulative-layout-shift'].displayValue,
    );
    if (!lhr.finalDisplayedUrl.endsWith(path)) console.log('  ended on', lhr.finalDisplayedUrl, `(not ${path})`);
    // With --tasks: the main thread's long tasks, what TBT is made of.
    if (process.argv.includes('--tasks')) {
      for (const t of a['long-tasks']?.details?.items ?? []) {
        console.log('  long task', `${Math.round(t.startTime)} ms`, `${Math.round(t.duration)} ms`, t.url);
      }
      for (const w of a['mainthread-work-breakdown']?.details?.items ?? []) {
        console.log('  main thread', w.groupLabel, `${Math.round(w.duration)} ms`);
      }
    }
    // What moved, when the page shifted more than a little.
    for (const item of (a['layout-shifts']?.details?.items ?? []).filter((i) => i.score >= 0.01)) {
      console.log('  shift', item.score.toFixed(3), item.node?.selector ?? '', (item.node?.snippet ?? '').slice(0, 100));
    }
    for (const [id, audit] of Object.entries(a)) {
      if (audit.score !== null && audit.score < 1 && lhr.categories.accessibility.auditRefs.some((r) => r.id === id && r.weight > 0)) {
        console.log('  accessibility:', id, '-', audit.title);
      }
    }
  }
} finally {
  await context.close();
  await server.stop();
  rmSync(profile, { recursive: true, force: true });
}
