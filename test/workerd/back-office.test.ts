// POST /v1/events: a lender's own systems report what happens off the website, to the same
// Durable Object as the browser's events. The README's worked example, end to end: a person who
// abandoned the application and saw "finish your application" has the loan funded.
import { describe, expect, it } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import type { CollectResponse } from '../../worker/schema/collect';
import type { Event } from '../../worker/schema/events';
import { visitorHash } from '../../worker/analytics/visitor-hash';
import type { Profile } from '../../worker/schema/profile';
import type { Kpis } from '../../worker/schema/stats';
import { userStub, visitorStub } from '../../worker/visitor/stub';
import { TEST_API_KEY } from './api-keys';
import { batch, formEvent, get, pageView, post, sinceYesterday, uniqueId } from './helpers';

const withKey = { authorization: `Bearer ${TEST_API_KEY}` };
const consent = (): Event =>
  ({
    id: uniqueId('ev'),
    ts: Date.now(),
    type: 'track',
    name: 'consent',
    props: { analytics: true, personalization: true, ads: true },
  }) as Event;
const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

async function collect(vid: string, events: Event[]): Promise<CollectResponse> {
  const response = await post('/v1/collect', batch(events, { vid }));
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<CollectResponse>();
}

/** A visitor who abandoned at step 3 and was then shown finish-app (not held out), and its variant. */
async function abandonerShownFinishApp(): Promise<{ vid: string; variant: string }> {
  for (let tries = 0; tries < 50; tries++) {
    const vid = uniqueId('vid');
    const answer = await collect(vid, [
      consent(),
      pageView('https://demo.example/apply'),
      formEvent('start', 1),
      formEvent('step', 2),
      formEvent('step', 3),
      formEvent('abandon', 3),
    ]);
    const offer = (await collect(vid, [pageView('https://demo.example/')])).decisions.offers.find(
      (o) => o.offer === 'finish-app',
    );
    expect(answer.decisions.stage).toBe('applicant');
    if (!offer || offer.holdout) continue;
    await collect(vid, [
      {
        id: uniqueId('ev'),
        ts: Date.now(),
        type: 'offer',
        offer: 'finish-app',
        variant: offer.variant,
        action: 'impression',
      } as Event,
    ]);
    return { vid, variant: offer.variant! };
  }
  throw new Error('no visitor was shown finish-app');
}

