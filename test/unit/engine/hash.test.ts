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
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => fnv1a32(text) === growthbook(text)),
      { numRuns: 2000 },
    );
  });
});

describe('bucketHash', () => {
  /** FNV-1a written the plain way, with BigInt arithmetic mod 2^32, to check ours against. */
  const plainFnv = (text: string): bigint => {
    let hash = 0x811c9dc5n;
    for (let i = 0; i < text.length; i += 1) hash = ((hash ^ BigInt(text.charCodeAt(i))) * 0x01000193n) % 2n ** 32n;
    return hash;
  };
  const plainHash = (seed: string, value: string, version: 1 | 2) =>
    version === 1
      ? Number(plainFnv(value + seed) % 1000n) / 1000
      : Number(plainFnv(String(plainFnv(seed + value))) % 10000n) / 10000;

  // The 14 rows of the "hash" section of GrowthBook's SDK test cases (packages/sdk-js/test/cases.json).
  it.each<[string, string, 1 | 2, number]>([
    ['', 'a', 1, 0.22],
    ['', 'b', 1, 0.077],
    ['b', 'a', 1, 0.946],
    ['ef', 'd', 1, 0.652],
    ['asdf', '8952klfjas09ujk', 1, 0.549],
    ['', '123', 1, 0.011],
    ['', '___)((*":&', 1, 0.563],
    ['seed', 'a', 2, 0.0505],
    ['seed', 'b', 2, 0.2696],
    ['foo', 'ab', 2, 0.2575],
    ['foo', 'def', 2, 0.2019],
    ['89123klj', '8952klfjas09ujkasdf', 2, 0.124],
    ['90850943850283058242805', '123', 2, 0.7516],
    ['()**(%$##$%#$#', '___)((*":&', 2, 0.0128],
  ])('hash(%j, %j, v%d) = %d', (seed, value, version, expected) => {
    expect(bucketHash(seed, value, version)).toBe(expected);
    expect(plainHash(seed, value, version)).toBe(expected);
  });

  it('equals the plain computation for any seed and value', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(
        text,
        text,
        fc.constantFrom<1 | 2>(1, 2),
        (seed, value, version) => bucketHash(seed, value, version) === plainHash(seed, value, version),
      ),
      { numRuns: 500, seed: 4 },
    );
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
    id: 'finish-app',
    slots: ['hero'],
    holdout: 0.1,
    banner: { title: 't', placement: 'slot' },
    variants: [
      { id: 'a', weight: 0.45 },
      { id: 'b', weight: 0.45 },
    ],
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
    expect(assign(Offer.parse({ id: 'x', slots: ['hero'], banner: { title: 't', placement: 'slot' } }), 'v')).toEqual({
      bucket: 0,
      holdout: false,
    });
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
    for (const [alpha, beta] of [
      [2, 8],
      [0.5, 0.5],
      [30, 10],
    ]) {
      const draws = Array.from({ length: 4000 }, () => betaSample(alpha, beta, random));
      expect(draws.every((d) => d >= 0 && d <= 1)).toBe(true);
      const mean = draws.reduce((s, d) => s + d, 0) / draws.length;
      expect(mean).toBeCloseTo(alpha / (alpha + beta), 1);
    }
  });
});
