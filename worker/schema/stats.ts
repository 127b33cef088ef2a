// What GET /v1/stats/:site answers (and /dashboard draws): the KPIs of a site over a range of UTC
// days. Computed by worker/dashboard/kpis.ts; every formula is in worker/analytics/README.md.
import * as z from '../lib/zod';

/** A rate: null when its denominator is 0 (no data is not a 0% rate). */
const Rate = z.nullable(z.number());
const Count = z.number();

export const Lift = z.strictObject({
  /** Conversion rate of the exposed arm minus the holdout's (absolute, in proportion points). */
  difference: z.number(),
  /** The 95% interval of `difference`. */
  low: z.number(),
  high: z.number(),
  /** difference / holdout rate; null when the holdout never converted. */
  relative: z.nullable(z.number()),
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
  name: z.nullable(z.string()),
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
  lift: z.nullable(Lift),
});
export type OfferArm = z.infer<typeof OfferArm>;

export const OfferStats = z.strictObject({
  offer: z.string(),
  arms: z.array(OfferArm),
  holdout: z.nullable(OfferArm),
  /**
   * What each arm's lift is against, from the offer's `holdout_mode` in the rules now: `next_best`
   * (held-out visitors were shown the runner-up: this offer against the next best) or `empty` (they
   * were shown nothing: this offer against no offer); null for an offer the rules no longer have.
   * A range that spans a change of mode mixes both comparisons.
   */
  lift_against: z.nullable(z.enum(['next_best', 'empty'])),
});
export type OfferStats = z.infer<typeof OfferStats>;

export const LeadChannel = z.strictObject({
  source: z.nullable(z.string()),
  medium: z.nullable(z.string()),
  leads: Count,
  converted_leads: Count,
  lead_to_customer_pct: Rate,
});
export type LeadChannel = z.infer<typeof LeadChannel>;

export const Stages = z.strictObject({
  /**
   * People who first entered each stage in the range (not how many are in it now), in funnel
   * order: the rules' order reversed, lapsed stages such as dormant last. A person may skip stages.
   * People, not browsers: a visitor merged into a user counts as that user (worker/analytics/README.md).
   */
  entered: z.array(z.strictObject({ stage: z.string(), label: z.nullable(z.string()), visitors: Count })),
  /** The stages that make a lead: "lead" and the more advanced funnel stages. */
  lead_stages: z.array(z.string()),
  /** People who first reached one of lead_stages in the range (on any of their devices). */
  leads: z.nullable(Count),
  /** Of those leads, the ones who became customers (by now). */
  converted_leads: z.nullable(Count),
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
  cap: z.nullable(z.number()),
  /** Distinct names kept so far (all time; the first ones seen); null for offers. */
  names: z.nullable(z.number()),
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
  offer: z.nullable(z.string()),
  arm: z.nullable(z.string()),
  lift: z.nullable(Lift),
  /** More exposed visitors (arm and holdout together) needed to detect the lift seen so far; 0 once decided. */
  visitors_needed: z.nullable(Count),
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
  leads: z.nullable(Count),
  lead_to_customer_pct: Rate,
  /** The lifecycle section's figures (null without it, or where it has none). */
  new_customers: z.nullable(Count),
  activation_rate: Rate,
  churn_rate: Rate,
  cross_sell_rate: Rate,
  winback_rate: Rate,
  referred_visitors: z.nullable(Count),
  clv: z.nullable(z.number()),
  cost_per_lead: z.nullable(z.number()),
});
export type Totals = z.infer<typeof Totals>;
/** A count of people per first-touch channel (the UTM source and medium of their first tagged page view). */
const Channel = { source: z.nullable(z.string()), medium: z.nullable(z.string()) };

export const RetentionCohort = z.strictObject({
  /** The month ("2026-03", in the site's time zone) in which these people became customers. */
  cohort: z.string(),
  customers: Count,
  /** Month 0 is the cohort's own month; one entry per month up to the end of the range. */
  months: z.array(z.strictObject({ month: z.number(), active: Count, rate: Rate })),
});
export type RetentionCohort = z.infer<typeof RetentionCohort>;

export const Referrer = z.strictObject({
  /** The referral code the visitors arrived with: the referrer's uid (or any code the site hands out). */
  referrer: z.string(),
  visitors: Count,
  leads: Count,
  customers: Count,
});
export type Referrer = z.infer<typeof Referrer>;

export const ClvChannel = z.strictObject({ ...Channel, customers: Count, revenue: z.number(), clv: z.nullable(z.number()) });
export type ClvChannel = z.infer<typeof ClvChannel>;

