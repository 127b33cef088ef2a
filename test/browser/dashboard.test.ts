// The dashboard in Chromium against the real worker: events posted to /v1/collect go through the
// Durable Object, the queue and the consumer into D1, and come out as charts, behind a sign-in form
// and a session cookie.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Kpis } from '../../worker/schema/stats';
import { DAY_MS } from '../../worker/lib/time';
import { launchBrowser, PERSON_USER_AGENT, removeState, startWorker, type RunningWorker } from './harness';

let worker: RunningWorker;
let browser: Browser;
let serial = 0;
const uid = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(serial++).toString(36)}`;

interface CollectAnswer {
  decisions: { offers: Array<{ offer: string; variant?: string; holdout?: boolean }> };
}

async function collect(vid: string, events: Array<Record<string, unknown>>, at = Date.now()): Promise<CollectAnswer> {
  const now = Date.now();
  const response = await fetch(`${worker.url}/v1/collect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': PERSON_USER_AGENT },
    body: JSON.stringify({
      site: 'demo',
      vid,
      sid: uid('sid'),
      sent_at: now,
      slots: ['hero'],
      events: events.map((e) => ({ id: uid('ev'), ts: at, ...e })),
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as CollectAnswer;
}

const page = (path: string) => ({ type: 'page', url: `${worker.url}/demo/${path}` });
const form = (action: string, step: number) => ({
  type: 'form',
  form: 'mortgage-app',
  action,
  step,
  steps: 4,
  step_name: `s${step}`,
});
// With ads consent, an abandoner at step 2 or later joins the mortgage_abandoners audience.
const consent = { type: 'track', name: 'consent', props: { analytics: true, personalization: true, ads: true } };

/** Visitors per step reached, and who saw the finish-app banner or was held out from it. */
const fixture = { reached: [0, 0, 0, 0], submitted: 0, pageViews: 0, shown: 0, heldOut: 0 };

/** One visitor through the application to `furthest`; an abandoner is decided finish-app, and shown it unless held out. */
async function applicant(furthest: number, submits: boolean): Promise<void> {
  const vid = uid('vid');
  const steps = Array.from({ length: furthest - 1 }, (_, k) => form('step', k + 2));
  // Back on the home page after the form: finish-app is not offered on /apply.
  const answer = await collect(vid, [
    consent,
    page('apply.html'),
    form('start', 1),
    ...steps,
    form(submits ? 'submit' : 'abandon', furthest),
    page('index.html'),
  ]);
  fixture.pageViews += 2;
  for (let step = 1; step <= furthest; step++) fixture.reached[step - 1] += 1;
  if (submits) fixture.submitted += 1;
  const offer = answer.decisions.offers.find((o) => o.offer === 'finish-app');
  if (offer?.holdout) fixture.heldOut += 1;
  else if (offer) {
    fixture.shown += 1;
    await collect(vid, [{ type: 'offer', offer: 'finish-app', variant: offer.variant, action: 'impression' }]);
  }
}

/** The presets below read "today" and "yesterday" by the clock: the run must not cross UTC midnight. */
const MIDNIGHT_MARGIN_MS = 3 * 60_000;

beforeAll(async () => {
  const untilMidnight = DAY_MS - (Date.now() % DAY_MS);
  if (untilMidnight < MIDNIGHT_MARGIN_MS) await new Promise((resolve) => setTimeout(resolve, untilMidnight + 1_000));
  worker = await startWorker();
  browser = await launchBrowser();
  for (let i = 0; i < 6; i++) await applicant(1 + (i % 4), i === 3);
  // finish-app holds out 10% of visitors by the hash of their id: abandoners until one is held out
  // and one shown, so the lift chart has both sides.
  while (fixture.heldOut === 0 || fixture.shown === 0) {
    expect(fixture.reached[0], 'no visitor fell in the holdout, or none out of it').toBeLessThan(100);
    await applicant(2, false);
  }
  await collect(uid('vid'), [page('rates.html')]);
  fixture.pageViews += 1;
  // Yesterday (UTC, the demo's zone), a second before midnight: one visitor from the newsletter.
  const midnight = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  await collect(uid('vid'), [page('rates.html?utm_source=newsletter&utm_medium=email')], midnight - 1000);
  fixture.pageViews += 1;
  // The outbox waits about a second and the queue batches for another: poll the rollups.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const stats = await fetch(`${worker.url}/v1/stats/demo?metric=traffic,forms,offers,audiences`, {
      headers: { authorization: `Bearer ${worker.apiKey}` },
    });
    const body = (await stats.json()) as Kpis;
    const finishApp = body.offers?.find((o) => o.offer === 'finish-app');
    const exposed = [...(finishApp?.arms ?? []), ...(finishApp?.holdout ? [finishApp.holdout] : [])].reduce(
      (n, a) => n + a.exposed,
      0,
    );
    const members = body.audiences?.find((a) => a.audience === 'mortgage_abandoners')?.daily.at(-1)?.size ?? 0;
    if (
      body.traffic?.page_views === fixture.pageViews &&
      body.forms?.[0]?.submitted === 1 &&
      exposed === fixture.shown + fixture.heldOut &&
      members > 0
    )
      break;
    if (Date.now() > deadline) throw new Error(`rollups incomplete after 30 s: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 120_000 + MIDNIGHT_MARGIN_MS);

/** Distinct colours in a PNG, and its pixels of any of `strokes` (#rrggbb): decoded by Chromium in a blank tab. */
async function pixels(png: Buffer, strokes: string[]): Promise<{ colours: number; stroked: number }> {
  const tab = await browser.newPage();
  try {
    return await tab.evaluate(
      async ([base64, wanted]) => {
        const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${base64}`)).blob());
        const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
        context.drawImage(bitmap, 0, 0);
        const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
        const strokeColours = new Set(wanted.map((hex) => parseInt(hex.slice(1), 16)));
        const colours = new Set<number>();
        let stroked = 0;
        for (let i = 0; i < data.length; i += 4) {
          const colour = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
          colours.add(colour);
          if (strokeColours.has(colour)) stroked += 1;
        }
        return { colours: colours.size, stroked };
      },
      [png.toString('base64'), strokes] as const,
    );
  } finally {
    await tab.close();
  }
}

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  if (worker) removeState(worker);
});

