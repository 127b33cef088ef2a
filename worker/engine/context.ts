// The object every `when` is evaluated on: the visitor's profile, the current event and the request
// (see rules/README.md for its fields). Built once per event and once per decision.
import type { Event } from '../schema/events';
import type { CompiledRules } from './rules';
import type { Consent, Utm, VisitorState } from './state';
import { mergeConsent } from './consent';
import { DAY, decayFactor } from './time';

/** What the worker knows about the current request; every field is optional. */
export interface RequestContext {
  url?: string;
  referrer?: string;
  utm?: Utm;
  /** e.g. "mobile" | "tablet" | "desktop", from the user agent. */
  device?: string;
  /** ISO country code, e.g. from request.cf.country. */
  country?: string;
  /** The consent the page reports now; it is also remembered in the state. */
  consent?: Consent;
}

export interface RequestInfo {
  url?: string;
  path?: string;
  host?: string;
  utm?: Utm;
  referrer?: string;
  device?: string;
  country?: string;
}

export interface EvalContext {
  vid: string;
  counters: VisitorState['counters'];
  tracks: VisitorState['tracks'];
  forms: VisitorState['forms'];
  offers: VisitorState['offers'];
  rfm: { recency_days: number; frequency: number; monetary: number; purchases: number };
  score: { total: number; products: Record<string, number> };
  stage: string;
  stage_days: number;
  segments: string[];
  audiences: string[];
  consent: Consent;
  identified: boolean;
  days_since_first_seen: number;
  first_touch?: Utm;
  event?: Event;
  request: RequestInfo;
  time: { hour: number; weekday: number };
}

type Page = NonNullable<VisitorState['page']>;
/** The last URL parsed: applying a page event needs it twice (history, then the context). */
let lastParsed: { url: string; referrer?: string; page: Page | null } | null = null;

/** Where a URL's path, host and UTM parameters come from; null for an unparsable URL. */
export function parsePage(url: string, referrer?: string): Page | null {
  if (lastParsed?.url === url && lastParsed.referrer === referrer) return lastParsed.page;
  const page = parseUrl(url, referrer);
  lastParsed = { url, referrer, page };
  return page;
}

function parseUrl(url: string, referrer?: string): Page | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const utm: Utm = {};
  for (const key of ['source', 'medium', 'campaign', 'term', 'content'] as const) {
    const value = parsed.searchParams.get(`utm_${key}`);
    if (value) utm[key] = value.slice(0, 100);
  }
  const page = { url: `${parsed.origin}${parsed.pathname}`, path: parsed.pathname, host: parsed.hostname };
  return { ...page, ...(Object.keys(utm).length ? { utm } : {}), ...(referrer ? { referrer: referrer.slice(0, 300) } : {}) };
}

/** The request: explicit context first, else the page being viewed, else the last page seen. */
function requestInfo(state: VisitorState, event: Event | undefined, request: RequestContext | undefined): RequestInfo {
  const fromEvent = event?.type === 'page' ? parsePage(event.url, event.ref) : null;
  const fromRequest = request?.url ? parsePage(request.url, request.referrer) : null;
  const page = fromEvent ?? fromRequest ?? state.page;
  return {
    ...page,
    ...(request?.utm ? { utm: request.utm } : {}),
    device: request?.device,
    country: request?.country,
  };
}

export function decayedScore(rules: CompiledRules, state: VisitorState, now: number): EvalContext['score'] {
  const factor = now > state.score.as_of ? decayFactor(now - state.score.as_of, rules.halfLifeDays) : 1;
  const products: Record<string, number> = {};
  for (const id in state.score.products) products[id] = state.score.products[id] * factor;
  return { total: state.score.total * factor, products };
}

export function activeAudiences(state: VisitorState, now: number): string[] {
  const ids: string[] = [];
  for (const id in state.audiences) {
    const member = state.audiences[id];
    if (member.left === undefined && member.expires > now) ids.push(id);
  }
  return ids;
}

export function buildContext(
  rules: CompiledRules, state: VisitorState, now: number, request?: RequestContext, event?: Event,
): EvalContext {
  const entered = state.stage_history.at(-1)?.at ?? state.first_seen;
  const date = new Date(now);
  return {
    vid: state.vid,
    counters: state.counters,
    tracks: state.tracks,
    forms: state.forms,
    offers: state.offers,
    rfm: {
      recency_days: Math.max(0, (now - state.last_seen) / DAY),
      frequency: state.rfm.active_days,
      monetary: state.rfm.monetary,
      purchases: state.rfm.purchases,
    },
    score: decayedScore(rules, state, now),
    stage: state.stage,
    stage_days: Math.max(0, (now - entered) / DAY),
    segments: state.segments,
    audiences: activeAudiences(state, now),
    consent: mergeConsent(state.consent, request?.consent),
    identified: state.uid !== undefined,
    days_since_first_seen: Math.max(0, (now - state.first_seen) / DAY),
    first_touch: state.first_touch,
    event,
    request: requestInfo(state, event, request),
    time: { hour: date.getUTCHours(), weekday: date.getUTCDay() },
  };
}

/** Reads a dotted path for reason templates (conditions compile their own, faster reader). */
export function readPath(value: unknown, path: string): unknown {
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
