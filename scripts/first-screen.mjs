// What each role downloads before its first screen is usable: the demo partner, advertiser and
// staff each sign in through the real form in a fresh Chromium context, then open their first
// screen, and every wasm and JS file that page requested (its resource timing entries) before its
// first table row was in the page is summed at its gzip -9 size (Node's zlib, on the file in
// dist/) and at its brotli size as served (the `.br` file scripts/build-web.sh writes beside it,
// which the server sends; issues 29 and 30 budget first screens in these bytes). Then the whole
// app: every wasm and JS file of the build.
// Build first: scripts/build-web.sh && cargo build -p server (SERVER_BIN, tests/e2e/harness.mjs)
//   node scripts/first-screen.mjs            print the figures
//   node scripts/first-screen.mjs --files    and the files each role fetched
//   node scripts/first-screen.mjs --check    fail past the per-role regression ceilings below
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { startServer, launchBrowser, newPage, assertClean, signIn, DIST } from '../tests/e2e/harness.mjs';

// Regression ceilings, bytes gzip (issue 12): about 3 % above the figures in BENCHMARKS.md, and
// never past the target of 60 % of the unsplit app per first screen (554,066 bytes gzip on
// 2026-12-04, night: 332,440). The whole app's raised from 668,000 on 2026-12-04 (667,705) for
// live traffic views, whose code is all on later screens; staff's from 320,500 the same night
// (319,194) for the admin table's live figures, which are on that first screen.
// The whole app's raised from 682,000 on 2026-12-07 (705,980) for the webhooks page, a later
// screen (its first screens grew 0.4–0.7 KB gzip). All raised the same day (311,073 / 306,880 /
// 325,309 / 773,270) for issues 27, 29 and 30 together: the account menu, the marketplace's own
// status stream, its observed-channel bands and invitations. The advertiser's first screen grew
// 8.4 KB brotli, past issue 29/30's 2 KB: BENCHMARKS.md, "First screens after issues 27-30".
// Lowered on 2026-12-07 (h29s, with h29w's membership columns merged: 298,265 / 299,510 /
// 323,346; whole 793,007) once the first screens shed what their first paint does not use
// (BENCHMARKS.md, "First screens back within issues 29/30's budget"): about 1 % above those.
const CEILINGS = { partner: 301_500, advertiser: 302_500, staff: 326_500, whole: 796_500 };
// Issues 29 and 30's budget, bytes brotli as served: no first screen more than 2 KB (2,048
// bytes) above its figure before them. Measured by this script on a71c7e2 (main before issues
// 29 and 30, served by today's server): 250,797 / 245,166 / 262,085, so a budget of 252,845 /
// 247,214 / 264,133. The ceilings sit inside it, about 1 KB above the figures of 2026-12-07
// (241,597 / 242,839 / 263,373; staff's is the budget itself), so what other work adds to a
// first screen is seen early. (Issue 29's own text gave 249,401 / 239,351 / 260,408, measured
// on an older main, before issue 27's account menu and marketplace status stream.)
const BROTLI_CEILINGS = { partner: 242_600, advertiser: 243_800, staff: 264_133 };

const ROLES = [
  { role: 'partner', email: 'partner@demo.test', path: '/traffic-sources', heading: 'Traffic sources' },
  { role: 'advertiser', email: 'advertiser@demo.test', path: '/marketplace', heading: 'Marketplace' },
  { role: 'staff', email: 'staff@demo.test', path: '/admin/traffic-sources', heading: 'All traffic sources' },
];

const args = new Set(process.argv.slice(2));
const gzipped = new Map();
function gzipSize(file) {
  if (!gzipped.has(file)) gzipped.set(file, gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length);
  return gzipped.get(file);
}
const brotlied = new Map();
// The `.br` file the server sends; a dist/ without them (not built by build-web.sh) is
// compressed here at the same quality, 11.
function brotliSize(file) {
  if (!brotlied.has(file)) {
    const served = join(DIST, `${file}.br`);
    brotlied.set(
      file,
      existsSync(served)
        ? statSync(served).size
        : brotliCompressSync(readFileSync(join(DIST, file)), {
            params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
          }).length,
    );
  }
  return brotlied.get(file);
}
const isCode = (file) => /\.(wasm|js)$/.test(file);

function everyFile(dir = DIST) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? everyFile(path) : [relative(DIST, path)];
  });
}

const server = await startServer({ seedDemo: true });
const browser = await launchBrowser();
const results = {};
try {
  for (const { role, email, path, heading } of ROLES) {
    const page = await newPage(browser);
    // The moment the first table row is in the page, read in the page itself: what the page
    // asks for after that (a dialog's module, once the browser is idle) is not needed to use it.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('table tbody tr')) {
          window.__usableAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await signIn(page, server.url, email);
    await page.goto(`${server.url}${path}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.locator('table tbody tr').first().waitFor();
    assertClean(page);
    const requested = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => entry.startTime <= window.__usableAt)
        .map((entry) => entry.name),
    );
    const files = [
      ...new Set(
        requested
          .map((name) => new URL(name))
          .filter((url) => url.origin === server.url)
          .map((url) => decodeURIComponent(url.pathname).replace(/^\//, ''))
          .filter(isCode),
      ),
    ].sort();
    results[role] = {
      files,
      bytes: files.reduce((sum, f) => sum + gzipSize(f), 0),
      br: files.reduce((sum, f) => sum + brotliSize(f), 0),
    };
    await page.context().close();
  }
} finally {
  await browser.close();
  await server.stop();
}

const all = everyFile().filter(isCode);
results.whole = {
  files: all,
  bytes: all.reduce((sum, f) => sum + gzipSize(f), 0),
  br: all.reduce((sum, f) => sum + brotliSize(f), 0),
};
let failed = false;
for (const [role, { files, bytes, br }] of Object.entries(results)) {
  const share = ((100 * bytes) / results.whole.bytes).toFixed(1);
  const overGzip = args.has('--check') && bytes > CEILINGS[role];
  const overBrotli = args.has('--check') && role in BROTLI_CEILINGS && br > BROTLI_CEILINGS[role];
  failed ||= overGzip || overBrotli;
  console.log(
    `${role.padEnd(11)} ${String(bytes).padStart(9)} bytes gzip ${String(br).padStart(9)} brotli` +
      `  ${String(files.length).padStart(3)} files` +
      (role === 'whole' ? '' : `  ${share} % of the whole app`) +
      (overGzip ? `  OVER the gzip ceiling of ${CEILINGS[role]}` : '') +
      (overBrotli ? `  OVER the brotli ceiling of ${BROTLI_CEILINGS[role]}` : ''),
  );
  if (args.has('--files') && role !== 'whole') {
    for (const f of files) console.log(`    ${String(gzipSize(f)).padStart(8)} ${String(brotliSize(f)).padStart(8)}  ${f}`);
  }
}
if (failed) {
  console.error('a first screen grew past its regression ceiling (scripts/first-screen.mjs)');
  process.exit(1);
}
