// What GET /v1/audiences/:site/:audience answers, and the body of the audience webhooks: members
// with their join and expiry times and, when the person identified, the hashed user id.
import { z } from 'zod';

export const Member = z.strictObject({
  vid: z.string(),
  /** SHA-256 hex of the site's user id, when the visitor identified. */
  uid: z.string().nullable(),
  joined: z.number(),
  expires: z.number(),
});
export type Member = z.infer<typeof Member>;

export const AudienceMembers = z.strictObject({
  site: z.string(),
  audience: z.string(),
  members: z.array(Member),
  /** The cursor of the next page; null on the last one. */
  next: z.string().nullable(),
});
export type AudienceMembers = z.infer<typeof AudienceMembers>;

/**
 * POSTed to an audience's `webhook`, signed (X-Nextbest-Signature) as worker/audiences/webhooks.ts
 * says. Receivers dedupe on `delivery_id`: a retried or replayed delivery carries the same one.
 */
export const WebhookPayload = z
  .strictObject({
    delivery_id: z
      .string()
      .describe(
        'Names this delivery: its retries and replays carry the same id (also in X-Nextbest-Delivery); process each id once.',
      ),
    site: z.string().describe('The site id, as in the rules file name.'),
    audience: z.string().describe('The audience id, as in the rules.'),
    sent_at: z.number().describe('When this attempt was sent, in ms since the epoch (the same as X-Nextbest-Timestamp).'),
    join: z.array(Member).describe('Members who joined, or whose membership was extended.'),
    leave: z.array(Member).describe('Members who left, whose membership expired, or who were erased.'),
  })
  .meta({ id: 'AudienceWebhook' });
export type WebhookPayload = z.infer<typeof WebhookPayload>;
