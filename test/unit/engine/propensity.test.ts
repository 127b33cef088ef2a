// Propensity learned across visitors: the rules' base rate is a Beta prior that the rates observed
// in the rollups outweigh as they grow; this visitor's own history then pulls it down (fatigue).
import { describe, expect, it } from 'vitest';
import { applyEvent, decide, newVisitor, type ObservedRates } from '../../../worker/engine';
import { propensity } from '../../../worker/engine/propensity';
import { compile, DAY, offer, offerEvent, T0, type OfferInput } from '../helpers';

/** The parsed offer (defaults filled in) that propensity() takes. */
function sourceOf(input: OfferInput) {
  return compile({ offers: [input] }).offers.get(input.id)!.source;
}

const seen = (impressions: number, clicks: number, converts = 0) => ({ impressions, clicks, converts });

describe('propensity across visitors', () => {
  // Base 0.05 worth 20 observations; every visitor clicks 20 % of the time.
  const base = sourceOf(offer('o', { propensity: 0.05, goal: 'click' }));

  it.each([
    [0, 0.05],
    [10, (1 + 2) / 30],
    [100, (1 + 20) / 120],
    [1000, (1 + 200) / 1020],
    [100_000, (1 + 20_000) / 100_020],
  ])('after %i impressions at a 20 %% click rate: %f', (impressions, expected) => {
    const p = propensity(base, undefined, seen(impressions, impressions / 5), 'visitor-0001', T0);
    expect(p.value).toBeCloseTo(expected, 12);
    expect(p.observed).toEqual(impressions ? { impressions, successes: impressions / 5, rate: p.value } : undefined);
  });

  it('moves toward the observed rate, never past it, as observations grow', () => {
    const distances = [0, 10, 100, 1000, 10_000, 100_000].map(
      (n) => 0.2 - propensity(base, undefined, seen(n, n / 5), 'visitor-0001', T0).value,
    );
    for (let i = 1; i < distances.length; i += 1) {
      expect(distances[i]).toBeLessThan(distances[i - 1]);
      expect(distances[i]).toBeGreaterThan(0);
    }
    expect(distances.at(-1)).toBeLessThan(0.0001);
  });

  it('a larger prior_strength trusts the base rate longer', () => {
    const stubborn = sourceOf(offer('o', { propensity: 0.05, prior_strength: 1000, goal: 'click' }));
    const observed = seen(1000, 200);
    expect(propensity(stubborn, undefined, observed, 'visitor-0001', T0).value).toBeCloseTo((50 + 200) / 2000, 12);
    expect(propensity(base, undefined, observed, 'visitor-0001', T0).value).toBeGreaterThan(0.19);
  });

  it('counts conversions for goal "convert" (the default), with clicks informing only the prior', () => {
    const converting = sourceOf(offer('o', { propensity: 0.05 }));
    const p = propensity(converting, undefined, seen(1000, 400, 30), 'visitor-0001', T0);
    // Prior mean: click rate (400 + 0.5 × 20) / 1020 × conversions per click (30 + 1) / (400 + 10).
    const prior = (410 / 1020) * (31 / 410);
    expect(p.value).toBeCloseTo((prior * 20 + 30) / 1020, 12);
    expect(p.observed?.successes).toBe(30);
  });

  it.each([
    // [impressions, clicks, converts, prior mean of the convert rate]
    [0, 0, 0, 0.05],
    [100, 0, 0, 0.05],
    [100, 10, 0, ((10 + 0.5 * 20) / 120) * (1 / 20)],
    [100, 40, 0, ((40 + 0.5 * 20) / 120) * (1 / 50)],
    [100, 40, 20, ((40 + 0.5 * 20) / 120) * (21 / 50)],
  ])('goal convert, %i shown, %i clicks, %i conversions: prior mean %f', (impressions, clicks, converts, mean) => {
    const converting = sourceOf(offer('o', { propensity: 0.05 }));
    const p = propensity(converting, undefined, seen(impressions, clicks, converts), 'visitor-0001', T0);
    expect(p.value).toBeCloseTo((mean * 20 + converts) / (20 + impressions), 12);
  });

  it('never lets more clicks than impressions (lost beacons) push the rate past 1', () => {
    const p = propensity(base, undefined, seen(10, 50), 'visitor-0001', T0);
    expect(p.value).toBeLessThanOrEqual(1);
    expect(p.value).toBeCloseTo((1 + 50) / (1 + 50 + 19), 12);
  });

  it("uses the observed rate as this visitor's prior, so their own misses pull it down", () => {
    const observed = seen(1000, 200);
    const rate = (1 + 200) / 1020;
    const own = { impressions: 30, clicks: 0, dismisses: 0, converts: 0 };
    expect(propensity(base, own, observed, 'visitor-0001', T0).value).toBeCloseTo((rate * 20) / 50, 12);
    // One click in those 30 brings it back up.
    expect(propensity(base, { ...own, clicks: 1 }, observed, 'visitor-0001', T0).value).toBeCloseTo((rate * 20 + 1) / 50, 12);
  });
});

