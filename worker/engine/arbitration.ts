// Next-best offer per slot: eligible offers ranked by priority = propensity × value × weight (ties
// go to the offer listed first), one offer per slot and none twice on a page, each with reasons.
import type { OfferDecision } from '../schema/decision';
import { readPath, type EvalContext } from './context';
import { ineligible, type Ineligible } from './eligibility';
import { assign, type Assignment } from './experiments';
import { propensity, type ObservedCounts, type ObservedRates, type Propensity } from './propensity';
import { contextKey, describeContext, type ContextCounts } from './context-rates';
import type { LearnBy } from '../../rules/schema';
import type { CompiledOffer, CompiledRules } from './rules';
import { own, type VisitorState } from './state';

export interface Ranked {
  offer: CompiledOffer;
  assignment: Assignment;
  propensity: number;
  sampled: boolean;
  observed: Propensity['observed'];
  context: Propensity['context'];
  priority: number;
}

/**
 * Who reads a decision's reasons. `full`: the site itself (API key, rules CLI), shown the priorities
 * and the rates observed across all visitors. `public`: anyone holding a visitor id (the snippet's
 * answers); priorities and rates are drawn from other visitors' behaviour, so only this visitor's
 * own facts and the names from the rules are given.
 */
export type ReasonScope = 'full' | 'public';

/** Outranked offers named in a decision's reasons; the rest are counted. */
const OUTRANKED_SHOWN = 3;

/** Ranks the eligible offers (best first) and says why each other one is out. */
export function rankOffers(
  state: VisitorState,
  context: EvalContext,
  now: number,
  offers: Iterable<CompiledOffer>,
  observed: ObservedRates = {},
) {
  const ranked: Ranked[] = [];
  const out: Array<Ineligible & { offer: CompiledOffer }> = [];
  // Offers that learn by the site's `learn_by` share its array: one key per decision for all of them.
  const keys = new Map<readonly LearnBy[], string>();
  const facts = { stage: context.stage, segments: context.segments, device: context.request.device };
  for (const offer of offers) {
    const history = own(state.offers, offer.source.id);
    const excluded = ineligible(offer, history, context, now);
    if (excluded) {
      out.push({ offer, ...excluded });
      continue;
    }
    const assignment = assign(offer.source, state.vid);
    const arm = assignment.variant?.id ?? '-';
    const counts = history && own(history.variants, arm);
    const everyone = own(observed, offer.source.id);
    const seen =
      everyone && (assignment.holdout && offer.source.variants ? pooled(everyone, offer.source.variants) : own(everyone, arm));
    let key = keys.get(offer.learnBy);
    if (key === undefined) keys.set(offer.learnBy, (key = contextKey(offer.learnBy, facts)));
    const p = propensity(offer.source, counts, seen, state.vid, now, key);
    const priority = p.value * offer.value * offer.source.weight;
    ranked.push({
      offer,
      assignment,
      propensity: p.value,
      sampled: p.sampled,
      observed: p.observed,
      context: p.context,
      priority,
    });
  }
  ranked.sort((a, b) => b.priority - a.priority || a.offer.index - b.offer.index);
  return { ranked, out };
}

type Variants = NonNullable<CompiledOffer['source']['variants']>;

/** Each offer's variants pooled once per refresh of the rates and per rules (both objects change then). */
const pooledArms = new WeakMap<Record<string, ObservedCounts>, WeakMap<Variants, ObservedCounts>>();

/**
 * A held-out visitor of an offer with variants has no arm of their own: they are ranked on the
 * offer's rate over all its variants, as if shown, so that held-out and shown visitors win slots
 * alike and the lift measured against the holdout is not skewed by the ranking. That holds per
 * context too: an offer that learns by context ranks its held-out visitors on the variants' pooled
 * rate in their own context, as it ranks those shown. Each arm keeps only its most-exposed contexts
 * (worker/analytics/offer-rates.ts), so a context is pooled over the arms that kept it.
 */
function pooled(arms: Record<string, ObservedCounts>, variants: Variants): ObservedCounts {
  let byVariants = pooledArms.get(arms);
  if (!byVariants) pooledArms.set(arms, (byVariants = new WeakMap()));
  const known = byVariants.get(variants);
  if (known) return known;
  const sum: ObservedCounts = { impressions: 0, clicks: 0, converts: 0 };
  for (const { id } of variants) {
    const counts = own(arms, id);
    if (!counts) continue;
    add(sum, counts);
    if (!counts.contexts) continue;
    sum.contexts ??= Object.create(null) as NonNullable<ObservedCounts['contexts']>;
    for (const [key, here] of Object.entries(counts.contexts))
      add((sum.contexts[key] ??= { impressions: 0, clicks: 0, converts: 0 }), here);
  }
  byVariants.set(variants, sum);
  return sum;
}

function add(sum: ContextCounts, counts: ContextCounts): void {
  sum.impressions += counts.impressions;
  sum.clicks += counts.clicks;
  sum.converts += counts.converts;
}

