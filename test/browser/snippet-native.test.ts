// Banners that belong on a lender's page, in Chromium against the real worker: the page's font and
// its --nb-* theme, no layout shift where a slot reserves its height, a top bar that keeps off the
// header, dismissals that end with their cooldown, the demo's resume link that keeps its promise,
// and misconfiguration (an unlisted origin, a QA browser) that explains itself.
import { expect, it } from 'vitest';
import type { BrowserContext, Route } from 'playwright-core';
import { PERSON_USER_AGENT, useWorkerAndBrowser, PATIENCE_MS } from './harness';
import { html, openSite, sleep } from './snippet-fixture';
import { launchChromium } from '../../worker/scripts/chromium.mjs';

const live = useWorkerAndBrowser();

type Offer = Record<string, unknown>;
const banner = (offer: string, placement: string, extra: Offer = {}): Offer => ({
  slot: 'hero',
  offer,
  holdout: false,
  reasons: ['test'],
  banner: { title: `${offer} title`, body: 'A line of text.', cta: { text: 'Go', url: './next.html' }, placement },
  ...extra,
});

/** Answers every collect with the real decision plus `offers` (and `theme`). */
async function decide(context: BrowserContext, offers: Offer[], theme?: Record<string, string>): Promise<void> {
  await context.route(`${live.worker.url}/v1/collect`, (route) => rewrite(route).catch(() => {}));
  async function rewrite(route: Route): Promise<void> {
    const response = await route.fetch();
    if (response.status() != 200) return route.fulfill({ response });
    const json = await response.json();
    json.decisions.offers.push(...offers);
    if (theme) json.decisions.theme = theme;
    return route.fulfill({ response, json });
  }
}

it("takes the page's font and colour, the page's --nb-accent over the rules' theme, and resolves a relative link", async () => {
  const page = (css: string) =>
    html('<div data-nb-slot="hero"></div>', {
      head: `<style>body { font: 17px Georgia, serif; color: rgb(20, 30, 40) } ${css}</style>`,
    });
  const site = await openSite(live.browser, live.worker, {
    'plain.html': page(''),
    'branded.html': page(':root { --nb-accent: rgb(200, 0, 0); --nb-radius: 3px }'),
  });
  await decide(site.context, [banner('promo', 'slot')], { accent: '#0e7c7b', radius: '14px' });
  const look = async (path: string) => {
    await site.page.goto(`${live.worker.url}/t/${path}`);
    const cta = site.page.getByRole('link', { name: 'Go' });
    await cta.waitFor({ timeout: PATIENCE_MS });
    return {
      title: await site.page
        .getByText('promo title')
        .evaluate((e) => [getComputedStyle(e).fontFamily, getComputedStyle(e).color]),
      accent: await cta.evaluate((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderTopLeftRadius]),
      underline: await cta.evaluate((e) => getComputedStyle(e).textDecorationLine),
      href: await cta.getAttribute('href'),
    };
  };
  const plain = await look('plain.html');
  expect(plain.title).toEqual(['Georgia, serif', 'rgb(20, 30, 40)']);
  expect(plain.accent).toEqual(['rgb(14, 124, 123)', '14px']);
  expect(plain.underline).toBe('none');
  expect(plain.href).toBe(`${live.worker.url}/t/next.html`);
  expect((await look('branded.html')).accent).toEqual(['rgb(200, 0, 0)', '3px']);
  // Every element is a part the page can style.
  const parts = await site.page
    .locator('[data-nb-banner]')
    .evaluate((host) => Array.from(host.shadowRoot!.querySelectorAll('[part]')).map((e) => e.getAttribute('part')));
  expect(parts).toEqual(['banner', 'close', 'title', 'body', 'cta']);
  await site.context.close();
});

