// The object every `when` is evaluated on: the visitor's profile, the current event and the request
// (see rules/README.md for its fields). Built once per event and once per decision.
import * as z from '../lib/zod';
import { ConsentKind } from '../../rules/schema';
import type { Event } from '../schema/events';
import type { CompiledRules } from './rules';
import type { Consent, Utm, VisitorState } from './state';
import { READS, type Reads } from './conditions';
import { mergeConsent } from './consent';
import { DAY_MS } from '../lib/time';
import { decayFactor } from './decay';

/** What the worker knows about the current request; every field is optional. A schema, so a file can give one (`rules simulate`). */
export const RequestContext = z.strictObject({
  url: z.optional(z.string()),
  referrer: z.optional(z.string()),
  utm: z.optional(
    z.partialRecord(z.enum(['source', 'medium', 'campaign', 'term', 'content']), z.string()),
  ) satisfies z.ZodMiniType<Utm | undefined>,
  /** e.g. "mobile" | "tablet" | "desktop", from the user agent. */
  device: z.optional(z.string()),
  /** ISO country code, e.g. from request.cf.country. */
  country: z.optional(z.string()),
  /** The consent the page reports now; it is also remembered in the state. */
  consent: z.optional(z.partialRecord(ConsentKind, z.boolean())) satisfies z.ZodMiniType<Consent | undefined>,
});
export type RequestContext = z.infer<typeof RequestContext>;

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
  /** The products the person holds now (taken and not closed). */
  products: { held: string[]; count: number };
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
  /** The values conditions have read from this context so far; `update` clears them. */
  [READS]: Reads;
}

/**
 * Changes a field of a context after conditions have read it (stage and segments decided, points
 * added): every change goes through here, so that no condition answers from a stale read.
 */
export function update<K extends 'score' | 'stage' | 'segments' | 'products' | 'offers'>(
  rules: CompiledRules,
  context: EvalContext,
  key: K,
  value: EvalContext[K],
): void {
  context[key] = value;
  // Only what was read under this field is stale: the score read by segments still holds for audiences.
  const reads = context[READS];
  for (const slot of rules.paths.under(key)) reads[slot] = undefined;
}

type Page = NonNullable<VisitorState['page']>;

/**
 * URLs parsed lately, by referrer and URL: applying a page event needs its URL twice (history, then
 * the context), and an isolate sees the same few pages of a site over and over. Pages are shared,
 * never changed in place. Map order makes the oldest entry the first to go.
 */
const parsedPages = new Map<string, Page | null>();
const PARSED_PAGES = 64;

/** Where a URL's path, host and UTM parameters come from; null for an unparsable URL. */
export function parsePage(url: string, referrer?: string): Page | null {
  const key = `${url.length}:${url}${referrer ?? ''}`;
  let page = parsedPages.get(key);
  if (page === undefined) {
    page = parseUrl(url, referrer);
    if (parsedPages.size >= PARSED_PAGES) parsedPages.delete(parsedPages.keys().next().value!);
    parsedPages.set(key, page);
  }
  return page;
}

function parseUrl(url: string, referrer?: string): Page | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const path = parsed.pathname;
  const page: Page = { url: `${parsed.origin}${path}`, path, host: parsed.hostname };
  const utm: Utm = {};
  let tagged = false;
  // Most URLs carry no UTM parameters: the query is parsed only when it may name one (names can
  // be percent-encoded, so any "%" counts).
  const search = parsed.search;
  if (search.includes('utm_') || search.includes('%')) {
    for (const key of ['source', 'medium', 'campaign', 'term', 'content'] as const) {
      const value = parsed.searchParams.get(`utm_${key}`);
      if (value) utm[key] = value.slice(0, 100);
      tagged ||= !!value;
    }
  }
  if (tagged) page.utm = utm;
  if (referrer) page.referrer = referrer.slice(0, 300);
  return page;
}

/** The request: explicit context first, else the page being viewed, else the last page seen. */
function requestInfo(state: VisitorState, event: Event | undefined, request: RequestContext | undefined): RequestInfo {
  const fromEvent = event?.type === 'page' ? parsePage(event.url, event.ref) : null;
  const fromRequest = request?.url ? parsePage(request.url, request.referrer) : null;
  const page = fromEvent ?? fromRequest ?? state.page;
  const utm = request?.utm;
  const device = request?.device;
  const country = request?.country;
  // Requests repeat (the events of a batch share one, a site has few pages): the last answer for
  // the same page is reused, as contexts only read it.
  const last = page ? lastRequests.get(page) : undefined;
  if (last && last.utm === utm && last.device === device && last.country === country) return last.info;
  const info: RequestInfo = { ...page, ...(utm ? { utm } : {}), device, country };
  if (page) lastRequests.set(page, { utm, device, country, info });
  return info;
}

const lastRequests = new WeakMap<object, { utm?: Utm; device?: string; country?: string; info: RequestInfo }>();

/**
 * Scores reach conditions to two decimals: points earned a minute ago have decayed by a few
 * millionths, and a rule `score ≥ 5` must hold right after a visit worth 5 points.
 */
const toHundredths = (value: number) => Math.round(value * 100) / 100;

export function decayedScore(rules: CompiledRules, state: VisitorState, now: number): EvalContext['score'] {
  const factor = now > state.score.as_of ? decayFactor(now - state.score.as_of, rules.halfLifeDays) : 1;
  const products: Record<string, number> = {};
  for (const id in state.score.products) products[id] = toHundredths(state.score.products[id] * factor);
  return { total: toHundredths(state.score.total * factor), products };
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
  rules: CompiledRules,
  state: VisitorState,
  now: number,
  request?: RequestContext,
  event?: Event,
): EvalContext {
  const entered = state.stage_history.at(-1)?.at ?? state.first_seen;
  const date = new Date(now);
  return {
    vid: state.vid,
    counters: state.counters,
    tracks: state.tracks,
    forms: state.forms,
    offers: state.offers,
    products: productsHeld(state),
    rfm: {
      recency_days: Math.max(0, (now - state.last_seen) / DAY_MS),
      frequency: state.rfm.active_days,
      monetary: state.rfm.monetary,
      purchases: state.rfm.purchases,
    },
    score: decayedScore(rules, state, now),
    stage: state.stage,
    stage_days: Math.max(0, (now - entered) / DAY_MS),
    segments: state.segments,
    audiences: activeAudiences(state, now),
    consent: mergeConsent(state.consent, request?.consent),
    identified: state.uid !== undefined,
    days_since_first_seen: Math.max(0, (now - state.first_seen) / DAY_MS),
    first_touch: state.first_touch,
    event,
    request: requestInfo(state, event, request),
    time: { hour: date.getUTCHours(), weekday: date.getUTCDay() },
    [READS]: new Array(rules.paths.size),
  };
}

export function productsHeld(state: VisitorState): EvalContext['products'] {
  const held: string[] = [];
  for (const id in state.customer.products) if (state.customer.products[id].closed === undefined) held.push(id);
  return { held, count: held.length };
}

/** Reads a dotted path for reason templates (conditions compile their own, faster reader). */
export function readPath(value: unknown, path: string): unknown {
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