describe('Thompson sampling on the observed rate', () => {
  const explore = sourceOf(offer('o', { propensity: 0.05, explore: true, goal: 'click' }));
  const draw = (observed: ReturnType<typeof seen> | undefined, vid: string, now = T0) =>
    propensity(explore, undefined, observed, vid, now).value;
  const vids = Array.from({ length: 400 }, (_, i) => `visitor-${String(i).padStart(4, '0')}`);

  it('is seeded by visitor, offer and day: the same draw all day, a fresh one the next', () => {
    const observed = seen(50, 10);
    expect(draw(observed, 'visitor-0001', T0)).toBe(draw(observed, 'visitor-0001', T0 + 3_600_000));
    const today = vids.map((vid) => draw(observed, vid, T0));
    const tomorrow = vids.map((vid) => draw(observed, vid, T0 + DAY));
    expect(today.filter((value, i) => value !== tomorrow[i]).length).toBeGreaterThan(390);
  });

  it('draws spread widely with little data and close to the observed rate with much', () => {
    const spread = (observed: ReturnType<typeof seen>) => {
      const draws = vids.map((vid) => draw(observed, vid));
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      return { mean, max: Math.max(...draws.map((value) => Math.abs(value - 0.2))) };
    };
    const little = spread(seen(20, 4));
    const much = spread(seen(100_000, 20_000));
    expect(little.max).toBeGreaterThan(0.1);
    expect(much.max).toBeLessThan(0.01);
    expect(much.mean).toBeCloseTo(0.2, 3);
  });
});

describe('decisions with observed rates', () => {
  const rules = compile({
    offers: [offer('steady', { propensity: 0.1, goal: 'click' }), offer('rising', { propensity: 0.05, goal: 'click' })],
  });
  const state = newVisitor('visitor-0001', T0);
  applyEvent(rules, state, offerEvent('other', 'impression', T0), T0);
  const winner = (observed?: ObservedRates) => decide(rules, state, ['hero'], T0, undefined, observed).offers[0];

  it.each([
    ['no observations', undefined, 'steady'],
    ['5 impressions, 1 click', { rising: { '-': seen(5, 1) } }, 'steady'], // (1 + 1) / 25 = 0.08
    ['100 impressions, 30 clicks', { rising: { '-': seen(100, 30) } }, 'rising'], // 31 / 120 = 0.258
  ])('%s: %s wins', (_, observed, expected) => {
    expect(winner(observed).offer).toBe(expected);
  });

  it('names the observed rate and the data behind it in the reasons', () => {
    const { reasons } = winner({ rising: { '-': seen(100, 30) } });
    expect(reasons).toContain('priority 0.258 = propensity 0.258 × value 1 × weight 1');
    expect(reasons).toContain('click rate 0.258 across visitors (30 of 100 visitors shown it, base 0.05)');
    expect(reasons).toContain('outranked steady (0.1)');
  });

  it('says nothing about other visitors when none has seen the offer', () => {
    const { reasons } = winner({ rising: { '-': seen(0, 0) } });
    expect(reasons.join('\n')).not.toContain('across visitors');
  });
});
