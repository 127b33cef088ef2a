// A visitor's state as the engine keeps it: plain JSON, stored by the Durable Object between events.
// Its size is bounded by the rules (products, rules, offers, audiences) and small fixed caps, never
// by the number of events: each event is folded in, and no history is kept to rescan.
import * as z from '../lib/zod';

export const STATE_VERSION = 3;
/** Caps on the parts whose keys come from visitors rather than from the rules. */
export const LIMITS = { forms: 20, tracks: 50, stageHistory: 20, reasons: 8 } as const;

// The shapes are zod schemas so that the profile API documents them (worker/schema/profile.ts);
// the engine only uses the inferred types and never parses with them on its hot path.
/** An object of counters, one number per key. */
const Counts = <K extends string>(keys: readonly K[]) =>
  z.strictObject(Object.fromEntries(keys.map((key) => [key, z.number()])) as Record<K, z.ZodMiniNumber>);

export const ScoreState = z.strictObject({
  /** Every value below is as of this time; decay is applied lazily, in closed form. */
  as_of: z.number(),
  total: z.number(),
  products: z.record(z.string(), z.number()),
  /** Decayed contribution per scoring rule, the largest few kept: the "why" of the score. */
  reasons: z.record(z.string(), z.number()),
});
export type ScoreState = z.infer<typeof ScoreState>;

export const FormState = z.strictObject({
  started: z.boolean(),
  furthest: z.number(),
  steps: z.optional(z.number()),
  submitted: z.boolean(),
  abandoned: z.boolean(),
  abandoned_step: z.optional(z.number()),
  last_at: z.number(),
});
export type FormState = z.infer<typeof FormState>;

export const OfferCounts = Counts(['impressions', 'clicks', 'dismisses', 'converts']);
export type OfferCounts = z.infer<typeof OfferCounts>;

export const OfferState = z.extend(OfferCounts, {
  last_impression: z.optional(z.number()),
  last_click: z.optional(z.number()),
  last_dismiss: z.optional(z.number()),
  last_convert: z.optional(z.number()),
  /** UTC day of `day_impressions`, for per-day caps. */
  day: z.number(),
  day_impressions: z.number(),
  /** Per variant ("-" when the offer has none), for the learned propensity. */
  variants: z.record(z.string(), OfferCounts),
});
export type OfferState = z.infer<typeof OfferState>;

export const AudienceState = z.strictObject({
  joined: z.number(),
  expires: z.number(),
  /** Set when the visitor left early (exit condition or consent withdrawn). */
  left: z.optional(z.number()),
  exited: z.optional(z.boolean()),
});
export type AudienceState = z.infer<typeof AudienceState>;

export const Consent = z.strictObject({
  analytics: z.optional(z.boolean()),
  personalization: z.optional(z.boolean()),
  ads: z.optional(z.boolean()),
});
export type Consent = z.infer<typeof Consent>;

export const Utm = z.strictObject({
  source: z.optional(z.string()),
  medium: z.optional(z.string()),
  campaign: z.optional(z.string()),
  term: z.optional(z.string()),
  content: z.optional(z.string()),
});
export type Utm = z.infer<typeof Utm>;

export const HeldProduct = z.strictObject({
  /** When the product was (last) taken: rules products[].taken_when matched. */
  taken: z.number(),
  /** When it was closed (closed_when matched); absent while held. */
  closed: z.optional(z.number()),
});
export type HeldProduct = z.infer<typeof HeldProduct>;

/** After the sale (worker/engine/customer.ts): bounded by the rules' stages and products. */
export const CustomerState = z.strictObject({
  /** When the person first entered each stage of the rules. */
  entered: z.record(z.string(), z.number()),
  /** Products taken, by product id. */
  products: z.record(z.string(), HeldProduct),
  /** When a customer first met lifecycle.activated_when. */
  activated_at: z.optional(z.number()),
  /** The latest event the person made (every event but an offer impression, which can be pushed to them). */
  last_active: z.optional(z.number()),
  /** The referral code of the first page view that carried one (rules lifecycle.referral_param). */
  referrer: z.optional(z.strictObject({ code: z.string(), at: z.number() })),
});
export type CustomerState = z.infer<typeof CustomerState>;

