// What GET /v1/audiences/:site/:audience answers (as JSON, and as the ad platforms' own upload
// formats), and the body of the audience webhooks: members with their join and expiry times, the
// hashed user id when the person identified, and what ad platforms match them by.
import * as z from '../lib/zod';
import { ClickIds, Consent } from '../engine/state';

const Sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const Member = z.strictObject({
  /** The profile id: the visitor id, or `uid:<hash>` for a person linked across browsers. */
  vid: z.string(),
  /** SHA-256 hex of the site's user id, when the visitor identified. */
  uid: z.nullable(z.string()),
  joined: z.number(),
  expires: z.number(),
  event_id: z.describe(
    z.string(),
    'The id of this join or leave: the same one the collect and decide answers gave the browser, so an ad platform counts the two copies once',
  ),
});
export type Member = z.infer<typeof Member>;

/** A member as the audience's list shows it: one per person (key = uid) or anonymous browser (key = vid). */
export const AudienceMember = z.extend(Member, {
  key: z.describe(z.string(), 'Who the audience counts as one member: the uid once identified, else the vid'),
  vids: z.describe(z.array(z.string()), "The member's browsers (visitor ids linked to the person)"),
  event_id: z.describe(Member.shape.event_id, "The id of the member's join"),
  email_sha256: z.describe(z.nullable(Sha256), 'SHA-256 of the normalised e-mail address, from a verified identify'),
  phone_sha256: z.describe(z.nullable(Sha256), 'SHA-256 of the phone number in E.164, from a verified identify'),
  phone_digits_sha256: z.describe(z.nullable(Sha256), "SHA-256 of the same number's digits without the +, as Meta matches it"),
  click_ids: z.describe(ClickIds, 'Click ids and ad cookies of the last 90 days, kept with ads consent only'),
  consent: Consent,
});
export type AudienceMember = z.infer<typeof AudienceMember>;

export const AudienceFormat = z.describe(
  z.enum(['json', 'google_customer_match', 'meta_custom_audience']),
  '`json`: this list; `google_customer_match`: a CSV file with the Email and Phone columns for a Google Ads Customer Match upload; `meta_custom_audience`: the `payload` of a Meta Marketing API POST /{custom_audience_id}/users',
);
export type AudienceFormat = z.infer<typeof AudienceFormat>;

export const AudienceMembers = z.strictObject({
  site: z.string(),
  audience: z.string(),
  members: z.array(AudienceMember),
  /** Members of this page with neither a hashed e-mail address nor a hashed phone number. */
  unmatched: z.describe(
    z.number().check(z.int()),
    'Members of this page that ad platforms cannot match: neither e-mail nor phone hash',
  ),
  /** The cursor of the next page; null on the last one. */
  next: z.nullable(z.string()),
});
export type AudienceMembers = z.infer<typeof AudienceMembers>;

/** The `payload` Meta's users endpoint takes: at most 10,000 rows, hashed values in the schema's order. */
export const MetaAudiencePayload = z.meta(
  z.strictObject({
    schema: z.tuple([z.literal('EMAIL'), z.literal('PHONE')]),
    data: z.array(z.tuple([z.string(), z.string()])).check(z.maxLength(10_000)),
  }),
  { id: 'MetaCustomAudiencePayload' },
);
export type MetaAudiencePayload = z.infer<typeof MetaAudiencePayload>;

/** A page of GET /v1/audiences/:site/:audience: members as JSON, or Meta's upload. */
export const AudiencePage = z.union([AudienceMembers, MetaAudiencePayload]);

/**
 * POSTed to an audience's `webhook`, signed (X-Nextbest-Signature) as worker/audiences/webhooks.ts
 * says. Receivers dedupe on `delivery_id`: a retried or replayed delivery carries the same one.
 */
export const WebhookPayload = z.meta(
  z.strictObject({
    delivery_id: z.describe(
      z.string(),
      'Names this delivery: its retries and replays carry the same id (also in X-Nextbest-Delivery); process each id once.',
    ),
    site: z.describe(z.string(), 'The site id, as in the rules file name.'),
    audience: z.describe(z.string(), 'The audience id, as in the rules.'),
    sent_at: z.describe(z.number(), 'When this attempt was sent, in ms since the epoch (the same as X-Nextbest-Timestamp).'),
    join: z.describe(z.array(Member), 'Members who joined, or whose membership was extended.'),
    leave: z.describe(z.array(Member), 'Members who left, whose membership expired, or who were erased.'),
  }),
  { id: 'AudienceWebhook' },
);
export type WebhookPayload = z.infer<typeof WebhookPayload>;
