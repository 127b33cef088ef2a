import { describe, expect, it } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { batch, get, pageView, post, uniqueId } from './helpers';
import type { CollectResponse } from '../../worker/schema/collect';
import type { ErrorBody } from '../../worker/schema/errors';
import type { DecideResponse } from '../../worker/schema/decide';
import type { Profile } from '../../worker/schema/profile';
import { visitorStub } from '../../worker/visitor/stub';
import { visitorHash } from '../../worker/analytics/visitor-hash';
import { TEST_API_KEY } from './api-keys';

/** The headers every answer carries, and `x-powered-by`, which none does. */
const SECURITY_HEADERS = [
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
  'x-powered-by',
];

async function profileOf(vid: string): Promise<Profile> {
  return (await get(`/v1/profile/demo/${vid}`)).json<Profile>();
}

describe('POST /v1/decide', () => {
  it('answers the same decision as collect, without storing anything', async () => {
    const visit = batch([pageView(), pageView()]);
    const collected = await (await post('/v1/collect', visit)).json<CollectResponse>();
    const response = await post('/v1/decide', { site: 'demo', vid: visit.vid, slots: ['hero'] });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await response.json<DecideResponse>()).decisions).toEqual(collected.decisions);
    expect((await profileOf(visit.vid)).events).toBe(2);
  });

  it('decides for a visitor never seen and creates no profile', async () => {
    const vid = uniqueId('vid');
    const { decisions } = await (await post('/v1/decide', { site: 'demo', vid, slots: ['hero'] })).json<DecideResponse>();
    expect(decisions).toMatchObject({ vid, offers: [] });
    expect((await get(`/v1/profile/demo/${vid}`)).status).toBe(404);
  });

  it('answers 400 naming the path of a bad field', async () => {
    const response = await post('/v1/decide', { site: 'demo', vid: 'short', slots: ['hero'] });
    expect(response.status).toBe(400);
    expect((await response.json<ErrorBody>()).error).toMatchObject({ code: 'invalid_request', path: 'vid' });
  });
});

describe('DELETE /v1/profile/:site/:vid', () => {
  it('erases the visitor from its Durable Object and from D1, and says what it erased', async () => {
    const visit = batch([pageView(), pageView(), pageView()]);
    await post('/v1/collect', visit);
    const vh = await visitorHash('demo', visit.vid);
    await env.DB.prepare("INSERT INTO seen_events (site, vh, id, day) VALUES ('demo', ?, 'x1', '2026-01-01')").bind(vh).run();

    const response = await get(`/v1/profile/demo/${visit.vid}`, undefined, 'DELETE');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ erased: { events: 3, analytics_rows: 1 } });

    expect((await get(`/v1/profile/demo/${visit.vid}`)).status).toBe(404);
    // Not even its tables are left.
    const left = await runInDurableObject(visitorStub(env, 'demo', visit.vid), (_instance, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray(),
    );
    expect(left).toEqual([]);
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM seen_events WHERE vh = ?').bind(vh).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it('needs the API key', async () => {
    expect((await get('/v1/profile/demo/abcdefgh', null, 'DELETE')).status).toBe(401);
  });
});

describe('privacy and abuse', () => {
  it('scrubs e-mails, phone numbers and long digit runs from URLs, titles and props', async () => {
    const visit = batch([
      pageView('https://demo.example/apply?email=jane.doe@example.com&acct=12345678901', {
        title: 'Call +1 (415) 555-0100',
      } as never),
      { id: uniqueId('ev'), ts: Date.now(), type: 'track', name: 'lead', props: { note: 'ssn 123456789', bucket: '300-400k' } },
    ]);
    await post('/v1/collect', visit);
    const stored = JSON.stringify((await profileOf(visit.vid)).recent);
    expect(stored).not.toMatch(/jane\.doe|12345678901|555-0100|123456789/);
    expect(stored).toContain('300-400k');
  });

  it('ignores bots and headless browsers: counted, not profiled', async () => {
    for (const userAgent of ['Googlebot/2.1 (+http://www.google.com/bot.html)', 'Mozilla/5.0 HeadlessChrome/120.0']) {
      const visit = batch([pageView()]);
      const response = await post('/v1/collect', visit, { 'user-agent': userAgent });
      expect(response.status).toBe(204);
      expect((await get(`/v1/profile/demo/${visit.vid}`)).status).toBe(404);
    }
  });

  it('answers 429 with Retry-After when one visitor sends too fast, and stores nothing then', async () => {
    const vid = uniqueId('vid');
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 70; i++) {
      const response = await post('/v1/collect', batch([pageView()], { vid }));
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    expect(statuses.slice(0, 60).every((status) => status === 200)).toBe(true);
    // The bucket refills one batch a second, so on a slow machine a late batch may pass again.
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await profileOf(vid)).events).toBe(statuses.filter((status) => status === 200).length);
  });

  it('answers a CORS preflight for a listed origin and refuses a foreign one', async () => {
    const preflight = (origin: string) =>
      exports.default.fetch(
        new Request('https://nextbest.test/v1/collect', {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        }),
      );
    const allowed = await preflight('http://localhost:8787');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8787');
    expect((await preflight('https://evil.example')).status).toBe(403);
  });

  it('sets security headers and never caches decisions', async () => {
    const response = await post('/v1/collect', batch([pageView()]));
    expect(response.headers.get('cache-control')).toBe('no-store');
    for (const answer of [response, await get('/v1/health', null), await get('/nb.js', null)])
      expect(Object.fromEntries([...answer.headers].filter(([name]) => SECURITY_HEADERS.includes(name)))).toEqual({
        'cross-origin-opener-policy': 'same-origin',
        // The snippet and its modules are loaded by other sites' pages.
        'cross-origin-resource-policy': 'cross-origin',
        'origin-agent-cluster': '?1',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': 'max-age=15552000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-dns-prefetch-control': 'off',
        'x-download-options': 'noopen',
        'x-frame-options': 'SAMEORIGIN',
        'x-permitted-cross-domain-policies': 'none',
        'x-xss-protection': '0',
      });
  });
});

describe('server-side senders', () => {
  it('are not taken for bots when they present the API key', async () => {
    const visit = batch([pageView()]);
    const response = await post('/v1/collect', visit, { 'user-agent': 'curl/8.5.0', authorization: `Bearer ${TEST_API_KEY}` });
    expect(response.status).toBe(200);
    expect((await get(`/v1/profile/demo/${visit.vid}`)).status).toBe(200);
  });
});
