// GET /v1/audiences/:site/:audience (API key): the audience's current members for ad-platform sync,
// one per person, a page at a time: as JSON with what each can be matched by, or in the platforms'
// own upload formats (?format=google_customer_match: a CSV for Google Ads Customer Match;
// ?format=meta_custom_audience: the payload of Meta's custom audience users endpoint).
import { Hono, type Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { siteRules } from '../http/site';
import { describer, type Operations } from '../http/operation';
import { validated } from '../http/validate';
import { Name } from '../schema/events';
import { currentMembers } from '../audiences/members';
import { customerMatchCsv, metaPayload, unmatched } from '../audiences/exports';
import { AudienceFormat, AudienceMembers, AudiencePage, MetaAudiencePayload } from '../schema/audiences';

const Params = z.strictObject({ site: Name, audience: Name });
/** A page of JSON is at most 1,000 members; an export's at most 10,000, the most Meta takes in one request. */
const MAX_LIMIT = { json: 1000, export: 10_000 } as const;
const Query = z.strictObject({
  /** The opaque `next` of the previous page. */
  cursor: z.optional(z.string().check(z.maxLength(200))),
  limit: z.describe(
    z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_LIMIT.export))),
    'Members per page: default 100 and at most 1,000 as JSON; default and at most 10,000 for an export',
  ),
  format: z._default(AudienceFormat, 'json'),
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

const HEADERS = {
  unmatched: 'X-Nextbest-Unmatched',
  next: 'X-Nextbest-Next',
} as const;

export const operations = {
  listAudienceMembers: {
    tag: 'audiences',
    summary: "An audience's current members, one per person, a page at a time, as JSON or as Google's or Meta's upload",
    auth: 'apiKey',
    ok: AudiencePage,
    okAlso: [
      {
        type: 'text/csv',
        description: 'format=google_customer_match: the Email and Phone columns, one row per member with either',
      },
    ],
    okHeaders: {
      'X-Nextbest-Unmatched':
        'Members of this page without a hashed e-mail or phone (for Meta: without an e-mail), left out of an export',
      'X-Nextbest-Next': 'The cursor of the next page; absent on the last',
    } satisfies Record<(typeof HEADERS)[keyof typeof HEADERS], string>,
    errors: {
      400: 'Bad parameter or cursor',
      401: 'No valid API key',
      403: 'A read-only dashboard key',
      404: 'Unknown site or audience',
    },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

type Query = z.output<typeof Query>;

async function page(c: Context<AppEnv>, site: string, audience: string, query: Query) {
  const most = query.format === 'json' ? MAX_LIMIT.json : MAX_LIMIT.export;
  if (query.limit !== undefined && query.limit > most) {
    throw new ApiError(400, 'invalid_request', `limit: at most ${most} for format ${query.format}`, 'limit');
  }
  const limit = query.limit ?? (query.format === 'json' ? 100 : MAX_LIMIT.export);
  const members = await currentMembers(c.env.DB, site, audience, Date.now(), decodeCursor(query.cursor), limit);
  const next = members.length === limit ? encodeCursor(members[members.length - 1].vid) : null;
  return { members, next };
}

/** The site and audience, checked: the rules must name the audience. */
async function known(c: Context<AppEnv>, site: string, audience: string): Promise<void> {
  const { rules } = await siteRules(c, site, { checkOrigin: false });
  if (!rules.source.audiences.some((a) => a.id === audience)) {
    throw new ApiError(404, 'unknown_audience', `rules/${site}.json has no audience "${audience}"`, 'audience');
  }
}

/**
 * ?format=google_customer_match or meta_custom_audience: the page in a platform's upload format,
 * answered here, before the JSON handler, so that the typed client keeps the JSON list's types
 * (a request with a query cannot pick its answer's type in the client).
 */
const platformFormats = createMiddleware<AppEnv>(async (c, next) => {
  const query = Query.parse(c.req.query());
  if (query.format === 'json') return next();
  const { site, audience } = Params.parse(c.req.param());
  await known(c, site, audience);
  const { members, next: cursor } = await page(c, site, audience, query);
  c.header('Cache-Control', 'no-store');
  if (cursor) c.header(HEADERS.next, cursor);
  if (query.format === 'google_customer_match') {
    c.header(HEADERS.unmatched, String(unmatched(members, 'google')));
    c.header('Content-Disposition', `attachment; filename="${site}-${audience}-customer-match.csv"`);
    return c.body(customerMatchCsv(members), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  }
  c.header(HEADERS.unmatched, String(unmatched(members, 'meta')));
  return c.json(metaPayload(members) satisfies MetaAudiencePayload, 200);
});

export const audiences = new Hono<AppEnv>()
  .use('/v1/audiences/*', requireApiKey())
  .get(
    '/v1/audiences/:site/:audience',
    operation('listAudienceMembers'),
    validated('param', Params),
    validated('query', Query),
    platformFormats,
    async (c) => {
      const { site, audience } = c.req.valid('param');
      const query = c.req.valid('query');
      await known(c, site, audience);
      const { members, next } = await page(c, site, audience, query);
      c.header('Cache-Control', 'no-store');
      if (next) c.header(HEADERS.next, next);
      c.header(HEADERS.unmatched, String(unmatched(members, 'google')));
      return c.json({ site, audience, members, unmatched: unmatched(members, 'google'), next } satisfies AudienceMembers, 200);
    },
  );
