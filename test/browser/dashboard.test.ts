// The dashboard in Chromium against the real worker: events posted to /v1/collect go through the
// Durable Object, the queue and the consumer into D1, and come out as charts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, PERSON_USER_AGENT, removeState, startWorker, type RunningWorker } from './harness';

let worker: RunningWorker;
let browser: Browser;
let serial = 0;
const uid = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(serial++).toString(36)}`;

async function collect(vid: string, events: Array<Record<string, unknown>>): Promise<void> {
  const now = Date.now();
  const response = await fetch(`${worker.url}/v1/collect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': PERSON_USER_AGENT },
    body: JSON.stringify({ site: 'demo', vid, sid: uid('sid'), sent_at: now, events: events.map((e) => ({ id: uid('ev'), ts: now, ...e })) }),
  });
  expect(response.status).toBe(200);
}

const page = (path: string) => ({ type: 'page', url: `${worker.url}/demo/${path}` });
const form = (action: string, step: number) => ({ type: 'form', form: 'mortgage-app', action, step, steps: 4, step_name: `s${step}` });

beforeAll(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  for (let i = 0; i < 6; i++) {
    const vid = uid('vid');
    const furthest = 1 + (i % 4);
    const steps = Array.from({ length: furthest - 1 }, (_, k) => form('step', k + 2));
    await collect(vid, [page('index.html'), page('apply.html'), form('start', 1), ...steps, form(i === 3 ? 'submit' : 'abandon', furthest)]);
    await collect(vid, [{ type: 'offer', offer: 'finish-app', variant: i % 2 ? 'a' : 'b', action: 'impression' }]);
  }
  await collect(uid('vid'), [page('rates.html')]);
  // The outbox waits about a second and the queue batches for another: poll the rollups.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const stats = await fetch(`${worker.url}/v1/stats/demo?metric=traffic,forms`, { headers: { authorization: `Bearer ${worker.apiKey}` } });
    const body = (await stats.json()) as { traffic: { page_views: number }; forms: Array<{ submitted: number }> };
    if (body.traffic.page_views >= 13 && body.forms[0]?.submitted === 1) break;
    if (Date.now() > deadline) throw new Error(`rollups incomplete after 30 s: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  if (worker) removeState(worker);
});

describe('the dashboard', () => {
  it('draws the visitors line, the funnel, the drop-off bars and the offer table without console errors', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    tab.on('pageerror', (error) => errors.push(error.message));
    const response = await tab.goto(`${worker.url}/dashboard?site=demo&key=${encodeURIComponent(worker.apiKey)}`);
    expect(response?.status()).toBe(200);

    const paths = (chart: string) =>
      tab.$$eval(`svg[data-chart="${chart}"] path`, (nodes) => nodes.map((node) => node.getAttribute('d') ?? ''));
    const visitors = await paths('visitors');
    expect(visitors.length).toBe(3);
    for (const d of visitors) expect(d).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/);
    const funnel = await paths('funnel-mortgage-app');
    expect(funnel.filter((d) => d.length > 0).length).toBeGreaterThanOrEqual(5);
    expect(await tab.locator('svg[data-chart="funnel-mortgage-app"] text.value').allTextContents()).toEqual(['6', '4', '2', '1', '1']);
    expect((await paths('dropoff-mortgage-app')).length).toBe(4);
    expect(await tab.locator('[data-section="offers"] table tr').count()).toBe(3);
    // The charts have a size on screen: the stylesheet was allowed by the page's CSP.
    const box = await tab.locator('svg[data-chart="visitors"]').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(errors).toEqual([]);
    await tab.close();
  });

  it('keeps the key through the date range form', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${worker.url}/dashboard?key=${encodeURIComponent(worker.apiKey)}`);
    await tab.fill('input[name="from"]', '2020-01-01');
    await tab.fill('input[name="to"]', '2020-01-31');
    await Promise.all([tab.waitForURL(/from=2020-01-01/), tab.click('form.range button')]);
    expect(await tab.locator('[data-section="traffic"] .empty').textContent()).toContain('Paste the tag');
    await tab.close();
  });

  it('asks for a key without one', async () => {
    const tab = await browser.newPage();
    const response = await tab.goto(`${worker.url}/dashboard`);
    expect(response?.status()).toBe(401);
    expect(await tab.locator('input[name="key"]').count()).toBe(1);
    await tab.close();
  });
});