const ClickId = z.strictObject({ value: z.string(), at: z.describe(z.number(), 'When it was seen (ms)') });
/** Ad platforms' click ids and cookies (worker/engine/click-ids.ts): kept with ads consent only, 90 days. */
export const ClickIds = z.strictObject({
  gclid: z.describe(z.optional(ClickId), "Google Ads' click id of the landing URL"),
  gbraid: z.describe(z.optional(ClickId), "Google Ads' click id for iOS app campaigns"),
  wbraid: z.describe(z.optional(ClickId), "Google Ads' click id for web-to-app campaigns"),
  fbc: z.describe(z.optional(ClickId), "Meta's click id as its `fbc` value: fb.1.<ms of the click>.<fbclid>"),
  msclkid: z.describe(z.optional(ClickId), "Microsoft Advertising's click id"),
  fbp: z.describe(z.optional(ClickId), "Meta's browser id, the `_fbp` cookie"),
  gcl_aw: z.describe(z.optional(ClickId), "Google's `_gcl_aw` cookie (GCL.<seconds>.<gclid>)"),
});
export type ClickIds = z.infer<typeof ClickIds>;

/** SHA-256 hex of a normalised identifier, as the snippet or a backend sends it. */
const Sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const VisitorState = z.strictObject({
  v: z.number(),
  vid: z.string(),
  first_seen: z.number(),
  last_seen: z.number(),
  counters: Counts(['events', 'pages', 'forms', 'tracks', 'offers']),
  /** Recency, frequency (distinct active UTC days) and monetary value (sum of `amount` props). */
  rfm: Counts(['last_day', 'active_days', 'monetary', 'purchases']),
  score: ScoreState,
  /** Per scoring rule with max_per_day: [UTC day, times it fired that day]. */
  rule_days: z.record(z.string(), z.tuple([z.number(), z.number()])),
  stage: z.string(),
  stage_history: z.array(z.strictObject({ stage: z.string(), at: z.number() })),
  segments: z.array(z.string()),
  forms: z.record(z.string(), FormState),
  tracks: z.record(z.string(), z.number()),
  offers: z.record(z.string(), OfferState),
  audiences: z.record(z.string(), AudienceState),
  consent: Consent,
  page: z.optional(
    z.strictObject({
      url: z.string(),
      path: z.string(),
      host: z.string(),
      utm: z.optional(Utm),
      referrer: z.optional(z.string()),
    }),
  ),
  first_touch: z.optional(Utm),
  uid: z.optional(z.string()),
  customer: CustomerState,
  /** From a verified identify or POST /v1/identify only: what ad platforms match a person by. */
  email_sha256: z.describe(z.optional(Sha256), 'SHA-256 of the trimmed, lower-cased e-mail address'),
  phone_sha256: z.describe(z.optional(Sha256), 'SHA-256 of the phone number in E.164 (+ and digits)'),
  phone_digits_sha256: z.describe(z.optional(Sha256), "SHA-256 of the same number's digits without the + (as Meta matches it)"),
  click_ids: z.optional(ClickIds),
});
export type VisitorState = z.infer<typeof VisitorState>;

export function newVisitor(vid: string, now: number): VisitorState {
  return {
    v: STATE_VERSION,
    vid,
    first_seen: now,
    last_seen: now,
    counters: { events: 0, pages: 0, forms: 0, tracks: 0, offers: 0 },
    rfm: { last_day: -1, active_days: 0, monetary: 0, purchases: 0 },
    score: { as_of: now, total: 0, products: {}, reasons: {} },
    rule_days: {},
    stage: '',
    stage_history: [],
    segments: [],
    forms: {},
    tracks: {},
    offers: {},
    audiences: {},
    consent: {},
    customer: { entered: {}, products: {} },
  };
}

/** Fills in what states stored by older versions lack, so stored visitors keep working. */
export function upgradeState(state: VisitorState): VisitorState {
  if (state.v === STATE_VERSION) return state;
  const fresh = newVisitor(state.vid, state.first_seen ?? state.last_seen ?? 0);
  const merged = Object.assign(fresh, state, { v: STATE_VERSION });
  merged.counters = { ...fresh.counters, ...state.counters };
  // Stages entered before version 3 are known from the (recent) stage history.
  for (const { stage, at } of merged.stage_history) merged.customer.entered[stage] ??= at;
  return Object.assign(state, merged);
}

/**
 * A record's own entry. Keys come from pages (track names, form ids) and rules files, and a plain
 * object would answer "constructor" with Object itself: state would then mutate a global.
 */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * own() for a key from the rules, where whether objects inherit it was decided once at load: a
 * single lookup on the hot path. Rule ids are Names, so only "constructor" takes the slow way.
 */
export function ownKey<T>(record: Record<string, T>, key: { id: string; inherited: boolean }): T | undefined {
  return key.inherited ? own(record, key.id) : record[key.id];
}

export function emptyCounts(): OfferCounts {
  return { impressions: 0, clicks: 0, dismisses: 0, converts: 0 };
}
