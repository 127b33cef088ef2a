// Learned rates per context (rules `learn_by`): the context key of a visitor, and an offer arm's
// rate in that context shrunk toward the arm's overall rate by empirical Bayes. How far a context
// may stray from the overall rate is estimated from the contexts themselves (the spread of their
// rates beyond what chance explains), not fixed: an offer whose contexts all convert alike keeps one
// rate, one that converts very differently by stage learns each stage's own once it has been seen.
import type { LearnBy } from '../../rules/schema';

/** Visitors of one offer arm in one context: shown it, clicked, converted (each visitor once). */
export interface ContextCounts {
  impressions: number;
  clicks: number;
  converts: number;
}

/** What a context key is made of: the visitor's state at the decision (or exposure). */
export interface ContextFacts {
  stage: string;
  segments: readonly string[];
  device?: string;
}

/** Segments are a set: sorted, so the same set always makes the same key. */
const SEGMENT_JOIN = '+';

/**
 * The context key for `learnBy`, e.g. "stage=applicant" or "stage=lead|segments=homeowner+jumbo";
 * "" when the offer learns one rate for everyone. Ids are rules names ([a-z0-9_-]), so the separators
 * cannot occur inside them.
 */
export function contextKey(learnBy: readonly LearnBy[], facts: ContextFacts): string {
  let key = '';
  for (const field of learnBy) {
    const value =
      field === 'stage'
        ? facts.stage
        : field === 'segments'
          ? facts.segments.length < 2
            ? (facts.segments[0] ?? '')
            : [...facts.segments].sort().join(SEGMENT_JOIN)
          : (facts.device ?? '');
    key += `${key ? '|' : ''}${field}=${value}`;
  }
  return key;
}

/** A context's key as a person reads it in reasons: "stage=applicant, segments=none". */
export function describeContext(key: string): string {
  return key
    .split('|')
    .map((part) => (part.endsWith('=') ? `${part}none` : part))
    .join(', ');
}

/** Shrinkage bounds, in visitors: a context never counts for less than 2 nor more than 10,000 of its own. */
export const MIN_STRENGTH = 2;
export const MAX_STRENGTH = 10_000;

/**
 * The prior strength m (in visitors) that pulls each context's rate toward the arm's overall one:
 * method-of-moments for a beta-binomial. With K contexts of n_c visitors and y_c successes (N, Y in
 * all, pooled rate p), the weighted squared spread S = Σ n_c (y_c/n_c − p)² has expectation
 * (K − 1)·p(1 − p) from chance plus τ²·(N − Σ n_c²/N) from real differences; solving for τ² (the
 * variance of the true rates across contexts) gives m = p(1 − p)/τ² − 1. No spread beyond chance
 * (τ² ≤ 0), fewer than two contexts or no successes: MAX_STRENGTH, one rate for all.
 */
export function contextStrength(contexts: Iterable<{ impressions: number; successes: number }>): number {
  let k = 0;
  let n = 0;
  let y = 0;
  let squares = 0;
  let ratios = 0;
  for (const { impressions, successes } of contexts) {
    if (impressions <= 0) continue;
    const hits = Math.min(successes, impressions);
    k += 1;
    n += impressions;
    y += hits;
    squares += impressions * impressions;
    ratios += (hits * hits) / impressions;
  }
  if (k < 2 || y === 0 || y === n) return MAX_STRENGTH;
  const p = y / n;
  const spread = ratios - (y * y) / n;
  const tau2 = (spread - (k - 1) * p * (1 - p)) / (n - squares / n);
  if (!(tau2 > 0)) return MAX_STRENGTH;
  return Math.min(MAX_STRENGTH, Math.max(MIN_STRENGTH, (p * (1 - p)) / tau2 - 1));
}

/**
 * The same strength when each context has a prior mean of its own (`mean`, e.g. scaled by its
 * clicks): the spread is measured around those means, so what they already explain is not taken for
 * a difference between contexts. With n_c (r_c − μ_c)² expected to be μ_c(1 − μ_c) + (n_c − 1)τ²,
 * τ² = (Σ n_c (r_c − μ_c)² − Σ μ_c(1 − μ_c)) / Σ (n_c − 1), and m = p(1 − p)/τ² − 1 at the pooled rate p.
 */
