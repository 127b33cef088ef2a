// Propensity of an offer (variant): the rules' base rate as a Beta prior, updated by what this
// visitor did with it. The posterior mean by default; a seeded Thompson draw with `explore: true`.
import type { Offer } from '../../rules/schema';
import { betaSample, fnv1a32, seededRandom } from './hash';
import type { OfferCounts } from './state';
import { dayOf } from './time';

export interface Propensity {
  value: number;
  alpha: number;
  beta: number;
  sampled: boolean;
}

export function propensity(offer: Offer, counts: OfferCounts | undefined, vid: string, now: number): Propensity {
  const successes = counts ? (offer.goal === 'convert' ? counts.converts : counts.clicks) : 0;
  const trials = counts?.impressions ?? 0;
  const alpha = offer.propensity * offer.prior_strength + successes;
  // Clicks can outnumber recorded impressions (a lost beacon): never let beta go below its prior.
  const beta = (1 - offer.propensity) * offer.prior_strength + Math.max(0, trials - successes);
  // A prior too weak to represent (it underflows to 0) and no impressions: the base rate stands.
  if (!(alpha + beta > 0)) return { value: offer.propensity, alpha, beta, sampled: false };
  if (!offer.explore) return { value: alpha / (alpha + beta), alpha, beta, sampled: false };
  // Seeded by (visitor, offer, day): stable within a day so a page reload does not flip offers.
  const random = seededRandom(fnv1a32(`${vid}|${offer.id}|${dayOf(now)}`));
  return { value: betaSample(alpha, beta, random), alpha, beta, sampled: true };
}
