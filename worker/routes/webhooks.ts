// GET /v1/webhooks/:site/failed and POST /v1/webhooks/:site/failed/:delivery_id/replay (API key):
// the audience webhook deliveries that failed every retry, newest first, and their replay to the
// audience's webhook as the live rules name it (so a wrong URL can be fixed, then replayed).
import { Hono } from 'hono';
import * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { siteRules } from '../http/site';
import { describer, type Operations } from '../http/operation';
import { validated } from '../http/validate';
import { Name } from '../schema/events';
import { FailedDeliveries, Replay, type FailedDelivery } from '../schema/webhooks';
import { forgetFailed, getFailed, keepFailed, listFailed, type FailedCursor, type FailedRow } from '../audiences/failed';
import { replayable, sendDelivery } from '../audiences/webhooks';

const SiteParams = z.strictObject({ site: Name });
const DeliveryParams = z.strictObject({
  site: Name,
  delivery_id: z.string().check(z.regex(/^[0-9a-f]{32}$/, 'expected a delivery id (32 hex digits)')),
});
const Query = z.strictObject({
  /** The opaque `next` of the previous page. */
  cursor: z.optional(z.string().check(z.maxLength(200))),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
});

const encodeCursor = ({ failed_at, delivery_id }: FailedCursor) => btoa(`${failed_at}.${delivery_id}`).replace(/=+$/, '');
const decoded = (cursor: string) => {
  try {
    return atob(cursor);
  } catch {
    return '';
  }
};
function decodeCursor(cursor: string | undefined): FailedCursor | null {
  if (!cursor) return null;
  const match = /^(\d{1,16})\.([0-9a-f]{32})$/.exec(decoded(cursor));
  if (!match) throw new ApiError(400, 'invalid_request', 'cursor: not a cursor this API returned', 'cursor');
  return { failed_at: Number(match[1]), delivery_id: match[2] };
}

const withoutSite = ({ site: _site, ...delivery }: FailedRow): FailedDelivery => delivery;

const BAD_INPUT = 'Bad parameter or cursor';
const NO_KEY = 'No valid API key';
const READ_ONLY = 'A read-only dashboard key';

export const operations = {
  listFailedWebhooks: {
    tag: 'webhooks',
    summary: 'Audience webhook deliveries that failed every retry, newest first, a page at a time',
    auth: 'apiKey',
    ok: FailedDeliveries,
    errors: { 400: BAD_INPUT, 401: NO_KEY, 403: READ_ONLY, 404: 'Unknown site' },
  },
  replayWebhook: {
    tag: 'webhooks',
    summary: "Sends a failed delivery again, with its delivery_id, to the audience's webhook in the live rules",
    description:
      'Joins of members erased since are left out. On a 2xx answer (or with nothing left to send) the delivery is ' +
      'no longer kept; otherwise it stays, with one attempt more, and the answer is a 502 naming what the receiver did.',
    auth: 'apiKey',
    ok: Replay,
    errors: {
      400: BAD_INPUT,
      401: NO_KEY,
      403: READ_ONLY,
      404: 'Unknown site or delivery',
      409: 'The audience has no webhook in the live rules now',
      502: 'The receiver did not accept it; the delivery is kept',
    },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const webhooks = new Hono<AppEnv>()
  .use('/v1/webhooks/*', requireApiKey())
  .get(
    '/v1/webhooks/:site/failed',
    operation('listFailedWebhooks'),
    validated('param', SiteParams),
    validated('query', Query),
    async (c) => {
      const { site } = c.req.valid('param');
      const query = c.req.valid('query');
      await siteRules(c, site, { checkOrigin: false });
      const rows = await listFailed(c.env.DB, site, decodeCursor(query.cursor), query.limit);
      const next = rows.length === query.limit ? encodeCursor(rows[rows.length - 1]) : null;
      c.header('Cache-Control', 'no-store');
      return c.json({ site, failed: rows.map(withoutSite), next } satisfies FailedDeliveries, 200);
    },
  )
  .post(
    '/v1/webhooks/:site/failed/:delivery_id/replay',
    operation('replayWebhook'),
    validated('param', DeliveryParams),
    async (c) => {
      const { site, delivery_id } = c.req.valid('param');
      const { rules } = await siteRules(c, site, { checkOrigin: false });
      const kept = await getFailed(c.env.DB, site, delivery_id);
      if (!kept)
        throw new ApiError(
          404,
          'unknown_delivery',
          `no failed delivery "${delivery_id}" is kept for site "${site}"`,
          'delivery_id',
        );
      const url = rules.source.audiences.find((a) => a.id === kept.audience)?.webhook;
      if (!url) {
        const message = `rules/${site}.json gives audience "${kept.audience}" no webhook now: the delivery is kept until one is added`;
        throw new ApiError(409, 'no_webhook', message);
      }
      c.header('Cache-Control', 'no-store');
      const payload = await replayable(c.env.DB, kept.payload);
      if (payload.join.length + payload.leave.length === 0) {
        await forgetFailed(c.env.DB, site, delivery_id);
        return c.json({ site, delivery_id, outcome: 'nothing_to_send', url, status: null } satisfies Replay, 200);
      }
      const now = Date.now();
      const attempt = await sendDelivery(c.env, url, payload, now);
      if (attempt.ok) {
        await forgetFailed(c.env.DB, site, delivery_id);
        return c.json({ site, delivery_id, outcome: 'delivered', url, status: attempt.status } satisfies Replay, 200);
      }
      const attempts = kept.attempts + 1;
      const { error: last_error, status: last_status } = attempt;
      await keepFailed(c.env.DB, {
        ...kept,
        url,
        payload: { ...payload, sent_at: now },
        attempts,
        last_status,
        last_error,
        failed_at: now,
      });
      throw new ApiError(502, 'delivery_failed', `${last_error}; the delivery is kept (${attempts} attempts)`);
    },
  );
