// GET /v1/profile/:site/:vid: a visitor's profile for server-side consumers, behind the API key.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { ClientId, Name } from '../schema/events';
import { visitorStub } from '../visitor/stub';
import { sites } from '../../rules/sites';

export const profile = new Hono<AppEnv>();

profile.use('/v1/profile/*', requireApiKey());

profile.get('/v1/profile/:site/:vid', async (c) => {
  const { site, vid } = c.req.param();
  if (!Name.safeParse(site).success || !sites.has(site)) throw new ApiError(404, 'unknown_site', `no rules file for site "${site}"`);
  if (!ClientId.safeParse(vid).success) throw new ApiError(400, 'invalid_vid', 'vid: expected 8-64 letters, digits, "_" or "-"', 'vid');
  const found = await visitorStub(c.env, site, vid).profile();
  if (!found) throw new ApiError(404, 'unknown_visitor', `no visitor "${vid}" on site "${site}"`);
  c.header('Cache-Control', 'no-store');
  return c.json(found);
});
