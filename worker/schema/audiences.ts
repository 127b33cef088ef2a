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

/** POSTed to an audience's `webhook`, signed (X-Nextbest-Signature) as worker/audiences/webhooks.ts says. */
export const WebhookPayload = z
  .strictObject({
    site: z.string(),
    audience: z.string(),
    sent_at: z.number(),
    join: z.array(Member),
    leave: z.array(Member),
  })
  .meta({ id: 'AudienceWebhook' });
export type WebhookPayload = z.infer<typeof WebhookPayload>;
