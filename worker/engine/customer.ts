// The relationship after the sale: products taken and closed (rules products[].taken_when and
// closed_when), the stages entered, activation, the referral a visitor arrived with, and win-backs
// of lapsed customers. Pure, like the rest of the engine: it mutates the state it is given and
// reports what analytics needs to know of this one event in `facts`.
import type { Event } from '../schema/events';
import { update, productsHeld, type EvalContext } from './context';
import type { CompiledRules } from './rules';
import { emptyCounts, own, type VisitorState } from './state';

/** What one event did after the sale, beyond the state: what the analytics message carries. */
export interface EventFacts {
  /** Offers for a product this event took that the person had been shown: each counts a conversion. */
  converts: Array<{ offer: string; variant?: string }>;
  /** Set when the event brought a lapsed customer back: the offer last shown while they were away, or null. */
  winback?: { offer: string | null };
}

export const noFacts = (): EventFacts => ({ converts: [] });

/** Referral codes are ids (a hashed uid, a short code): anything else in the parameter is ignored. */
const REFERRAL_CODE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Before the event is recorded: whether it brings back a customer who had made no event for longer
 * than the rules' dormant_days, and which offer they were last shown meanwhile. An offer impression
 * is not the person's doing (an e-mail can be sent to anyone), so it neither wins back nor counts
 * as activity.
 */
export function noteActivity(rules: CompiledRules, state: VisitorState, event: Event, at: number, facts: EventFacts): void {
  if (event.type === 'offer' && event.action === 'impression') return;
  const { customerStage, dormantMs } = rules.lifecycle;
  const { last_active: last, entered } = state.customer;
  const since = customerStage ? entered[customerStage] : undefined;
  if (last !== undefined && since !== undefined && since <= last && at - last > dormantMs) {
    let offer: string | null = null;
    let shown = last;
    for (const id in state.offers) {
      const seen = state.offers[id].last_impression;
      if (seen !== undefined && seen > shown && seen <= at) [offer, shown] = [id, seen];
    }
    facts.winback = { offer };
  }
  state.customer.last_active = Math.max(last ?? at, at);
}

/** Takes and closes products on the event's context; taking one converts the offers for it that were shown. */
export function updateProducts(
  rules: CompiledRules,
  state: VisitorState,
  context: EvalContext,
  at: number,
  facts: EventFacts,
): void {
  if (rules.lifecycle.products.length === 0) return;
  const products = state.customer.products;
  let changed = false;
  for (const { id, taken, closed } of rules.lifecycle.products) {
    const held = own(products, id);
    if (held && held.closed === undefined) {
      if (closed?.(context)) [held.closed, changed] = [at, true];
    } else if (taken(context)) {
      products[id] = { taken: at };
      changed = true;
      convertOffersFor(rules, state, id, at, facts);
    }
  }
  if (!changed) return;
  update(rules, context, 'products', productsHeld(state));
  if (facts.converts.length) update(rules, context, 'offers', state.offers);
}

/** Every offer for `product` that the person was shown and has not converted on converts now, in the arm they saw most. */
function convertOffersFor(rules: CompiledRules, state: VisitorState, product: string, at: number, facts: EventFacts): void {
  for (const [id, offer] of rules.offers) {
    const history = offer.source.product === product ? own(state.offers, id) : undefined;
    if (!history || history.impressions === 0 || history.converts > 0) continue;
    const arms = Object.entries(history.variants);
    const [variant] = arms.reduce(
      (best, arm) => (arm[1].impressions > best[1].impressions ? arm : best),
      arms[0] ?? ['-', emptyCounts()],
    );
    history.converts += 1;
    history.last_convert = Math.max(history.last_convert ?? 0, at);
    (own(history.variants, variant) ?? (history.variants[variant] = emptyCounts())).converts += 1;
    facts.converts.push(variant === '-' ? { offer: id } : { offer: id, variant });
  }
}

/** After the stage is decided: when each stage was first entered, activation, and the referral code. */
export function noteMilestones(rules: CompiledRules, state: VisitorState, context: EvalContext, event: Event, at: number): void {
  const customer = state.customer;
  if (state.stage) customer.entered[state.stage] = Math.min(own(customer.entered, state.stage) ?? at, at);
  const { activated, customerStage, referralParam } = rules.lifecycle;
  const since = customerStage ? own(customer.entered, customerStage) : undefined;
  if (activated && since !== undefined && customer.activated_at === undefined && activated(context)) customer.activated_at = at;
  if (event.type === 'page' && !customer.referrer && event.url.includes(`${referralParam}=`)) {
    const code = new URL(event.url).searchParams.get(referralParam);
    if (code && REFERRAL_CODE.test(code)) customer.referrer = { code, at };
  }
}
