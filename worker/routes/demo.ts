// GET /demo/…: the demo lender site from static assets, where NB_DEMO is on; elsewhere no such route.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { fetchAsset } from '../http/assets';
import { basePath } from '../http/base-path';
import { demoOn } from '../http/demo';

export const demo = new Hono<AppEnv>().get('/demo/*', async (c, next) => {
  if (!demoOn(c.env)) return next();
  // The pages link relatively (./rates.html, ../nb.js), which resolves right only from inside /demo/.
  if (c.req.path === '/demo') return c.redirect(`${basePath(c)}/demo/`);
  return fetchAsset(c, c.req.path);
});
