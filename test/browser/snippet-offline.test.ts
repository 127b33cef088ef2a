// The outbox against the real worker: events made while the collect endpoint is unreachable
// survive a reload or a closed tab in the outbox and arrive exactly once when it is reachable again.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, removeState, startWorker, type RunningWorker } from './harness';
import { html, openSite, profileWhen, repeated, sleep } from './snippet-fixture';

let worker: RunningWorker;
let browser: Browser;

beforeAll(async () => {
  [worker, browser] = await Promise.all([startWorker(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  if (worker) removeState(worker);
});

it('keeps events made offline across a reload and delivers each exactly once when back online', async () => {
  const site = await openSite(browser, worker, { 'calc.html': html('<h1>Calculator</h1>') });
  const { page, context } = site;
  const collect = `${worker.url}/v1/collect`;
  await context.route(collect, (route) => route.abort('internetdisconnected'));

  await page.goto(`${worker.url}/t/calc.html`);
  const vid = await site.vid();
  for (let n = 0; n < 5; n++) await page.evaluate((n) => window.nb('track', 'calculator_used', { n }), n);
  await page.evaluate(() => history.pushState({}, '', '/t/calc.html?amount=300000'));
  await sleep(1_500); // the batch timer fires and the send fails
  // These two are still queued when the page goes away.
  for (let n = 5; n < 7; n++) await page.evaluate((n) => window.nb('track', 'calculator_used', { n }), n);
  await page.reload();
  await page.evaluate(() => window.nb('track', 'calculator_used', { n: 7 }));
  await sleep(1_500);
  expect(await worker.profile('demo', vid).then((response) => response.status)).toBe(404);

  await context.unroute(collect);
  const profile = await profileWhen(worker, vid, (p) => p.state.counters.tracks >= 8 && p.state.counters.pages >= 3);
  await sleep(2_000); // anything still in flight or retried would land now
  const final = await profileWhen(worker, vid, () => true);

  const tracks = final.recent.filter((event) => event.type == 'track');
  expect(tracks.map((event) => (event.event.props as { n: number }).n).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(final.state.counters.tracks).toBe(8);
  expect(final.state.counters.pages).toBe(3);
  expect(final.events).toBe(profile.events);
  expect(repeated(final.recent.map((event) => event.id))).toEqual([]);
  // Every event the snippet ever tried to send is stored, once.
  const sent = (await site.events()).map((event) => event.id);
  expect(final.recent.map((event) => event.id).sort()).toEqual([...sent].sort());
  await context.close();
});

it('replays what a tab closed while offline left behind when the visitor comes back later', async () => {
  const site = await openSite(browser, worker, { 'rates.html': html('<h1>Rates</h1>'), 'home.html': html('<h1>Home</h1>') });
  const { page, context } = site;
  const collect = `${worker.url}/v1/collect`;
  await context.route(collect, (route) => route.abort('internetdisconnected'));
  await page.goto(`${worker.url}/t/rates.html`);
  const vid = await site.vid();
  for (let n = 0; n < 3; n++) await page.evaluate((n) => window.nb('track', 'rate_viewed', { n }), n);
  await sleep(1_500);
  // Closing the tab runs pagehide: what is still queued goes to the outbox, as the network is down.
  await page.close({ runBeforeUnload: true });
  await context.unroute(collect);

  const later = await context.newPage();
  await later.goto(`${worker.url}/t/home.html`);
  const final = await profileWhen(worker, vid, (p) => p.state.counters.tracks >= 3 && p.state.counters.pages >= 2);
  await sleep(2_000); // a second replay would land now
  const settled = await profileWhen(worker, vid, () => true);
  expect(settled.events).toBe(final.events);
  expect(settled.state.counters).toMatchObject({ pages: 2, tracks: 3 });
  expect(repeated(settled.recent.map((event) => event.id))).toEqual([]);
  await context.close();
});

declare global {
  interface Window {
    nb: (...args: unknown[]) => void;
  }
}