/** Every URL the tab requests and every redirect's Location, to show that the key is in none of them. */
function watchUrls(tab: Page): string[] {
  const urls: string[] = [];
  tab.on('request', (request) => urls.push(request.url()));
  tab.on('response', (response) => urls.push(response.headers()['location'] ?? ''));
  return urls;
}

/** Opens `path`, gets the sign-in form, and signs in as a person would; answers the page's status. */
async function signIn(tab: Page, path = '/dashboard'): Promise<number> {
  expect((await tab.goto(`${worker.url}${path}`))?.status()).toBe(401);
  await tab.fill('input[name="key"]', worker.apiKey);
  const [response] = await Promise.all([
    tab.waitForResponse((r) => new URL(r.url()).pathname === '/dashboard' && r.request().method() === 'GET'),
    tab.click('form[action^="/dashboard/login"] button'),
  ]);
  await tab.waitForLoadState();
  return response.status();
}

/** The figure on a KPI card, and its change against the previous period. */
async function card(tab: Page, kpi: string): Promise<{ value: string; change: string; previous: string }> {
  const tile = tab.locator(`[data-kpi="${kpi}"]`);
  return {
    value: (await tile.locator('b').textContent()) ?? '',
    change: (await tile.locator('[data-change]').textContent()) ?? '',
    previous: (await tile.locator('[data-change]').getAttribute('title')) ?? '',
  };
}

const shown = (tab: Page, table: string) =>
  tab.$$eval(`table[data-table="${table}"] tr`, (rows) =>
    rows.map((row) => Array.from(row.querySelectorAll('th, td'), (cell) => cell.textContent ?? '')),
  );

