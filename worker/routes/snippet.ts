// GET /nb.js: the built snippet from static assets. Sites paste the unversioned URL, so it may be
// cached for an hour and revalidated in the background; the ETag makes revalidation cheap.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { fetchAsset } from '../http/assets';
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
  const response = await fetchAsset(c, '/nb.js');
  if (response.ok) {
    response.headers.set('Cache-Control', 'public, max-age=3600, stale-while-revalidate=86400');
    response.headers.set('Access-Control-Allow-Origin', '*');
  }
  return response;
});
