// Propensity of an offer (variant) for one visitor, in three Beta updates. First the offer's rate
// across all visitors: the rules' base rate is a prior worth `prior_strength` observations, updated
// by what every visitor did with that offer and variant (the analytics rollups, `observed`). Then,
// when the offer learns by context (`learn_by`), the rate among visitors in this visitor's context,
// shrunk by empirical Bayes (context-rates.ts) toward the overall rate (scaled, for a `convert`
// goal, by how much more the context's stage and segments click). Then this visitor: that rate
// becomes their prior, again worth `prior_strength`, updated by their own impressions and clicks, so
// one who keeps ignoring an offer sees it fall (fatigue) however much others like it. The posterior
// mean by default; with `explore: true`, a seeded Thompson draw of the population rate, so offers
// and contexts with few observations still get shown and learned.
import type { Offer } from '../../rules/schema';
import { betaSample, fnv1a32, seededRandom } from './hash';
import type { OfferCounts } from './state';
import { utcDayNumber } from '../lib/time';
import { clickFactors, contextPosterior, contextStrength, residualStrength, type ContextCounts } from './context-rates';

/**
 * Visitors across the site for one offer and arm (worker/analytics/offer-rates.ts): `impressions`
 * who were shown it, `clicks` who clicked, `converts` who converted; each visitor counts once.
 * `contexts`: the same counts by context key (context-rates.ts), for offers that learn by context.
 */
export interface ObservedCounts extends ContextCounts {
  contexts?: Record<string, ContextCounts>;
}

/** Per offer id, then per arm (the variant id, or "-" for an offer without variants). */
export type ObservedRates = Record<string, Record<string, ObservedCounts>>;

export interface Propensity {
  value: number;
  sampled: boolean;
  /** What the population update used, when there was any. */
  observed?: { impressions: number; successes: number; rate: number };
  /** The context's own figures, when its rate was learned apart. */
  context?: { key: string; impressions: number; rate: number };
}

type Counts = Omit<OfferCounts, 'dismisses'>;
const successesOf = (offer: Offer, counts: Counts) => (offer.goal === 'convert' ? counts.converts : counts.clicks);

/**
 * The click-informed prior of a `convert` goal: one click in ten converts (worth ten clicks) until
 * the offer's own clicks and conversions say otherwise. The base `propensity` is read as a convert
 * rate, so the prior click rate is propensity ÷ 0.1; the prior mean of the convert rate is then the
 * click rate so far × conversions per click so far. With nothing observed that is the base rate;
 * an offer clicked twice as often as its base before any conversion is expected to convert twice
 * as often, and its own conversions outweigh this prior as they accumulate.
 */
export const CONVERTS_PER_CLICK = 0.1;
const PER_CLICK_STRENGTH = 10;

function priorMean(offer: Offer, counts: Counts | undefined): number {
  if (offer.goal !== 'convert' || !counts?.clicks) return offer.propensity;
  const clickPrior = Math.min(0.99, offer.propensity / CONVERTS_PER_CLICK);
  const impressions = Math.max(counts.impressions, counts.clicks);
  const clickRate = (counts.clicks + clickPrior * offer.prior_strength) / (impressions + offer.prior_strength);
  const perClick =
    (Math.min(counts.converts, counts.clicks) + CONVERTS_PER_CLICK * PER_CLICK_STRENGTH) / (counts.clicks + PER_CLICK_STRENGTH);
  return clickRate * perClick;
}

/** Beta parameters for a prior `mean` worth `strength` observations, after `counts`. */
function posterior(offer: Offer, mean: number, counts: Counts | undefined) {
  const successes = counts ? successesOf(offer, counts) : 0;
  const alpha = mean * offer.prior_strength + successes;
  // Clicks can outnumber recorded impressions (a lost beacon): never let beta go below its prior.
  const beta = (1 - mean) * offer.prior_strength + Math.max(0, (counts?.impressions ?? 0) - successes);
  return { alpha, beta, successes };
}

/** Each arm's click factors per context, fitted once per refresh of the rates (the object changes then). */
const fittedClicks = new WeakMap<ObservedCounts, (key: string) => number>();

