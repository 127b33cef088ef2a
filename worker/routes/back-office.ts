// POST /v1/events/:site (API key): events from the lender's own systems (a loan funded, an account
// opened, a payment with its amount, a product closed) for a person (uid) or a visitor (vid). They go
// to the same Durable Object as the browser's events, so scores, stages, products, audiences and
// offer conversions react alike; event ids make a resent batch count once.
// PUT /v1/spend/:site (API key): marketing spend per channel and day, for cost per lead.
import { Hono } from 'hono';
import * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { jsonBody } from '../http/json-body';
import { describer, type Operations } from '../http/operation';
import { siteRules } from '../http/site';
import { validated } from '../http/validate';
import { Name } from '../schema/events';
import { CollectResponse } from '../schema/collect';
import { BackOfficeBatch, SpendRequest, SpendResponse } from '../schema/back-office';
import { scrubEvent } from '../lib/scrub';
import { keepAdIds } from '../lib/click-ids';
import { DAY_MS } from '../lib/time';
import { userProfileId, userStub, visitorStub } from '../visitor/stub';
import { storeSpend } from '../analytics/spend';

const Params = z.strictObject({ site: Name });

/** Back-office systems report what happened when it happened, a little in the future at most (clock skew). */
const MAX_AGE_MS = 400 * DAY_MS;
const MAX_AHEAD_MS = 5 * 60_000;

export const operations = {
  postEvents: {
    tag: 'tracking',
    summary: "Send events from the lender's own systems for a person (uid) or a visitor (vid)",
    description:
      'The same event shapes as /v1/collect, plus `amount` and `currency` on track events; `ts` is trusted ' +
      '(up to 400 days back). Resending an event id counts it once.',
    auth: 'apiKey',
    ok: CollectResponse,
    errors: {
      400: 'Bad body, or an event time out of bounds',
      401: 'No valid API key',
      403: 'A read-only dashboard key',
      404: 'Unknown site',
      413: 'Body over 64 KB',
      415: 'Not JSON',
      429: 'Too many batches for this person; see Retry-After',
    },
  },
  putSpend: {
    tag: 'analytics',
    summary: 'Store marketing spend per channel and day (for cost per lead)',
    auth: 'apiKey',
    ok: SpendResponse,
    errors: { 400: 'Bad body', 401: 'No valid API key', 403: 'A read-only dashboard key', 404: 'Unknown site', 415: 'Not JSON' },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const backOffice = new Hono<AppEnv>()
  .use('/v1/events/:site', requireApiKey())
  .use('/v1/spend/:site', requireApiKey())
  .post('/v1/events/:site', operation('postEvents'), validated('param', Params), jsonBody(BackOfficeBatch), async (c) => {
    const { site } = c.req.valid('param');
    const batch = c.req.valid('json');
    siteRules(c, site, { checkOrigin: false });
    const receivedAt = Date.now();
    batch.events.forEach((event, i) => {
      if (event.ts < receivedAt - MAX_AGE_MS || event.ts > receivedAt + MAX_AHEAD_MS)
        throw new ApiError(
          400,
          'invalid_request',
          'expected a time within the last 400 days and not in the future',
          `events[${i}].ts`,
        );
    });
    const events = batch.events.map((event) => keepAdIds(scrubEvent(event), event));
    // The sender's clock is the truth here: sent_at = received makes every event's time its ts.
    const common = { site, events, slots: batch.slots ?? [], sentAt: receivedAt, receivedAt, scope: 'full' as const };
    const result = batch.uid
      ? await userStub(c.env, site, batch.uid).collect({
          ...common,
          vid: userProfileId(batch.uid),
          user: batch.uid,
          verified: [batch.uid],
        })
      : await visitorStub(c.env, site, batch.vid!).collect({
          ...common,
          vid: batch.vid!,
          verified: events.flatMap((event) => (event.type === 'identify' ? [event.uid] : [])),
        });
    if ('retryAfter' in result) {
      throw new ApiError(429, 'rate_limited', `too many batches for this person; retry in ${result.retryAfter} s`, undefined, {
        'Retry-After': String(result.retryAfter),
      });
    }
    c.header('Cache-Control', 'no-store');
    const body: CollectResponse = {
      accepted: result.accepted,
      duplicates: result.duplicates,
      rejected: [],
      decisions: result.decision,
    };
    return c.json(body, 200);
  })
  .put('/v1/spend/:site', operation('putSpend'), validated('param', Params), jsonBody(SpendRequest), async (c) => {
    const { site } = c.req.valid('param');
    siteRules(c, site, { checkOrigin: false });
    const stored = await storeSpend(c.env.DB, site, c.req.valid('json').spend);
    c.header('Cache-Control', 'no-store');
    return c.json({ stored } satisfies SpendResponse, 200);
  });
