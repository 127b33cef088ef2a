// The lifecycle section under the dashboard's filters (UTM source and medium, device, stage) and in
// the site's time zone, through the real consumer, D1 and /v1/stats. Two people, as a visitor's
// Durable Object would describe them: G came from Google ads on a phone, signed in and had a loan
// funded by uid; D came direct on a desktop and had a loan funded on that browser.
import { describe, expect, it } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import { createMessageBatch } from 'cloudflare:test';
import { consumeEvents } from '../../worker/analytics/consumer';
import type { KeyedEvent, QueuedEvent } from '../../worker/analytics/message';
import type { PersonFacts } from '../../worker/analytics/person';
import { rollupStatements } from '../../worker/analytics/rollup';
import { loadKpis } from '../../worker/dashboard/kpis';
import { RulesFile } from '../../rules/schema';
import demo from '../../rules/demo.json';
import type { Event } from '../../worker/schema/events';
import type { Kpis, Lifecycle } from '../../worker/schema/stats';
import { TEST_API_KEY } from './api-keys';
import { get } from './helpers';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const week = Date.UTC(2028, 2, 8, 12);
const RANGE = 'from=2028-03-08&to=2028-03-14';

let serial = 0;
/** One event of a person, with the snapshot of the person after it. */
function message(
  vid: string,
  at: number,
  event: Record<string, unknown>,
  person: Partial<PersonFacts> & { ph: string },
  extra: Pick<QueuedEvent, 'device' | 'stage'> = {},
): KeyedEvent {
  const id = `ev_lcv_${serial++}`;
  const facts: PersonFacts = { version: serial, products: [], was_customer: false, customer: false, active: true, ...person };
  return { site: 'demo', vid, vh: vid, at, event: { id, ts: at, ...event } as Event, person: facts, ...extra };
}

async function consume(bodies: QueuedEvent[]): Promise<void> {
  const messages = bodies.map((body) => ({ id: body.event.id, timestamp: new Date(body.at), attempts: 1, body }));
  await consumeEvents(createMessageBatch<QueuedEvent>('nextbest-events', messages), env);
}

