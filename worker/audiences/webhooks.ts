// Outbound audience webhooks: each membership change of an audience with a `webhook` goes through
// the webhooks queue; the consumer POSTs them in batches per audience, each with a delivery id and
// signed with HMAC-SHA256 under the site's webhook secret, leaves a batch the receiver did not accept
// to the queue's retries, and keeps it in D1 (worker/audiences/failed.ts) when the last one fails.
import type { Env } from '../env';
import type { AudienceState } from '../engine/state';
import type { CompiledRules } from '../engine';
import type { MemberRow, MembershipChange } from './members';
import { audienceEventId, changedAt, memberKey } from '../engine/audience-events';
import { erasureTimes } from '../analytics/erase';
import { visitorHash } from '../analytics/visitor-hash';
import type { Member, WebhookPayload } from '../schema/audiences';
import { groupBy } from '../lib/group';
import { hmacSha256Hex, sha256Hex } from '../lib/hex';
import { siteSecrets } from '../lib/site-secrets';
import { keepFailed } from './failed';

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

/**
 * Attempts the queue makes at a delivery: `max_retries` of the nextbest-webhooks consumer in
 * wrangler.toml (10), plus the first. A message's `attempts` counts from 1.
 */
export const WEBHOOK_ATTEMPTS = 11;

/** Seconds before the next attempt: 20 s doubling to an hour, about 3 h 25 min over the 10 retries. */
const backoff = (attempts: number) => Math.min(2 ** attempts * 10, 3600);

/** A receiver that has not answered in this long has failed the attempt. */
const RECEIVER_TIMEOUT_MS = 15_000;

/**
 * The secrets a site's webhooks are signed with: its entry in NB_WEBHOOK_SECRETS (several while one
 * is rotated), else NB_WEBHOOK_SECRET. None while NB_WEBHOOK_SECRETS does not parse, rather than the
 * fallback, which the site's receiver may not know.
 */
export function webhookSecrets(env: Env, site: string): string[] {
  const bySite = siteSecrets('NB_WEBHOOK_SECRETS', env.NB_WEBHOOK_SECRETS, 'no webhook is sent until it is fixed');
  if (bySite === null) return [];
  return bySite.get(site) ?? (env.NB_WEBHOOK_SECRET ? [env.NB_WEBHOOK_SECRET] : []);
}

/**
 * The id of the delivery of these messages: a digest of their ids, so the queue's retries of the
 * same changes carry the same id whatever the order they come back in.
 */
export async function deliveryId(messageIds: readonly string[]): Promise<string> {
  return sha256Hex([...messageIds].sort().join('\n'), 16);
}

export type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * POSTs a payload to a receiver, stamped with `now` and signed with each of the site's secrets
 * (`sha256=<a>, sha256=<b>` while one is rotated: the receiver accepts any it knows).
 */
export async function sendDelivery(env: Env, url: string, payload: WebhookPayload, now: number): Promise<Attempt> {
  const secrets = webhookSecrets(env, payload.site);
  if (secrets.length === 0) {
    const error = `no webhook secret for site "${payload.site}" (NB_WEBHOOK_SECRETS or NB_WEBHOOK_SECRET): webhooks are only sent signed`;
    return { ok: false, status: null, error };
  }
  const body = JSON.stringify({ ...payload, sent_at: now } satisfies WebhookPayload);
  const timestamp = String(now);
  const signatures = await Promise.all(secrets.map((secret) => signature(secret, timestamp, body)));
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-nextbest-delivery': payload.delivery_id,
        'x-nextbest-timestamp': timestamp,
        'x-nextbest-signature': signatures.join(', '),
      },
      body,
      signal: AbortSignal.timeout(RECEIVER_TIMEOUT_MS),
    });
    // The answer's body is not needed; cancelling it frees the connection.
    await response.body?.cancel();
    return response.ok
      ? { ok: true, status: response.status }
      : { ok: false, status: response.status, error: `${url} answered ${response.status}` };
  } catch (error) {
    return { ok: false, status: null, error: `${url} could not be reached: ${(error as Error).message}` };
  }
}

