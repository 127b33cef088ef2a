import { afterEach, describe, expect, it, vi } from 'vitest';
import { exports } from 'cloudflare:workers';
import { batch, BROWSER_USER_AGENT, formEvent, pageView, sign, uniqueId } from './helpers';
import { IDENTITY_SECRETS, TEST_API_KEY } from './api-keys';
import { signatureValid } from '../../worker/http/identity';
import type { Env } from '../../worker/env';
import type { Event } from '../../worker/schema/events';
import { nextbestClient } from '../../worker/client';
import type { Profile } from '../../worker/schema/profile';
import type { CollectResponse } from '../../worker/schema/collect';
import type { DecideResponse } from '../../worker/schema/decide';

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

  it('decides for either device from the merged profile', async () => {
    const uid = await userId(`ada-${uniqueId()}`);
    const phone = batch([pageView('https://demo.example/rates')]);
    // Abandoned on the laptop: finish-app is decided for the hero slot (away from the application page).
    const laptop = batch([pageView('https://demo.example/calculator'), formEvent('start', 1), formEvent('abandon', 2)]);
    await api.v1.collect.$post({ json: phone });
    await api.v1.collect.$post({ json: laptop });
    const decideFor = async (vid: string) => {
      const response = await anonymous.v1.decide.$post({ json: { site: 'demo', vid, slots: ['hero'] } });
      expect(response.status).toBe(200);
      return ((await response.json()) as DecideResponse).decisions;
    };
    const offersOf = async (vid: string) => (await decideFor(vid)).offers.map((offer) => offer.offer);
    expect(await offersOf(phone.vid)).not.toContain('finish-app');
    expect(await offersOf(laptop.vid)).toContain('finish-app');

    await api.v1.identify.$post({ json: { site: 'demo', vid: laptop.vid, uid } });
    await api.v1.identify.$post({ json: { site: 'demo', vid: phone.vid, uid } });
    // The phone's answer now comes from the person, under the phone's own id.
    const fromPhone = await decideFor(phone.vid);
    expect(fromPhone.vid).toBe(phone.vid);
    expect(fromPhone.offers.map((offer) => offer.offer)).toContain('finish-app');
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

const identifyEvent = (uid: string, sig?: string): Event => ({
  id: uniqueId('ev'),
  ts: Date.now(),
  type: 'identify',
  uid,
  ...(sig ? { sig } : {}),
});
/** Jane's laptop: starts the application, leaves at step 3. */
const abandonedApplication = () =>
  batch([
    pageView('https://demo.example/apply'),
    formEvent('start', 1),
    formEvent('step', 2),
    formEvent('step', 3),
    formEvent('abandon', 3),
  ]);

async function collectAnonymously(json: ReturnType<typeof batch>): Promise<CollectResponse> {
  const response = await anonymous.v1.collect.$post({ json });
  expect(response.status).toBe(200);
  return (await response.json()) as CollectResponse;
}

describe('identity verification', () => {
  it('signs the way the README says: HMAC-SHA256 in hex (RFC 4231, test case 2)', async () => {
    expect(await sign('what do ya want for nothing?', 'Jefe')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it.each([
    ['no signature', async () => undefined],
    ['a wrong signature', async (uid: string) => sign(uid, 'a guess at the demo site secret, long enough')],
    ["a signature made with another site's secret", async (uid: string) => sign(uid, IDENTITY_SECRETS.acme)],
  ])("an identify with %s neither reveals nor changes the person's profile", async (_, signature) => {
    const uid = await userId(`jane-${uniqueId()}@example.com`);
    const laptop = abandonedApplication();
    await collectAnonymously(laptop);
    expect((await api.v1.identify.$post({ json: { site: 'demo', vid: laptop.vid, uid } })).status).toBe(200);
    const before = await profileOf(laptop.vid);
    expect(before.state.stage).toBe('applicant');

    const attacker = batch([identifyEvent(uid, await signature(uid))]);
    const answer = await collectAnonymously(attacker);
    expect(answer).toMatchObject({ accepted: 1, rejected: [] });
    expect(answer.decisions.stage).not.toBe('applicant');
    expect(answer.decisions.offers.map((o) => o.offer)).not.toContain('finish-app');
    expect(JSON.stringify(answer)).not.toContain('abandoned');
    // Writes through the attacker's device: withdraw ads consent, a fake submission.
    const consent: Event = { id: uniqueId('ev'), ts: Date.now(), type: 'track', name: 'consent', props: { ads: false } };
    await collectAnonymously({ ...attacker, events: [consent, formEvent('submit', 4)] });

    const after = await profileOf(laptop.vid);
    expect(after).toEqual(before);
    expect(after.linked).not.toContain(attacker.vid);
    // Recorded on the attacker's device only, as its own profile, without the signature.
    const own = await profileOf(attacker.vid);
    expect(own).toMatchObject({ vid: attacker.vid, uid: null, linked: [], events: 3 });
    const recorded = own.recent.find((event) => event.type === 'identify');
    expect(recorded).toBeDefined();
    expect(recorded).not.toHaveProperty('sig');
  });

  it("links with the site's signature: the events of the identifying batch join the profile, and a second device's copy of the signature links it too", async () => {
    const uid = await userId(`jane-${uniqueId()}@example.com`);
    const sig = await sign(uid);
    const laptop = abandonedApplication();
    laptop.events.splice(2, 0, identifyEvent(uid, sig));
    expect(await collectAnonymously(laptop)).toMatchObject({ accepted: 6, rejected: [] });

    const phone = batch([pageView('https://demo.example/'), identifyEvent(uid, sig)]);
    const answer = await collectAnonymously(phone);
    expect(answer.decisions.stage).toBe('applicant');
    expect(answer.decisions.offers[0].reasons).toContain('form mortgage-app abandoned at step 3');

    const profile = await profileOf(phone.vid);
    expect(profile.uid).toBe(uid);
    expect([...profile.linked].sort()).toEqual([laptop.vid, phone.vid].sort());
    expect(profile.events).toBe(8);
    expect(profile.recent.filter((event) => event.type === 'identify')).toHaveLength(2);
    expect(profile.recent.some((event) => 'sig' in event)).toBe(false);
  });

  it('accepts a signature under any of the secrets listed for a site while one is rotated', async () => {
    const uid = await userId('rotating');
    const env = {
      NB_IDENTITY_SECRETS: JSON.stringify({
        demo: ['the new secret, at least 32 characters', 'the old secret, at least 32 characters'],
      }),
    } as Env;
    expect(await signatureValid(env, 'demo', uid, await sign(uid, 'the old secret, at least 32 characters'))).toBe(true);
    expect(await signatureValid(env, 'demo', uid, await sign(uid, 'the new secret, at least 32 characters'))).toBe(true);
    expect(await signatureValid(env, 'acme', uid, await sign(uid, 'the new secret, at least 32 characters'))).toBe(false);
  });

  describe('a secret that does not parse', () => {
    afterEach(() => vi.restoreAllMocks());

    it.each([
      ['not JSON', '(root): expected a JSON object'],
      [JSON.stringify({ demo: 'short' }), 'demo: expected a secret of at least 32 characters'],
      [JSON.stringify({ Demo: 'a secret of at least 32 characters!!' }), 'Demo'],
    ])('%s verifies nothing and says what to fix', async (value, problem) => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      const uid = await userId('misconfigured');
      const sig = await sign(uid, 'a secret of at least 32 characters!!');
      expect(await signatureValid({ NB_IDENTITY_SECRETS: value } as Env, 'demo', uid, sig)).toBe(false);
      expect(logged).toHaveBeenCalledWith(expect.stringContaining(`NB_IDENTITY_SECRETS: ${problem}`));
    });
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