it('causes no layout shift in a slot that reserves its height, and reports the shift of one that does not', async () => {
  const page = (reserve: string) =>
    html(`<h1>Rates</h1><div data-nb-slot="hero"${reserve}></div><p id="below">What follows the slot.</p>`, {
      head: `<script>window.__shift = 0; new PerformanceObserver((list) => list.getEntries().forEach((e) => { if (!e.hadRecentInput) window.__shift += e.value; })).observe({ type: 'layout-shift', buffered: true });</script>`,
    });
  const site = await openSite(live.browser, live.worker, {
    // Reserved from the first paint: by the page's own CSS, which data-nb-min-height repeats for
    // pages whose tag runs before they paint (an async tag usually runs after).
    'reserved.html': page(' style="min-height: 240px" data-nb-min-height="240px"'),
    'unreserved.html': page(''),
    'attribute.html': page(' data-nb-min-height="240px"'),
  });
  await decide(site.context, [banner('promo', 'slot')]);
  const shiftOf = async (path: string) => {
    await site.page.goto(`${live.worker.url}/t/${path}`);
    await site.page.getByText('promo title').waitFor({ timeout: PATIENCE_MS });
    await sleep(1_500);
    return site.page.evaluate(() => (window as unknown as { __shift: number }).__shift);
  };
  const reports = async () => (await site.events('track')).filter((event) => event.name == 'banner_layout_shift');
  expect(await shiftOf('reserved.html')).toBe(0);
  expect(await reports()).toEqual([]);
  expect(await shiftOf('unreserved.html')).toBeGreaterThan(0);
  await expect.poll(async () => (await reports()).length, { timeout: PATIENCE_MS }).toBeGreaterThan(0);
  expect((await reports()).map((event) => event.props)).toContainEqual({ offer: 'promo', cls: expect.any(Number) });
  // The attribute alone: the snippet reserves the height as it boots.
  await site.page.goto(`${live.worker.url}/t/attribute.html`);
  await expect
    .poll(() => site.page.locator('[data-nb-slot]').evaluate((e) => getComputedStyle(e).minHeight), { timeout: PATIENCE_MS })
    .toBe('240px');
  await site.context.close();
});

it("shows the demo's hero banner without moving the page: a cumulative layout shift of 0", async () => {
  const context = await live.browser.newContext();
  await context.addInitScript(() => {
    const page = window as unknown as { __shifts: Array<{ value: number; nodes: string[] }> };
    page.__shifts = [];
    new PerformanceObserver((list) =>
      list.getEntries().forEach((entry) => {
        const shift = entry as PerformanceEntry & { value: number; hadRecentInput: boolean; sources?: Array<{ node?: Node }> };
        if (!shift.hadRecentInput)
          page.__shifts.push({
            value: shift.value,
            nodes: (shift.sources ?? []).map((s) => (s.node as Element)?.className ?? ''),
          });
      }),
    ).observe({ type: 'layout-shift', buffered: true });
  });
  const page = await context.newPage();
  await page.goto(`${live.worker.url}/demo/index.html`);
  await page.waitForFunction(() => localStorage.getItem('nb_vid'));
  await sleep(1_000);
  // The second visit: the demo rules' welcome-back offer fills the hero slot.
  await page.goto(`${live.worker.url}/demo/index.html`);
  await page.locator('[data-nb-slot="hero"] [data-nb-banner]').waitFor({ timeout: PATIENCE_MS });
  await sleep(1_500);
  const shifts = await page.evaluate(() => (window as unknown as { __shifts: unknown[] }).__shifts);
  expect(shifts).toEqual([]);
  await context.close();
});

it("puts a top bar in the page's flow, after the header data-nb-offset names, never over it", async () => {
  const body = `<header class="site-header" style="position: sticky; top: 0; height: 64px; background: #eee">Header <a href="#">Menu</a></header>
<main><div data-nb-slot="hero"></div><p>Content</p></main>`;
  const site = await openSite(live.browser, live.worker, {
    'offset.html': html(body, { attributes: 'data-nb-offset=".site-header"' }),
    'first.html': html(body),
  });
  await decide(site.context, [banner('bar', 'top-bar')]);
  for (const path of ['offset.html', 'first.html']) {
    await site.page.goto(`${live.worker.url}/t/${path}`);
    await site.page.getByText('bar title').waitFor({ timeout: PATIENCE_MS });
    const [header, bar] = await Promise.all(
      ['.site-header', '[data-nb-banner="bar"]'].map((selector) =>
        site.page.locator(selector).evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect),
      ),
    );
    const overlap = Math.min(header.bottom, bar.bottom) - Math.max(header.top, bar.top);
    expect(overlap, path).toBeLessThanOrEqual(0);
    expect(bar.top < header.top, path).toBe(path == 'first.html');
  }
  await site.context.close();
});

