// Interval estimates for rates and for the lift of an offer over its holdout. Pure math, no I/O.
//
// A rate's interval is Wilson's score interval; a difference of two independent rates uses
// Newcombe's hybrid score interval (Newcombe 1998, "method 10"), built from the two Wilson
// intervals. Both keep close to their nominal coverage for small counts and rates near 0 or 1,
// where the textbook Wald interval (p ± z·√(p(1−p)/n)) is too narrow and can leave [0, 1].

import type { Lift } from '../schema/stats';

/** The standard normal quantile for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval for `successes` out of `trials`; [0, 1] when there are no trials. */
export function wilson(successes: number, trials: number, z = Z95): Interval {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface Difference extends Interval {
  /** p1 − p2. */
  estimate: number;
}

/** Newcombe's hybrid score interval for p1 − p2 of two independent proportions. */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, z = Z95): Difference {
  const p1 = n1 > 0 ? x1 / n1 : 0;
  const p2 = n2 > 0 ? x2 / n2 : 0;
  const a = wilson(x1, n1, z);
  const b = wilson(x2, n2, z);
  const estimate = p1 - p2;
  return {
    estimate,
    low: estimate - Math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2),
    high: estimate + Math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2),
  };
}

/** A rate, or null when the denominator is 0 (no data is not a 0% rate). */
export const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** The lift's shape is part of the stats API: its zod schema lives with the other wire schemas. */
export type { Lift };

/** The lift of `converted`/`exposed` over the holdout's rate, or null when either arm has no one. */
export function liftOverHoldout(
  converted: number,
  exposed: number,
  holdoutConverted: number,
  holdoutExposed: number,
): Lift | null {
  if (exposed <= 0 || holdoutExposed <= 0) return null;
  const { estimate, low, high } = newcombeDifference(converted, exposed, holdoutConverted, holdoutExposed);
  const base = holdoutConverted / holdoutExposed;
  return {
    difference: estimate,
    low,
    high,
    relative: base > 0 ? estimate / base : null,
    significant: low > 0 || high < 0,
    method: 'newcombe-hybrid-score-95',
  };
}
