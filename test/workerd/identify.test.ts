import { describe, expect, it } from 'vitest';
import { exports } from 'cloudflare:workers';
import { batch, BROWSER_USER_AGENT, pageView, uniqueId } from './helpers';
import { TEST_API_KEY } from './api-keys';
import { nextbestClient } from '../../worker/client';
import type { Profile } from '../../worker/schema/profile';
import type { CollectResponse } from '../../worker/schema/collect';

function asBrowser(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  request.headers.set('user-agent', BROWSER_USER_AGENT);
  return exports.default.fetch(request);
}
const api = nextbestClient('https://nextbest.test', { apiKey: TEST_API_KEY, fetch: asBrowser });
const anonymous = nextbestClient('https://nextbest.test', { fetch: asBrowser });

const userId = async (name: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(name)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

async function profileOf(vid: string): Promise<Profile> {
  const response = await api.v1.profile[':site'][':vid'].$get({ param: { site: 'demo', vid } });
  expect(response.status).toBe(200);
  return (await response.json()) as unknown as Profile;
}

describe('identify and merge', () => {
  it('merges two devices of one user into one profile, each event once, whichever device comes first', async () => {
    const uid = await userId(`jane-${uniqueId()}`);
    const phone = batch([pageView('https://demo.example/rates'), pageView('https://demo.example/calculator')]);
    const laptop = batch([pageView('https://demo.example/apply')]);
    const shared = pageView('https://demo.example/');
    await api.v1.collect.$post({ json: { ...phone, events: [...phone.events, shared] } });
    await api.v1.collect.$post({ json: { ...laptop, events: [...laptop.events, shared] } });

    const first = await api.v1.identify.$post({ json: { site: 'demo', vid: laptop.vid, uid } });
    expect(first.status).toBe(200);
    const identified = { ...phone, events: [{ id: uniqueId('ev'), ts: Date.now(), type: 'identify' as const, uid }] };
    await api.v1.collect.$post({ json: identified });

    const fromPhone = await profileOf(phone.vid);
    const fromLaptop = await profileOf(laptop.vid);
    expect(fromPhone).toEqual(fromLaptop);
    expect(fromPhone.uid).toBe(uid);
    expect([...fromPhone.linked].sort()).toEqual([phone.vid, laptop.vid].sort());
    // 2 + 1 page views, the shared one once, plus the identify event.
    expect(fromPhone.events).toBe(5);
    expect(fromPhone.state.counters.pages).toBe(4);
  });

  it('keeps counting after the merge, through either device', async () => {
    const uid = await userId(`sam-${uniqueId()}`);
    const visit = batch([pageView()]);
    await api.v1.collect.$post({ json: visit });
    await api.v1.identify.$post({ json: { site: 'demo', vid: visit.vid, uid } });
    const after = await api.v1.collect.$post({ json: { ...visit, events: [pageView()] } });
    const body = (await after.json()) as CollectResponse;
    expect(body.decisions.vid).toBe(visit.vid);
    expect((await profileOf(visit.vid)).state.counters.pages).toBe(2);
  });

  it('erasing any linked visitor erases the whole person', async () => {
    const uid = await userId(`kim-${uniqueId()}`);
    const a = batch([pageView()]);
    const b = batch([pageView()]);
    for (const visit of [a, b]) {
      await api.v1.collect.$post({ json: visit });
      await api.v1.identify.$post({ json: { site: 'demo', vid: visit.vid, uid } });
    }
    const erased = await api.v1.profile[':site'][':vid'].$delete({ param: { site: 'demo', vid: a.vid } });
    expect(await erased.json()).toMatchObject({ erased: { events: 2 } });
    for (const vid of [a.vid, b.vid]) {
      expect((await api.v1.profile[':site'][':vid'].$get({ param: { site: 'demo', vid } })).status).toBe(404);
    }
  });

  it('needs the API key and a SHA-256 user id', async () => {
    const noKey = await anonymous.v1.identify.$post({ json: { site: 'demo', vid: 'abcdefgh', uid: 'a'.repeat(64) } });
    expect(noKey.status).toBe(401);
    const raw = await api.v1.identify.$post({ json: { site: 'demo', vid: 'abcdefgh', uid: 'jane@example.com' } });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { path: 'uid' } });
  });
});

describe('GET /v1/openapi.json', () => {
  it('serves the document built from the routes, naming its own origin as the server', async () => {
    const response = await exports.default.fetch(new Request('https://nextbest.test/v1/openapi.json'));
    const document = (await response.json()) as {
      openapi: string;
      servers: unknown;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/collect', '/v1/decide', '/v1/identify', '/v1/profile/{site}/{vid}']),
    );
    expect(JSON.stringify(document.paths['/v1/collect'].post.requestBody)).toContain('"sent_at"');
    expect(document.servers).toEqual([{ url: 'https://nextbest.test' }]);
  });
});