it("forgets a dismissal when the offer's cooldown ends, and keeps at most 50", async () => {
  const site = await openSite(live.browser, live.worker, { 'home.html': html('<div data-nb-slot="hero"></div>') });
  await decide(site.context, [banner('promo', 'slot', { dismiss_hours: 2 })]);
  const shown = async () => {
    await site.page.goto(`${live.worker.url}/t/home.html`);
    await expect.poll(async () => (await site.events('page')).length, { timeout: PATIENCE_MS }).toBeGreaterThan(0);
    await sleep(1_000);
    return site.page.getByText('promo title').count();
  };
  expect(await shown()).toBe(1);
  // 60 old dismissals of other offers, then this one: the list keeps the newest 50.
  await site.page.evaluate(() =>
    localStorage.setItem('nb_dismissed', JSON.stringify(Array.from({ length: 60 }, (_, i) => [`old-${i}`, Date.now() + 36e5]))),
  );
  await site.page.getByRole('button', { name: 'Close' }).click();
  const stored = await site.page.evaluate(() => JSON.parse(localStorage.getItem('nb_dismissed')!) as Array<[string, number]>);
  expect(stored).toHaveLength(50);
  expect(stored.at(-1)![0]).toBe('promo');
  expect(await shown()).toBe(0);
  // Three hours later (the page's clock moved on): shown again.
  await site.context.addInitScript(`{ const now = Date.now; Date.now = () => now() + 3 * 36e5; }`);
  expect(await shown()).toBe(1);
  await site.context.close();
});

it("reopens the demo's application where the visitor left, with the answers, from ?resume=1", async () => {
  const context = await live.browser.newContext({ userAgent: PERSON_USER_AGENT });
  const page = await context.newPage();
  await page.goto(`${live.worker.url}/demo/apply.html`);
  await page.selectOption('#property-type', { index: 1 });
  await page.fill('#property-price', '750000');
  await page.fill('#zip', '94107');
  await page.click('#next-1');
  await page.locator('[data-nb-step="2"]').waitFor({ state: 'visible' });
  await page.goto(`${live.worker.url}/demo/rates.html`);
  await page.goto(`${live.worker.url}/demo/apply.html?resume=1`);
  await expect(page.locator('[data-nb-step="2"]').isVisible()).resolves.toBe(true);
  await expect(page.locator('#resumed').isVisible()).resolves.toBe(true);
  await expect(page.inputValue('#property-price')).resolves.toBe('750000');
  await expect(page.inputValue('#zip')).resolves.toBe('94107');
  await context.close();
});

/**
 * A browser for pages of another origin than the worker's. Chromium refuses a page it cannot place
 * (these are served by request interception) access to the loopback address the test worker
 * listens on (Local Network Access); a site and its worker are both public in production.
 */
const otherOrigin = () => launchChromium(['--disable-features=LocalNetworkAccessChecks']);

it('names the fix in one console warning when the page origin is not listed, and stops sending', async () => {
  const browser = await otherOrigin();
  const context = await browser.newContext({ userAgent: PERSON_USER_AGENT });
  await context.route('http://unlisted.localhost/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><head><title>t</title><script async src="${live.worker.url}/nb.js" data-site="demo"></script></head><body>Hi</body></html>`,
    }),
  );
  let collects = 0;
  context.on('request', (request) => void (request.url().endsWith('/v1/collect') && collects++));
  const page = await context.newPage();
  const warnings: string[] = [];
  page.on('console', (message) => void (message.type() == 'warning' && warnings.push(message.text())));
  await page.goto('http://unlisted.localhost/page.html');
  await expect.poll(() => warnings.length, { timeout: PATIENCE_MS }).toBe(1);
  expect(warnings[0]).toContain('add "http://unlisted.localhost" to "origins" in rules/demo.json');
  await page.evaluate(() => window.nb('track', 'calculator_used'));
  await sleep(3_000);
  expect(collects).toBe(1);
  expect(warnings).toHaveLength(1);
  await browser.close();
});

it("with data-nb-debug, logs each decision and lets a headless QA browser of the rules' test origins through", async () => {
  const qaPage = (debug: boolean) =>
    `<!doctype html><html><head><title>QA</title><script async src="${live.worker.url}/nb.js" data-site="demo"${debug ? ' data-nb-debug="true"' : ''}></script></head><body>QA</body></html>`;
  const browser = await otherOrigin();
  const context = await browser.newContext({
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0 Safari/537.36',
  });
  await context.route('http://qa.localhost/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: qaPage(route.request().url().includes('debug')) }),
  );
  const answers: number[] = [];
  context.on('response', (response) => void (response.url().endsWith('/v1/collect') && answers.push(response.status())));
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (message) => void (message.type() == 'log' && logs.push(message.text())));
  await page.goto('http://qa.localhost/plain.html');
  await expect.poll(() => answers, { timeout: PATIENCE_MS }).toEqual([204]);
  await page.goto('http://qa.localhost/debug.html');
  await expect.poll(() => answers, { timeout: PATIENCE_MS }).toEqual([204, 200]);
  await expect.poll(() => logs.filter((text) => text.startsWith('nb decision')).length, { timeout: PATIENCE_MS }).toBe(1);
  await browser.close();
});
