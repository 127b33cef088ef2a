// A visitor's state as the engine keeps it: plain JSON, stored by the Durable Object between events.
// Its size is bounded by the rules (products, rules, offers, audiences) and small fixed caps, never
// by the number of events: each event is folded in, and no history is kept to rescan.

export const STATE_VERSION = 2;
/** Caps on the parts whose keys come from visitors rather than from the rules. */
export const LIMITS = { forms: 20, tracks: 50, stageHistory: 20, reasons: 8 } as const;

export interface ScoreState {
  /** Every value below is as of this time; decay is applied lazily, in closed form. */
  as_of: number;
  total: number;
  products: Record<string, number>;
  /** Decayed contribution per scoring rule, the largest few kept: the "why" of the score. */
  reasons: Record<string, number>;
}

export interface FormState {
  started: boolean;
  furthest: number;
  steps?: number;
  submitted: boolean;
  abandoned: boolean;
  abandoned_step?: number;
  last_at: number;
}

export interface OfferCounts {
  impressions: number;
  clicks: number;
  dismisses: number;
  converts: number;
}

export interface OfferState extends OfferCounts {
  last_impression?: number;
  last_click?: number;
  last_dismiss?: number;
  last_convert?: number;
  /** UTC day of `day_impressions`, for per-day caps. */
  day: number;
  day_impressions: number;
  /** Per variant ("-" when the offer has none), for the learned propensity. */
  variants: Record<string, OfferCounts>;
}

export interface AudienceState {
  joined: number;
  expires: number;
  /** Set when the visitor left early (exit condition or consent withdrawn). */
  left?: number;
  exited?: boolean;
}

export interface Consent {
  analytics?: boolean;
  personalization?: boolean;
  ads?: boolean;
}

export interface Utm {
  source?: string;
  medium?: string;
  campaign?: string;
  term?: string;
  content?: string;
}

export interface VisitorState {
  v: number;
  vid: string;
  first_seen: number;
  last_seen: number;
  counters: { events: number; pages: number; forms: number; tracks: number; offers: number };
  /** Recency, frequency (distinct active UTC days) and monetary value (sum of `amount` props). */
  rfm: { last_day: number; active_days: number; monetary: number; purchases: number };
  score: ScoreState;
  /** Per scoring rule with max_per_day: [UTC day, times it fired that day]. */
  rule_days: Record<string, [number, number]>;
  stage: string;
  stage_history: Array<{ stage: string; at: number }>;
  segments: string[];
  forms: Record<string, FormState>;
  tracks: Record<string, number>;
  offers: Record<string, OfferState>;
  audiences: Record<string, AudienceState>;
  consent: Consent;
  page?: { url: string; path: string; host: string; utm?: Utm; referrer?: string };
  first_touch?: Utm;
  uid?: string;
}

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
  };
}

/** Fills in what states stored by older versions lack, so stored visitors keep working. */
export function upgradeState(state: VisitorState): VisitorState {
  if (state.v === STATE_VERSION) return state;
  const fresh = newVisitor(state.vid, state.first_seen ?? state.last_seen ?? 0);
  const merged = Object.assign(fresh, state, { v: STATE_VERSION });
  merged.counters = { ...fresh.counters, ...state.counters };
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
