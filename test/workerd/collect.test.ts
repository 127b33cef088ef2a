import { describe, expect, it } from 'vitest';
import { batch, get, pageView, post } from './helpers';
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
