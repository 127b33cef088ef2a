// GET /v1/audiences/:site/:audience (API key): the audience's current members for ad-platform
// sync, with join and expiry times and the hashed user id when known, a page at a time.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { siteRules } from '../http/site';
import { operation } from '../http/operation';
import { validated } from '../http/validate';
import { Name } from '../schema/events';
import { currentMembers } from '../audiences/members';
import { AudienceMembers } from '../schema/audiences';

const Params = z.strictObject({ site: Name, audience: Name });
const Query = z.strictObject({
  /** The opaque `next` of the previous page. */
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const encodeCursor = (vid: string) => btoa(vid).replace(/=+$/, '');
function decodeCursor(cursor: string | undefined): string {
  if (!cursor) return '';
  try {
    return atob(cursor);
  } catch {
    throw new ApiError(400, 'invalid_request', 'cursor: not a cursor this API returned', 'cursor');
  }
}

const described = operation({
  id: 'listAudienceMembers',
  tag: 'audiences',
  summary: "An audience's current members, a page at a time, for ad-platform sync",
  auth: 'apiKey',
  ok: AudienceMembers,
  errors: {
    400: 'Bad parameter or cursor',
    401: 'No valid API key',
    403: 'A read-only dashboard key',
    404: 'Unknown site or audience',
  },
});

export const audiences = new Hono<AppEnv>()
  .use('/v1/audiences/*', requireApiKey())
  .get('/v1/audiences/:site/:audience', described, validated('param', Params), validated('query', Query), async (c) => {
    const { site, audience } = c.req.valid('param');
    const query = c.req.valid('query');
    const { rules } = await siteRules(c, site, { checkOrigin: false });
    if (!rules.source.audiences.some((a) => a.id === audience)) {
      throw new ApiError(404, 'unknown_audience', `rules/${site}.json has no audience "${audience}"`, 'audience');
    }
    const members = await currentMembers(c.env.DB, site, audience, Date.now(), decodeCursor(query.cursor), query.limit);
    const next = members.length === query.limit ? encodeCursor(members[members.length - 1].vid) : null;
    c.header('Cache-Control', 'no-store');
    return c.json({ site, audience, members, next } satisfies AudienceMembers, 200);
  });