describe('the dashboard', () => {
  it('draws the visitors line, the funnel, the drop-off bars, the lift and the audiences without console errors', async () => {
    const tab = await browser.newPage();
    const urls = watchUrls(tab);
    expect(await signIn(tab, '/dashboard?site=demo')).toBe(200);
    // From here on: the sign-in form's 401 is logged by Chromium as a failed load.
    const errors: string[] = [];
    tab.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    tab.on('pageerror', (error) => errors.push(error.message));
    expect(new URL(tab.url()).search).toBe('?site=demo');
    expect(urls.join(' ')).not.toContain(worker.apiKey);

    const paths = (chart: string) =>
      tab.$$eval(`svg[data-chart="${chart}"] path`, (nodes) => nodes.map((node) => node.getAttribute('d') ?? ''));
    const line = /^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/;
    const visitors = await paths('visitors');
    expect(visitors.length).toBe(3);
    for (const d of visitors) expect(d).toMatch(line);
    const funnel = await paths('funnel-mortgage-app');
    expect(funnel.filter((d) => d.length > 0).length).toBeGreaterThanOrEqual(5);
    expect(await tab.locator('svg[data-chart="funnel-mortgage-app"] text.value').allTextContents()).toEqual(
      [...fixture.reached, fixture.submitted].map(String),
    );
    expect((await paths('dropoff-mortgage-app')).length).toBe(4);
    expect(await tab.locator('[data-section="offers"] table').first().locator('tr').count()).toBeGreaterThanOrEqual(3);
    // Lift: one interval (a bar with its two whiskers) and one point estimate per shown variant.
    const lift = await paths('lift-finish-app');
    expect(lift.length).toBeGreaterThanOrEqual(1);
    for (const d of lift) expect(d).toMatch(/^M[\d.]+,[\d.]+ H[\d.]+ M[\d.]+,[\d.]+ V[\d.]+ M[\d.]+,[\d.]+ V[\d.]+$/);
    expect(await tab.locator('svg[data-chart="lift-finish-app"] circle.estimate').count()).toBe(lift.length);
    const audiences = await paths('audiences');
    expect(audiences.length).toBe(2);
    for (const d of audiences) expect(d).toMatch(line);

    // On screen, each chart is drawn: many colours inside its box, some of them its own stroke.
    // On screen, each chart is drawn: many colours inside its box, and its own strokes and fills
    // (the stylesheet's series colours; a lift interval that excludes 0 would be green or red).
    const series = ['#1f6feb', '#e8871e', '#2da44e'];
    for (const [chart, strokes] of [
      ['visitors', series],
      ['funnel-mortgage-app', ['#1f6feb']],
      ['lift-finish-app', ['#5b6475', '#2da44e', '#cf222e']],
      ['audiences', series],
    ] as const) {
      const svg = tab.locator(`svg[data-chart="${chart}"]`);
      expect((await svg.boundingBox())!.width, chart).toBeGreaterThan(300);
      // The page clipped to the chart's box, scrolled into view.
      const shot = await pixels(await svg.screenshot(), [...strokes]);
      expect(shot.colours, chart).toBeGreaterThan(10);
      expect(shot.stroked, chart).toBeGreaterThan(20);
    }
    expect(errors).toEqual([]);
    await tab.close();
  });

  it('keeps the session through the date range form, with no key in any URL or in the page', async () => {
    const tab = await browser.newPage();
    const urls = watchUrls(tab);
    expect(await signIn(tab)).toBe(200);
    await tab.fill('input[name="from"]', '2020-01-01');
    await tab.fill('input[name="to"]', '2020-01-31');
    await Promise.all([tab.waitForURL(/from=2020-01-01/), tab.click('form.range button')]);
    expect(await tab.locator('[data-section="traffic"] .empty').textContent()).toContain('Paste the tag');
    expect(urls.join(' ')).not.toContain(worker.apiKey);
    expect(await tab.content()).not.toContain(worker.apiKey);
    expect(await tab.locator('input[type="hidden"]').count()).toBe(0);
    await tab.close();
  });

  it('keeps the session in an HttpOnly, Secure, SameSite=Strict cookie for 12 hours, and signs out', async () => {
    const tab = await browser.newPage();
    expect(await signIn(tab)).toBe(200);
    const cookies = await tab.context().cookies();
    expect(cookies.map((c) => c.name)).toEqual(['__Secure-nb_session']);
    const [session] = cookies;
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/dashboard' });
    expect(session.value).not.toContain(worker.apiKey);
    expect(session.expires * 1000 - Date.now()).toBeGreaterThan(11.9 * 3_600_000);
    expect(session.expires * 1000 - Date.now()).toBeLessThanOrEqual(12 * 3_600_000);
    // No script on the page can read it.
    expect(await tab.evaluate(() => document.cookie)).toBe('');

    await Promise.all([tab.waitForURL(/\/dashboard$/), tab.click('form[action="dashboard/logout"] button')]);
    expect(await tab.locator('input[name="key"]').count()).toBe(1);
    expect(await tab.context().cookies()).toEqual([]);
    expect((await tab.goto(`${worker.url}/dashboard`))?.status()).toBe(401);
    await tab.close();
  });

  it('asks for a key without one, and says so when it is wrong', async () => {
    const tab = await browser.newPage();
    const response = await tab.goto(`${worker.url}/dashboard`);
    expect(response?.status()).toBe(401);
    await tab.fill('input[name="key"]', 'not-the-key');
    const [answer] = await Promise.all([
      tab.waitForResponse((r) => new URL(r.url()).pathname === '/dashboard/login'),
      tab.click('form[action^="/dashboard/login"] button'),
    ]);
    expect(answer.status()).toBe(401);
    await tab.waitForLoadState();
    expect(await tab.locator('[data-message]').textContent()).toBe('That key is not valid.');
    expect(await tab.context().cookies()).toEqual([]);
    await tab.close();
  });

  it('follows presets, compares with the previous period, filters, and downloads tables as CSV', async () => {
    const tab = await browser.newPage();
    expect(await signIn(tab, '/dashboard?site=demo')).toBe(200);
    const errors: string[] = [];
    tab.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    tab.on('pageerror', (error) => errors.push(error.message));
    const today = fixture.reached[0] + 1;

    // Today: this run's visitors, against yesterday's one from the newsletter.
    await Promise.all([tab.waitForURL(/period=today/), tab.click('a[data-period="today"]')]);
    expect(await tab.getAttribute('a[data-period="today"]', 'aria-current')).toBe('page');
    const todayCard = await card(tab, 'unique_visitors');
    expect(todayCard.value).toBe(String(today));
    expect(todayCard.previous).toBe('previous period: 1');
    expect(todayCard.change).toBe(`+${Math.round((today - 1) * 100)}% vs previous`);
    expect((await shown(tab, 'top-pages')).map((row) => row[0])).not.toContain('/demo/rates?utm_source=newsletter');

    // 7 days: yesterday's visitor too, and an empty week before.
    await Promise.all([tab.waitForURL(/period=7d/), tab.click('a[data-period="7d"]')]);
    const week = await card(tab, 'unique_visitors');
    expect(week.value).toBe(String(today + 1));
    expect(week.change).toBe('new vs previous');
    const pages = await shown(tab, 'top-pages');
    // /demo/apply.html and /demo/index.html are the pages /demo/apply and /demo.
    expect(pages.map((row) => row[0])).toEqual(['page', '/demo', '/demo/apply', '/demo/rates']);
    expect(pages.find((row) => row[0] === '/demo/rates')![1]).toBe('2');

    // A filter: only the newsletter's visitor.
    await tab.fill('input[name="source"]', 'newsletter');
    await Promise.all([tab.waitForURL(/source=newsletter/), tab.click('form.range button')]);
    expect(await tab.locator('[data-filters]').textContent()).toContain('source newsletter');
    expect((await card(tab, 'unique_visitors')).value).toBe('1');
    expect(await shown(tab, 'top-pages')).toEqual([
      ['page', 'views'],
      ['/demo/rates', '1'],
    ]);

    // The CSV is the table shown, under the same filter.
    const [download] = await Promise.all([tab.waitForEvent('download'), tab.click('a[data-csv="top-pages"]')]);
    expect(download.suggestedFilename()).toMatch(/^demo-top-pages-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toBe('page,views\r\n/demo/rates,1\r\n');

    // Back to everything: each section is drawn, not blank.
    await tab.goto(`${worker.url}/dashboard?site=demo&period=7d`);
    const sections = await tab.$$eval('[data-section]', (nodes) => nodes.map((node) => node.getAttribute('data-section')!));
    expect(sections).toEqual(expect.arrayContaining(['tiles', 'traffic', 'forms', 'offers', 'stages', 'lifecycle', 'audiences']));
    for (const section of sections) {
      const shot = await pixels(await tab.locator(`[data-section="${section}"]`).screenshot(), ['#1d2433']);
      expect(shot.colours, section).toBeGreaterThan(8);
      expect(shot.stroked, section).toBeGreaterThan(50);
    }
    // The winner per slot, one line per slot of the rules.
    expect(await tab.locator('ul.slots li').count()).toBeGreaterThanOrEqual(1);
    expect(await tab.locator('li[data-slot="hero"]').textContent()).toMatch(/wins|not enough data yet|holdout wins/);
    // Readable dates under the chart.
    expect(await tab.locator('svg[data-chart="visitors"] text.date').first().textContent()).toMatch(
      /^\d{1,2} [A-Z][a-z]{2}( \d{4})?$/,
    );
    expect(errors).toEqual([]);
    await tab.close();
  });
});
