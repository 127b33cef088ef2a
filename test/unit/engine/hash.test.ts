import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { betaSample, bucketHash, fnv1a32, seededRandom } from '../../../worker/engine/hash';
import { assign } from '../../../worker/engine/experiments';
import { Offer } from '../../../rules/schema';

describe('fnv1a32', () => {
  // Reference vectors from the FNV specification (Fowler, Noll, Vo).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('hashes %j', (text, expected) => {
    expect(fnv1a32(text)).toBe(expected);
  });

  it("equals GrowthBook's sum-of-shifts formulation for any string", () => {
    const growthbook = (text: string) => {
      let hash = 0x811c9dc5;
      for (let i = 0; i < text.length; i += 1) {
        hash ^= text.charCodeAt(i);
        hash += (hash << 1) + (hash << 4) + (hash << 7) + (hash << 8) + (hash << 24);
      }
      return hash >>> 0;
    };
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => fnv1a32(text) === growthbook(text)), { numRuns: 2000 });
  });
});

describe('bucketHash', () => {
  // GrowthBook's version-1 vectors (seed, value → hash), from its SDK test cases.
  it.each([
    ['', 'a', 0.22],
    ['', 'b', 0.077],
    ['b', 'a', 0.946],
    ['ef', 'd', 0.652],
  ])('v1 hash(%j, %j) = %d', (seed, value, expected) => {
    expect(bucketHash(seed, value, 1)).toBe(expected);
  });

  // GrowthBook's version-2 buckets (what offers use), from its SDK's sticky-bucketing cases.
  it.each([
    ['feature-exp', 'd123', 0.6468],
    ['feature-exp', 'i123', 0.9943],
  ])('v2 hash(%j, %j) = %d', (seed, value, expected) => {
    expect(bucketHash(seed, value)).toBe(expected);
  });

  it('is stable and in [0, 1)', () => {
    const values = Array.from({ length: 2000 }, (_, i) => bucketHash('finish-app', `visitor-${i}`));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(bucketHash('finish-app', 'visitor-dana-7f3a')).toBe(0.7393);
    // Roughly uniform: each tenth holds 10% ± 3% of 2,000 visitors.
    for (let tenth = 0; tenth < 10; tenth += 1) {
      const share = values.filter((v) => Math.floor(v * 10) === tenth).length / values.length;
      expect(Math.abs(share - 0.1)).toBeLessThan(0.03);
    }
  });
});

describe('assign', () => {
  const offer = Offer.parse({
    id: 'finish-app', slots: ['hero'], holdout: 0.1, banner: { title: 't', placement: 'slot' },
    variants: [{ id: 'a', weight: 0.45 }, { id: 'b', weight: 0.45 }],
  });

  it('maps buckets to holdout, then variants in order', () => {
    expect(assign(offer, 'visitor-dana-7f3a')).toMatchObject({ bucket: 0.7393, holdout: false, variant: { id: 'b' } });
    const shares = { holdout: 0, a: 0, b: 0 };
    for (let i = 0; i < 5000; i += 1) {
      const result = assign(offer, `v-${i}`);
      shares[result.holdout ? 'holdout' : (result.variant!.id as 'a' | 'b')] += 1 / 5000;
    }
    expect(shares.holdout).toBeCloseTo(0.1, 1);
    expect(shares.a).toBeCloseTo(0.45, 1);
    expect(shares.b).toBeCloseTo(0.45, 1);
  });

  it('needs no hash when there is nothing to assign', () => {
    expect(assign(Offer.parse({ id: 'x', slots: ['hero'], banner: { title: 't', placement: 'slot' } }), 'v')).toEqual({ bucket: 0, holdout: false });
  });
});

describe('seeded sampling', () => {
  it('repeats for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('draws Beta samples with the right mean', () => {
    const random = seededRandom(7);
    for (const [alpha, beta] of [[2, 8], [0.5, 0.5], [30, 10]]) {
      const draws = Array.from({ length: 4000 }, () => betaSample(alpha, beta, random));
      expect(draws.every((d) => d >= 0 && d <= 1)).toBe(true);
      const mean = draws.reduce((s, d) => s + d, 0) / draws.length;
      expect(mean).toBeCloseTo(alpha / (alpha + beta), 1);
    }
  });
});
