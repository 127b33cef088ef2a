// The event batch the snippet (or any client) posts to /v1/collect: the wire contract (README, "HTTP API").
// Field names are public; unknown fields are rejected so typos fail loudly instead of vanishing.
import * as z from '../lib/zod';
import { MAX_LENGTH } from '../lib/scrub';

/** Identifier made by clients: visitor, session and event ids. */
export const ClientId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "_" or "-"');
/** Site ids and the names in rules files (slots, forms, offers) share one shape. */
export const Name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected lowercase letters, digits, "_" or "-"');
const Millis = z.number().int().nonnegative().max(8.64e15);
const Text = (max: number) => z.string().max(max);
/** Custom properties: flat, small, scalar, so a hostile page cannot make us store blobs. */
export const Props = z
  .record(Name, z.union([z.string().max(MAX_LENGTH.prop), z.number().finite(), z.boolean(), z.null()]))
  .refine((props) => Object.keys(props).length <= 25, 'at most 25 properties');

const base = { id: ClientId, ts: Millis };
/** SHA-256 hex of a normalised identifier, hashed in the browser (snippet/README.md, "Identifiers for ad platforms"). */
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest');

export const PageEvent = z.strictObject({
  ...base,
  type: z.literal('page'),
  url: z.url({ protocol: /^https?$/ }).max(MAX_LENGTH.url),
  ref: Text(MAX_LENGTH.ref).optional(),
  title: Text(MAX_LENGTH.title).optional(),
  /**
   * The ad platforms' first-party cookies the site already has (Meta's `_fbp`, Google's `_gcl_aw`),
   * sent by the snippet only with ads consent; stored with the click ids of the landing URL.
   */
  ad_cookies: z.strictObject({ fbp: Text(200).optional(), gcl_aw: Text(200).optional() }).optional(),
});

export const FormAction = z.enum(['start', 'step', 'submit', 'abandon']);
export const FormEvent = z.strictObject({
  ...base,
  type: z.literal('form'),
  form: Name,
  action: FormAction,
  step: z.number().int().min(1).max(50).optional(),
  step_name: Text(MAX_LENGTH.step_name).optional(),
  steps: z.number().int().min(1).max(50).optional(),
});

export const TrackEvent = z.strictObject({
  ...base,
  type: z.literal('track'),
  name: Name,
  props: Props.optional(),
  /**
   * Revenue of this event (a payment, a fee): summed into the person's CLV. Accepted from senders
   * that present the API key only (POST /v1/events, or /v1/collect from a backend).
   */
  amount: z.number().finite().min(-1e9).max(1e9).optional(),
  /** ISO 4217 code of `amount`; the rules' lifecycle.currency when absent. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "USD"')
    .optional(),
});

export const OfferAction = z.enum(['impression', 'click', 'dismiss', 'convert']);
export const OfferEvent = z.strictObject({
  ...base,
  type: z.literal('offer'),
  offer: Name,
  variant: Name.optional(),
  action: OfferAction,
});

export const IdentifyEvent = z.strictObject({
  ...base,
  type: z.literal('identify'),
  uid: Sha256Hex,
  traits: Props.optional(),
  /** SHA-256 of the e-mail address, trimmed and lower-cased (Google Customer Match, Meta Custom Audiences). */
  email_sha256: Sha256Hex.optional(),
  /** SHA-256 of the phone number in E.164, `+` and digits (Google Customer Match). */
  phone_sha256: Sha256Hex.optional(),
  /** SHA-256 of the same number's digits without the `+` (Meta Custom Audiences). */
  phone_digits_sha256: Sha256Hex.optional(),
  /**
   * Hex HMAC-SHA256 of `uid` under the site's identity secret, computed by the site's backend
   * (README, "Identity verification"). Without a valid one the identify stays on this device.
   */
  sig: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (HMAC-SHA256)')
    .optional(),
});

export const Event = z.discriminatedUnion('type', [PageEvent, FormEvent, TrackEvent, OfferEvent, IdentifyEvent]);
export type Event = z.infer<typeof Event>;

export const MAX_EVENTS_PER_BATCH = 100;

/**
 * The slots a page declares. A name the site could not use (bad characters, too many) is dropped
 * rather than refused: the page's markup is not the visitor's fault, and its events still count.
 */
export const Slots = z
  .array(z.string().max(200))
  .max(100)
  .optional()
  .transform((names) => names?.filter((name) => Name.safeParse(name).success).slice(0, 20));

/** The envelope; events are validated one by one so that one bad event does not sink the batch. */
export const BatchEnvelope = z.strictObject({
  site: Name,
  vid: ClientId,
  sid: ClientId.optional(),
  sent_at: Millis,
  slots: Slots,
  /**
   * The consent the page applies (its data-nb-consent mode, the visitor's choices, GPC): the
   * worker keeps it as the visitor's consent, so ad audiences follow the page's model.
   */
  consent: z
    .strictObject({ analytics: z.boolean().optional(), personalization: z.boolean().optional(), ads: z.boolean().optional() })
    .optional(),
  /** Sent by a tag with data-nb-debug="true": from one of the rules' test_origins, a headless browser is not taken for a bot. */
  debug: z.literal(true).optional(),
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
});
export type BatchEnvelope = z.infer<typeof BatchEnvelope>;

/** The whole batch, strictly typed: what the typed client and the OpenAPI document describe. */
export const EventBatch = BatchEnvelope.extend({ events: z.array(Event).min(1).max(MAX_EVENTS_PER_BATCH) });
export type EventBatch = z.infer<typeof EventBatch>;
