// The event batch the snippet (or any client) posts to /v1/collect: the wire contract (README, "HTTP API").
// Field names are public; unknown fields are rejected so typos fail loudly instead of vanishing.
import * as z from '../lib/zod';
import { MAX_LENGTH } from '../lib/scrub';

/** Identifier made by clients: visitor, session and event ids. */
export const ClientId = z
  .string()
  .check(z.minLength(8), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "_" or "-"'));
/** Site ids and the names in rules files (slots, forms, offers) share one shape. */
export const Name = z
  .string()
  .check(z.minLength(1), z.maxLength(64), z.regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected lowercase letters, digits, "_" or "-"'));
const Millis = z.number().check(z.int(), z.nonnegative(), z.lte(8.64e15));
const Text = (max: number) => z.string().check(z.maxLength(max));
/** Custom properties: flat, small, scalar, so a hostile page cannot make us store blobs. */
export const Props = z
  .record(Name, z.union([z.string().check(z.maxLength(MAX_LENGTH.prop)), z.number(), z.boolean(), z.null()]))
  .check(z.refine((props) => Object.keys(props).length <= 25, 'at most 25 properties'));

const base = { id: ClientId, ts: Millis };
/** SHA-256 hex of a normalised identifier, hashed in the browser (snippet/README.md, "Identifiers for ad platforms"). */
const Sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest'));

export const PageEvent = z.strictObject({
  ...base,
  type: z.literal('page'),
  url: z.url({ protocol: /^https?$/ }).check(z.maxLength(MAX_LENGTH.url)),
  ref: z.optional(Text(MAX_LENGTH.ref)),
  title: z.optional(Text(MAX_LENGTH.title)),
  /**
   * The ad platforms' first-party cookies the site already has (Meta's `_fbp`, Google's `_gcl_aw`),
   * sent by the snippet only with ads consent; stored with the click ids of the landing URL.
   */
  ad_cookies: z.optional(z.strictObject({ fbp: z.optional(Text(200)), gcl_aw: z.optional(Text(200)) })),
});

export const FormAction = z.enum(['start', 'step', 'submit', 'abandon']);
export const FormEvent = z.strictObject({
  ...base,
  type: z.literal('form'),
  form: Name,
  action: FormAction,
  step: z.optional(z.number().check(z.int(), z.gte(1), z.lte(50))),
  step_name: z.optional(Text(MAX_LENGTH.step_name)),
  steps: z.optional(z.number().check(z.int(), z.gte(1), z.lte(50))),
});

export const TrackEvent = z.strictObject({
  ...base,
  type: z.literal('track'),
  name: Name,
  props: z.optional(Props),
  /**
   * Revenue of this event (a payment, a fee): summed into the person's CLV. Accepted from senders
   * that present the API key only (POST /v1/events, or /v1/collect from a backend).
   */
  amount: z.optional(z.number().check(z.gte(-1e9), z.lte(1e9))),
  /** ISO 4217 code of `amount`; the rules' lifecycle.currency when absent. */
  currency: z.optional(z.string().check(z.regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "USD"'))),
});

export const OfferAction = z.enum(['impression', 'click', 'dismiss', 'convert']);
export const OfferEvent = z.strictObject({
  ...base,
  type: z.literal('offer'),
  offer: Name,
  variant: z.optional(Name),
  action: OfferAction,
});

export const IdentifyEvent = z.strictObject({
  ...base,
  type: z.literal('identify'),
  uid: Sha256Hex,
  traits: z.optional(Props),
  /** SHA-256 of the e-mail address, trimmed and lower-cased (Google Customer Match, Meta Custom Audiences). */
  email_sha256: z.optional(Sha256Hex),
  /** SHA-256 of the phone number in E.164, `+` and digits (Google Customer Match). */
  phone_sha256: z.optional(Sha256Hex),
  /** SHA-256 of the same number's digits without the `+` (Meta Custom Audiences). */
  phone_digits_sha256: z.optional(Sha256Hex),
  /**
   * Hex HMAC-SHA256 of `uid` under the site's identity secret, computed by the site's backend
   * (README, "Identity verification"). Without a valid one the identify stays on this device.
   */
  sig: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (HMAC-SHA256)'))),
});

export const Event = z.discriminatedUnion('type', [PageEvent, FormEvent, TrackEvent, OfferEvent, IdentifyEvent]);
export type Event = z.infer<typeof Event>;

export const MAX_EVENTS_PER_BATCH = 100;

/**
 * The slots a page declares. A name the site could not use (bad characters, too many) is dropped
 * rather than refused: the page's markup is not the visitor's fault, and its events still count.
 */
export const Slots = z.pipe(
  z.optional(z.array(z.string().check(z.maxLength(200))).check(z.maxLength(100))),
  z.transform((names) => names?.filter((name) => Name.safeParse(name).success).slice(0, 20)),
);

/** The envelope; events are validated one by one so that one bad event does not sink the batch. */
export const BatchEnvelope = z.strictObject({
  site: Name,
  vid: ClientId,
  sid: z.optional(ClientId),
  sent_at: Millis,
  slots: Slots,
  /**
   * The consent the page applies (its data-nb-consent mode, the visitor's choices, GPC): the
   * worker keeps it as the visitor's consent, so ad audiences follow the page's model.
   */
  consent: z.optional(
    z.strictObject({
      analytics: z.optional(z.boolean()),
      personalization: z.optional(z.boolean()),
      ads: z.optional(z.boolean()),
    }),
  ),
  /** Sent by a tag with data-nb-debug="true": from one of the rules' test_origins, a headless browser is not taken for a bot. */
  debug: z.optional(z.literal(true)),
  events: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_EVENTS_PER_BATCH)),
});
export type BatchEnvelope = z.infer<typeof BatchEnvelope>;

/** The whole batch, strictly typed: what the typed client and the OpenAPI document describe. */
export const EventBatch = z.extend(BatchEnvelope, {
  events: z.array(Event).check(z.minLength(1), z.maxLength(MAX_EVENTS_PER_BATCH)),
});
export type EventBatch = z.infer<typeof EventBatch>;
