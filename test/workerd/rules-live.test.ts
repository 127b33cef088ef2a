// Live rules: publishing versions through the API, every isolate serving them within a minute,
// rollback, refused documents changing nothing, concurrent publishes, and D1 outages.
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FRESH_MS, LiveRules } from '../../worker/rules/live';
import { liveDocument } from '../../worker/rules/versions';
import { batch, BROWSER_USER_AGENT, get, pageView, post } from './helpers';
import { TEST_API_KEY } from './api-keys';

type Doc = Record<string, any>;
const auth = { authorization: `Bearer ${TEST_API_KEY}` };

function put(site: string, doc: unknown, query = ''): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://nextbest.test/v1/rules/${site}${query}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...auth },
      body: typeof doc === 'string' ? doc : JSON.stringify(doc),
    }),
  );
}

async function liveDoc(site = 'demo'): Promise<{ version: number; hash: string; source: string; rules: Doc }> {
  const res = await get(`/v1/rules/${site}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** The live document with every banner titled `title`: whichever offer a visitor gets shows it. */
function retitled(doc: Doc, title: string): Doc {
  const copy = structuredClone(doc);
  for (const offer of copy.offers) if (offer.banner) offer.banner.title = title;
  return copy;
}

/** The banner titles a new visitor on the rates page gets, decided by the worker now. */
async function titlesSeen(site = 'demo'): Promise<string[]> {
  const res = await post('/v1/collect', batch([pageView()], { site, slots: ['hero', 'sidebar'] }), auth);
  expect(res.status).toBe(200);
  const { decisions } = (await res.json()) as { decisions: { offers: Array<{ banner?: { title: string } }> } };
  return decisions.offers.flatMap((offer) => (offer.banner ? [offer.banner.title] : []));
}

// A D1 that fails every query, as during an outage; the other methods are the real binding's.
const failingDb = new Proxy(env.DB, {
  get(target, key) {
    if (key === 'prepare' || key === 'batch')
      return () => {
        throw new Error('D1 unavailable');
      };
    const value = Reflect.get(target, key);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});

afterEach(() => vi.restoreAllMocks());

describe('publishing rules', () => {
  it('starts from the bundled file, and a publish becomes the next version, served at once', async () => {
    const bundled = await liveDoc();
    expect(bundled).toMatchObject({ version: 1, source: 'bundled' });
    const versions = await (await get('/v1/rules/demo/versions')).json();
    expect(versions).toMatchObject({ live: 1, versions: [{ version: 1, author: 'bundle', created_at: null }] });

    const res = await put('demo', retitled(bundled.rules, 'Version two'), '?message=new%20titles');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ site: 'demo', version: 2, unchanged: false });
    expect(await liveDoc()).toMatchObject({ version: 2, source: 'published' });
    const history = (await (await get('/v1/rules/demo/versions')).json()) as { versions: Doc[] };
    expect(history.versions.map((v) => [v.version, v.author.startsWith('key:') || v.author, v.message])).toEqual([
      [2, true, 'new titles'],
      [1, 'bundle', 'rules/demo.json as deployed'],
    ]);
    // The API key itself is never stored, only a digest of it.
    expect(JSON.stringify(history)).not.toContain(TEST_API_KEY);
    expect(await titlesSeen()).toContain('Version two');
    expect(new Set(await titlesSeen())).toEqual(new Set(['Version two']));

    // The same document again records nothing.
    expect(await (await put('demo', retitled(bundled.rules, 'Version two'))).json()).toMatchObject({
      version: 2,
      unchanged: true,
    });
  });

  it('serves a publish in another isolate within a minute, and not before its next check', async () => {
    expect(FRESH_MS).toBeLessThanOrEqual(60_000);
    const other = new LiveRules(); // what another isolate holds
    const t0 = Date.now();
    const before = (await other.site(env, 'demo', t0))!;
    const res = await put('demo', retitled((await liveDoc()).rules, `Isolate test ${t0}`));
    const { version } = (await res.json()) as { version: number };
    expect(version).toBe(before.version + 1);
    expect((await other.site(env, 'demo', t0 + 1_000))!.version).toBe(before.version);
    const later = (await other.site(env, 'demo', t0 + 60_000))!;
    expect(later.version).toBe(version);
    expect(later.rules.offers.get('finish-app')!.source.banner!.title).toBe(`Isolate test ${t0}`);
  });

  it('rolls back by publishing an earlier version again', async () => {
    const v1 = (await (await get('/v1/rules/demo/versions/1')).json()) as { hash: string; rules: Doc };
    const res = await post('/v1/rules/demo/rollback', { version: 1, message: 'titles were wrong' }, auth);
    expect(res.status).toBe(200);
    const { version } = (await res.json()) as { version: number };
    const live = await liveDoc();
    expect(live).toMatchObject({ version, hash: v1.hash });
    expect(live.rules).toEqual(v1.rules);
    const newest = ((await (await get('/v1/rules/demo/versions')).json()) as { versions: Doc[] }).versions[0];
    expect(newest.message).toBe('rollback to version 1: titles were wrong');
    expect(await titlesSeen()).not.toContain('Version two');

    const missing = await post('/v1/rules/demo/rollback', { version: 999 }, auth);
    expect(missing.status).toBe(404);
    expect(await (await get('/v1/rules/demo/versions/999')).json()).toMatchObject({ error: { code: 'unknown_version' } });
  });

  it('refuses a bad document with every problem as path: reason, and changes nothing', async () => {
    const before = await liveDoc();
    const bad = structuredClone(before.rules);
    bad.offers[0].when = { 'score.total': { $gtee: 5 } };
    bad.stages[0].id = 42;
    bad.products[0].value = 'ten';
    const res = await put('demo', bad);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_rules');
    const lines = error.message.split('\n');
    expect(lines.some((line) => line.startsWith('offers[0].when'))).toBe(true);
    expect(lines.some((line) => line.startsWith('stages[0].id'))).toBe(true);
    expect(lines.some((line) => line.startsWith('products[0].value'))).toBe(true);
    expect(lines.every((line) => /^[^:]+: .+/.test(line))).toBe(true);

    expect((await put('demo', '{"origins": [')).status).toBe(400);
    expect((await put('demo', [1, 2])).status).toBe(400);
    const wrongType = await exports.default.fetch(
      new Request('https://nextbest.test/v1/rules/demo', {
        method: 'PUT',
        headers: { 'content-type': 'text/csv', ...auth },
        body: 'a,b',
      }),
    );
    expect(wrongType.status).toBe(415);
    const noKey = await exports.default.fetch(
      new Request('https://nextbest.test/v1/rules/demo', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expect(noKey.status).toBe(401);
    expect((await put('Bad Site', before.rules)).status).toBe(400);

    const after = await liveDoc();
    expect(after).toEqual(before);
  });

  it('refuses a document with ad-policy errors, and publishes one with warnings, listing them', async () => {
    const before = await liveDoc();
    const seniors = structuredClone(before.rules);
    seniors.audiences.push({ id: 'seniors', when: { 'event.props.age': { $gte: 60 } }, days: 30 });
    const refused = await put('demo', seniors);
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_rules');
    expect(error.message).toMatch(/^audiences\[2\]\.when\.event\.props\.age: error: an audience for credit ads /);
    expect(await liveDoc()).toEqual(before);

    const long = structuredClone(before.rules);
    long.audiences[0].days = 200;
    const res = await put('demo', long);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      version: before.version + 1,
      warnings: [expect.stringMatching(/^audiences\[0\]\.days: warning: 200 days is longer than Meta keeps a member/)],
    });
  });

  it('serialises concurrent publishes: each gets its own version, none is lost', async () => {
    const base = await liveDoc();
    const titles = Array.from({ length: 8 }, (_, i) => `Concurrent ${i}`);
    const answers = await Promise.all(titles.map((title) => put('demo', retitled(base.rules, title))));
    expect(answers.map((res) => res.status)).toEqual(titles.map(() => 200));
    const versions = (await Promise.all(answers.map((res) => res.json()))).map((body) => (body as { version: number }).version);
    expect([...versions].sort((a, b) => a - b)).toEqual(titles.map((_, i) => base.version + 1 + i));
    for (const [i, version] of versions.entries()) {
      const stored = (await (await get(`/v1/rules/demo/versions/${version}`)).json()) as { rules: Doc };
      expect(stored.rules.offers[0].banner.title).toBe(titles[i]);
    }
  });

  it('creates a new site without a deploy, origins included', async () => {
    const doc = retitled((await liveDoc()).rules, 'Acme Savings');
    doc.origins = ['https://www.acme-savings.example'];
    // The demo's QA origin is not one of this site's origins (rules check would refuse it).
    delete doc.test_origins;
    expect((await get('/v1/rules/acme-savings')).status).toBe(404);
    const res = await put('acme-savings', doc, '?message=first');
    expect(await res.json()).toMatchObject({ site: 'acme-savings', version: 1 });
    expect(await titlesSeen('acme-savings')).toContain('Acme Savings');
    const preflight = await exports.default.fetch(
      new Request('https://nextbest.test/v1/collect', {
        method: 'OPTIONS',
        headers: { origin: 'https://www.acme-savings.example', 'user-agent': BROWSER_USER_AGENT },
      }),
    );
    expect(preflight.status).toBe(204);
    const elsewhere = await post('/v1/collect', batch([pageView()], { site: 'acme-savings' }), {
      origin: 'https://evil.example',
    });
    expect(elsewhere.status).toBe(403);
  });
});

describe('while D1 cannot answer', () => {
  it('keeps serving the last version it had, and says so in the logs', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const isolate = new LiveRules();
    const t0 = Date.now();
    const had = (await isolate.site(env, 'demo', t0))!;
    expect(had.source).toBe('published');
    const during = (await isolate.site({ ...env, DB: failingDb }, 'demo', t0 + 60_000))!;
    expect(during.version).toBe(had.version);
    expect(during.rules).toBe(had.rules);
    expect(
      warn.mock.calls.some((call) => String(call[0]).includes('D1 unavailable, serving the versions this isolate has')),
    ).toBe(true);
    // Back: read again after the retry delay.
    expect((await isolate.site(env, 'demo', t0 + 71_000))!.version).toBe(had.version);
  });

  it('serves the bundled rules when it never read a version', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fresh = new LiveRules();
    const served = (await fresh.site({ ...env, DB: failingDb }, 'demo'))!;
    expect(served).toMatchObject({ version: 1, source: 'bundled' });
    expect(await fresh.site({ ...env, DB: failingDb }, 'acme-savings')).toBeUndefined();
  });

  it('answers the admin API with a 503, and publishes nothing', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(liveDocument({ ...env, DB: failingDb }, 'demo')).rejects.toMatchObject({ status: 503 });
  });
});