export function residualStrength(contexts: Iterable<{ impressions: number; successes: number; mean: number }>): number {
  let n = 0;
  let y = 0;
  let spread = 0;
  let chance = 0;
  let k = 0;
  for (const { impressions, successes, mean } of contexts) {
    if (impressions <= 0) continue;
    const hits = Math.min(successes, impressions);
    k += 1;
    n += impressions;
    y += hits;
    spread += (hits - impressions * mean) ** 2 / impressions;
    chance += mean * (1 - mean);
  }
  if (k < 2 || y === 0 || y === n) return MAX_STRENGTH;
  const p = y / n;
  const tau2 = (spread - chance) / (n - k);
  if (!(tau2 > 0)) return MAX_STRENGTH;
  return Math.min(MAX_STRENGTH, Math.max(MIN_STRENGTH, (p * (1 - p)) / tau2 - 1));
}

/** A feature's factor starts at 1 (no effect), a prior worth this many clicks (Gamma(1, 1)). */
export const FEATURE_PRIOR_CLICKS = 1;
/** The fit stops when no factor moves by more than this share in a sweep, or after MAX_SWEEPS. */
const FIT_TOLERANCE = 1e-3;
const MAX_SWEEPS = 10;

/** The features of a context key, each worth a factor: "stage=lead", "device=mobile", one per segment. */
function featuresOf(key: string): string[] {
  const features: string[] = [];
  for (const part of key.split('|')) {
    const segments = part.startsWith('segments=') ? part.slice('segments='.length) : undefined;
    if (segments) for (const id of segments.split(SEGMENT_JOIN)) features.push(`segment:${id}`);
    else features.push(part);
  }
  return features;
}

/**
 * How much more (or less) each context clicks than the arm's visitors overall, as a product of one
 * factor per feature of its key (a Poisson model of main effects): a context that few have seen
 * borrows from the contexts that share its stage or its segments, e.g. homeowners who are leads from
 * homeowners at every stage. Each factor has a Gamma prior of mean 1 worth FEATURE_PRIOR_CLICKS, so
 * a feature seen little stays near no effect; the factors are fitted to the contexts' clicks by
 * coordinate ascent, each set to its Gamma posterior mean given the others, until they settle.
 * Clicks, not conversions: they come several times as often and tell early which way a context's
 * conversions will go. Returns the factor for any key, seen or not (a feature never seen counts 1).
 */
export function clickFactors(contexts: Record<string, ContextCounts>): (key: string) => number {
  const index = new Map<string, number>();
  const rows: Array<{ key: string; features: number[]; shown: number }> = [];
  let shown = 0;
  let clicks = 0;
  const observed: number[] = [];
  for (const key in contexts) {
    const c = contexts[key];
    const n = Math.max(c.impressions, c.clicks);
    if (n <= 0) continue;
    const features = featuresOf(key).map((feature) => {
      let i = index.get(feature);
      if (i === undefined) index.set(feature, (i = observed.push(0) - 1));
      observed[i] += c.clicks;
      return i;
    });
    rows.push({ key, features, shown: n });
    shown += n;
    clicks += c.clicks;
  }
  const factor = new Float64Array(observed.length).fill(1);
  const byKey = new Map<string, number>();
  if (clicks > 0) {
    const pooled = clicks / shown;
    const fitted = rows.map(() => pooled);
    const rowsOf: number[][] = observed.map(() => []);
    rows.forEach((row, r) => row.features.forEach((f) => rowsOf[f].push(r)));
    for (let sweep = 0, moved = Infinity; sweep < MAX_SWEEPS && moved > FIT_TOLERANCE; sweep += 1) {
      moved = 0;
      for (let f = 0; f < observed.length; f += 1) {
        // Clicks the context would have without this feature's effect: its factor's Gamma posterior
        // mean is then (clicks + prior) / (that exposure + prior).
        let exposure = 0;
        for (const r of rowsOf[f]) exposure += (rows[r].shown * fitted[r]) / factor[f];
        const next = (observed[f] + FEATURE_PRIOR_CLICKS) / (exposure + FEATURE_PRIOR_CLICKS);
        const step = next / factor[f];
        moved = Math.max(moved, Math.abs(step - 1));
        factor[f] = next;
        for (const r of rowsOf[f]) fitted[r] *= step;
      }
    }
    rows.forEach((row, r) => byKey.set(row.key, fitted[r] / pooled));
  }
  return (key) => {
    let product = byKey.get(key);
    if (product === undefined) {
      product = 1;
      for (const feature of featuresOf(key)) {
        const i = index.get(feature);
        if (i !== undefined) product *= factor[i];
      }
      byKey.set(key, product);
    }
    return product;
  };
}

/**
 * Beta parameters of a context's rate: the overall rate `mean` as a prior worth `strength`
 * visitors, updated by the context's own `impressions` and `successes`.
 */
export function contextPosterior(mean: number, strength: number, impressions: number, successes: number) {
  const hits = Math.min(successes, impressions);
  return { alpha: mean * strength + hits, beta: (1 - mean) * strength + impressions - hits };
}