/**
 * A `convert` goal's context starts from the overall rate scaled by how much more (or less) the
 * context is expected to click than the offer's visitors overall (context-rates.ts, `clickFactors`):
 * clicks come several times as often as conversions, so they tell early which way a context's
 * conversions will go, and a context seen little borrows from those that share its stage or segments.
 * Its own conversions then outweigh this as they come.
 */
function contextPriorMean(offer: Offer, overall: number, observed: Required<ObservedCounts>, key: string): number {
  if (offer.goal !== 'convert' || !observed.clicks) return overall;
  let factors = fittedClicks.get(observed);
  if (!factors) fittedClicks.set(observed, (factors = clickFactors(observed.contexts)));
  return Math.min(0.99, overall * factors(key));
}

const UNSEEN: ContextCounts = { impressions: 0, clicks: 0, converts: 0 };

/** Each arm's shrinkage strength, estimated once per refresh of the rates (the object changes then). */
const strengths = new WeakMap<ObservedCounts, number>();

function strengthOf(
  offer: Offer,
  observed: ObservedCounts & { contexts: Record<string, ContextCounts> },
  overall: number,
): number {
  let strength = strengths.get(observed);
  if (strength === undefined) {
    strength =
      offer.goal === 'convert' && observed.clicks
        ? residualStrength(
            Object.entries(observed.contexts).map(([key, c]) => ({
              impressions: c.impressions,
              successes: c.converts,
              mean: contextPriorMean(offer, overall, observed, key),
            })),
          )
        : contextStrength(
            Object.values(observed.contexts).map((c) => ({ impressions: c.impressions, successes: successesOf(offer, c) })),
          );
    strengths.set(observed, strength);
  }
  return strength;
}

/**
 * `context` is the visitor's context key for this offer (context-rates.ts), "" when it learns one
 * rate for all; a context never observed takes the overall rate as its mean, as uncertain as the
 * contexts are found to differ.
 */
export function propensity(
  offer: Offer,
  own: OfferCounts | undefined,
  observed: ObservedCounts | undefined,
  vid: string,
  now: number,
  context = '',
): Propensity {
  const population = posterior(offer, priorMean(offer, observed), observed);
  // A prior too weak to represent (it underflows to 0) and nothing observed: the base rate stands.
  if (!(population.alpha + population.beta > 0)) return { value: offer.propensity, sampled: false };
  const overall = population.alpha / (population.alpha + population.beta);
  let { alpha, beta } = population;
  const seenHere = context && observed?.contexts ? observed.contexts[context] : undefined;
  if (context && observed?.contexts) {
    // A context not seen yet is as uncertain as contexts are found to differ (the shrinkage prior
    // alone), not as sure as the overall rate: else an offer that does poorly overall would never be
    // tried where it might do well. A context's prior is never surer than the overall rate itself.
    const all = observed as Required<ObservedCounts>;
    const strength = Math.min(strengthOf(offer, all, overall), alpha + beta);
    const here = seenHere ?? UNSEEN;
    const mean = contextPriorMean(offer, overall, all, context);
    ({ alpha, beta } = contextPosterior(mean, strength, here.impressions, successesOf(offer, here)));
  }
  let rate = alpha / (alpha + beta);
  if (offer.explore) {
    // Seeded by (visitor, offer, day): stable within a day so a page reload does not flip offers.
    rate = betaSample(alpha, beta, seededRandom(fnv1a32(`${vid}|${offer.id}|${utcDayNumber(now)}`)));
  }
  const mine = posterior(offer, rate, own);
  const value = mine.alpha + mine.beta > 0 ? mine.alpha / (mine.alpha + mine.beta) : rate;
  return {
    value,
    sampled: offer.explore,
    ...(observed?.impressions
      ? { observed: { impressions: observed.impressions, successes: population.successes, rate: overall } }
      : {}),
    ...(seenHere ? { context: { key: context, impressions: seenHere.impressions, rate: alpha / (alpha + beta) } } : {}),
  };
}
