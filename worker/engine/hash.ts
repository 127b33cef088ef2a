// Deterministic hashing and randomness: experiment buckets and Thompson sampling must give the same
// answer on every edge and every request, so nothing here reads a clock or Math.random.

/** FNV-1a 32-bit, as GrowthBook's SDK computes it (UTF-16 code units). Written out because it is 10 lines. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    // × the FNV prime 0x01000193 mod 2^32: GrowthBook's sum of shifts, in one multiply.
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}

/** GrowthBook's hash of (seed, value) to [0, 1): version 2 hashes twice to spread similar seeds. */
export function bucketHash(seed: string, value: string, version: 1 | 2 = 2): number {
  if (version === 1) return (fnv1a32(value + seed) % 1000) / 1000;
  return (fnv1a32(String(fnv1a32(seed + value))) % 10000) / 10000;
}

/** mulberry32: a tiny seeded PRNG, good enough for sampling and far cheaper than a CSPRNG. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  const u = 1 - random(); // in (0, 1]: log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A Gamma(shape, 1) draw by Marsaglia and Tsang's method; boosted for shape < 1. */
function gamma(shape: number, random: () => number): number {
  if (shape < 1) return gamma(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  // Accepts in about 98% of tries; the bound keeps a pathological PRNG from looping forever.
  for (let tries = 0; tries < 64; tries += 1) {
    const x = normal(random);
    const v = Math.pow(1 + c * x, 3);
    if (v <= 0) continue;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
  return d;
}

/** A Beta(alpha, beta) draw from two Gamma draws. */
export function betaSample(alpha: number, beta: number, random: () => number): number {
  const x = gamma(alpha, random);
  const y = gamma(beta, random);
  return x + y > 0 ? x / (x + y) : alpha / (alpha + beta);
}