const groups = (messages: readonly Message<WebhookMessage>[]) =>
  groupBy(messages, ({ body: { site, audience, url } }) => JSON.stringify([site, audience, url]));

/** The joins among `members` queued before the member was erased: those never reach a receiver. */
async function erasedJoins(db: D1Database, site: string, members: readonly Member[]): Promise<Set<Member>> {
  if (members.length === 0) return new Set();
  const hashes = await Promise.all(members.map((m) => visitorHash(site, m.vid)));
  const erased = await erasureTimes(db, site, hashes);
  return new Set(members.filter((m, i) => m.joined <= (erased.get(hashes[i]) ?? -Infinity)));
}

/**
 * The messages of one site to send: a join queued before the member was erased (still in flight, or
 * retried) is acknowledged unsent, so the member's ids never reach a receiver after their erasure.
 */
async function notErased(db: D1Database, site: string, messages: Message<WebhookMessage>[]): Promise<Message<WebhookMessage>[]> {
  const joins = messages.filter((m) => m.body.change === 'join');
  const erased = await erasedJoins(
    db,
    site,
    joins.map((m) => m.body.member),
  );
  const stale = new Set(joins.filter((m) => erased.has(m.body.member)));
  for (const message of stale) message.ack();
  return messages.filter((m) => !stale.has(m));
}

/** A kept delivery as it may be replayed: without the joins of members erased since. */
export async function replayable(db: D1Database, payload: WebhookPayload): Promise<WebhookPayload> {
  const erased = await erasedJoins(db, payload.site, payload.join);
  return { ...payload, join: payload.join.filter((m) => !erased.has(m)) };
}

export async function deliverWebhooks(batch: MessageBatch<WebhookMessage>, env: Env, now = Date.now()): Promise<void> {
  for (const group of groups(batch.messages).values()) {
    const { site, audience, url } = group[0].body;
    let messages = group;
    try {
      messages = await notErased(env.DB, site, group);
      if (messages.length === 0) continue;
      const pick = (change: WebhookMessage['change']) =>
        messages.filter((m) => m.body.change === change).map((m) => m.body.member);
      const payload: WebhookPayload = {
        delivery_id: await deliveryId(messages.map((m) => m.id)),
        site,
        audience,
        sent_at: now,
        join: pick('join'),
        leave: pick('leave'),
      };
      const attempt = await sendDelivery(env, url, payload, now);
      if (!attempt.ok) await failed(env, messages, url, payload, attempt, now);
      for (const message of messages) message.ack();
    } catch (error) {
      console.warn(`audience webhook for ${site}/${audience} will be retried:`, (error as Error).message);
      const delaySeconds = backoff(Math.max(...messages.map((m) => m.attempts)));
      for (const message of messages) message.retry({ delaySeconds });
    }
  }
}

/**
 * A failed attempt: thrown, for the queue to retry (all the delivery's messages together, so they
 * come back as one delivery with the same id), until the last, which is kept in D1 instead of lost.
 */
async function failed(
  env: Env,
  messages: readonly Message<WebhookMessage>[],
  url: string,
  payload: WebhookPayload,
  attempt: Extract<Attempt, { ok: false }>,
  now: number,
): Promise<void> {
  const attempts = Math.max(...messages.map((m) => m.attempts));
  if (attempts < WEBHOOK_ATTEMPTS) throw new Error(attempt.error);
  const { site, audience, delivery_id } = payload;
  // Should D1 fail here, the throw leaves the messages to the queue, which moves them to the dead-letter queue.
  await keepFailed(env.DB, {
    site,
    delivery_id,
    audience,
    url,
    payload: { ...payload, sent_at: now },
    attempts,
    last_status: attempt.status,
    last_error: attempt.error,
    failed_at: now,
  });
  console.warn(
    `audience webhook ${delivery_id} for ${site}/${audience} failed ${attempts} times (${attempt.error}); kept for GET /v1/webhooks/${site}/failed`,
  );
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
