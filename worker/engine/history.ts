// Folds an event into the visitor's bounded history: counters, RFM, forms, tracked names, offer
// interactions and the last page. No event list is kept, so cost never grows with history.
import type { Event } from '../schema/events';
import { parsePage } from './context';
import type { CompiledRules } from './rules';
import { emptyCounts, LIMITS, own, type FormState, type OfferState, type VisitorState } from './state';
import { utcDayNumber } from '../lib/time';

type FormEvent = Extract<Event, { type: 'form' }>;
type OfferEvent = Extract<Event, { type: 'offer' }>;

export function recordEvent(rules: CompiledRules, state: VisitorState, event: Event, at: number): void {
  state.counters.events += 1;
  // A new profile is made when its first batch arrives, a little after that batch's events happened:
  // its first event, not that moment, is when it was last seen (else its first page would count as
  // older than the profile, and not become its current page).
  state.last_seen = state.counters.events === 1 ? at : Math.max(state.last_seen, at);
  state.first_seen = Math.min(state.first_seen, at);
  const day = utcDayNumber(at);
  if (day > state.rfm.last_day) {
    state.rfm.active_days += 1;
    state.rfm.last_day = day;
  }
  switch (event.type) {
    case 'page':
      return recordPage(state, event.url, event.ref, at);
    case 'form':
      return recordForm(state, event, at);
    case 'track':
      return recordTrack(state, event.name, event.amount ?? event.props?.amount);
    case 'offer':
      return recordOffer(rules, state, event, at);
    case 'identify':
      state.uid = event.uid;
      // The Durable Object stores these only from an identify verified for this profile's person.
      if (event.email_sha256) state.email_sha256 = event.email_sha256;
      if (event.phone_sha256) state.phone_sha256 = event.phone_sha256;
      if (event.phone_digits_sha256) state.phone_digits_sha256 = event.phone_digits_sha256;
      return;
  }
}

function recordPage(state: VisitorState, url: string, ref: string | undefined, at: number): void {
  state.counters.pages += 1;
  const page = parsePage(url, ref);
  // An older page arriving late must not replace the newer "last page".
  if (page && at >= state.last_seen) state.page = page;
  if (page?.utm && !state.first_touch) state.first_touch = page.utm;
}

function recordTrack(state: VisitorState, name: string, amount: unknown): void {
  state.counters.tracks += 1;
  const count = own(state.tracks, name);
  if (count !== undefined || Object.keys(state.tracks).length < LIMITS.tracks) state.tracks[name] = (count ?? 0) + 1;
  if (typeof amount === 'number' && Number.isFinite(amount)) {
    state.rfm.monetary += amount;
    state.rfm.purchases += 1;
  }
}

function recordForm(state: VisitorState, event: FormEvent, at: number): void {
  state.counters.forms += 1;
  const form = own(state.forms, event.form) ?? newForm(state, event.form, at);
  const step = event.step ?? (event.action === 'start' ? 1 : form.furthest);
  form.furthest = Math.max(form.furthest, step);
  form.last_at = Math.max(form.last_at, at);
  if (event.steps) form.steps = event.steps;
  if (event.action === 'start' || event.action === 'step') form.started = true;
  if (event.action === 'submit') {
    form.submitted = true;
    form.abandoned = false;
  } else if (event.action === 'abandon' && !form.submitted) {
    form.abandoned = true;
    form.abandoned_step = step;
  }
}

function newForm(state: VisitorState, id: string, at: number): FormState {
  const ids = Object.keys(state.forms);
  if (ids.length >= LIMITS.forms) {
    // Forget the least recently used form: a site with more forms than this is unusual.
    const oldest = ids.reduce((a, b) => (state.forms[a].last_at <= state.forms[b].last_at ? a : b));
    delete state.forms[oldest];
  }
  const form: FormState = { started: false, furthest: 0, submitted: false, abandoned: false, last_at: at };
  state.forms[id] = form;
  return form;
}

const ACTION_FIELDS = {
  impression: ['impressions', 'last_impression'],
  click: ['clicks', 'last_click'],
  dismiss: ['dismisses', 'last_dismiss'],
  convert: ['converts', 'last_convert'],
} as const;

function recordOffer(rules: CompiledRules, state: VisitorState, event: OfferEvent, at: number): void {
  state.counters.offers += 1;
  // Only offers in the rules are kept: ids from the page cannot grow the state.
  const offer = rules.offers.get(event.offer);
  if (!offer) return;
  const variant = event.variant && offer.source.variants?.some((v) => v.id === event.variant) ? event.variant : '-';
  const history = own(state.offers, event.offer) ?? (state.offers[event.offer] = newOfferState());
  const [count, last] = ACTION_FIELDS[event.action];
  history[count] += 1;
  history[last] = Math.max(history[last] ?? 0, at);
  (own(history.variants, variant) ?? (history.variants[variant] = emptyCounts()))[count] += 1;
  if (event.action === 'impression') {
    const day = utcDayNumber(at);
    if (day > history.day) {
      history.day = day;
      history.day_impressions = 0;
    }
    if (day === history.day) history.day_impressions += 1;
  }
}

function newOfferState(): OfferState {
  return { ...emptyCounts(), day: -1, day_impressions: 0, variants: {} };
}
