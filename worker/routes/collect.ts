// POST /v1/collect: validates a batch event by event, hands the good ones to the visitor's Durable
// Object and answers with what was accepted, what was rejected and why, and the decisions.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { readJsonBody } from '../http/body';
import { allowSiteOrigin, preflight } from '../http/cors';
import { ApiError } from '../http/errors';
import { sites } from '../../rules/sites';
import { BatchEnvelope, Event } from '../schema/events';
import type { CollectResponse } from '../schema/collect';
import { describeIssue } from '../schema/issues';
import { visitorStub } from '../visitor/stub';

export const collect = new Hono<AppEnv>();

collect.use('/v1/collect', preflight());

collect.post('/v1/collect', async (c) => {
  const receivedAt = Date.now();
  const envelope = BatchEnvelope.safeParse(await readJsonBody(c));
  if (!envelope.success) {
    const { path, reason } = describeIssue(envelope.error.issues[0]);
    throw new ApiError(400, 'invalid_batch', `${path}: ${reason}`, path);
  }
  const batch = envelope.data;
  const rules = sites.get(batch.site);
  if (!rules) throw new ApiError(404, 'unknown_site', `no rules file for site "${batch.site}" (expected rules/${batch.site}.json)`);
  allowSiteOrigin(c, batch.site, rules.source.origins);

  const events: Event[] = [];
  const rejected: CollectResponse['rejected'] = [];
  batch.events.forEach((raw, index) => {
    const parsed = Event.safeParse(raw);
    if (parsed.success) events.push(parsed.data);
    else {
      const { path, reason } = describeIssue(parsed.error.issues[0], `events[${index}]`);
      rejected.push({ index, reason: `${path}: ${reason}` });
    }
  });
  if (events.length === 0) {
    throw new ApiError(400, 'invalid_batch', `no valid event: ${rejected[0].reason}`, `events[${rejected[0].index}]`);
  }

  const result = await visitorStub(c.env, batch.site, batch.vid).collect({
    site: batch.site,
    vid: batch.vid,
    events,
    slots: batch.slots ?? [],
    sentAt: batch.sent_at,
    receivedAt,
  });
  const body: CollectResponse = { accepted: result.accepted, duplicates: result.duplicates, rejected, decisions: result.decision };
  c.header('Cache-Control', 'no-store');
  return c.json(body);
});
