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
import { userProfileId, visitorStub } from '../visitor/stub';
import { eraseMemberships } from '../audiences/members';
import { eraseVisitorRows } from '../analytics/erase';

const VisitorParams = z.strictObject({ site: Name, vid: ClientId });

function visitorParams(c: Context<AppEnv>) {
  const params = parseOr400(VisitorParams, c.req.param());
  siteRules(c, params.site, { checkOrigin: false });
  return params;
}

export const profile = new Hono<AppEnv>()
  .use('/v1/profile/*', requireApiKey())
  .get('/v1/profile/:site/:vid', async (c) => {
    const { site, vid } = visitorParams(c);
    const found = await visitorStub(c.env, site, vid).profile();
    if (!found) throw new ApiError(404, 'unknown_visitor', `no visitor "${vid}" on site "${site}"`);
    c.header('Cache-Control', 'no-store');
    return c.json(found);
  })
  .delete('/v1/profile/:site/:vid', async (c) => {
    const { site, vid } = visitorParams(c);
    const { events, vids, uid } = await visitorStub(c.env, site, vid).erase();
    let analyticsRows = 0;
    for (const erasedVid of new Set([vid, ...vids])) analyticsRows += await eraseVisitorRows(c.env.DB, site, erasedVid);
    if (uid) analyticsRows += await eraseMemberships(c.env.DB, site, userProfileId(uid));
    for (const erasedVid of new Set([vid, ...vids])) analyticsRows += await eraseMemberships(c.env.DB, site, erasedVid);
    c.header('Cache-Control', 'no-store');
    return c.json({ site, vid, erased: { events, visitors: vids, analytics_rows: analyticsRows } });
  });
