// Contextual propensity: the context keys a visitor's state makes, the empirical-Bayes strength that
// pulls each context's rate toward the offer's overall rate, and the rate a context ends up with.
import { describe, expect, it } from 'vitest';
import { applyEvent, decide, newVisitor, type ObservedRates } from '../../../worker/engine';
import {
  clickFactors,
  contextKey,
  contextStrength,
  describeContext,
  FEATURE_PRIOR_CLICKS,
  MAX_STRENGTH,
  MIN_STRENGTH,
  residualStrength,
} from '../../../worker/engine/context-rates';
import { propensity, type ObservedCounts } from '../../../worker/engine/propensity';
import { compile, offer, page, T0 } from '../helpers';

describe('context keys', () => {
  it.each([
    [[], { stage: 'lead', segments: ['a'] }, ''],
    [['stage'], { stage: 'lead', segments: ['a'] }, 'stage=lead'],
    [['segments'], { stage: 'lead', segments: [] }, 'segments='],
    [['segments'], { stage: 'lead', segments: ['b', 'a'] }, 'segments=a+b'],
    [['segments'], { stage: 'lead', segments: ['a', 'b'] }, 'segments=a+b'],
    [['stage', 'segments'], { stage: 'applicant', segments: ['rate_watcher'] }, 'stage=applicant|segments=rate_watcher'],
    [['stage', 'device'], { stage: 'lead', segments: [], device: 'mobile' }, 'stage=lead|device=mobile'],
    [['device'], { stage: 'lead', segments: [] }, 'device='],
  ] as const)('%j of %j: "%s"', (learnBy, facts, key) => {
    expect(contextKey(learnBy, facts)).toBe(key);
  });

  it.each([
    ['stage=lead', 'stage=lead'],
    ['stage=lead|segments=', 'stage=lead, segments=none'],
    ['segments=a+b', 'segments=a+b'],
  ])('"%s" reads "%s"', (key, text) => expect(describeContext(key)).toBe(text));
});

const trials = (impressions: number, successes: number) => ({ impressions, successes });

describe('empirical-Bayes strength', () => {
  it.each([
    ['one context', [trials(1000, 50)], MAX_STRENGTH],
    ['no successes anywhere', [trials(1000, 0), trials(1000, 0)], MAX_STRENGTH],
    ['rates no further apart than chance', [trials(1000, 50), trials(1000, 52), trials(1000, 49)], MAX_STRENGTH],
    ['empty contexts are left out', [trials(0, 0), trials(1000, 50)], MAX_STRENGTH],
  ])('%s: no shrinkage estimate, one rate for all', (_, contexts, expected) => {
    expect(contextStrength(contexts)).toBe(expected);
  });

  it('is the method-of-moments estimate when contexts differ: 2% and 8% over 10,000 each', () => {
    // p = 0.05, S = 20,000 × 0.03² = 18, τ² = (18 − 0.0475) / (20,000 − 10,000) ≈ 0.0017953
    const tau2 = (18 - 0.05 * 0.95) / 10_000;
    expect(contextStrength([trials(10_000, 200), trials(10_000, 800)])).toBeCloseTo((0.05 * 0.95) / tau2 - 1, 6);
  });

  it('shrinks less as contexts differ more, and never below its floor', () => {
    const near = contextStrength([trials(5000, 200), trials(5000, 300)]);
    const far = contextStrength([trials(5000, 50), trials(5000, 900)]);
    expect(far).toBeLessThan(near);
    expect(contextStrength([trials(100_000, 0), trials(100_000, 100_000)])).toBe(MIN_STRENGTH);
  });
});

describe('empirical-Bayes strength around per-context means', () => {
  it('takes no spread the means already explain for a difference between contexts', () => {
    const explained = [
      { impressions: 10_000, successes: 200, mean: 0.02 },
      { impressions: 10_000, successes: 800, mean: 0.08 },
    ];
    expect(residualStrength(explained)).toBe(MAX_STRENGTH);
    // Around one shared mean the same counts differ far beyond chance.
    expect(residualStrength(explained.map((c) => ({ ...c, mean: 0.05 })))).toBeLessThan(100);
  });

  it('is the method-of-moments estimate of what the means leave unexplained', () => {
    const contexts = [
      { impressions: 1000, successes: 30, mean: 0.05 },
      { impressions: 1000, successes: 90, mean: 0.05 },
    ];
    const spread = (30 - 50) ** 2 / 1000 + (90 - 50) ** 2 / 1000;
    const tau2 = (spread - 2 * 0.05 * 0.95) / (2000 - 2);
    expect(residualStrength(contexts)).toBeCloseTo((0.06 * 0.94) / tau2 - 1, 9);
  });
});

