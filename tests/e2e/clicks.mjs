// What the traffic tests share: following a tracking link as a browser would, and reading
// what the screens show of the clicks.

export const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A table's row, by the name in its row header. */
export function row(page, name) {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: false }) });
}

/** `1,234` → 1234. */
export const number = (text) => Number(text.replace(/,/g, ''));

let visitors = 0;

/**
 * Follows a tracking link as a browser would, without following the redirect. Each call is
 * another person (another browser build in the user agent): the same visitor on the same link
 * within an hour is a duplicate, which no figure counts (issue 30).
 */
export async function follow(link, referer) {
  visitors += 1;
  const ua = BROWSER_UA.replace('Chrome/131.0.0.0', `Chrome/131.0.${visitors}.0`);
  const headers = { 'user-agent': ua, accept: 'text/html' };
  if (referer) headers.referer = referer;
  const response = await fetch(link, { redirect: 'manual', headers });
  await response.text();
  return { status: response.status, location: response.headers.get('location') };
}

/** Waits until the open chart's caption counts `total` human clicks. */
export async function captionReaches(page, total) {
  await page.waitForFunction(
    (total) => {
      const caption = document.querySelector('.traffic-chart__caption')?.textContent ?? '';
      return Number((caption.match(/^([\d,]+) clicks?/)?.[1] ?? '0').replace(/,/g, '')) === total;
    },
    total,
    { timeout: 12_000 },
  );
}

/** Waits until the "Clicks (30 days)" cell of `name`'s row reads `total`. */
export async function cellReaches(tab, name, total) {
  await tab.waitForFunction(
    ([name, total]) => {
      const row = [...document.querySelectorAll('table tbody tr')].find((tr) => tr.querySelector('th')?.textContent.includes(name));
      const text = row?.querySelector('td[data-label="Clicks (30 days)"]')?.textContent ?? '';
      return Number(text.replace(/,/g, '')) === total;
    },
    [name, total],
    { timeout: 12_000 },
  );
}
