// GET and DELETE /v1/profile/:site/:vid, behind the API key: a visitor's profile for server-side
// consumers, and its erasure (GDPR/CCPA) from the Durable Object and from D1.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { siteRules } from '../http/site';
import { operation } from '../http/operation';
import { validated } from '../http/validate';
import { ClientId, Name } from '../schema/events';
import { Erasure, Profile } from '../schema/profile';
import { userProfileId, visitorStub } from '../visitor/stub';
import { eraseMemberships } from '../audiences/members';
import { eraseVisitorRows } from '../analytics/erase';

const VisitorParams = z.strictObject({ site: Name, vid: ClientId });

function visitorParams(c: Context<AppEnv, string, { out: { param: z.output<typeof VisitorParams> } }>) {
  const params = c.req.valid('param');
  siteRules(c, params.site, { checkOrigin: false });
  return params;
}

const errors = { 400: 'Bad site or visitor id', 401: 'No valid API key', 404: 'Unknown site or visitor' } as const;
const describedGet = operation({
  id: 'getProfile',
  tag: 'visitors',
  summary: "A visitor's profile: score and reasons, stage history, segments, forms, offers, audiences, consent, last 50 events",
  auth: 'apiKey',
  ok: Profile,
  errors,
});
const describedDelete = operation({
  id: 'eraseProfile',
  tag: 'visitors',
  summary: 'Erase a visitor (and the person it identified as) from Durable Objects and D1 (GDPR/CCPA)',
  auth: 'apiKey',
  ok: Erasure,
  errors: { 400: errors[400], 401: errors[401], 404: 'Unknown site' },
});

export const profile = new Hono<AppEnv>()
  .use('/v1/profile/*', requireApiKey())
  .get('/v1/profile/:site/:vid', describedGet, validated('param', VisitorParams), async (c) => {
    const { site, vid } = visitorParams(c);
    const found = await visitorStub(c.env, site, vid).profile();
    if (!found) throw new ApiError(404, 'unknown_visitor', `no visitor "${vid}" on site "${site}"`);
    c.header('Cache-Control', 'no-store');
    return c.json(found, 200);
  })
  .delete('/v1/profile/:site/:vid', describedDelete, validated('param', VisitorParams), async (c) => {
    const { site, vid } = visitorParams(c);
    const { events, vids, uid } = await visitorStub(c.env, site, vid).erase();
    let analyticsRows = 0;
    for (const erasedVid of new Set([vid, ...vids])) analyticsRows += await eraseVisitorRows(c.env.DB, site, erasedVid);
    if (uid) analyticsRows += await eraseMemberships(c.env.DB, site, userProfileId(uid));
    for (const erasedVid of new Set([vid, ...vids])) analyticsRows += await eraseMemberships(c.env.DB, site, erasedVid);
    c.header('Cache-Control', 'no-store');
    return c.json({ site, vid, erased: { events, visitors: vids, analytics_rows: analyticsRows } } satisfies Erasure, 200);
  });
