// A deployment as README's deploy guide sets it up: the worker under a path prefix of the main
// domain (NB_BASE_PATH, a route such as www.lender.com/nb/*), and the demo site off unless NB_DEMO
// turns it on. The requests go through the worker's own fetch handler with its real bindings.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../worker/index';
import type { CollectResponse } from '../../worker/schema/collect';
import { TEST_API_KEY } from './api-keys';
import { batch, BROWSER_USER_AGENT, pageView } from './helpers';

const ORIGIN = 'https://www.lender.example';

async function request(vars: { NB_BASE_PATH?: string; NB_DEMO?: string }, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const headers = { 'user-agent': BROWSER_USER_AGENT, ...(init.headers as Record<string, string>) };
  const response = await worker.fetch(
    new Request(`${ORIGIN}${path}`, { ...init, headers, redirect: 'manual' }),
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

function collect(vars: { NB_BASE_PATH?: string; NB_DEMO?: string }, path: string) {
  return request(vars, path, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify(batch([pageView()])),
  });
}

describe('under a path prefix (NB_BASE_PATH = "/nb")', () => {
  const prefixed = { NB_BASE_PATH: '/nb' };

  it('takes events at /nb/v1/collect and serves the snippet at /nb/nb.js', async () => {
    const response = await collect(prefixed, '/nb/v1/collect');
    expect(response.status).toBe(200);
    expect((await response.json<CollectResponse>()).accepted).toBe(1);
    const script = await request(prefixed, '/nb/nb.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('max-age=3600');
    expect(await script.text()).toContain('v1/collect');
  });

  it('accepts the prefix however it is written, and the unprefixed paths of the workers.dev address', async () => {
    for (const base of ['nb', '/nb/', 'nb/']) expect((await collect({ NB_BASE_PATH: base }, '/nb/v1/collect')).status).toBe(200);
    expect((await collect(prefixed, '/v1/collect')).status).toBe(200);
    // Only a whole path segment is a prefix.
    expect((await request(prefixed, '/nbx/v1/health')).status).toBe(404);
  });

  it('redirects / to the demo inside the prefix, and keeps the demo site inside it', async () => {
    const root = await request({ ...prefixed, NB_DEMO: 'on' }, '/nb/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/nb/demo/');
    expect((await request({ ...prefixed, NB_DEMO: 'on' }, '/nb')).headers.get('location')).toBe('/nb/demo/');
    const page = await request({ ...prefixed, NB_DEMO: 'on' }, '/nb/demo/');
    expect(page.status).toBe(200);
    // The page loads the snippet relative to itself: /nb/demo/ → /nb/nb.js, which posts to /nb/v1/collect.
    expect(await page.text()).toContain('src="../nb.js"');
    expect((await request({ ...prefixed, NB_DEMO: 'on' }, '/nb/demo/rates.html')).status).toBe(200);
    // Relative links resolve right only from inside the folder.
    expect((await request({ ...prefixed, NB_DEMO: 'on' }, '/nb/demo')).headers.get('location')).toBe('/nb/demo/');
  });

  it('names the prefixed server in the OpenAPI document', async () => {
    const document = await (await request(prefixed, '/nb/v1/openapi.json')).json<{ servers: Array<{ url: string }> }>();
    expect(document.servers).toEqual([{ url: `${ORIGIN}/nb` }]);
  });

  it('shows the tag with the prefix on the dashboard, and submits its forms to the prefixed dashboard', async () => {
    const response = await request(
      { ...prefixed, NB_DEMO: 'on' },
      `/nb/dashboard?key=${TEST_API_KEY}&from=2020-01-01&to=2020-01-07`,
    );
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`src=&quot;${ORIGIN}/nb/nb.js&quot;`);
    expect(html).toContain('action="dashboard"');
    expect(html).not.toMatch(/(action|href|src)="\/(?!\/)/);
  });
});

describe('the demo site (NB_DEMO)', () => {
  it('is neither served nor takes events when off, as in a deploy', async () => {
    const off = { NB_DEMO: 'off' };
    expect((await request(off, '/demo/')).status).toBe(404);
    expect((await request(off, '/demo/rates.html')).status).toBe(404);
    const refused = await collect(off, '/v1/collect');
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: { code: 'unknown_site' } });
    // Nor are its localhost origins allowed a preflight.
    const preflight = {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:8787', 'access-control-request-method': 'POST' },
    };
    expect((await request(off, '/v1/collect', preflight)).status).toBe(403);
    expect((await request({ NB_DEMO: 'on' }, '/v1/collect', preflight)).status).toBe(204);
    // The root leads to the dashboard, not to a demo that is not there.
    expect((await request(off, '/')).headers.get('location')).toBe('/dashboard');
    const dashboard = await request(off, `/dashboard?key=${TEST_API_KEY}&site=demo`);
    expect(dashboard.status).toBe(404);
  });

  it('is served when on', async () => {
    expect((await request({ NB_DEMO: 'on' }, '/demo/')).status).toBe(200);
    expect((await request({ NB_DEMO: 'on' }, '/')).headers.get('location')).toBe('/demo/');
  });
});
