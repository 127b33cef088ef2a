import { describe, expect, it } from 'vitest';
import { batch, get, pageView, post, uniqueId } from './helpers';
import type { Profile } from '../../worker/schema/profile';
import { ROTATED_API_KEY } from './api-keys';
import type { CollectResponse } from '../../worker/schema/collect';
import type { ErrorBody } from '../../worker/schema/errors';

describe('POST /v1/collect', () => {
  it('stores a page view in the visitor profile', async () => {
    const body = batch([pageView()]);
    const response = await post('/v1/collect', body);
    expect(response.status).toBe(200);
    const result = await response.json<CollectResponse>();
    expect(result).toMatchObject({ accepted: 1, duplicates: 0, rejected: [] });
    expect(result.decisions.vid).toBe(body.vid);

    const profile = await (
      await get(`/v1/profile/demo/${body.vid}`)
    ).json<{ events: number; state: { counters: { pages: number } } }>();
    expect(profile.events).toBe(1);
    expect(profile.state.counters.pages).toBe(1);
  });

  it('counts an event id once however often it is sent', async () => {
    const view = pageView();
    const first = batch([view, { ...view }]);
    const firstResult = await (await post('/v1/collect', first)).json<CollectResponse>();
    expect(firstResult).toMatchObject({ accepted: 2, duplicates: 1 });
    const retry = await (await post('/v1/collect', { ...first, events: [view] })).json<CollectResponse>();
    expect(retry).toMatchObject({ accepted: 1, duplicates: 1 });

    const profile = await (
      await get(`/v1/profile/demo/${first.vid}`)
    ).json<{ events: number; state: { counters: { pages: number } } }>();
    expect(profile.events).toBe(1);
    expect(profile.state.counters.pages).toBe(1);
  });

  it('shows the welcome-back banner in the hero slot from the second page view on', async () => {
    const visit = batch([pageView()]);
    const first = await (await post('/v1/collect', visit)).json<CollectResponse>();
    expect(first.decisions.offers).toEqual([]);
    const second = await (await post('/v1/collect', { ...visit, events: [pageView()] })).json<CollectResponse>();
    expect(second.decisions.offers).toMatchObject([{ slot: 'hero', offer: 'welcome-back', holdout: false }]);
    expect(second.decisions.offers[0].banner?.title).toMatch(/welcome back/i);
  });

  it('accepts text/plain bodies, as sendBeacon sends them', async () => {
    const response = await post('/v1/collect', JSON.stringify(batch([pageView()])), {
      'content-type': 'text/plain;charset=UTF-8',
    });
    expect(response.status).toBe(200);
  });

  it('keeps the good events of a batch and names the bad ones', async () => {
    const body = batch([pageView(), { ...pageView(), url: 'javascript:alert(1)' } as never, { type: 'page' } as never]);
    const result = await (await post('/v1/collect', body)).json<CollectResponse>();
    expect(result.accepted).toBe(1);
    expect(result.rejected.map((r) => r.index)).toEqual([1, 2]);
    expect(result.rejected[0].reason).toMatch(/^events\[1\]\.url: /);
    expect(result.rejected[1].reason).toMatch(/^events\[2\]\.id: /);
  });

  it.each([
    ['an unknown field', { ...batch([pageView()]), extra: 1 }, /unrecognized key/i],
    ['a wrong type', { ...batch([pageView()]), sent_at: 'yesterday' }, /^sent_at: /],
    ['an unknown event field', batch([{ ...pageView(), price: 450000 } as never]), /^no valid event: events\[0\]: .*price/i],
    ['no events', batch([]), /^events: /],
  ])('answers 400 naming the path and the reason for %s', async (_name, body, message) => {
    const response = await post('/v1/collect', body);
    expect(response.status).toBe(400);
    const { error } = await response.json<ErrorBody>();
    expect(error.code).toBe('invalid_batch');
    expect(error.message).toMatch(message);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await post('/v1/collect', '{"site": "demo",');
    expect(response.status).toBe(400);
    expect((await response.json<ErrorBody>()).error.code).toBe('invalid_json');
  });

  it('answers 413 for a body over 64 KB, before parsing it', async () => {
    const events = Array.from({ length: 100 }, () => pageView(`https://demo.example/${'x'.repeat(1000)}`));
    const response = await post('/v1/collect', batch(events));
    expect(response.status).toBe(413);
    expect((await response.json<ErrorBody>()).error.code).toBe('payload_too_large');
  });

  it('answers 404 for a site without rules', async () => {
    const response = await post('/v1/collect', batch([pageView()], { site: 'nosuchsite' }));
    expect(response.status).toBe(404);
    expect((await response.json<ErrorBody>()).error.message).toContain('rules/nosuchsite.json');
  });

  it('refuses a browser origin the site does not list, and allows a listed one', async () => {
    const foreign = await post('/v1/collect', batch([pageView()]), { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const listed = await post('/v1/collect', batch([pageView()]), { origin: 'http://localhost:8787' });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe('http://localhost:8787');
  });
});

describe('GET /v1/profile/:site/:vid', () => {
  it('answers 401 without an API key and with a wrong one', async () => {
    expect((await get('/v1/profile/demo/abcdefgh', null)).status).toBe(401);
    expect((await get('/v1/profile/demo/abcdefgh', 'wrong-key')).status).toBe(401);
  });

  it('accepts every key of a rotation list', async () => {
    const body = batch([pageView()]);
    await post('/v1/collect', body);
    expect((await get(`/v1/profile/demo/${body.vid}`, ROTATED_API_KEY)).status).toBe(200);
  });

  it('answers 404 for a visitor never seen', async () => {
    expect((await get('/v1/profile/demo/never-seen-visitor')).status).toBe(404);
  });
});

describe('slots', () => {
  it('drops slot names it cannot use instead of refusing the batch', async () => {
    const response = await post('/v1/collect', batch([pageView(), pageView()], { slots: ['Hero Banner!', 'hero', ''] as never }));
    expect(response.status).toBe(200);
    const result = await response.json<CollectResponse>();
    expect(result.accepted).toBe(2);
    expect(result.decisions.offers.map((offer) => offer.slot)).toEqual(['hero']);
  });
});

describe('event times', () => {
  const DAY = 86_400_000;
  const ratesViews = (n: number, ts: number) => Array.from({ length: n }, () => pageView('https://demo.example/rates', { ts }));

  it('refuses events dated days back, so a burst cannot be spread over past days to beat the daily caps', async () => {
    const now = await post('/v1/collect', batch(ratesViews(30, Date.now())));
    const nowScore = (await now.json<CollectResponse>()).decisions.score.total;
    // The same 30 views, 3 a day over 10 days, each batch sent now.
    const vid = uniqueId('vid');
    const answers: CollectResponse[] = [];
    for (let day = 0; day < 10; day++) {
      const response = await post('/v1/collect', batch(ratesViews(3, Date.now() - day * DAY - 60_000), { vid }));
      // A batch whose every event is refused is itself refused (400), the reasons in the message.
      if (day === 0) answers.push(await response.json<CollectResponse>());
      else expect(response.status).toBe(400);
    }
    expect(answers[0]).toMatchObject({ accepted: 3, rejected: [] });
    const profile = await (await get(`/v1/profile/demo/${vid}`)).json<Profile>();
    expect(profile.events).toBe(3);
    expect(profile.state.stage).not.toBe('lead');
    expect(profile.state.score.total).toBeLessThanOrEqual(nowScore);
  });

  it('refuses each stale event with its reason and keeps the rest of the batch', async () => {
    const good = pageView();
    const old = pageView('https://demo.example/rates', { ts: Date.now() - 2 * DAY });
    const response = await post('/v1/collect', batch([good, old, pageView('https://demo.example/', { ts: 0 })]));
    expect(response.status).toBe(200);
    const body = await response.json<CollectResponse>();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([
      { index: 1, reason: expect.stringMatching(/^events\[1\]\.ts: happened 48 h before it was received .*at most 24 h/) },
      { index: 2, reason: expect.stringMatching(/^events\[2\]\.ts: /) },
    ]);
  });

  it('answers 4xx, never 500, for absurd clocks', async () => {
    const dated1970 = await post('/v1/collect', batch([pageView('https://demo.example/', { ts: 0 })], { sent_at: 8.64e15 }));
    expect(dated1970.status).toBe(400);
    expect((await dated1970.json<ErrorBody>()).error).toMatchObject({ path: 'events[0]' });
    for (const sent_at of [-1, 8.64e15 + 1, 1e300]) {
      expect((await post('/v1/collect', batch([pageView()], { sent_at }))).status).toBe(400);
    }
    // A clock far ahead is corrected by sent_at: the event is now, accepted.
    const ahead = await post('/v1/collect', batch([pageView('https://demo.example/', { ts: 8.64e15 })], { sent_at: 8.64e15 }));
    expect(ahead.status).toBe(200);
  });
});
