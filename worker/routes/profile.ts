// GET and DELETE /v1/profile/:site/:vid, behind the API key: a visitor's profile for server-side
// consumers, and its erasure (GDPR/CCPA) from the Durable Object and from D1.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { siteRules } from '../http/site';
import { parseOr400 } from '../http/validate';
import { ClientId, Name } from '../schema/events';
import { visitorStub } from '../visitor/stub';
import { eraseVisitorRows } from '../analytics/erase';

export const profile = new Hono<AppEnv>();

const VisitorParams = z.strictObject({ site: Name, vid: ClientId });

function visitorParams(c: Context<AppEnv>) {
  const params = parseOr400(VisitorParams, c.req.param());
  siteRules(c, params.site, { checkOrigin: false });
  return params;
}

profile.use('/v1/profile/*', requireApiKey());

profile.get('/v1/profile/:site/:vid', async (c) => {
  const { site, vid } = visitorParams(c);
  const found = await visitorStub(c.env, site, vid).profile();
  if (!found) throw new ApiError(404, 'unknown_visitor', `no visitor "${vid}" on site "${site}"`);
  c.header('Cache-Control', 'no-store');
  return c.json(found);
});

profile.delete('/v1/profile/:site/:vid', async (c) => {
  const { site, vid } = visitorParams(c);
  const { events } = await visitorStub(c.env, site, vid).erase();
  const analyticsRows = await eraseVisitorRows(c.env.DB, site, vid);
  c.header('Cache-Control', 'no-store');
  return c.json({ site, vid, erased: { events, analytics_rows: analyticsRows } });
});
