// GET /nb.js: the built snippet from static assets. Sites paste the unversioned URL, so it may be
// cached for an hour and revalidated in the background; the ETag makes revalidation cheap.
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const snippet = new Hono<AppEnv>();

snippet.get('/nb.js', async (c) => {
  const asset = await c.env.ASSETS.fetch(new Request(new URL('/nb.js', c.req.url), { headers: c.req.raw.headers }));
  const response = new Response(asset.body, asset);
  if (asset.ok) {
    response.headers.set('Cache-Control', 'public, max-age=3600, stale-while-revalidate=86400');
    response.headers.set('Access-Control-Allow-Origin', '*');
  }
  return response;
});
