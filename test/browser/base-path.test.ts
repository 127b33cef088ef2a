// The worker under a path prefix of the site's domain (NB_BASE_PATH, as a route such as
// www.lender.com/nb/* gives it): a page loads /nb/nb.js, and the snippet posts to /nb/v1/collect.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, PATIENCE_MS, removeState, startWorker, type RunningWorker } from './harness';

let worker: RunningWorker;
let browser: Browser;

beforeAll(async () => {
  [worker, browser] = await Promise.all([startWorker({ vars: { NB_BASE_PATH: '/nb' } }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  if (worker) removeState(worker);
});

it('sends the page view of a page under the prefix to the collect endpoint under the prefix', async () => {
  const page = await browser.newPage();
  const collected = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/v1/collect'), {
    timeout: PATIENCE_MS,
  });
  await page.goto(`${worker.url}/nb/demo/`);
  const response = await collected;
  expect(new URL(response.url()).pathname).toBe('/nb/v1/collect');
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ accepted: 1 });
  // The demo's own links stay under the prefix too.
  await page.getByRole('link', { name: 'Rates', exact: true }).first().click();
  expect(new URL(page.url()).pathname).toMatch(/^\/nb\/demo\/rates/);
});
