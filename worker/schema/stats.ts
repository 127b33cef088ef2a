// What GET /v1/stats/:site answers (and /dashboard draws): the KPIs of a site over a range of UTC
// days. Computed by worker/dashboard/kpis.ts; every formula is in worker/analytics/README.md.
import { z } from 'zod';

/** A rate: null when its denominator is 0 (no data is not a 0% rate). */
const Rate = z.number().nullable();
const Count = z.number();

export const Lift = z.strictObject({
  /** Conversion rate of the exposed arm minus the holdout's (absolute, in proportion points). */
  difference: z.number(),
  /** The 95% interval of `difference`. */
  low: z.number(),
  high: z.number(),
  /** difference / holdout rate; null when the holdout never converted. */
  relative: z.number().nullable(),
  /** Whether the interval excludes 0. */
  significant: z.boolean(),
  method: z.literal('newcombe-hybrid-score-95'),
});
export type Lift = z.infer<typeof Lift>;

export const Traffic = z.strictObject({
  /** Visitor-days: each visitor counted once per day they were active, summed over the days. */
  visitors: Count,
  unique_visitors: Count,
  page_views: Count,
  sessions: Count,
  bounced_sessions: Count,
  /** Single-page sessions / sessions. */
  bounce_rate: Rate,
  /** Batches ignored as sent by bots (by user agent): counted, never a visitor. Not narrowed by filters. */
  bot_batches: Count,
  daily: z.array(z.strictObject({ day: z.string(), visitors: Count, page_views: Count, sessions: Count })),
  /** Paths grouped into pages: index files, .html and trailing slashes dropped, then the rules' path_aliases. */
  top_pages: z.array(z.strictObject({ path: z.string(), views: Count })),
});
export type Traffic = z.infer<typeof Traffic>;

export const FunnelStep = z.strictObject({
  step: z.number(),
  name: z.string().nullable(),
  /** Visitors who reached this step (a submission counts as reaching every step). */
  reached: Count,
  /** Share of this step's visitors who did not reach the next step (or submit, after the last). */
  drop_off: Rate,
});
export type FunnelStep = z.infer<typeof FunnelStep>;

export const FormFunnel = z.strictObject({
  form: z.string(),
  started: Count,
  steps: z.array(FunnelStep),
  submitted: Count,
  /** Visitors who abandoned and have not submitted since. */
  abandoned: Count,
  completion_rate: Rate,
});
export type FormFunnel = z.infer<typeof FormFunnel>;

export const OfferArm = z.strictObject({
  arm: z.string(),
  impressions: Count,
  clicks: Count,
  conversions: Count,
  /** clicks / impressions */
  ctr: Rate,
  /** conversions / clicks */
  cvr: Rate,
  /** Visitors exposed (shown the offer, or held out from it). */
  exposed: Count,
  /** Exposed visitors who submitted a form at or after their first exposure and by the end of the range. */
  goal_visitors: Count,
  goal_rate: Rate,
  /**
   * Against the holdout, as differences of proportions (0.031 is 3.1 percentage points); null for
   * the holdout itself and while either side has no one.
   */
  lift: Lift.nullable(),
});
export type OfferArm = z.infer<typeof OfferArm>;

export const OfferStats = z.strictObject({ offer: z.string(), arms: z.array(OfferArm), holdout: OfferArm.nullable() });
export type OfferStats = z.infer<typeof OfferStats>;

export const LeadChannel = z.strictObject({
  source: z.string().nullable(),
  medium: z.string().nullable(),
  leads: Count,
  converted_leads: Count,
  lead_to_customer_pct: Rate,
});
export type LeadChannel = z.infer<typeof LeadChannel>;

