/**
 * @module Random-hyperplane (SimHash) band keys: the locality-sensitive index behind `nearDuplicates`.
 *
 * Each vector is projected on POOL_BITS random hyperplanes, one sign bit each; two vectors at angle θ
 * agree on a bit with probability 1 − θ/π. A band is BAND_BITS of those bits packed into an integer, and
 * two vectors become candidates when they agree on a whole band. The hyperplanes are Gaussian, drawn from
 * a fixed seed per dimension, so every process and release computes the same keys for the same vector.
 */
import { prng } from '../../../seeded-random.js';

export interface BandScheme {
  /** Sign bits per vector. */
  readonly poolBits: number;
  /** Bits per band (≤ 31, so a key fits an integer). */
  readonly bandBits: number;
  readonly bands: number;
}

export class SimHashBands {
  /** Hyperplane components, dimension-major: planes[j * poolBits + k] is plane k's component j. */
  private readonly planes: Float32Array;
  /** Pool bit indices of each band. */
  private readonly bandBitIndex: Uint16Array;
  private readonly projections: Float64Array;

  constructor(readonly dim: number, readonly scheme: BandScheme, seed = 0x5eed) {
    const { poolBits, bandBits, bands } = scheme;
    const rand = prng(seed ^ Math.imul(dim, 0x9e3779b1));
    this.planes = new Float32Array(dim * poolBits);
    for (let i = 0; i < this.planes.length; i++) {
      this.planes[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    }
    // band b takes bits b*bandBits.. of the pool, wrapping round a shuffled order when bands overlap
    this.bandBitIndex = new Uint16Array(bands * bandBits);
    const order = Array.from({ length: poolBits }, (_, i) => i);
    let at = poolBits;
    for (let i = 0; i < this.bandBitIndex.length; i++) {
      if (at === poolBits) {
        for (let k = poolBits - 1; k > 0; k--) {
          const r = Math.floor(rand() * (k + 1));
          [order[k], order[r]] = [order[r]!, order[k]!];
        }
        at = 0;
      }
      this.bandBitIndex[i] = order[at++]!;
    }
    this.projections = new Float64Array(poolBits);
  }

  /** The vector's projections on every hyperplane (zero components skipped: hash vectors are sparse). */
  project(vector: Float32Array): Float64Array {
    const { poolBits } = this.scheme;
    const acc = this.projections;
    acc.fill(0);
    for (let j = 0; j < this.dim; j++) {
      const x = vector[j]!;
      if (x === 0) continue;
      const base = j * poolBits;
      for (let k = 0; k < poolBits; k++) acc[k]! += x * this.planes[base + k]!;
    }
    return acc;
  }

  /** One integer key per band. */
  keys(vector: Float32Array): number[] {
    const p = this.project(vector);
    const { bandBits, bands } = this.scheme;
    const out: number[] = new Array(bands);
    for (let b = 0; b < bands; b++) {
      let key = 0;
      for (let i = 0; i < bandBits; i++) key = (key << 1) | (p[this.bandBitIndex[b * bandBits + i]!]! > 0 ? 1 : 0);
      out[b] = key;
    }
    return out;
  }

  /**
   * Keys to look up for a query, per band: its own key, then the keys with one of its `flips` least
   * certain bits (projection nearest zero) flipped — multi-probe LSH, more recall for the same index.
   */
  probes(vector: Float32Array, flips: number): number[][] {
    const p = this.project(vector);
    const { bandBits, bands } = this.scheme;
    const out: number[][] = [];
    for (let b = 0; b < bands; b++) {
      let key = 0;
      const margin: { bit: number; m: number }[] = [];
      for (let i = 0; i < bandBits; i++) {
        const x = p[this.bandBitIndex[b * bandBits + i]!]!;
        key = (key << 1) | (x > 0 ? 1 : 0);
        margin.push({ bit: bandBits - 1 - i, m: Math.abs(x) });
      }
      const keys = [key];
      if (flips > 0) {
        margin.sort((a, c) => a.m - c.m);
        for (const { bit } of margin.slice(0, flips)) keys.push(key ^ (1 << bit));
      }
      out.push(keys);
    }
    return out;
  }
}
