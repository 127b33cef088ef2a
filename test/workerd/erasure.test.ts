// Erasure holds against messages still in flight: a visitor's events that reach the real queue
// consumer after DELETE /v1/profile (sent before it, retried, or resent) add nothing back, while a
// later visit under the same id counts; audience webhooks hear a leave, and a join still queued for
// the erased member is never sent.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { consumeEvents } from '../../worker/analytics/consumer';
import { eraseVisitorRows, TOMBSTONE_DAYS } from '../../worker/analytics/erase';
import type { QueuedEvent } from '../../worker/analytics/message';
import { visitorHash } from '../../worker/analytics/visitor-hash';
import { eraseMemberships, writeMemberships } from '../../worker/audiences/members';
import { deliverWebhooks, erasureLeaves, type WebhookMessage } from '../../worker/audiences/webhooks';
import { audienceEventId } from '../../worker/engine/audience-events';
import { loadRules } from '../../worker/engine';
import type { Event } from '../../worker/schema/events';
import { visitorStub } from '../../worker/visitor/stub';
import { batch, get, pageView, post, uniqueId } from './helpers';

const VISITOR_TABLES = ['seen_events', 'visitor_days', 'page_views', 'form_visitors', 'offer_visitors', 'stage_visitors'];
const form = (action: 'start' | 'step' | 'abandon', step: number): Event =>
  ({ id: uniqueId('ev'), ts: Date.now(), type: 'form', form: 'mortgage-app', action, step, steps: 4 }) as Event;