describe('POST /v1/events', () => {
  it('funding a loan makes the person a customer, suppresses finish-app, leaves the abandoners and counts the conversion', async () => {
    const { vid, variant } = await abandonerShownFinishApp();
    const uid = await sha256(uniqueId('person'));
    const linked = await post('/v1/identify', { site: 'demo', vid, uid }, withKey);
    expect(linked.status).toBe(200);
    const before = await (await get(`/v1/profile/demo/${vid}`)).json<Profile>();
    expect(before.state.audiences.mortgage_abandoners).toMatchObject({ joined: expect.any(Number) });
    expect(before.state.audiences.mortgage_abandoners.left).toBeUndefined();

    const funded = {
      id: uniqueId('ev'),
      ts: Date.now(),
      type: 'track',
      name: 'loan_funded',
      props: { product: 'mortgage' },
      amount: 1200,
      currency: 'USD',
    };
    const body = { uid, slots: ['hero'], events: [funded] };
    const response = await post('/v1/events/demo', body, withKey);
    expect(response.status, await response.clone().text()).toBe(200);
    const answer = await response.json<CollectResponse>();
    expect(answer).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(answer.decisions.stage).toBe('customer');
    expect(answer.decisions.offers.map((o) => o.offer)).not.toContain('finish-app');
    // The same batch again (a retry): nothing counts twice.
    expect(await (await post('/v1/events/demo', body, withKey)).json<CollectResponse>()).toMatchObject({
      accepted: 1,
      duplicates: 1,
    });

    const after = await (await get(`/v1/profile/demo/${vid}`)).json<Profile>();
    expect(after.state.stage).toBe('customer');
    expect(after.state.customer.products.mortgage).toEqual({ taken: funded.ts });
    expect(after.state.audiences.mortgage_abandoners.left).toBe(funded.ts);
    expect(after.state.offers['finish-app']).toMatchObject({
      converts: 1,
      variants: { [variant]: { impressions: 1, converts: 1 } },
    });
    // The browser, back on the home page, is no longer offered to finish the application.
    const back = await collect(vid, [pageView('https://demo.example/')]);
    expect(back.decisions.offers.map((o) => o.offer)).not.toContain('finish-app');

    // Analytics: the conversion counts for the arm the person saw, and the person is a new customer with revenue.
    await runDurableObjectAlarm(visitorStub(env, 'demo', vid));
    await runDurableObjectAlarm(userStub(env, 'demo', uid));
    const deadline = Date.now() + 15_000;
    let kpis: Kpis;
    do {
      kpis = await (await get(`/v1/stats/demo?${sinceYesterday()}&metric=offers,lifecycle`)).json<Kpis>();
      if ((kpis.lifecycle?.new_customers ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    const arm = kpis.offers!.find((o) => o.offer === 'finish-app')!.arms.find((a) => a.arm === variant)!;
    expect(arm).toMatchObject({ impressions: 1, conversions: 1 });
    expect(kpis.lifecycle).toMatchObject({ new_customers: 1, customers: 1, clv: { customers: 1, revenue: 1200, clv: 1200 } });
    // The visitor's snapshot from before the merge is no person of its own: the user is. (Visitors
    // tried before it and held out stay people of their own, so only this one is looked at.)
    const unlinked = `FROM people p WHERE site = 'demo'
      AND NOT EXISTS (SELECT 1 FROM person_links l WHERE l.site = p.site AND l.vh = p.vh)`;
    const visitorAlone = await env.DB.prepare(`SELECT COUNT(*) AS n ${unlinked} AND p.vh = ?`)
      .bind(await visitorHash('demo', vid))
      .first<number>('n');
    expect(visitorAlone).toBe(0);
    const customers = await env.DB.prepare(`SELECT COUNT(*) AS n ${unlinked} AND p.customer_at IS NOT NULL`).first<number>('n');
    expect(customers).toBe(1);
  });

  it('stores every event of a batch as sent, with amounts summed into the profile', async () => {
    const uid = await sha256(uniqueId('person'));
    const at = Date.now() - 40 * 86_400_000;
    const events = [
      { id: uniqueId('ev'), ts: at, type: 'track', name: 'loan_funded', props: { product: 'heloc' }, amount: 800 },
      { id: uniqueId('ev'), ts: at + 86_400_000, type: 'track', name: 'first_payment', amount: 450.5 },
      { id: uniqueId('ev'), ts: at + 2 * 86_400_000, type: 'page', url: 'https://demo.example/rates' },
    ];
    const response = await post('/v1/events/demo', { uid, events }, withKey);
    expect(response.status, await response.clone().text()).toBe(200);
    const profile = await userStub(env, 'demo', uid).profile();
    expect(profile!.recent.map((row) => row.event).sort((a, b) => a.ts - b.ts)).toEqual(events);
    expect(profile!.state.rfm.monetary).toBe(1250.5);
    expect(profile!.state.customer).toMatchObject({ products: { heloc: { taken: at } }, activated_at: at + 86_400_000 });
  });

  it('refuses a body without a person, one with both, an event from too long ago, and a read-only key', async () => {
    const event = { id: uniqueId('ev'), ts: Date.now(), type: 'track', name: 'payment', amount: 10 };
    const uid = await sha256('x');
    const cases: Array<[unknown, number, string]> = [
      [{ events: [event] }, 400, 'uid'],
      [{ uid, vid: uniqueId('vid'), events: [event] }, 400, 'uid'],
      [{ uid, events: [{ ...event, ts: Date.now() - 500 * 86_400_000 }] }, 400, 'events[0].ts'],
      [{ uid, events: [{ ...event, currency: 'usd' }] }, 400, 'events[0].currency'],
    ];
    for (const [body, status, path] of cases) {
      const response = await post('/v1/events/demo', body, withKey);
      expect(response.status).toBe(status);
      expect(JSON.stringify(await response.json())).toContain(path);
    }
    expect((await post('/v1/events/demo', { uid, events: [event] })).status).toBe(401);
  });

  it('refuses an amount from a browser without the key', async () => {
    const answer = await collect(uniqueId('vid'), [
      pageView(),
      { id: uniqueId('ev'), ts: Date.now(), type: 'track', name: 'payment', amount: 99 } as Event,
    ]);
    expect(answer.rejected).toEqual([{ index: 1, reason: 'events[1].amount: accepted only with the API key (POST /v1/events)' }]);
  });
});

describe('PUT /v1/spend', () => {
  it('stores spend per channel and day, replacing a day sent again, for cost per lead', async () => {
    const put = (spend: unknown) =>
      exportsFetch('/v1/spend/demo', {
        method: 'PUT',
        headers: { ...withKey, 'content-type': 'application/json' },
        body: JSON.stringify({ spend }),
      });
    expect((await put([{ day: '2026-01-02', source: 'google', medium: 'cpc', amount: 50 }])).status).toBe(200);
    expect((await put([{ day: '2026-01-02', source: 'google', medium: 'cpc', amount: 80 }])).status).toBe(200);
    const kpis = await (await get('/v1/stats/demo?from=2026-01-01&to=2026-01-31&metric=lifecycle')).json<Kpis>();
    expect(kpis.lifecycle!.cost_per_lead).toMatchObject({
      spend: 80,
      by_channel: [{ source: 'google', medium: 'cpc', spend: 80 }],
    });
    expect((await put([{ day: '2026-13-02', source: 'google', medium: 'cpc', amount: 5 }])).status).toBe(400);
  });
});

function exportsFetch(path: string, init: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`https://nextbest.test${path}`, init));
}
