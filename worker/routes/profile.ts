// GET and DELETE /v1/profile/:site/:vid, behind the API key: a visitor's profile for server-side
// consumers, and its erasure (GDPR/CCPA) from the Durable Object and from D1 (kept failed webhook
// deliveries included), with a `leave` to the webhooks of the audiences they were in.
import { Hono, type Context } from 'hono';
import * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { siteRules } from '../http/site';
import { describer, type Operations } from '../http/operation';
import { validated } from '../http/validate';
import { ClientId, Name } from '../schema/events';
import { Erasure, Profile } from '../schema/profile';
import { userProfileId, visitorStub } from '../visitor/stub';
import { eraseMemberships, type MemberRow } from '../audiences/members';
import { erasureLeaves } from '../audiences/webhooks';
import { eraseVisitorRows } from '../analytics/erase';
import { scrubFailed } from '../audiences/failed';

const VisitorParams = z.strictObject({ site: Name, vid: ClientId });

async function visitorParams(c: Context<AppEnv, string, { out: { param: z.output<typeof VisitorParams> } }>) {
  const params = c.req.valid('param');
  return { ...params, rules: (await siteRules(c, params.site, { checkOrigin: false })).rules };
}

const BAD_IDS = 'Bad site or visitor id';
const NO_KEY = 'No valid API key';

export const operations = {
  getProfile: {
    tag: 'visitors',
    summary: "A visitor's profile: score and reasons, stage history, segments, forms, offers, audiences, consent, last 50 events",
    auth: 'apiKey',
    ok: Profile,
    errors: { 400: BAD_IDS, 401: NO_KEY, 403: 'A read-only dashboard key', 404: 'Unknown site or visitor' },
  },
  eraseProfile: {
    tag: 'visitors',
    summary: 'Erase a visitor (and the person it identified as) from Durable Objects and D1 (GDPR/CCPA)',
    auth: 'apiKey',
    ok: Erasure,
    errors: { 400: BAD_IDS, 401: NO_KEY, 404: 'Unknown site' },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const profile = new Hono<AppEnv>()
  .use('/v1/profile/*', requireApiKey())
  .get('/v1/profile/:site/:vid', operation('getProfile'), validated('param', VisitorParams), async (c) => {
    const { site, vid } = await visitorParams(c);
    const found = await visitorStub(c.env, site, vid).profile();
    if (!found) throw new ApiError(404, 'unknown_visitor', `no visitor "${vid}" on site "${site}"`);
    c.header('Cache-Control', 'no-store');
    return c.json(found, 200);
  })
  .delete('/v1/profile/:site/:vid', operation('eraseProfile'), validated('param', VisitorParams), async (c) => {
    const { site, vid, rules } = await visitorParams(c);
    const { events, vids, uid } = await visitorStub(c.env, site, vid).erase();
    const now = Date.now();
    // The browsers' ids, and the person's profile id under which its audience memberships are kept.
    const ids = [...new Set([vid, ...vids]), ...(uid ? [userProfileId(uid)] : [])];
    let analyticsRows = 0;
    const memberships: MemberRow[] = [];
    for (const id of ids) {
      analyticsRows += await eraseVisitorRows(c.env.DB, site, id, now);
      memberships.push(...(await eraseMemberships(c.env.DB, site, id)));
    }
    // Kept webhook deliveries that failed lose the person's members, so a replay cannot send them.
    analyticsRows += await scrubFailed(c.env.DB, site, ids, uid);
    const leaves = erasureLeaves(rules, site, memberships, now);
    if (leaves.length) await c.env.WEBHOOKS.sendBatch(leaves.map((body) => ({ body })));
    c.header('Cache-Control', 'no-store');
    const erased = { events, visitors: vids, analytics_rows: analyticsRows + memberships.length };
    return c.json({ site, vid, erased } satisfies Erasure, 200);
  });
