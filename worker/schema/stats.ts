// What GET /v1/stats/:site answers (and /dashboard draws): the KPIs of a site over a range of UTC
// days. Computed by worker/dashboard/kpis.ts; every formula is in worker/analytics/README.md.
import type { Lift } from '../analytics/intervals';

export interface Traffic {
  /** Visitor-days: each visitor counted once per day they were active, summed over the days. */
  visitors: number;
  unique_visitors: number;
  page_views: number;
  sessions: number;
  bounced_sessions: number;
  /** Single-page sessions / sessions. */
  bounce_rate: number | null;
  daily: Array<{ day: string; visitors: number; page_views: number; sessions: number }>;
  top_pages: Array<{ path: string; views: number }>;
}

export interface FunnelStep {
  step: number;
  name: string | null;
  /** Visitors who reached this step (a submission counts as reaching every step). */
  reached: number;
  /** Share of this step's visitors who did not reach the next step (or submit, after the last). */
  drop_off: number | null;
}

export interface FormFunnel {
  form: string;
  started: number;
  steps: FunnelStep[];
  submitted: number;
  /** Visitors who abandoned and have not submitted since. */
  abandoned: number;
  completion_rate: number | null;
}

export interface OfferArm {
  arm: string;
  impressions: number;
  clicks: number;
  conversions: number;
  /** clicks / impressions */
  ctr: number | null;
  /** conversions / clicks */
  cvr: number | null;
  /** Visitors exposed (shown the offer, or held out from it). */
  exposed: number;
  /** Exposed visitors who submitted a form at or after their first exposure and by the end of the range. */
  goal_visitors: number;
  goal_rate: number | null;
  /**
   * Against the holdout, as differences of proportions (0.031 is 3.1 percentage points); null for
   * the holdout itself and while either side has no one.
   */
  lift: Lift | null;
}

export interface OfferStats {
  offer: string;
  arms: OfferArm[];
  holdout: OfferArm | null;
}

export interface Stages {
  /**
   * Visitors who first entered each stage in the range (not how many are in it now), in funnel
   * order: the rules' order reversed, lapsed stages such as dormant last. A visitor may skip stages.
   */
  entered: Array<{ stage: string; label: string | null; visitors: number }>;
  /** The stages that make a lead: "lead" and the more advanced funnel stages. */
  lead_stages: string[];
  /** Visitors who first reached one of lead_stages in the range. */
  leads: number | null;
  /** Of those leads, the ones who became customers (by now). */
  converted_leads: number | null;
  /** converted_leads × 100 / leads. */
  lead_to_customer_pct: number | null;
  /**
   * The same per first-touch channel: the UTM source and medium of the lead's first page view that
   * had either (both null: never came through a tagged link). Most leads first.
   */
  by_channel: LeadChannel[];
}

export interface LeadChannel {
  source: string | null;
  medium: string | null;
  leads: number;
  converted_leads: number;
  lead_to_customer_pct: number | null;
}

export interface AudienceSeries {
  audience: string;
  daily: Array<{ day: string; size: number; joins: number; leaves: number }>;
}

/**
 * What the rollups keep no row of its own for: events naming a form or track beyond the site's
 * cap of distinct names, or an offer or variant that is not in the rules. Counted, never dropped silently.
 */
export interface OtherCount {
  kind: 'forms' | 'tracks' | 'offers';
  /** The most distinct names the rollups keep a row for; null for offers, which the rules list. */
  cap: number | null;
  /** Distinct names kept so far (all time; the first ones seen); null for offers. */
  names: number | null;
  /** Events in the range counted under "(other)" instead. */
  other_events: number;
}

export interface Kpis {
  site: string;
  from: string;
  to: string;
  traffic?: Traffic;
  forms?: FormFunnel[];
  offers?: OfferStats[];
  stages?: Stages;
  audiences?: AudienceSeries[];
  other?: OtherCount[];
}
