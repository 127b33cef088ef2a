// POST /v1/collect: validates a batch event by event, hands the good ones (scrubbed of personal
// data) to the visitor's Durable Object and answers what was accepted, what was rejected and why,
// and the decisions for the page's slots. An identify links devices only when verified (identity.ts).
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { isBotRequest, isQaBrowser } from '../http/bots';
import { hasValidApiKey } from '../http/auth';
import { verifyIdentities } from '../http/identity';
import { requestContext } from '../http/request-context';
import { preflight } from '../http/cors';
import { ApiError } from '../http/errors';
import { limitAddress } from '../http/ip-limit';
import { siteRules } from '../http/site';
import { jsonBody } from '../http/json-body';
import { describer, type Operations } from '../http/operation';
import { BatchEnvelope, Event, EventBatch } from '../schema/events';
import { CollectResponse } from '../schema/collect';
import { describeIssue } from '../schema/issues';
import { visitorStub } from '../visitor/stub';
import { staleReason } from '../visitor/clock';
import { scrubEvent } from '../lib/scrub';
import { keepAdIds } from '../lib/click-ids';
import { botBatchStatement } from '../analytics/rollup';

/** The batch's events that pass their schema and are recent enough (clock.ts), and why the others do not. */
function validEvents(
  batch: BatchEnvelope,
  receivedAt: number,
  keyed: boolean,
): { events: Event[]; rejected: CollectResponse['rejected'] } {
  const events: Event[] = [];
  const rejected: CollectResponse['rejected'] = [];
  batch.events.forEach((candidate, index) => {
    const parsed = Event.safeParse(candidate);
    const stale = parsed.success ? staleReason(parsed.data.ts, batch.sent_at, receivedAt) : null;
    if (stale) rejected.push({ index, reason: `events[${index}].ts: ${stale}` });
    // Revenue counts towards CLV: a page could make it up, so only a sender with the key may state it.
    else if (parsed.success && !keyed && parsed.data.type === 'track' && parsed.data.amount !== undefined)
      rejected.push({ index, reason: `events[${index}].amount: accepted only with the API key (POST /v1/events)` });
    else if (parsed.success) events.push(keepAdIds(scrubEvent(parsed.data), parsed.data));
    else {
      const { path, reason } = describeIssue(parsed.error.issues[0], `events[${index}]`);
      rejected.push({ index, reason: `${path}: ${reason}` });
    }
  });
  return { events, rejected };
}

function countBot(c: Context<AppEnv>, site: string, now: number, zone: string | undefined): void {
  c.executionCtx.waitUntil(
    botBatchStatement(c.env.DB, site, now, zone)
      .run()
      .catch((error) => console.warn('bot count failed', error)),
  );
}

export const operations = {
  collect: {
    tag: 'tracking',
    summary: 'Send a batch of events; answers what was accepted and the decisions for the slots',
    description: 'The body may also be sent as text/plain (sendBeacon). Server-side senders present the API key.',
    auth: 'none',
    ok: CollectResponse,
    empty: { 204: 'Ignored: a bot sent it (X-Nextbest-Ignored: bot)' },
    errors: {
      400: 'No valid event, or a bad envelope',
      403: 'The browser origin is not listed in the site rules',
      404: 'Unknown site',
      413: 'Body over 64 KB',
      415: 'Neither application/json nor text/plain',
      429: 'Rate limited; see Retry-After',
    },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const collect = new Hono<AppEnv>()
  .use('/v1/collect', preflight())
  .post('/v1/collect', operation('collect'), limitAddress(), jsonBody(BatchEnvelope, 'invalid_batch', EventBatch), async (c) => {
    const receivedAt = Date.now();
    const batch = c.req.valid('json');
    const { rules } = await siteRules(c, batch.site, { checkOrigin: true });
    c.header('Cache-Control', 'no-store');
    // Server-side senders (an app backend, a CRM) present the API key: no bots, and trusted.
    const keyed = await hasValidApiKey(c);
    const qa = isQaBrowser(c.req.header('origin'), batch.debug, rules.source.test_origins);
    if (!keyed && !qa && isBotRequest(c.req.header('user-agent'))) {
      countBot(c, batch.site, receivedAt, rules.source.timezone);
      return c.body(null, 204, { 'X-Nextbest-Ignored': 'bot' });
    }
    const { events: candidates, rejected } = validEvents(batch, receivedAt, keyed);
    if (candidates.length === 0) {
      throw new ApiError(400, 'invalid_batch', `no valid event: ${rejected[0].reason}`, `events[${rejected[0].index}]`);
    }
    const { events, verified } = await verifyIdentities(c.env, batch.site, candidates, keyed);
    const result = await visitorStub(c.env, batch.site, batch.vid).collect({
      site: batch.site,
      vid: batch.vid,
      events,
      slots: batch.slots ?? [],
      sentAt: batch.sent_at,
      receivedAt,
      sid: batch.sid,
      request: requestContext(c, rules, batch.consent),
      verified,
      scope: keyed ? 'full' : 'public',
    });
    if ('retryAfter' in result) {
      throw new ApiError(429, 'rate_limited', `too many batches for this visitor; retry in ${result.retryAfter} s`, undefined, {
        'Retry-After': String(result.retryAfter),
      });
    }
    const body: CollectResponse = {
      accepted: result.accepted,
      duplicates: result.duplicates,
      rejected,
      decisions: result.decision,
    };
    return c.json(body, 200);
  });
