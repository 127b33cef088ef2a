// Who may see what: admin keys open every route, a site's read-only key only its dashboard and
// /v1/stats. The dashboard signs in with a form post and a session cookie, never a key in a URL.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { generateSignedCookie } from 'hono/cookie';
import { describe, expect, it } from 'vitest';
import worker from '../../worker/index';
import { accessOfKey, keyring } from '../../worker/http/keys';
import type { ErrorBody } from '../../worker/schema/errors';
import { DEMO_READ_KEY, OTHER_READ_KEY, TEST_API_KEY } from './api-keys';
import { batch, get, pageView, post } from './helpers';

const ORIGIN = 'https://nextbest.test';
const SESSION_COOKIE = '__Secure-nb_session';
const FORM = 'application/x-www-form-urlencoded';

function send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
  return exports.default.fetch(
    new Request(`${ORIGIN}${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body, redirect: 'manual' }),
  );
}

/** The sign-in form's post, from a page of this origin unless `headers` say otherwise. */
const login = (body: string, headers: Record<string, string> = {}, path = '/dashboard/login') =>
  send(path, { method: 'POST', headers: { 'content-type': FORM, origin: ORIGIN, ...headers }, body });

const keyField = (key: string) => `key=${encodeURIComponent(key)}`;

/** Signs in and answers the Cookie header a browser would send back. */
async function signIn(key: string): Promise<string> {
  const response = await login(keyField(key));
  expect(response.status).toBe(303);
  return response.headers.get('set-cookie')!.split(';')[0];
}

const dashboard = (cookie: string, query = '') => send(`/dashboard${query}`, { headers: { cookie } });

/** A session cookie signed as the worker signs them, with any content and secret. */
async function craftedCookie(value: unknown, secret?: ArrayBuffer): Promise<string> {
  const signed = await generateSignedCookie('nb_session', JSON.stringify(value), secret ?? (await keyring(env)).sessionSecret!, {
    prefix: 'secure',
    path: '/dashboard',
    secure: true,
  });
  return signed.split(';')[0];
}

describe('a read-only key', () => {
  it('reads the stats of its own site only', async () => {
    expect((await get('/v1/stats/demo?metric=traffic', DEMO_READ_KEY)).status).toBe(200);
    const other = await get('/v1/stats/demo?metric=traffic', OTHER_READ_KEY);
    expect(other.status).toBe(403);
    expect((await other.json<ErrorBody>()).error.code).toBe('forbidden');
    expect((await get('/v1/stats/acme', DEMO_READ_KEY)).status).toBe(403);
    // The admin key reaches the route, which knows no site "acme".
    expect((await get('/v1/stats/acme')).status).toBe(404);
  });

  it('can neither read nor erase a profile, read an audience or identify a visitor', async () => {
    const visit = batch([pageView()]);
    expect((await post('/v1/collect', visit)).status).toBe(200);
    const profilePath = `/v1/profile/demo/${visit.vid}`;
    for (const [path, method] of [
      [profilePath, 'DELETE'],
      [profilePath, 'GET'],
      ['/v1/audiences/demo/mortgage_abandoners', 'GET'],
    ]) {
      const response = await get(path, DEMO_READ_KEY, method);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect((await response.json<ErrorBody>()).error.message).toContain('read-only');
    }
    const identify = await post(
      '/v1/identify',
      { site: 'demo', vid: visit.vid, uid: 'a'.repeat(64) },
      { authorization: `Bearer ${DEMO_READ_KEY}` },
    );
    expect(identify.status).toBe(403);
    // Still there: the refused DELETE erased nothing.
    expect((await get(profilePath)).status).toBe(200);
  });

  it('signs in to its site alone: other sites are neither listed nor shown', async () => {
    const cookie = await signIn(DEMO_READ_KEY);
    const own = await dashboard(cookie, '?from=2020-01-01&to=2020-01-02');
    expect(own.status).toBe(200);
    const page = await own.text();
    expect(page).toContain('<option value="demo" selected>demo</option>');
    expect(page).toContain('read-only key');
    const other = await dashboard(cookie, '?site=acme');
    expect(other.status).toBe(403);
    expect(await other.text()).toContain('This key cannot see the site acme');
    // acme's key sees no site with a rules file.
    expect((await dashboard(await signIn(OTHER_READ_KEY))).status).toBe(404);
  });
});

describe('signing in to the dashboard', () => {
  it('posts the key once and answers a session cookie that is HttpOnly, Secure, SameSite=Strict and ends in 12 hours', async () => {
    const response = await login(keyField(TEST_API_KEY), {}, '/dashboard/login?site=demo&from=2020-01-01&to=2020-01-02');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard?site=demo&from=2020-01-01&to=2020-01-02');
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[^;]+; Max-Age=43200; Path=/dashboard; HttpOnly; Secure; SameSite=Strict$`),
    );
    expect(cookie).not.toContain(TEST_API_KEY);
    expect(response.headers.get('cache-control')).toBe('no-store');

    const page = await dashboard(cookie.split(';')[0], '?site=demo&from=2020-01-01&to=2020-01-02');
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('data-section="traffic"');
    expect(text).toContain('action="dashboard/logout"');
    expect(text).not.toContain(TEST_API_KEY);
    expect(text).not.toMatch(/type="hidden"/);
    // The range form is a GET form with the site, the dates and the filters only.
    expect([...text.matchAll(/<(?:input|select|textarea)[^>]* name="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'site',
      'from',
      'to',
      'source',
      'medium',
      'device',
      'stage',
    ]);
  });

  it('never shows, echoes or redirects with a key', async () => {
    const wrong = await login(keyField('not-the-key-1234'));
    expect(wrong.status).toBe(401);
    const page = await wrong.text();
    expect(page).toContain('That key is not valid.');
    expect(page).not.toContain('not-the-key-1234');
    expect(wrong.headers.get('set-cookie')).toBeNull();

    // A key in the URL (an old bookmark) opens nothing and is not repeated in the page.
    const inUrl = await send(`/dashboard?key=${TEST_API_KEY}`);
    expect(inUrl.status).toBe(400);
    const text = await inUrl.text();
    expect(text).toContain('A key does not belong in a URL');
    expect(text).not.toContain(TEST_API_KEY);
    expect(text).toContain('action="/dashboard/login"');
  });

  it('shows the sign-in form without a session, carrying the site and range to open', async () => {
    const response = await send('/dashboard?site=demo&from=2020-01-01&to=2020-01-05');
    expect(response.status).toBe(401);
    const page = await response.text();
    expect(page).toContain('<form method="post" action="/dashboard/login?site=demo&amp;from=2020-01-01&amp;to=2020-01-05">');
    expect(page).toContain('type="password" name="key"');
  });

  it('refuses a sign-in or sign-out posted from another site', async () => {
    const forged: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: '' },
    ];
    for (const headers of forged) {
      const response = await login(keyField(TEST_API_KEY), headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect((await response.json<ErrorBody>()).error.code).toBe('cross_site');
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    const logout = await send('/dashboard/logout', {
      method: 'POST',
      headers: { origin: 'https://evil.example', cookie: await signIn(TEST_API_KEY) },
    });
    expect(logout.status).toBe(403);
    expect(logout.headers.get('set-cookie')).toBeNull();
    // A page under Referrer-Policy: no-referrer posts with `Origin: null`; Sec-Fetch-Site vouches for it.
    expect((await login(keyField(TEST_API_KEY), { origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  it.each([
    ['no key field', 'user=me', 400, 'Enter a key.'],
    ['an empty key', 'key=', 400, 'Enter a key.'],
    ['a blank key', 'key=%20%20', 400, 'Enter a key.'],
    ['a key of 600 characters', keyField('k'.repeat(600)), 400, 'too long to be a key'],
  ])('answers %s with the form and a message', async (_name, body, status, message) => {
    const response = await login(body);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain(message);
  });

  it.each([
    ['JSON', { 'content-type': 'application/json' }, JSON.stringify({ key: TEST_API_KEY }), 415],
    ['no content type', { 'content-type': '' }, keyField(TEST_API_KEY), 415],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--', 415],
    ['a body of 100 KB', {}, keyField('k'.repeat(100_000)), 413],
  ])('answers a sign-in sent as %s with a clear 4xx', async (_name, headers, body, status) => {
    const response = await login(body, headers);
    expect(response.status).toBe(status);
    expect((await response.json<ErrorBody>()).error.message).toBeTruthy();
  });
});

describe('a dashboard session', () => {
  it('ends at sign-out: the cookie is cleared with the same attributes', async () => {
    const cookie = await signIn(TEST_API_KEY);
    expect((await dashboard(cookie, '?from=2020-01-01&to=2020-01-02')).status).toBe(200);
    const response = await send('/dashboard/logout', { method: 'POST', headers: { origin: ORIGIN, cookie } });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard');
    expect(response.headers.get('set-cookie')).toBe(
      `${SESSION_COOKIE}=; Max-Age=0; Path=/dashboard; HttpOnly; Secure; SameSite=Strict`,
    );
    expect((await send('/dashboard')).status).toBe(401);
  });

  it('is refused when expired, tampered with or signed under other keys, and its cookie cleared', async () => {
    const expired = await craftedCookie({ access: { kind: 'admin' }, expires: Date.now() - 1000 });
    const readOnly = await signIn(DEMO_READ_KEY);
    const [value, signature] = decodeURIComponent(readOnly.slice(SESSION_COOKIE.length + 1)).split(/\.(?=[^.]+$)/);
    const promoted = `${SESSION_COOKIE}=${encodeURIComponent(value.replace('{"kind":"read-only","sites":["demo"]}', '{"kind":"admin"}') + '.' + signature)}`;
    expect(promoted).not.toBe(readOnly);
    const otherKeys = (await keyring({ ...env, NB_API_KEY: 'some-other-admin-key' })).sessionSecret!;
    const rotated = await craftedCookie({ access: { kind: 'admin' }, expires: Date.now() + 60_000 }, otherKeys);
    const unsigned = `${SESSION_COOKIE}=${encodeURIComponent(JSON.stringify({ access: { kind: 'admin' }, expires: Date.now() + 60_000 }))}`;
    for (const [cookie, message] of [
      [expired, 'Your session ended after 12 hours'],
      [promoted, 'no longer valid'],
      [rotated, 'no longer valid'],
      [unsigned, 'no longer valid'],
    ]) {
      const response = await dashboard(cookie);
      expect(response.status, cookie).toBe(401);
      expect(await response.text()).toContain(message);
      expect(response.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=; Max-Age=0`));
    }
    // A well-formed session signed with the right secret is accepted: the refusals above are not for the shape.
    expect(
      (
        await dashboard(
          await craftedCookie({ access: { kind: 'admin' }, expires: Date.now() + 60_000 }),
          '?from=2020-01-01&to=2020-01-02',
        )
      ).status,
    ).toBe(200);
  });

  it('is no key for the API: /v1/stats wants a key in a header', async () => {
    const response = await send('/v1/stats/demo', { headers: { cookie: await signIn(TEST_API_KEY) } });
    expect(response.status).toBe(401);
  });
});

describe('under a path prefix (NB_BASE_PATH = "/nb")', () => {
  async function prefixed(path: string, init: RequestInit = {}): Promise<Response> {
    const ctx = createExecutionContext();
    const request = new Request(`${ORIGIN}${path}`, { ...init, redirect: 'manual' });
    const response = await worker.fetch(request, { ...env, NB_BASE_PATH: '/nb' }, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  }

  it('posts the form, redirects and scopes the cookie under the prefix', async () => {
    expect(await (await prefixed('/nb/dashboard')).text()).toContain('action="/nb/dashboard/login"');
    const headers = { 'content-type': FORM, origin: ORIGIN };
    const response = await prefixed('/nb/dashboard/login?site=demo', { method: 'POST', headers, body: keyField(TEST_API_KEY) });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/nb/dashboard?site=demo');
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toContain('; Path=/nb/dashboard;');
    expect(
      (await prefixed('/nb/dashboard?from=2020-01-01&to=2020-01-02', { headers: { cookie: cookie.split(';')[0] } })).status,
    ).toBe(200);
    const logout = await prefixed('/nb/dashboard/logout', { method: 'POST', headers: { origin: ORIGIN } });
    expect(logout.headers.get('location')).toBe('/nb/dashboard');
  });
});

describe('NB_DASHBOARD_KEYS', () => {
  it('skips malformed entries and keeps the others; one key may serve several sites', async () => {
    const keys = { ...env, NB_DASHBOARD_KEYS: 'no-colon, Bad Site:k1, demo:, demo:good, acme:good,demo:second' };
    expect(await accessOfKey(keys, 'good')).toEqual({ kind: 'read-only', sites: ['demo', 'acme'] });
    expect(await accessOfKey(keys, 'second')).toEqual({ kind: 'read-only', sites: ['demo'] });
    expect(await accessOfKey(keys, 'k1')).toBeNull();
    expect(await accessOfKey(keys, 'no-colon')).toBeNull();
    expect(await accessOfKey(keys, TEST_API_KEY)).toEqual({ kind: 'admin' });
  });

  it('signs nothing without an admin key: sessions are signed with a key derived from NB_API_KEY', async () => {
    expect((await keyring({ ...env, NB_API_KEY: '' })).sessionSecret).toBeNull();
    const a = new Uint8Array((await keyring({ ...env, NB_DASHBOARD_KEYS: 'demo:x' })).sessionSecret!);
    const b = new Uint8Array((await keyring({ ...env, NB_DASHBOARD_KEYS: 'demo:y' })).sessionSecret!);
    expect(a).not.toEqual(b);
  });
});