export const SpendChannel = z.strictObject({
  ...Channel,
  spend: z.number(),
  leads: Count,
  cost_per_lead: z.nullable(z.number()),
});
export type SpendChannel = z.infer<typeof SpendChannel>;

/** A figure that the filters asked for cannot narrow, the filters it leaves out, and why. */
export const FilterIgnored = z.strictObject({
  kpi: z.string(),
  filters: z.array(z.enum(['source', 'medium', 'device', 'stage'])),
  reason: z.string(),
});
export type FilterIgnored = z.infer<typeof FilterIgnored>;

/**
 * The customer lifecycle after the lead: activation, retention, churn, cross-sell, win-back,
 * referrals and value. People, not devices: a visitor identified as a user counts once, as that
 * user. Every formula is in worker/analytics/README.md; null when the rules lack what it needs
 * (a customer stage, `lifecycle.activated_when`) or its denominator is 0.
 */
export const Lifecycle = z.strictObject({
  /** The rules' settings the figures below use. */
  settings: z.strictObject({
    activation_days: z.number(),
    dormant_days: z.number(),
    referral_param: z.string(),
    currency: z.string(),
  }),
  /** People who first became customers in the range. */
  new_customers: Count,
  /** Of those, the ones who met `lifecycle.activated_when` within activation_days of becoming customers. */
  activated: Count,
  activation_rate: Rate,
  /** Median days from becoming a customer to activation, over `activated`. */
  time_to_activation_days: z.nullable(z.number()),
  /** New customers of each month of the range, and how many were active in each later month. */
  retention: z.array(RetentionCohort),
  /** Customers by the end of the range (became customers on or before it). */
  customers: Count,
  /** Of those: no activity for more than dormant_days before the range's end, or every product closed by then. */
  churned: Count,
  churn_rate: Rate,
  /** Customers holding (having taken) two or more products by the end of the range. */
  multi_product_customers: Count,
  cross_sell_rate: Rate,
  /** Offer conversions in the range by people who were already customers, per offer. */
  cross_sell_conversions: z.array(z.strictObject({ offer: z.string(), conversions: Count })),
  /** Customers active again in the range after more than dormant_days without activity. */
  won_back: Count,
  /** won_back / (won_back + churned). */
  winback_rate: Rate,
  /** Win-backs by the offer last shown to the person while they were lapsed (null: none). */
  winback_offers: z.array(z.strictObject({ offer: z.nullable(z.string()), won_back: Count })),
  /** Visitors who first arrived with a referral code in the range, and the leads and customers they became. */
  referrals: z.strictObject({ visitors: Count, leads: Count, customers: Count, by_referrer: z.array(Referrer) }),
  /** Revenue (sum of `amount`s in `currency`, up to the end of the range) per customer, in total and by first touch. */
  clv: z.strictObject({
    customers: Count,
    revenue: z.number(),
    clv: z.nullable(z.number()),
    /** Events whose amount was in another currency: not summed. */
    other_currency_events: Count,
    by_channel: z.array(ClvChannel),
  }),
  /** Spend in the range (PUT /v1/spend) per lead, in total and per channel; null without spend. */
  cost_per_lead: z.strictObject({
    spend: z.number(),
    leads: Count,
    cost_per_lead: z.nullable(z.number()),
    by_channel: z.array(SpendChannel),
  }),
  /** With filters: the figures above that they could not narrow (worker/analytics/README.md, "Filters"). */
  filters_ignored: z.optional(z.array(FilterIgnored)),
});
export type Lifecycle = z.infer<typeof Lifecycle>;

export const Kpis = z.meta(
  z.strictObject({
    site: z.string(),
    from: z.string(),
    to: z.string(),
    traffic: z.optional(Traffic),
    forms: z.optional(z.array(FormFunnel)),
    offers: z.optional(z.array(OfferStats)),
    stages: z.optional(Stages),
    audiences: z.optional(z.array(AudienceSeries)),
    other: z.optional(z.array(OtherCount)),
    /** The IANA time zone whose calendar days `from`, `to` and every `day` are (rules `timezone`). */
    timezone: z.optional(z.string()),
    /** With offers: one line per slot, the arm that wins there or what is still missing. */
    slots: z.optional(z.array(SlotSummary)),
    /** With compare=previous: the KPI cards' figures for the range… */
    totals: z.optional(Totals),
    /** …and for as many days just before it. */
    previous: z.optional(z.strictObject({ from: z.string(), to: z.string(), totals: Totals })),
    lifecycle: z.optional(Lifecycle),
  }),
  { id: 'Kpis' },
);
export type Kpis = z.infer<typeof Kpis>;