describe('click factors of a context', () => {
  const shown = (impressions: number, clicks: number) => ({ impressions, clicks, converts: 0 });

  it("is each context's click rate over the pooled one when every context has a feature of its own", () => {
    const factors = clickFactors({ 'stage=a': shown(10_000, 2000), 'stage=b': shown(10_000, 500) });
    expect(factors('stage=a')).toBeCloseTo(1.6, 2);
    expect(factors('stage=b')).toBeCloseTo(0.4, 2);
  });

  it('gives a context never seen what its stage and its segments do elsewhere', () => {
    // Homeowners click four times as often as the rest, leads and customers alike.
    const factors = clickFactors({
      'stage=lead|segments=homeowner': shown(20_000, 4000),
      'stage=lead|segments=': shown(20_000, 1000),
      'stage=customer|segments=': shown(20_000, 1000),
    });
    const pooled = 6000 / 60_000;
    expect(factors('stage=customer|segments=homeowner') * pooled).toBeCloseTo(0.2, 2);
    expect(factors('stage=customer|segments=homeowner+jumbo')).toBeCloseTo(factors('stage=customer|segments=homeowner'), 12);
  });

  it('keeps a feature seen by few near no effect, and one never seen at none', () => {
    const factors = clickFactors({ 'stage=a': shown(10_000, 1000), 'stage=rare': shown(10, 5) });
    const pooled = 1005 / 10_010;
    // Its own rate is five times the pooled one; the prior of one click pulls it toward 1.
    expect(factors('stage=rare')).toBeCloseTo((5 + FEATURE_PRIOR_CLICKS) / (10 * pooled + FEATURE_PRIOR_CLICKS), 6);
    expect(factors('stage=rare')).toBeLessThan(5 / (10 * pooled) - 1);
    expect(factors('stage=a')).toBeCloseTo(1, 2);
    expect(factors('stage=unknown')).toBe(1);
  });

  it('is 1 everywhere while no context has clicked', () => {
    const factors = clickFactors({ 'stage=a': shown(100, 0), 'stage=b': shown(100, 0) });
    expect([factors('stage=a'), factors('stage=b'), factors('stage=c')]).toEqual([1, 1, 1]);
  });
});