export function chooseOffers(
  rules: CompiledRules,
  state: VisitorState,
  context: EvalContext,
  now: number,
  slots: readonly string[],
  observed?: ObservedRates,
  scope: ReasonScope = 'full',
): OfferDecision[] {
  const wanted = new Set(slots);
  // Each offer is judged once, even when it could fill several of the requested slots.
  const offers = new Set<CompiledOffer>();
  for (const slot of wanted) for (const offer of rules.offersBySlot.get(slot) ?? []) offers.add(offer);
  const { ranked, out } = rankOffers(state, context, now, offers, observed);
  const decisions: OfferDecision[] = [];
  const used = new Set<CompiledOffer>();
  for (const slot of wanted) {
    const eligible = ranked.filter((r) => !used.has(r.offer) && r.offer.source.slots.includes(slot));
    const skipped = out.filter((o) => o.limited && o.offer.source.slots.includes(slot));
    // A winner held out with `holdout_mode: "next_best"` is recorded and the slot goes to the next
    // one down (which may be held out of its own test in turn); with "empty" the slot stays empty.
    for (let i = 0; i < eligible.length; i += 1) {
      const winner = eligible[i];
      used.add(winner.offer);
      decisions.push(decisionFor(slot, winner, eligible.slice(i + 1), skipped, context, scope, eligible[i - 1]));
      if (!winner.assignment.holdout || winner.offer.source.holdout_mode === 'empty') break;
    }
  }
  return decisions;
}

function decisionFor(
  slot: string,
  winner: Ranked,
  others: Ranked[],
  skipped: Array<Ineligible & { offer: CompiledOffer }>,
  context: EvalContext,
  scope: ReasonScope,
  heldOut?: Ranked,
): OfferDecision {
  const offer = winner.offer.source;
  const { holdout, variant, bucket } = winner.assignment;
  const reasons = context.stage ? [`stage=${context.stage}`] : [];
  if (heldOut) reasons.push(`next best: ${heldOut.offer.source.id} is held out for this visitor`);
  if (offer.segments) reasons.push(`segment=${offer.segments.filter((id) => context.segments.includes(id)).join('|')}`);
  reasons.push(offer.because ? fillTemplate(offer.because, context) : `eligible for ${offer.id}`);
  if (scope === 'full') reasons.push(...rankingFigures(winner));
  for (const other of others.slice(0, OUTRANKED_SHOWN)) {
    const tie = other.priority === winner.priority ? ', tie broken by file order' : '';
    reasons.push(
      scope === 'full'
        ? `outranked ${other.offer.source.id} (${fmt(other.priority)}${tie})`
        : `outranked ${other.offer.source.id}`,
    );
  }
  if (others.length > OUTRANKED_SHOWN) reasons.push(`outranked ${others.length - OUTRANKED_SHOWN} more`);
  for (const { offer: other, why } of skipped) reasons.push(`skipped ${other.source.id}: ${why}`);
  if (holdout) {
    const instead = offer.holdout_mode === 'next_best' && others.length > 0 ? 'the next best shown instead' : 'not shown';
    reasons.push(`holdout (bucket ${fmt(bucket)} < ${offer.holdout}): recorded, ${instead}`);
    return { slot, offer: offer.id, ...(variant ? { variant: variant.id } : {}), holdout: true, reasons };
  }
  if (variant) reasons.push(`variant ${variant.id} (bucket ${fmt(bucket)})`);
  const banner = variant?.banner ? { ...offer.banner, ...variant.banner } : offer.banner;
  const dismiss_hours = offer.caps.dismiss_cooldown_hours;
  return {
    slot,
    offer: offer.id,
    ...(variant ? { variant: variant.id } : {}),
    holdout: false,
    banner,
    ...(dismiss_hours ? { dismiss_hours } : {}),
    reasons,
  };
}

/** The winner's priority and the rate across visitors behind it: for `full` reasons only. */
function rankingFigures(winner: Ranked): string[] {
  const offer = winner.offer.source;
  const figures = [
    `priority ${fmt(winner.priority)} = ${winner.sampled ? 'sampled ' : ''}propensity ${fmt(winner.propensity)} × value ${winner.offer.value} × weight ${offer.weight}`,
  ];
  if (winner.context && winner.observed) {
    const { key, impressions, rate } = winner.context;
    figures.push(
      `${offer.goal} rate ${pct(rate)} among ${describeContext(key)} visitors (${impressions} exposed; overall ${pct(winner.observed.rate)})`,
    );
  } else if (winner.observed) {
    const { impressions, successes, rate } = winner.observed;
    figures.push(
      `${offer.goal} rate ${fmt(rate)} across visitors (${successes} of ${impressions} visitors shown it, base ${offer.propensity})`,
    );
  }
  return figures;
}

/** Fills {dotted.path} placeholders from the context; a missing value reads "?". */
export function fillTemplate(template: string, context: EvalContext): string {
  return template.replace(/\{([^{}]+)\}/g, (_, path: string) => {
    const value = readPath(context, path);
    if (typeof value === 'number') return String(Math.round(value * 10) / 10);
    return value === undefined || value === null || typeof value === 'object' ? '?' : String(value);
  });
}

/** A rate as a percentage with one decimal: "4.1%". */
const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

/** Three decimals: enough to compare priorities, and far cheaper than toPrecision on the hot path. */
function fmt(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
