// Outbound audience webhooks: each membership change of an audience with a `webhook` goes through
// the webhooks queue; the consumer POSTs them in batches per audience, signed with HMAC-SHA256,
// and leaves a batch the receiver did not accept to the queue's retries.
import type { Env } from '../env';
import type { AudienceState } from '../engine/state';
import type { CompiledRules } from '../engine';
import type { MemberRow, MembershipChange } from './members';
import { audienceEventId, changedAt, memberKey } from '../engine/audience-events';
import { erasureTimes } from '../analytics/erase';
import { visitorHash } from '../analytics/visitor-hash';
import type { Member, WebhookPayload } from '../schema/audiences';
import { groupBy } from '../lib/group';
import { hmacSha256Hex } from '../lib/hex';

export interface WebhookMessage {
  site: string;
  audience: string;
  url: string;
  change: 'join' | 'leave';
  member: Member;
}

export function changeOf(member: AudienceState, now: number): WebhookMessage['change'] {
  return member.left === undefined && member.expires > now ? 'join' : 'leave';
}

/** `sha256=<hex>` of `<timestamp>.<body>`: receivers recompute it and reject stale timestamps. */
export async function signature(secret: string, timestamp: string, body: string): Promise<string> {
  return `sha256=${await hmacSha256Hex(secret, `${timestamp}.${body}`)}`;
}

const groups = (messages: readonly Message<WebhookMessage>[]) =>
  groupBy(messages, ({ body: { site, audience, url } }) => JSON.stringify([site, audience, url]));

/**
 * The messages of one site to send: a join queued before the member was erased (still in flight, or
 * retried) is acknowledged unsent, so the member's ids never reach a receiver after their erasure.
 */
async function notErased(db: D1Database, site: string, messages: Message<WebhookMessage>[]): Promise<Message<WebhookMessage>[]> {
  const joins = messages.filter((m) => m.body.change === 'join');
  if (joins.length === 0) return messages;
  const hashes = await Promise.all(joins.map((m) => visitorHash(site, m.body.member.vid)));
  const erased = await erasureTimes(db, site, hashes);
  const stale = new Set(joins.filter((m, i) => m.body.member.joined <= (erased.get(hashes[i]) ?? -Infinity)));
  for (const message of stale) message.ack();
  return messages.filter((m) => !stale.has(m));
}

export async function deliverWebhooks(batch: MessageBatch<WebhookMessage>, env: Env, now = Date.now()): Promise<void> {
  for (const group of groups(batch.messages).values()) {
    const { site, audience, url } = group[0].body;
    let messages = group;
    try {
      messages = await notErased(env.DB, site, group);
      if (messages.length === 0) continue;
      if (!env.NB_WEBHOOK_SECRET) throw new Error('NB_WEBHOOK_SECRET is not set: webhooks are only sent signed');
      const pick = (change: WebhookMessage['change']) =>
        messages.filter((m) => m.body.change === change).map((m) => m.body.member);
      const payload: WebhookPayload = { site, audience, sent_at: now, join: pick('join'), leave: pick('leave') };
      const body = JSON.stringify(payload);
      const timestamp = String(now);
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-nextbest-timestamp': timestamp,
          'x-nextbest-signature': await signature(env.NB_WEBHOOK_SECRET, timestamp, body),
        },
        body,
      });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      for (const message of messages) message.ack();
    } catch (error) {
      console.warn(`audience webhook for ${site}/${audience} will be retried:`, (error as Error).message);
      for (const message of messages) message.retry({ delaySeconds: Math.min(2 ** message.attempts * 10, 3600) });
    }
  }
}

/** The webhook deliveries for the changed memberships of audiences that have a `webhook`. */
export function webhookMessages(rules: CompiledRules, changes: MembershipChange[], now: number): WebhookMessage[] {
  return changes.flatMap(({ site, audience, vid, uid, member }) => {
    const url = rules.source.audiences.find((a) => a.id === audience)?.webhook;
    if (!url) return [];
    const change = changeOf(member, now);
    // The id the decisions gave the same change (worker/engine/audiences.ts), for the platforms' dedup.
    const event_id = audienceEventId(audience, change, memberKey(vid), changedAt(member, change));
    return [{ site, audience, url, change, member: { vid, uid, joined: member.joined, expires: member.expires, event_id } }];
  });
}

/** The leaves to send when a visitor is erased: one for each audience with a webhook they were a current member of. */
export function erasureLeaves(rules: CompiledRules, site: string, erased: readonly MemberRow[], now: number): WebhookMessage[] {
  const current = erased.filter((row) => row.left_at === null && row.expires > now);
  return webhookMessages(
    rules,
    current.map(({ audience, vid, uid, joined, expires }) => ({
      site,
      audience,
      vid,
      uid,
      member: { joined, expires, left: now },
    })),
    now,
  );
}
