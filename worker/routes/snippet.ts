// GET /nb.js: the built snippet from static assets. Sites paste the unversioned URL, so it may be
// cached for an hour and revalidated in the background; the ETag makes revalidation cheap.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { fetchAsset } from '../http/assets';

export const snippet = new Hono<AppEnv>();

snippet.get('/nb.js', async (c) => {
  const response = await fetchAsset(c, '/nb.js');
  if (response.ok) {
    response.headers.set('Cache-Control', 'public, max-age=3600, stale-while-revalidate=86400');
    response.headers.set('Access-Control-Allow-Origin', '*');
  }
  return response;
});