/** Rows keyed to the visitor, per table, that are not zero. */
async function rowsOf(vid: string): Promise<Record<string, number>> {
  const vh = await visitorHash('demo', vid);
  const counts: Record<string, number> = {};
  for (const table of VISITOR_TABLES) {
    const n = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE site = 'demo' AND vh = ?`)
      .bind(vh)
      .first<number>('n');
    if (n) counts[table] = n;
  }
  return counts;
}

let serial = 0;
const queueBatch = (bodies: QueuedEvent[]) =>
  createMessageBatch<QueuedEvent>(
    'nextbest-events',
    bodies.map((body) => ({ id: `erasure-${serial++}`, timestamp: new Date(body.at), attempts: 1, body })),
  );

afterEach(() => vi.restoreAllMocks());

describe('erasure against messages in flight', () => {
  it('counts nothing the consumer receives after the erase, and a later visit again', async () => {
    const vid = uniqueId('vid');
    const visit = batch([pageView('https://demo.example/rates'), form('start', 1), form('step', 2), form('abandon', 2)], { vid });
    expect((await post('/v1/collect', visit)).status).toBe(200);
    // What the visitor's outbox holds for the queue, taken before its alarm sends it: these messages
    // are the ones in flight when the erase comes.
    const inFlight = await runInDurableObject(visitorStub(env, 'demo', vid), async (_, state) => {
      await state.storage.deleteAlarm();
      return state.storage.sql
        .exec<{ message: string }>('SELECT message FROM outbox ORDER BY rowid')
        .toArray()
        .flatMap((row) => JSON.parse(row.message) as QueuedEvent[]);
    });
    expect(inFlight).toHaveLength(4);
    // Half of them reach D1 before the erase; the rest, and a resend of the first, after it.
    await consumeEvents(queueBatch(inFlight.slice(0, 2)), env);
    expect(Object.keys(await rowsOf(vid)).length).toBeGreaterThan(0);

    expect((await get(`/v1/profile/demo/${vid}`, undefined, 'DELETE')).status).toBe(200);
    expect(await rowsOf(vid)).toEqual({});

    const late = queueBatch([...inFlight.slice(2), inFlight[0]]);
    await consumeEvents(late, env);
    const result = await getQueueResult(late, createExecutionContext());
    expect(result.explicitAcks).toHaveLength(3);
    expect(await rowsOf(vid)).toEqual({});

    // The browser comes back with the same id after the erase: a new visit, counted.
    const after = Date.now() + 5;
    await consumeEvents(queueBatch([{ site: 'demo', vid, at: after, event: { ...pageView(), ts: after } }]), env);
    expect(await rowsOf(vid)).toEqual({ seen_events: 1, visitor_days: 1, page_views: 1 });
  });

  it('keeps the tombstone of an erase for its span, and drops older ones at the next erase', async () => {
    const now = Date.UTC(2027, 5, 1);
    await eraseVisitorRows(env.DB, 'demo', 'vid_old_erasure', now - (TOMBSTONE_DAYS + 1) * 86_400_000);
    await eraseVisitorRows(env.DB, 'demo', 'vid_recent_erasure', now - (TOMBSTONE_DAYS - 1) * 86_400_000);
    await eraseVisitorRows(env.DB, 'demo', 'vid_new_erasure', now);
    const kept = await env.DB.prepare('SELECT vh FROM erased_visitors WHERE site = ?').bind('demo').all<{ vh: string }>();
    const hashes = await Promise.all(['vid_recent_erasure', 'vid_new_erasure'].map((v) => visitorHash('demo', v)));
    expect(kept.results.map((row) => row.vh)).toEqual(expect.arrayContaining(hashes));
    expect(kept.results.map((row) => row.vh)).not.toContain(await visitorHash('demo', 'vid_old_erasure'));
  });
});

describe('erasure and audience webhooks', () => {
  const rules = loadRules(
    {
      origins: ['https://demo.example'],
      audiences: [
        { id: 'hooked', when: { 'counters.pages': { $gte: 1 } }, days: 30, webhook: 'https://ads.example/in' },
        { id: 'quiet', when: { 'counters.pages': { $gte: 1 } }, days: 30 },
      ],
    },
    'rules/demo.json',
  );
  if (!rules.ok) throw new Error(rules.problems.join('\n'));

  it('sends a leave for each audience with a webhook the erased visitor was a current member of', async () => {
    const now = Date.now();
    const vid = uniqueId('vid');
    const member = (audience: string, left?: number) => ({
      site: 'demo',
      audience,
      vid,
      uid: null,
      member: { joined: now - 1000, expires: now + 86_400_000, ...(left ? { left } : {}) },
    });
    await writeMemberships(env.DB, [member('hooked'), member('quiet')]);
    const leaves = erasureLeaves(rules.rules, 'demo', await eraseMemberships(env.DB, 'demo', vid), now);
    expect(leaves).toEqual([
      {
        site: 'demo',
        audience: 'hooked',
        url: 'https://ads.example/in',
        change: 'leave',
        member: {
          vid,
          uid: null,
          joined: now - 1000,
          expires: now + 86_400_000,
          event_id: audienceEventId('hooked', 'leave', vid, now),
        },
      },
    ]);
    // Already gone from the audience: nothing to tell.
    await writeMemberships(env.DB, [member('hooked', now - 500)]);
    expect(erasureLeaves(rules.rules, 'demo', await eraseMemberships(env.DB, 'demo', vid), now)).toEqual([]);
  });

  it('never delivers a join queued before the member was erased; the leave goes out', async () => {
    const received: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (_input, init) => {
      received.push(String(init?.body));
      return new Response(null, { status: 204 });
    });
    const vid = uniqueId('vid');
    const joined = Date.now() - 60_000;
    const body = (change: WebhookMessage['change']): WebhookMessage => ({
      site: 'demo',
      audience: 'hooked',
      url: 'https://ads.example/in',
      change,
      member: { vid, uid: null, joined, expires: joined + 86_400_000, event_id: '0'.repeat(32) },
    });
    await eraseVisitorRows(env.DB, 'demo', vid);
    const queued = createMessageBatch<WebhookMessage>('nextbest-webhooks', [
      { id: 'join-in-flight', timestamp: new Date(joined), attempts: 3, body: body('join') },
      { id: 'leave', timestamp: new Date(), attempts: 1, body: body('leave') },
    ]);
    await deliverWebhooks(queued, { ...env, NB_WEBHOOK_SECRET: 'secret' });
    expect(received.map((text) => JSON.parse(text))).toEqual([
      expect.objectContaining({ join: [], leave: [body('leave').member] }),
    ]);
    const result = await getQueueResult(queued, createExecutionContext());
    expect(result.explicitAcks.sort()).toEqual(['join-in-flight', 'leave']);
  });
});