describe('shrinkage of a context toward the overall rate', () => {
  const source = compile({ offers: [offer('o', { propensity: 0.05 })] }).offers.get('o')!.source;
  // Overall 5 % over 100,000 visitors; one context converts at 20 %, the others at 4 %: τ² well above chance.
  const observed = (here: number): ObservedCounts => ({
    impressions: 100_000,
    clicks: 0,
    converts: 5000,
    contexts: {
      'stage=lead': { impressions: 50_000, clicks: 0, converts: 2000 },
      'stage=visitor': { impressions: 40_000, clicks: 0, converts: 1600 },
      'stage=applicant': { impressions: here, clicks: 0, converts: here / 5 },
    },
  });
  const overall = (5000 + 0.05 * 20) / 100_020;

  it.each([
    [0, 'the overall rate'],
    [10, 'close to the overall rate'],
    [10_000, 'close to its own 20 %'],
  ])('a context with %i exposures gets %s', (here) => {
    const p = propensity(source, undefined, observed(here), 'visitor-0001', T0, 'stage=applicant');
    const m = contextStrength(
      Object.values(observed(here).contexts!).map((c) => ({ impressions: c.impressions, successes: c.converts })),
    );
    expect(p.value).toBeCloseTo((here / 5 + m * overall) / (here + m), 12);
    if (here === 10) expect(Math.abs(p.value - overall)).toBeLessThan(Math.abs(p.value - 0.2));
    if (here === 10_000) expect(p.value).toBeGreaterThan(0.19);
  });

  it('a context never observed takes the overall rate, and says nothing of a context', () => {
    const p = propensity(source, undefined, observed(10), 'visitor-0001', T0, 'stage=customer');
    expect(p.value).toBeCloseTo(overall, 12);
    expect(p.context).toBeUndefined();
  });

  it('explores a context never observed as widely as contexts differ, around the overall rate', () => {
    // With explore, each visitor's rate is a draw: for a context not seen yet it comes from the
    // shrinkage prior (worth m visitors), not from the overall rate's posterior (worth 100,000), so
    // an offer that does poorly overall still gets tried where it may do well.
    const exploring = compile({ offers: [offer('o', { propensity: 0.05, explore: true })] }).offers.get('o')!.source;
    const draws = (context: string) =>
      Array.from(
        { length: 400 },
        (_, i) => propensity(exploring, undefined, observed(10_000), `visitor-${i}`, T0, context).value,
      );
    const spread = (values: number[]) => {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return { mean, sd: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
    };
    const unseen = spread(draws('stage=customer'));
    const pooled = spread(draws(''));
    const m = contextStrength(
      Object.values(observed(10_000).contexts!).map((c) => ({ impressions: c.impressions, successes: c.converts })),
    );
    expect(unseen.sd).toBeGreaterThan(5 * pooled.sd);
    expect(unseen.sd).toBeCloseTo(Math.sqrt((overall * (1 - overall)) / (m + 1)), 2);
    expect(unseen.mean).toBeCloseTo(overall, 1);
  });

  it("starts a convert goal's context from the overall rate scaled by the context's fitted clicks", () => {
    // Overall: 1,000 clicks of 10,000; this context: 100 clicks of 400, no conversion yet.
    const arm: ObservedCounts = {
      impressions: 10_000,
      clicks: 1000,
      converts: 100,
      contexts: {
        'stage=here': { impressions: 400, clicks: 100, converts: 0 },
        'stage=there': { impressions: 9600, clicks: 900, converts: 100 },
      },
    };
    const p = propensity(source, undefined, arm, 'visitor-0001', T0, 'stage=here');
    const factors = clickFactors(arm.contexts!);
    const overallRate = p.observed!.rate;
    const m = Math.min(
      residualStrength([
        { impressions: 400, successes: 0, mean: overallRate * factors('stage=here') },
        { impressions: 9600, successes: 100, mean: overallRate * factors('stage=there') },
      ]),
      20 + 10_000,
    );
    // 100 clicks of 400 against 1,000 of 10,000, with the prior of one click: (100 + 1) / (40 + 1).
    expect(factors('stage=here')).toBeCloseTo(101 / 41, 6);
    expect(p.value).toBeCloseTo((overallRate * factors('stage=here') * m) / (400 + m), 12);
  });

  it('with no context key (learn_by []) uses the overall rate', () => {
    expect(propensity(source, undefined, observed(10_000), 'visitor-0001', T0, '').value).toBeCloseTo(overall, 12);
  });
});

describe('decisions by context', () => {
  const rules = compile({
    learn_by: ['stage'],
    stages: [{ id: 'lead', when: { 'counters.pages': { $gte: 2 } } }, { id: 'visitor' }],
    offers: [offer('card', { propensity: 0.05 }), offer('refi', { propensity: 0.05 })],
  });
  const observed: ObservedRates = {
    card: {
      '-': {
        impressions: 20_000,
        clicks: 0,
        converts: 1000,
        contexts: {
          'stage=lead': { impressions: 10_000, clicks: 0, converts: 100 },
          'stage=visitor': { impressions: 10_000, clicks: 0, converts: 900 },
        },
      },
    },
    refi: { '-': { impressions: 20_000, clicks: 0, converts: 600, contexts: {} } },
  };
  const visitor = (pages: number) => {
    const state = newVisitor('visitor-0001', T0);
    for (let i = 0; i < pages; i += 1) applyEvent(rules, state, page(`https://acme.example/p${i}`, T0 + i), T0 + i);
    return state;
  };

  it('shows each stage the offer that converts best there', () => {
    expect(decide(rules, visitor(1), ['hero'], T0 + 10, undefined, observed).offers[0].offer).toBe('card');
    expect(decide(rules, visitor(3), ['hero'], T0 + 10, undefined, observed).offers[0].offer).toBe('refi');
  });

  it('names the context in keyed reasons, and no site-wide figure in public ones', () => {
    const keyed = decide(rules, visitor(1), ['hero'], T0 + 10, undefined, observed, 'full').offers[0].reasons;
    expect(keyed.find((r) => r.startsWith('convert rate'))).toMatch(
      /^convert rate 9% among stage=visitor visitors \(10000 exposed; overall 5%\)$/,
    );
    const open = decide(rules, visitor(1), ['hero'], T0 + 10, undefined, observed, 'public').offers[0].reasons;
    expect(open.join('\n')).not.toMatch(/rate|exposed|overall|priority|%/);
  });

  it('ranks held-out visitors of an offer with variants on the pooled rate in their own context, as those shown', () => {
    const tested = compile({
      learn_by: ['stage'],
      stages: [{ id: 'visitor' }],
      offers: [
        offer('exp', {
          propensity: 0.05,
          holdout: 0.5,
          variants: [
            { id: 'a', weight: 0.25 },
            { id: 'b', weight: 0.25 },
          ],
        }),
      ],
    });
    // Both arms convert alike: 9% of the context's visitors, 1% elsewhere.
    const arm = () => ({
      impressions: 10_000,
      clicks: 0,
      converts: 500,
      contexts: {
        'stage=visitor': { impressions: 5_000, clicks: 0, converts: 450 },
        elsewhere: { impressions: 5_000, clicks: 0, converts: 50 },
      },
    });
    const rates: ObservedRates = { exp: { a: arm(), b: arm() } };
    const decisions = Array.from({ length: 20 }, (_, i) => newVisitor(`visitor-${i}`, T0)).map((state) => {
      applyEvent(tested, state, page('https://acme.example/', T0), T0);
      return decide(tested, state, ['hero'], T0 + 10, undefined, rates, 'full').offers[0];
    });
    const held = decisions.find((d) => d.holdout)!;
    const shown = decisions.find((d) => !d.holdout)!;
    expect(held.reasons).toContain('convert rate 9% among stage=visitor visitors (10000 exposed; overall 5%)');
    expect(shown.reasons).toContain('convert rate 9% among stage=visitor visitors (5000 exposed; overall 5%)');
    const priority = (reasons: string[]) => reasons.find((r) => r.startsWith('priority '));
    expect(priority(held.reasons)).toBe(priority(shown.reasons));
  });
});
