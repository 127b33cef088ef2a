import { describe, expect, it } from 'vitest';
import { liftOverHoldout, newcombeDifference, rate, wilson } from '../../../worker/analytics/intervals';
// Seeded (mulberry32), so the generated data are the same on every run.
import { seededRandom as seeded } from '../../../worker/engine/hash';

const binomial = (random: () => number, n: number, p: number) => {
  let successes = 0;
  for (let i = 0; i < n; i++) if (random() < p) successes++;
  return successes;
};

describe('wilson', () => {
  it.each([
    // Newcombe (1998), Statistics in Medicine 17:857, Table I (score method without correction).
    ['81 of 263', 81, 263, 0.2553, 0.3662],
    ['15 of 148', 15, 148, 0.0624, 0.1605],
    ['0 of 20', 0, 20, 0, 0.1611],
    ['1 of 29', 1, 29, 0.0061, 0.1718],
  ])('matches the published interval for %s', (_name, x, n, low, high) => {
    const interval = wilson(x, n);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it('is the whole unit interval without trials', () => {
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('newcombeDifference', () => {
  it.each([
    // Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10.
    ['56/70 − 48/80', 56, 70, 48, 80, 0.0524, 0.3339],
    ['9/10 − 3/10', 9, 10, 3, 10, 0.1705, 0.809],
    ['6/7 − 2/7', 6, 7, 2, 7, 0.0582, 0.8062],
    ['5/56 − 0/29', 5, 56, 0, 29, -0.0381, 0.1926],
  ])('matches the published interval for %s', (_name, x1, n1, x2, n2, low, high) => {
    const d = newcombeDifference(x1, n1, x2, n2);
    expect(d.low).toBeCloseTo(low, 4);
    expect(d.high).toBeCloseTo(high, 4);
  });
});

describe('liftOverHoldout', () => {
  it('is null while either arm has no exposed visitor', () => {
    expect(liftOverHoldout(3, 10, 0, 0)).toBeNull();
    expect(liftOverHoldout(0, 0, 3, 10)).toBeNull();
  });

  it('reports absolute and relative lift and whether the interval excludes zero', () => {
    const lift = liftOverHoldout(300, 1000, 100, 500)!;
    expect(lift.difference).toBeCloseTo(0.1, 10);
    expect(lift.relative).toBeCloseTo(0.5, 10);
    expect(lift.significant).toBe(true);
    expect(lift.low).toBeLessThan(0.1);
    expect(lift.high).toBeGreaterThan(0.1);
  });

  it('has no relative lift when the holdout never converted', () => {
    expect(liftOverHoldout(5, 100, 0, 20)?.relative).toBeNull();
  });

  it('covers a known simulated effect in about 95% of experiments (seeded)', () => {
    const random = seeded(20260601);
    // A banner shown to 90% that lifts a 10% submit rate to 13%, against a 10% holdout.
    const [pShown, pHoldout, nShown, nHoldout, experiments] = [0.13, 0.1, 1800, 200, 4000];
    let covered = 0;
    let found = 0;
    for (let i = 0; i < experiments; i++) {
      const lift = liftOverHoldout(binomial(random, nShown, pShown), nShown, binomial(random, nHoldout, pHoldout), nHoldout)!;
      if (lift.low <= pShown - pHoldout && pShown - pHoldout <= lift.high) covered++;
      if (lift.significant) found++;
    }
    // The binomial standard error of a 95% coverage over 4000 runs is 0.34 points.
    expect(covered / experiments).toBeGreaterThan(0.935);
    expect(covered / experiments).toBeLessThan(0.965);
    // With a 200-visitor holdout a 3-point lift is often not yet distinguishable from none.
    expect(found / experiments).toBeLessThan(0.6);
  });

  it('covers a null effect at the same rate, small samples included (seeded)', () => {
    const random = seeded(7);
    let covered = 0;
    const experiments = 4000;
    for (let i = 0; i < experiments; i++) {
      const lift = liftOverHoldout(binomial(random, 120, 0.05), 120, binomial(random, 40, 0.05), 40)!;
      if (lift.low <= 0 && 0 <= lift.high) covered++;
    }
    // Score intervals keep near (mostly above) nominal coverage where Wald's falls far below.
    expect(covered / experiments).toBeGreaterThan(0.93);
  });
});

describe('rate', () => {
  it('is null rather than 0 without a denominator', () => {
    expect(rate(0, 0)).toBeNull();
    expect(rate(1, 4)).toBe(0.25);
  });
});
