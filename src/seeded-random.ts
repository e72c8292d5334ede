/**
 * @module Seeded randomness (mulberry32: small, fast, the same numbers from the same seed on every
 * machine). The near-duplicate index's hyperplanes (store/records/sqlite-vec/simhash.ts) are drawn from
 * it and stored index keys depend on every number it draws: changing it means rebuilding that index.
 * Tests, fixtures and benchmarks use it too (test/helpers/random.ts).
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