async function lifecycle(query: string): Promise<Lifecycle> {
  const response = await get(`/v1/stats/demo?${RANGE}&metric=lifecycle${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json<Kpis>()).lifecycle!;
}

// G: a phone's page view from Google ads, a sign-in (a lead), the loan funded by uid with a fee, a first payment.
const G = { ph: 'uid:lcv_g', linked: ['dev_lcv_g'], source: 'google', medium: 'cpc' };
const gFunded = week + DAY;
const gCustomer = { ...G, lead_at: week + HOUR, customer_at: gFunded, products: [{ product: 'mortgage', taken: gFunded }] };
// D: a desktop's direct page view, then a loan funded on that browser (it never signed in).
const D = { ph: 'dev_lcv_d' };
const dFunded = week + 2 * DAY;
const dCustomer = { ...D, customer_at: dFunded, products: [{ product: 'heloc', taken: dFunded }] };
await consume([
  message(
    'dev_lcv_g',
    week,
    { type: 'page', url: 'https://demo.example/?utm_source=google&utm_medium=cpc' },
    { ph: 'dev_lcv_g' },
    {
      device: 'mobile',
    },
  ),
  message(
    'dev_lcv_g',
    week + HOUR,
    { type: 'identify', uid: 'a'.repeat(64) },
    { ...G, lead_at: week + HOUR },
    {
      stage: { from: 'anonymous', to: 'lead' },
    },
  ),
  message(
    'uid:lcv_g',
    gFunded,
    { type: 'track', name: 'loan_funded', props: { product: 'mortgage' }, amount: 1000 },
    { ...gCustomer, customer: true },
    { stage: { from: 'lead', to: 'customer' } },
  ),
  message(
    'uid:lcv_g',
    gFunded + 2 * DAY,
    { type: 'track', name: 'first_payment', amount: 200 },
    { ...gCustomer, activated_at: gFunded + 2 * DAY, customer: true, was_customer: true },
  ),
  message('dev_lcv_d', week, { type: 'page', url: 'https://demo.example/' }, D, { device: 'desktop' }),
  message(
    'dev_lcv_d',
    dFunded,
    { type: 'track', name: 'loan_funded', props: { product: 'heloc' }, amount: 500 },
    { ...dCustomer, customer: true },
    { stage: { from: 'anonymous', to: 'customer' } },
  ),
]);
// What Google and Facebook ads cost on 9 March.
const spend = await exports.default.fetch(
  new Request('https://nextbest.test/v1/spend/demo', {
    method: 'PUT',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      spend: [
        { day: '2028-03-09', source: 'google', medium: 'cpc', amount: 50 },
        { day: '2028-03-09', source: 'facebook', medium: 'cpc', amount: 30 },
      ],
    }),
  }),
);

describe('the lifecycle section under filters', () => {
  it('counts both people without filters, and says nothing was left out', async () => {
    expect(spend.status).toBe(200);
    const all = await lifecycle('');
    expect(all).toMatchObject({ new_customers: 2, customers: 2, activated: 1, clv: { customers: 2, revenue: 1700 } });
    expect(all.filters_ignored).toBeUndefined();
  });

  it.each([
    ['&source=google', { new_customers: 1, activated: 1, customers: 1, clv: { customers: 1, revenue: 1200 } }],
    ['&source=google&medium=cpc&device=mobile', { new_customers: 1, activated: 1, clv: { revenue: 1200 } }],
    ['&device=desktop', { new_customers: 1, activated: 0, customers: 1, clv: { customers: 1, revenue: 500 } }],
    ['&stage=lead', { new_customers: 1, customers: 1, clv: { revenue: 1200 } }],
    ['&stage=customer', { new_customers: 2, customers: 2, clv: { revenue: 1700 } }],
    ['&source=newsletter', { new_customers: 0, customers: 0, clv: { customers: 0, revenue: 0 } }],
  ])('%s keeps the people it names', async (filter, figures) => {
    expect(await lifecycle(filter)).toMatchObject(figures);
  });

  it('narrows spend to the channel filtered by, and names what a filter cannot narrow', async () => {
    const google = await lifecycle('&source=google');
    expect(google.cost_per_lead).toMatchObject({ spend: 50, leads: 1, cost_per_lead: 50 });
    expect(google.filters_ignored).toEqual([{ kpi: 'cross_sell_conversions', filters: ['source'], reason: expect.any(String) }]);
    const mobile = await lifecycle('&device=mobile');
    expect(mobile.cost_per_lead).toMatchObject({ spend: 80, leads: 1 });
    expect(mobile.filters_ignored).toEqual([
      { kpi: 'cross_sell_conversions', filters: ['device'], reason: expect.any(String) },
      { kpi: 'cost_per_lead', filters: ['device'], reason: expect.any(String) },
    ]);
  });
  it('says on the dashboard which lifecycle figures the filters left whole', async () => {
    const page = await (await get(`/dashboard?site=demo&${RANGE}&device=mobile`)).text();
    expect(page).toMatch(
      /data-filters-ignored>Not narrowed by the filters: cross sell conversions \(device: [^)]*\); cost per lead \(device: /,
    );
    expect(await (await get(`/dashboard?site=demo&${RANGE}`)).text()).not.toContain('data-filters-ignored');
  });
});

describe("the lifecycle section in the site's time zone", () => {
  const rules = RulesFile.parse({ ...demo, timezone: 'America/New_York' });
  // 02:00 UTC on 1 April is 22:00 on 31 March in New York: a March customer there, referred that evening.
  const at = Date.UTC(2028, 3, 1, 2);
  const N = { ph: 'dev_lcv_ny', referrer: 'ref_ny', referred_at: at - HOUR, customer_at: at, customer: true };

  it("counts a customer and a referral on the site's calendar day and month", async () => {
    const events = [
      message(
        'dev_lcv_ny',
        at - HOUR,
        { type: 'page', url: 'https://demo.example/?ref=ref_ny' },
        { ...N, customer_at: undefined, customer: false },
      ),
      message('dev_lcv_ny', at, { type: 'track', name: 'account_opened', props: { product: 'card' } }, N, {
        stage: { from: 'anonymous', to: 'customer' },
      }),
    ];
    for (const event of events) await env.DB.batch(rollupStatements(env.DB, event, rules));
    const march = await loadKpis(env.DB, 'demo', rules, { from: '2028-03-31', to: '2028-03-31' }, ['lifecycle']);
    expect(march.lifecycle).toMatchObject({
      new_customers: 1,
      referrals: { visitors: 1, customers: 1 },
      retention: [{ cohort: '2028-03', customers: 1, months: [{ month: 0, active: 1 }] }],
    });
    const april = await loadKpis(env.DB, 'demo', rules, { from: '2028-04-01', to: '2028-04-01' }, ['lifecycle']);
    expect(april.lifecycle).toMatchObject({ new_customers: 0, referrals: { visitors: 0 }, retention: [] });
  });

  it("dates dormancy by the site's days", async () => {
    // Active last on 31 March (New York): more than 90 days of the site's calendar have passed on 30
    // June, not on 29 June. G and D, active last on 11 and 10 March, are dormant on both.
    const dormant = (to: string) => loadKpis(env.DB, 'demo', rules, { from: to, to }, ['lifecycle']);
    expect((await dormant('2028-06-29')).lifecycle).toMatchObject({ customers: 3, churned: 2 });
    expect((await dormant('2028-06-30')).lifecycle).toMatchObject({ customers: 3, churned: 3 });
  });
});
