// Propensity of an offer (variant) for one visitor, in two Beta updates. First the offer's rate
// across all visitors: the rules' base rate is a prior worth `prior_strength` observations, updated
// by what every visitor did with that offer and variant (the analytics rollups, `observed`). Then
// this visitor: that rate becomes their prior, again worth `prior_strength`, updated by their own
// impressions and clicks, so one who keeps ignoring an offer sees it fall (fatigue) however much
// others like it. The posterior mean by default; with `explore: true`, a seeded Thompson draw of
// the offer's rate, so offers with few observations still get shown and learned.
import type { Offer } from '../../rules/schema';
import { betaSample, fnv1a32, seededRandom } from './hash';
import type { OfferCounts } from './state';
import { utcDayNumber } from '../lib/time';

/**
 * Visitors across the site for one offer and arm (worker/analytics/offer-rates.ts): `impressions`
 * who were shown it, `clicks` who clicked, `converts` who converted; each visitor counts once.
 */
export interface ObservedCounts {
  impressions: number;
  clicks: number;
  converts: number;
}

/** Per offer id, then per arm (the variant id, or "-" for an offer without variants). */
export type ObservedRates = Record<string, Record<string, ObservedCounts>>;

export interface Propensity {
  value: number;
  sampled: boolean;
  /** What the population update used, when there was any. */
  observed?: { impressions: number; successes: number; rate: number };
}

const successesOf = (offer: Offer, counts: Omit<OfferCounts, 'dismisses'>) =>
  offer.goal === 'convert' ? counts.converts : counts.clicks;

/** Beta parameters for a prior `mean` worth `strength` observations, after `counts`. */
function posterior(offer: Offer, mean: number, counts: Omit<OfferCounts, 'dismisses'> | undefined) {
  const successes = counts ? successesOf(offer, counts) : 0;
  const alpha = mean * offer.prior_strength + successes;
  // Clicks can outnumber recorded impressions (a lost beacon): never let beta go below its prior.
  const beta = (1 - mean) * offer.prior_strength + Math.max(0, (counts?.impressions ?? 0) - successes);
  return { alpha, beta, successes };
}

export function propensity(
  offer: Offer,
  own: OfferCounts | undefined,
  observed: ObservedCounts | undefined,
  vid: string,
  now: number,
): Propensity {
  const population = posterior(offer, offer.propensity, observed);
  // A prior too weak to represent (it underflows to 0) and nothing observed: the base rate stands.
  if (!(population.alpha + population.beta > 0)) return { value: offer.propensity, sampled: false };
  let rate = population.alpha / (population.alpha + population.beta);
  if (offer.explore) {
    // Seeded by (visitor, offer, day): stable within a day so a page reload does not flip offers.
    rate = betaSample(population.alpha, population.beta, seededRandom(fnv1a32(`${vid}|${offer.id}|${utcDayNumber(now)}`)));
  }
  const mine = posterior(offer, rate, own);
  const value = mine.alpha + mine.beta > 0 ? mine.alpha / (mine.alpha + mine.beta) : rate;
  return {
    value,
    sampled: offer.explore,
    ...(observed?.impressions ? { observed: { impressions: observed.impressions, successes: population.successes, rate } } : {}),
  };
}
