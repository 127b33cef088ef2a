// Page views from the real snippet against the real worker: the first load, History API (SPA)
// navigations counted once per URL, opt-in hash routing, and personal data scrubbed from URLs.
import { expect, it } from 'vitest';
import { useWorkerAndBrowser, PATIENCE_MS } from './harness';
import { html, openSite, profileWhen, repeated, sleep } from './snippet-fixture';

const live = useWorkerAndBrowser();

const app = html('<main><h1>App</h1></main>', { title: 'Rates app' });

it('counts each SPA navigation once per URL, and each arrives exactly once at the worker', async () => {
  const site = await openSite(live.browser, live.worker, { 'app.html': app });
  const { page } = site;
  await page.goto(`${live.worker.url}/t/app.html?utm_source=google&utm_campaign=spring`);
  const vid = await site.vid();
  await page.evaluate(() => history.pushState({}, '', '/t/app/rates'));
  await page.evaluate(() => history.replaceState({}, '', '/t/app/rates')); // same URL: not a new page
  await page.evaluate(() => history.pushState({}, '', '/t/app/rates')); // same again
  await page.evaluate(() => history.pushState({}, '', '/t/app/calculator?amount=350000'));
  await page.evaluate(() => history.back()); // popstate back to /rates
  await page.evaluate(() => history.pushState({}, '', '/t/app/rates#table')); // hash only: not without hash routing

  const urls = [
    '/t/app.html?utm_source=google&utm_campaign=spring',
    '/t/app/rates',
    '/t/app/calculator?amount=350000',
    '/t/app/rates',
  ];
  await expect.poll(async () => (await site.events('page')).length, { timeout: PATIENCE_MS }).toBe(urls.length);
  await sleep(500);
  const pages = await site.events('page');
  expect(pages.map((event) => String(event.url).slice(live.worker.url.length))).toEqual(urls);
  expect(pages[0].title).toBe('Rates app');
  expect(pages[1].ref).toBe(`${live.worker.url}${urls[0]}`);

  const profile = await profileWhen(live.worker, vid, (p) => p.state.counters.pages >= urls.length);
  expect(profile.state.counters.pages).toBe(urls.length);
  const stored = profile.recent.filter((event) => event.type == 'page').map((event) => event.id);
  expect(stored.sort()).toEqual(pages.map((event) => event.id).sort());
  expect(repeated(stored)).toEqual([]);
  await site.context.close();
});

it('counts hash routes only when the site opts in with data-nb-hash="true"', async () => {
  const pages = { 'plain.html': app, 'hash.html': html('<main>Hash app</main>', { attributes: 'data-nb-hash="true"' }) };
  const site = await openSite(live.browser, live.worker, pages);
  await site.page.goto(`${live.worker.url}/t/plain.html`);
  await site.vid();
  await site.page.evaluate(() => (location.hash = '#/rates'));
  await sleep(800);
  expect((await site.events('page')).map((event) => event.url)).toEqual([`${live.worker.url}/t/plain.html`]);

  await site.page.goto(`${live.worker.url}/t/hash.html`);
  await site.page.evaluate(() => (location.hash = '#/rates'));
  await site.page.evaluate(() => (location.hash = '#/calculator'));
  await site.page.evaluate(() => (location.hash = '#/calculator')); // unchanged: no event
  await expect.poll(async () => (await site.events('page')).length, { timeout: PATIENCE_MS }).toBe(4);
  await sleep(500);
  expect((await site.events('page')).slice(1).map((event) => event.url)).toEqual(
    ['/t/hash.html', '/t/hash.html#/rates', '/t/hash.html#/calculator'].map((path) => live.worker.url + path),
  );
  await site.context.close();
});

it('strips e-mail addresses, phone numbers and long digit runs from URLs and titles', async () => {
  const page = html('<p>Hi</p>', { title: 'Statement for jane.doe@example.com, call +1 (555) 010-2030' });
  const site = await openSite(live.browser, live.worker, { 'pii.html': page });
  await site.page.goto(
    `${live.worker.url}/t/pii.html?email=jane.doe%40example.com&acct=4111111111111111&loan=350000&utm_source=mail`,
  );
  await expect.poll(async () => (await site.events('page')).length, { timeout: PATIENCE_MS }).toBe(1);
  const [view] = await site.events('page');
  // The page's own fields: the random event id may contain any digits.
  const sent = JSON.stringify([view.url, view.ref, view.title]);
  for (const secret of ['jane.doe', '4111111111111111', '555', '2030']) expect(sent).not.toContain(secret);
  expect(view.url).toContain('loan=350000');
  expect(view.url).toContain('utm_source=mail');
  await site.context.close();
});

