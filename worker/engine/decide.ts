// The decision for a visitor now: stage, segments and score at `now`, the next-best offer per
// requested slot, and audience memberships. Pure: the state is not changed, `now` is a parameter.
import type { Decision } from '../schema/decision';
import { chooseOffers, rankOffers, type ReasonScope } from './arbitration';
import type { ObservedRates } from './propensity';
import { audienceDecision } from './audiences';
import { buildContext, update, type EvalContext, type RequestContext } from './context';
import { segmentsFor, stageFor } from './lifecycle';
import type { CompiledRules } from './rules';
import { round1 } from './scoring';
import { STATE_VERSION, upgradeState, type VisitorState } from './state';

/**
 * `now` defaults to the visitor's last event, so a decision replays identically. `observed` holds
 * what all visitors did with each offer (worker/analytics/offer-rates.ts), for the propensity;
 * `scope` says whether the reasons may show the figures drawn from it (see ReasonScope).
 */
export function decide(
  rules: CompiledRules,
  stored: VisitorState,
  slots: readonly string[],
  now = stored.last_seen,
  request?: RequestContext,
  observed?: ObservedRates,
  scope: ReasonScope = 'full',
): Decision {
  const { state, context } = decisionContext(rules, stored, now, request);
  const products: Record<string, number> = {};
  for (const [id, value] of Object.entries(context.score.products)) products[id] = round1(value);
  return {
    vid: state.vid,
    stage: context.stage,
    segments: context.segments,
    score: { total: round1(context.score.total), products },
    offers: personalizes(context) ? chooseOffers(rules, state, context, now, slots, observed, scope) : [],
    audiences: audienceDecision(rules, state, context, now),
    ...(rules.source.theme ? { theme: rules.source.theme } : {}),
  };
}

/** Why `slot` gets no offer now, offer by offer: what `rules simulate` prints for an empty slot. */
export function whyUnfilled(
  rules: CompiledRules,
  stored: VisitorState,
  slot: string,
  now = stored.last_seen,
  request?: RequestContext,
): string[] {
  const { state, context } = decisionContext(rules, stored, now, request);
  if (!personalizes(context)) return ['the visitor refused personalization'];
  const offers = rules.offersBySlot.get(slot) ?? [];
  if (offers.length === 0) return ['no offer lists this slot'];
  const { ranked, out } = rankOffers(state, context, now, offers);
  return [
    ...out.map(({ offer, why }) => `${offer.source.id}: ${why}`),
    ...ranked.map(({ offer }) => `${offer.source.id}: shown in another slot`),
  ];
}

function decisionContext(rules: CompiledRules, stored: VisitorState, now: number, request: RequestContext | undefined) {
  const state = stored.v === STATE_VERSION ? stored : upgradeState(structuredClone(stored));
  const context = buildContext(rules, state, now, request);
  // Recomputed, not read: time alone moves people (dormant after 90 days) and the request counts.
  update(rules, context, 'stage', stageFor(rules, context));
  update(rules, context, 'segments', segmentsFor(rules, context, state.segments));
  return { state, context };
}

/** Without personalization consent nothing is chosen; an explicit "no" only, unknown is allowed. */
function personalizes(context: EvalContext): boolean {
  return context.consent.personalization !== false;
}