export const Stages = z.strictObject({
  /**
   * Visitors who first entered each stage in the range (not how many are in it now), in funnel
   * order: the rules' order reversed, lapsed stages such as dormant last. A visitor may skip stages.
   */
  entered: z.array(z.strictObject({ stage: z.string(), label: z.string().nullable(), visitors: Count })),
  /** The stages that make a lead: "lead" and the more advanced funnel stages. */
  lead_stages: z.array(z.string()),
  /** Visitors who first reached one of lead_stages in the range. */
  leads: Count.nullable(),
  /** Of those leads, the ones who became customers (by now). */
  converted_leads: Count.nullable(),
  /** converted_leads × 100 / leads. */
  lead_to_customer_pct: Rate,
  /**
   * The same per first-touch channel: the UTM source and medium of the lead's first page view that
   * had either (both null: never came through a tagged link). Most leads first.
   */
  by_channel: z.array(LeadChannel),
});
export type Stages = z.infer<typeof Stages>;

export const AudienceSeries = z.strictObject({
  audience: z.string(),
  daily: z.array(z.strictObject({ day: z.string(), size: Count, joins: Count, leaves: Count })),
});
export type AudienceSeries = z.infer<typeof AudienceSeries>;

/**
 * What the rollups keep no row of its own for: events naming a form or track beyond the site's
 * cap of distinct names, or an offer or variant that is not in the rules. Counted, never dropped silently.
 */
export const OtherCount = z.strictObject({
  kind: z.enum(['forms', 'tracks', 'offers']),
  /** The most distinct names the rollups keep a row for; null for offers, which the rules list. */
  cap: z.number().nullable(),
  /** Distinct names kept so far (all time; the first ones seen); null for offers. */
  names: z.number().nullable(),
  /** Events in the range counted under "(other)" instead. */
  other_events: Count,
});
export type OtherCount = z.infer<typeof OtherCount>;

export const SlotSummary = z.strictObject({
  slot: z.string(),
  /**
   * winner: an arm's lift over its holdout is positive and its interval excludes 0 (the largest such);
   * holdout_wins: every arm's lift is negative with an interval below 0; not_enough_data: neither
   * yet; no_holdout: no offer in the slot holds visitors out, so nothing measures lift; no_offers.
   */
  verdict: z.enum(['winner', 'holdout_wins', 'not_enough_data', 'no_holdout', 'no_offers']),
  /** The winning arm, or the one ahead so far; null when none was exposed. */
  offer: z.string().nullable(),
  arm: z.string().nullable(),
  lift: Lift.nullable(),
  /** More exposed visitors (arm and holdout together) needed to detect the lift seen so far; 0 once decided. */
  visitors_needed: Count.nullable(),
});
export type SlotSummary = z.infer<typeof SlotSummary>;

/** The figures of the dashboard's KPI cards, for the range and for the period before it. */
export const Totals = z.strictObject({
  unique_visitors: Count,
  visitors: Count,
  page_views: Count,
  sessions: Count,
  bounce_rate: Rate,
  bot_batches: Count,
  form_submissions: Count,
  leads: Count.nullable(),
  lead_to_customer_pct: Rate,
});
export type Totals = z.infer<typeof Totals>;

export const Kpis = z
  .strictObject({
    site: z.string(),
    from: z.string(),
    to: z.string(),
    traffic: Traffic.optional(),
    forms: z.array(FormFunnel).optional(),
    offers: z.array(OfferStats).optional(),
    stages: Stages.optional(),
    audiences: z.array(AudienceSeries).optional(),
    other: z.array(OtherCount).optional(),
    /** The IANA time zone whose calendar days `from`, `to` and every `day` are (rules `timezone`). */
    timezone: z.string().optional(),
    /** With offers: one line per slot, the arm that wins there or what is still missing. */
    slots: z.array(SlotSummary).optional(),
    /** With compare=previous: the KPI cards' figures for the range… */
    totals: Totals.optional(),
    /** …and for as many days just before it. */
    previous: z.strictObject({ from: z.string(), to: z.string(), totals: Totals }).optional(),
  })
  .meta({ id: 'Kpis' });
export type Kpis = z.infer<typeof Kpis>;