it('scrubs a 20,000-character query without blocking the page, and sends at most 2 KB of URL', async () => {
  const longest = `window.__longest = 0;
    new PerformanceObserver((list) => { for (const task of list.getEntries()) window.__longest = Math.max(window.__longest, task.duration); })
      .observe({ type: 'longtask', buffered: true });`;
  const site = await openSite(live.browser, live.worker, { 'long.html': app }, { init: longest });
  await site.page.goto(`${live.worker.url}/t/long.html?q=${'a'.repeat(20_000)}`);
  await expect.poll(async () => (await site.events('page')).length, { timeout: PATIENCE_MS }).toBe(1);
  // Scrubbing this URL blocked the page for 867 ms before (a quadratic pattern). A long task is one
  // over 50 ms; the bound leaves room for a busy machine that stretches the page's own tasks.
  await expect(site.page.evaluate(() => (window as unknown as { __longest: number }).__longest)).resolves.toBeLessThan(250);
  const [view] = await site.events('page');
  // Cut to the wire's 2,048 characters; the word the cut splits is dropped (it could hide an @).
  expect(view.url).toBe(`${live.worker.url}/t/long.html?q=`);
  await site.context.close();
});

it('boots once when the tag is pasted twice (in the page and again by a tag manager)', async () => {
  const twice = html('<main>Rates</main>', { head: '<script src="/nb.js" data-site="demo"></script>' });
  const site = await openSite(live.browser, live.worker, { 'twice.html': twice });
  await site.page.goto(`${live.worker.url}/t/twice.html`);
  await site.vid();
  await site.page.evaluate(() => (window as unknown as { nb: (...call: unknown[]) => void }).nb('track', 'rates_viewed'));
  await expect.poll(async () => (await site.events('track')).length, { timeout: PATIENCE_MS }).toBe(1);
  await sleep(800);
  expect((await site.events('page')).length).toBe(1);
  expect((await site.events('track')).length).toBe(1);
  await site.context.close();
});

it('keeps one session across pages, moves its activity time on at most once a minute, and starts another after 30 idle minutes', async () => {
  const site = await openSite(live.browser, live.worker, { 'app.html': app });
  const { page } = site;
  const track = (name: string) =>
    page.evaluate((n) => (window as unknown as { nb: (...call: unknown[]) => void }).nb('track', n), name);
  const storedSession = () => page.evaluate(() => localStorage.getItem('nb_sid')!.split('.'));
  const backdate = (ms: number) =>
    page.evaluate(
      (ago) => localStorage.setItem('nb_sid', `${localStorage.getItem('nb_sid')!.split('.')[0]}.${Date.now() - ago}`),
      ms,
    );
  const sessionOf = async (type: string, count: number) => {
    await expect.poll(async () => (await site.events(type)).length, { timeout: PATIENCE_MS }).toBe(count);
    const bodies = await site.bodies();
    return bodies.filter((body) => body.events.some((event) => event.type == type)).at(-1)!.sid;
  };

  await page.goto(`${live.worker.url}/t/app.html`);
  const vid = await site.vid();
  const session = await sessionOf('page', 1);
  const [id, at] = await storedSession();
  expect(id).toBe(session);

  await track('within_a_minute');
  expect(await sessionOf('track', 1)).toBe(session);
  expect(await storedSession()).toEqual([id, at]); // nothing written

  await backdate(61_000);
  await track('a_minute_later');
  expect(await sessionOf('track', 2)).toBe(session);
  const [sameId, later] = await storedSession();
  expect(sameId).toBe(id);
  expect(Number(later)).toBeGreaterThan(Date.now() - 10_000);

  await page.goto(`${live.worker.url}/t/app.html?next`);
  expect(await sessionOf('page', 2)).toBe(session);

  await backdate(31 * 60_000);
  await page.goto(`${live.worker.url}/t/app.html?after-a-break`);
  const next = await sessionOf('page', 3);
  expect(next).not.toBe(session);
  expect((await storedSession())[0]).toBe(next);
  expect(await site.vid()).toBe(vid);
  await site.context.close();
});
