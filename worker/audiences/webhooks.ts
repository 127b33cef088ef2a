// Outbound audience webhooks: each membership change of an audience with a `webhook` goes through
// the webhooks queue; the consumer POSTs them in batches per audience, signed with HMAC-SHA256,
// and leaves a batch the receiver did not accept to the queue's retries.
import type { Env } from '../env';
import type { AudienceState } from '../engine/state';
import type { CompiledRules } from '../engine';
import type { MembershipChange } from './members';
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

export async function deliverWebhooks(batch: MessageBatch<WebhookMessage>, env: Env, now = Date.now()): Promise<void> {
  for (const messages of groups(batch.messages).values()) {
    const { site, audience, url } = messages[0].body;
    const pick = (change: WebhookMessage['change']) => messages.filter((m) => m.body.change === change).map((m) => m.body.member);
    const payload: WebhookPayload = { site, audience, sent_at: now, join: pick('join'), leave: pick('leave') };
    const body = JSON.stringify(payload);
    const timestamp = String(now);
    try {
      if (!env.NB_WEBHOOK_SECRET) throw new Error('NB_WEBHOOK_SECRET is not set: webhooks are only sent signed');
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
    return [
      {
        site,
        audience,
        url,
        change: changeOf(member, now),
        member: { vid, uid, joined: member.joined, expires: member.expires },
      },
    ];
  });
}
