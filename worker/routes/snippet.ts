// GET /nb.js: the built snippet from static assets. Sites paste the unversioned URL, so it may be
// cached for an hour and revalidated in the background; the ETag makes revalidation cheap.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { operation } from '../http/operation';

export const snippet = new Hono<AppEnv>();

const described = operation({
  id: 'getSnippet',
  tag: 'meta',
  summary: 'The browser snippet, cached for an hour and revalidated in the background',
  auth: 'none',
  ok: { type: 'text/javascript', description: 'The snippet' },
  errors: {},
});

snippet.get('/nb.js', described, async (c) => {
  const asset = await c.env.ASSETS.fetch(new Request(new URL('/nb.js', c.req.url), { headers: c.req.raw.headers }));
  const response = new Response(asset.body, asset);
  if (asset.ok) {
    response.headers.set('Cache-Control', 'public, max-age=3600, stale-while-revalidate=86400');
    response.headers.set('Access-Control-Allow-Origin', '*');
  }
  return response;
});
