// POST /v1/collect: validates a batch event by event, hands the good ones (scrubbed of personal
// data) to the visitor's Durable Object and answers what was accepted, what was rejected and why,
// and the decisions for the page's slots. An identify links devices only when verified (identity.ts).
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { isBotRequest } from '../http/bots';
import { hasValidApiKey } from '../http/auth';
import { verifyIdentities } from '../http/identity';
import { requestContext } from '../http/request-context';
import { preflight } from '../http/cors';
import { ApiError } from '../http/errors';
import { limitAddress } from '../http/ip-limit';
import { siteRules } from '../http/site';
import { jsonBody } from '../http/json-body';
import { BatchEnvelope, Event, type EventBatch } from '../schema/events';
import type { CollectResponse } from '../schema/collect';
import { describeIssue } from '../schema/issues';
import { visitorStub } from '../visitor/stub';
import { scrubEvent } from '../lib/scrub';
import { botBatchStatement } from '../analytics/rollup';

function validEvents(raw: readonly unknown[]): { events: Event[]; rejected: CollectResponse['rejected'] } {
  const events: Event[] = [];
  const rejected: CollectResponse['rejected'] = [];
  raw.forEach((candidate, index) => {
    const parsed = Event.safeParse(candidate);
    if (parsed.success) events.push(scrubEvent(parsed.data));
    else {
      const { path, reason } = describeIssue(parsed.error.issues[0], `events[${index}]`);
      rejected.push({ index, reason: `${path}: ${reason}` });
    }
  });
  return { events, rejected };
}

function countBot(c: Context<AppEnv>, site: string, now: number): void {
  c.executionCtx.waitUntil(
    botBatchStatement(c.env.DB, site, now)
      .run()
      .catch((error) => console.warn('bot count failed', error)),
  );
}

export const collect = new Hono<AppEnv>()
  .use('/v1/collect', preflight())
  .post('/v1/collect', limitAddress(), jsonBody<typeof BatchEnvelope, EventBatch>(BatchEnvelope, 'invalid_batch'), async (c) => {
    const receivedAt = Date.now();
    const batch = c.req.valid('json');
    siteRules(c, batch.site, { checkOrigin: true });
    c.header('Cache-Control', 'no-store');
    // Server-side senders (an app backend, a CRM) present the API key: no bots, and trusted.
    const keyed = await hasValidApiKey(c);
    if (!keyed && isBotRequest(c.req.header('user-agent'))) {
      countBot(c, batch.site, receivedAt);
      return c.body(null, 204, { 'X-Nextbest-Ignored': 'bot' });
    }
    const { events: candidates, rejected } = validEvents(batch.events);
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
      request: requestContext(c),
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
    return c.json(body);
  });
