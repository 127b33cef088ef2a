// What the dashboard adds to the KPIs, through the real consumer, D1 and routes: filters by UTM,
// device and stage, the previous period, bot counts, CSV downloads, and days in the site's time zone.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { createMessageBatch } from 'cloudflare:test';
import { consumeEvents } from '../../worker/analytics/consumer';
import { keyed, type QueuedEvent } from '../../worker/analytics/message';
import { rollupStatements } from '../../worker/analytics/rollup';
import { loadKpis } from '../../worker/dashboard/kpis';
import { RulesFile } from '../../rules/schema';
import demo from '../../rules/demo.json';
import type { Event } from '../../worker/schema/events';
import type { Kpis } from '../../worker/schema/stats';
import { get, post } from './helpers';

const DAY = 86_400_000;
// The week under test (8–14 March 2028) and the week before it.
const week = Date.UTC(2028, 2, 8, 12);
const RANGE = 'from=2028-03-08&to=2028-03-14';

let serial = 0;
type Extra = Partial<Pick<QueuedEvent, 'device' | 'stage'>>;
function pageView(vid: string, at: number, url: string, extra: Extra = {}): QueuedEvent {
  const id = `ev_views_${serial++}`;
  return { site: 'demo', vid, at, event: { id, ts: at, type: 'page', url } as Event, ...extra };
}

async function consume(bodies: QueuedEvent[]): Promise<void> {
  const messages = bodies.map((body) => ({ id: body.event.id, timestamp: new Date(body.at), attempts: 1, body }));
  await consumeEvents(createMessageBatch<QueuedEvent>('nextbest-events', messages), env);
}

async function stats(query: string): Promise<Kpis> {
  const response = await get(`/v1/stats/demo?${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<Kpis>();
}

// A: from Google ads on a phone, became a lead; B: direct, on a desktop, twice (index and .html).
const A = 'vid_views_a';
const B = 'vid_views_b';
await consume([
  pageView(A, week, 'https://demo.example/demo/rates.html?utm_source=google&utm_medium=cpc', { device: 'mobile' }),
  pageView(A, week + 60_000, 'https://demo.example/demo/apply', { device: 'mobile', stage: { from: 'engaged', to: 'lead' } }),
  pageView(B, week + DAY, 'https://demo.example/demo/', { device: 'desktop' }),
  pageView(B, week + DAY + 60_000, 'https://demo.example/demo/index.html', { device: 'desktop' }),
  // The week before: one visitor.
  pageView('vid_views_c', week - 3 * DAY, 'https://demo.example/demo/', { device: 'desktop' }),
]);

describe('filters', () => {
  it.each([
    [
      '',
      2,
      [
        { path: '/demo', views: 2 },
        { path: '/demo/apply', views: 1 },
        { path: '/demo/rates', views: 1 },
      ],
    ],
    [
      '&source=google',
      1,
      [
        { path: '/demo/apply', views: 1 },
        { path: '/demo/rates', views: 1 },
      ],
    ],
    ['&source=google&medium=email', 0, []],
    ['&device=desktop', 1, [{ path: '/demo', views: 2 }]],
    [
      '&stage=lead',
      1,
      [
        { path: '/demo/apply', views: 1 },
        { path: '/demo/rates', views: 1 },
      ],
    ],
  ])('%s keeps %i visitors and their pages', async (filter, visitors, pages) => {
    const kpis = await stats(`${RANGE}&metric=traffic,stages${filter}`);
    expect(kpis.traffic!.unique_visitors).toBe(visitors);
    expect(kpis.traffic!.top_pages).toEqual(pages);
    expect(kpis.stages!.leads).toBe(filter === '&device=desktop' ? 0 : visitors === 0 ? 0 : 1);
  });
});

describe('the previous period', () => {
  it('gives the KPI cards of the range and of as many days before it', async () => {
    const kpis = await stats(`${RANGE}&metric=offers&compare=previous`);
    expect(kpis.totals).toMatchObject({ unique_visitors: 2, page_views: 4, leads: 1 });
    expect(kpis.previous).toMatchObject({
      from: '2028-03-01',
      to: '2028-03-07',
      totals: { unique_visitors: 1, page_views: 1, leads: 0 },
    });
    expect((await stats(`${RANGE}&compare=previous&device=mobile`)).previous!.totals.unique_visitors).toBe(0);
  });
});

describe('bots', () => {
  it('counts the batches it ignored as bots', async () => {
    const before = (await stats('period=today&metric=traffic')).traffic!.bot_batches;
    const batch = {
      site: 'demo',
      vid: 'vid_views_bot',
      sent_at: Date.now(),
      events: [{ id: 'ev_bot', ts: Date.now(), type: 'page', url: 'https://demo.example/' }],
    };
    const response = await post('/v1/collect', batch, { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' });
    expect(response.headers.get('x-nextbest-ignored')).toBe('bot');
    await expect.poll(async () => (await stats('period=today&metric=traffic')).traffic!.bot_batches).toBe(before + 1);
  });
});

describe('CSV downloads', () => {
  it('sends a table of the page as a CSV attachment, narrowed by the same filters', async () => {
    const response = await get(`/dashboard/csv?site=demo&${RANGE}&table=top-pages`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="demo-top-pages-2028-03-08-2028-03-14.csv"');
    expect(await response.text()).toBe('page,views\r\n/demo,2\r\n/demo/apply,1\r\n/demo/rates,1\r\n');
    const filtered = await get(`/dashboard/csv?site=demo&${RANGE}&device=mobile&table=top-pages`);
    expect(await filtered.text()).toBe('page,views\r\n/demo/apply,1\r\n/demo/rates,1\r\n');
  });

  it('answers 404 for a table the page does not have, and 401 without a key', async () => {
    expect((await get(`/dashboard/csv?site=demo&${RANGE}&table=nope`)).status).toBe(404);
    expect((await get(`/dashboard/csv?site=demo&${RANGE}&table=top-pages`, null)).status).toBe(401);
  });
});

describe("the site's time zone", () => {
  it("counts an event on the site's calendar day and ends ranges at its midnight", async () => {
    const rules = RulesFile.parse({ ...demo, timezone: 'America/New_York' });
    // 03:30 UTC on 20 March is still 19 March in New York.
    const at = Date.UTC(2028, 2, 20, 3, 30);
    const message = await keyed(pageView('vid_views_tz', at, 'https://demo.example/demo/rates'));
    await env.DB.batch(rollupStatements(env.DB, message, rules));
    const local = await loadKpis(env.DB, 'demo', rules, { from: '2028-03-19', to: '2028-03-19' }, ['traffic']);
    expect(local.timezone).toBe('America/New_York');
    expect(local.traffic!.page_views).toBe(1);
    const next = await loadKpis(env.DB, 'demo', rules, { from: '2028-03-20', to: '2028-03-20' }, ['traffic']);
    expect(next.traffic!.page_views).toBe(0);
  });
});
