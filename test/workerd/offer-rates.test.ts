// Observed offer rates: read from the real D1 rollups, cached a minute per site, never failing a
// decision; and decisions made by the visitor's object use them.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { MAX_CONTEXTS, offerRates, READ_TIMEOUT_MS } from '../../worker/analytics/offer-rates';
import type { CollectResponse } from '../../worker/schema/collect';
import type { Event } from '../../worker/schema/events';
import { createMessageBatch } from 'cloudflare:test';
import { consumeEvents } from '../../worker/analytics/consumer';
import type { QueuedEvent } from '../../worker/analytics/message';
import { batch, pageView, post, uniqueId } from './helpers';
import { TEST_API_KEY } from './api-keys';
import { DAY_MS, utcDate } from '../../worker/lib/time';

/** Visitors of one offer and arm first exposed at `at`: `shown` of them saw it, the first `clicked` clicked, the first `converted` converted. */
async function exposed(
  offer: string,
  arm: string,
  at: number,
  counts: { shown: number; clicked: number; converted: number },
  context: string | null = null,
) {
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO offer_visitors (site, offer, arm, vh, day, exposed_at, impressions, clicks, converts, context)
     SELECT 'demo', ?, ?, ? || i, ?, ?, 1, i <= ?, i <= ?, ? FROM n`,
  )
    .bind(counts.shown, offer, arm, uniqueId('vh'), utcDate(at), at, counts.clicked, counts.converted, context)
    .run();
}

let serial = 0;
/** One visitor's offer events as the visitor's object queues them. */
function offerEvents(vid: string, at: number, offer: string, action: 'impression' | 'click', count: number): QueuedEvent[] {
  return Array.from({ length: count }, () => ({
    site: 'demo',
    vid,
    at,
    event: { id: `ev_flood_${serial++}`, ts: at, type: 'offer', offer, action } as Event,
  }));
}

// First: the other tests read with clocks years ahead, which would stay cached for today's reads.
describe('decisions', () => {
  it('rank offers by the rates all visitors showed, and say so', async () => {
    const now = Date.now();
    for (const arm of ['a', 'b']) await exposed('finish-app', arm, now, { shown: 400, clicked: 120, converted: 30 });
    const form = (action: 'start' | 'step' | 'abandon', step: number): Event =>
      ({ id: uniqueId('ev'), ts: Date.now(), type: 'form', form: 'mortgage-app', action, step, steps: 4 }) as Event;
    for (let attempt = 0; ; attempt++) {
      const visit = batch([pageView('https://demo.example/rates'), form('start', 1), form('step', 2), form('abandon', 2)]);
      // With the key: only the site itself is shown figures drawn from all visitors.
      const answer = await (
        await post('/v1/collect', visit, { authorization: `Bearer ${TEST_API_KEY}` })
      ).json<CollectResponse>();
      const [offer] = answer.decisions.offers;
      expect(offer.offer).toBe('finish-app');
      if (offer.holdout && attempt < 20) continue;
      // Goal convert: the click-informed prior mean (120 + 0.99·20) / 420 × (30 + 1) / (120 + 10) = 0.0794,
      // worth 20 visitors, then 30 conversions of 400: (0.0794·20 + 30) / 420 = 0.075.
      expect(offer.reasons).toContain('convert rate 0.075 across visitors (30 of 400 visitors shown it, base 0.25)');
      expect(offer.reasons).toContain('priority 0.752 = propensity 0.075 × value 10 × weight 1');
      return;
    }
  });
});

describe('offerRates', () => {
  it('counts visitors of each offer and arm over the last 30 days, holdouts left out, and keeps it for a minute', async () => {
    // Far from the other tests' clocks, so their cached reads do not answer for this one.
    const now = Date.UTC(2031, 0, 15);
    await exposed('finish-app', 'a', now - DAY_MS, { shown: 3, clicked: 1, converted: 0 });
    await exposed('finish-app', 'a', now - 2 * DAY_MS, { shown: 2, clicked: 2, converted: 1 });
    await exposed('finish-app', 'b', now, { shown: 4, clicked: 0, converted: 0 });
    await exposed('finish-app', 'holdout', now, { shown: 5, clicked: 0, converted: 0 });
    await exposed('finish-app', 'a', now - 40 * DAY_MS, { shown: 100, clicked: 100, converted: 100 });

    const rates = await offerRates(env.DB, 'demo', now);
    expect(rates['finish-app']).toEqual({
      a: { impressions: 5, clicks: 3, converts: 1 },
      b: { impressions: 4, clicks: 0, converts: 0 },
    });

    await exposed('finish-app', 'b', now, { shown: 6, clicked: 6, converted: 0 });
    expect((await offerRates(env.DB, 'demo', now + 59_000))['finish-app'].b.impressions).toBe(4);
    expect((await offerRates(env.DB, 'demo', now + 61_000))['finish-app'].b).toEqual({ impressions: 10, clicks: 6, converts: 0 });
  });

  it('moves by one visitor however many events that visitor sends', async () => {
    // Between the clocks of the tests around it, so neither's cached read answers for another.
    const now = Date.UTC(2031, 6, 15);
    await exposed('rate-alert', '-', now, { shown: 50, clicked: 1, converted: 0 });
    const before = (await offerRates(env.DB, 'demo', now))['rate-alert']['-'];
    // One anonymous visitor floods the offer with 2,000 impressions and 500 clicks, through the real consumer.
    const flood = [
      ...offerEvents('vid_flooder', now, 'rate-alert', 'impression', 2000),
      ...offerEvents('vid_flooder', now, 'rate-alert', 'click', 500),
    ];
    for (let i = 0; i < flood.length; i += 100) {
      const bodies = flood.slice(i, i + 100);
      await consumeEvents(
        createMessageBatch<QueuedEvent>(
          'nextbest-events',
          bodies.map((body) => ({ id: body.event.id, timestamp: new Date(now), attempts: 1, body })),
        ),
        env,
      );
    }
    const after = (await offerRates(env.DB, 'demo', now + 61_000))['rate-alert']['-'];
    expect(after).toEqual({ impressions: before.impressions + 1, clicks: before.clicks + 1, converts: 0 });
  });

  it('answers no observations while D1 fails, and reads again ten seconds later', async () => {
    const now = Date.UTC(2032, 0, 15);
    await exposed('rate-alert', '-', now, { shown: 7, clicked: 1, converted: 0 });
    let failing = true;
    const flaky = new Proxy(env.DB, {
      get(target, key) {
        if (key === 'prepare' && failing)
          return () => {
            throw new Error('D1 unavailable');
          };
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    expect(await offerRates(flaky, 'demo', now)).toEqual({});
    failing = false;
    expect(await offerRates(flaky, 'demo', now + 5_000)).toEqual({});
    expect((await offerRates(flaky, 'demo', now + 11_000))['rate-alert']['-']).toEqual({
      impressions: 7,
      clicks: 1,
      converts: 0,
    });
  });

  it('answers no observations when D1 is too slow, rather than holding the decision', async () => {
    const now = Date.UTC(2033, 0, 15);
    const hanging = new Proxy(env.DB, {
      get(target, key) {
        if (key === 'prepare') return () => ({ bind: () => ({ all: () => new Promise(() => {}) }) });
        if (key === 'batch') return () => new Promise(() => {});
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const started = performance.now();
    expect(await offerRates(hanging, 'demo', now)).toEqual({});
    expect(performance.now() - started).toBeLessThan(READ_TIMEOUT_MS + 1_000);
  });
});

describe('rates by context', () => {
  it('reads each arm by the context of its visitors, the most-exposed MAX_CONTEXTS of them', async () => {
    const now = Date.UTC(2034, 0, 15);
    await exposed('card-cross-sell', '-', now, { shown: 40, clicked: 10, converted: 4 }, 'stage=customer');
    await exposed('card-cross-sell', '-', now, { shown: 20, clicked: 2, converted: 0 }, 'stage=lead');
    await exposed('card-cross-sell', '-', now, { shown: 5, clicked: 1, converted: 1 });
    for (let i = 0; i < MAX_CONTEXTS; i += 1)
      await exposed('heloc-quote', '-', now, { shown: 2 + i, clicked: 0, converted: 0 }, `stage=s${i}`);
    await exposed('heloc-quote', '-', now, { shown: 1, clicked: 1, converted: 1 }, 'stage=rare');

    const rates = await offerRates(env.DB, 'demo', now);
    // Rows from before contexts were recorded count toward the overall rate only.
    expect(rates['card-cross-sell']['-']).toEqual({
      impressions: 65,
      clicks: 13,
      converts: 5,
      contexts: {
        'stage=customer': { impressions: 40, clicks: 10, converts: 4 },
        'stage=lead': { impressions: 20, clicks: 2, converts: 0 },
      },
    });
    const heloc = rates['heloc-quote']['-'];
    expect(Object.keys(heloc.contexts!)).toHaveLength(MAX_CONTEXTS);
    expect(heloc.contexts!['stage=rare']).toBeUndefined();
    expect(heloc.impressions).toBe(((2 + 31) * 30) / 2 + 1);
  });

  it('records the context of the decision with the exposure, and one visitor once however many events', async () => {
    const now = Date.UTC(2035, 0, 15);
    const vid = 'vid_context_visitor';
    const message = (id: string, at: number, event: Event, offers?: QueuedEvent['offers']): QueuedEvent => ({
      site: 'demo',
      vid,
      at,
      event: { ...event, id } as Event,
      ...(offers ? { offers } : {}),
    });
    const page = { type: 'page', ts: now, url: 'https://demo.example/rates' } as Event;
    const click = { type: 'offer', ts: now, offer: 'rate-alert', action: 'click' } as Event;
    const bodies = [
      // A click that the queue delivers before the exposure it followed: the row takes the context later.
      message('ev_ctx_click_0', now + 2, click),
      message('ev_ctx_page_1', now, page, [{ offer: 'rate-alert', holdout: false, context: 'stage=engaged' }]),
      // A later decision in another stage does not move the visitor to another context.
      message('ev_ctx_page_2', now + 5, page, [{ offer: 'rate-alert', holdout: false, context: 'stage=lead' }]),
      message('ev_ctx_click_3', now + 6, click),
      message('ev_ctx_click_4', now + 7, click),
    ];
    await consumeEvents(
      createMessageBatch<QueuedEvent>(
        'nextbest-events',
        bodies.map((body) => ({ id: body.event.id, timestamp: new Date(now), attempts: 1, body })),
      ),
      env,
    );
    const rates = await offerRates(env.DB, 'demo', now);
    expect(rates['rate-alert']['-']).toEqual({
      impressions: 1,
      clicks: 1,
      converts: 0,
      contexts: { 'stage=engaged': { impressions: 1, clicks: 1, converts: 0 } },
    });
  });
});
