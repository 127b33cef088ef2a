// The person behind an event, as the lifecycle KPIs need them: a snapshot of their profile after
// the event (stages entered, products, referral, first touch) and what the event itself did
// (activity, a win-back, offers converted by taking a product). The visitor's Durable Object builds
// it from the engine's state; the consumer (person-rollup.ts) keeps the newest snapshot per person.
import type { Event } from '../schema/events';
import type { CompiledRules } from '../engine';
import type { VisitorState } from '../engine';
import type { EventFacts } from '../engine/customer';
import { funnelStages } from './rollup-keys';

export interface PersonFacts {
  /** visitorHash(site, profile id): a user's merged profile ("uid:…"), else the visitor itself. */
  ph: string;
  /** The profile's event count: of two snapshots of one person, the one with more events is newer. */
  version: number;
  /** Hashes of the visitors merged into this person: their own snapshots no longer count as people. */
  linked?: string[];
  /** First touch: the UTM source and medium of the first tagged page view. */
  source?: string;
  medium?: string;
  /** The referral code the person first arrived with, and when. */
  referrer?: string;
  referred_at?: number;
  /** When the person first entered a lead stage, the customer stage, and met lifecycle.activated_when. */
  lead_at?: number;
  customer_at?: number;
  activated_at?: number;
  products: Array<{ product: string; taken: number; closed?: number }>;
  /** A customer before this event (its offer conversions are cross-sells); a customer after it. */
  was_customer: boolean;
  customer: boolean;
  /** The event is the person's own doing (anything but an offer impression): activity for retention. */
  active: boolean;
  /** Offers for a product this event took that the person had been shown: one conversion each. */
  converts?: EventFacts['converts'];
  /** The event won a lapsed customer back; `offer` was the last shown while they were away. */
  winback?: { offer: string | null };
}

/** When the person became a customer, if they have (the rules' customer stage). */
export function customerSince(rules: CompiledRules, state: VisitorState): number | undefined {
  const stage = rules.lifecycle.customerStage;
  return stage && Object.hasOwn(state.customer.entered, stage) ? state.customer.entered[stage] : undefined;
}

export function personFacts(
  rules: CompiledRules,
  state: VisitorState,
  event: Event,
  at: number,
  facts: EventFacts,
  who: { ph: string; linked?: string[]; wasCustomer: boolean },
): PersonFacts {
  const { entered, products, referrer, activated_at } = state.customer;
  const leadTimes = funnelStages(rules.source)
    .leadStages.map((stage) => entered[stage])
    .filter((t) => t !== undefined);
  const customerAt = customerSince(rules, state);
  return {
    ph: who.ph,
    version: state.counters.events,
    ...(who.linked?.length ? { linked: who.linked } : {}),
    ...(state.first_touch?.source ? { source: state.first_touch.source } : {}),
    ...(state.first_touch?.medium ? { medium: state.first_touch.medium } : {}),
    ...(referrer ? { referrer: referrer.code, referred_at: referrer.at } : {}),
    ...(leadTimes.length ? { lead_at: Math.min(...leadTimes) } : {}),
    ...(customerAt !== undefined ? { customer_at: customerAt } : {}),
    ...(activated_at !== undefined ? { activated_at } : {}),
    products: Object.entries(products).map(([product, held]) => ({ product, ...held })),
    was_customer: who.wasCustomer,
    customer: customerAt !== undefined && customerAt <= at,
    active: !(event.type === 'offer' && event.action === 'impression'),
    ...(facts.converts.length ? { converts: facts.converts } : {}),
    ...(facts.winback ? { winback: facts.winback } : {}),
  };
}
