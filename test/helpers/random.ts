/** Seeded randomness for tests, fixtures and benchmarks: the same seed gives the same data on every machine. */

export { prng } from '../../src/seeded-random.js';

/** A random unit vector, isotropic (Gaussian components via Box-Muller). */
export function randomUnit(rand: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    v[i] = g;
    sum += g * g;
  }
  const norm = Math.sqrt(sum);
  for (let i = 0; i < dim; i++) v[i] = v[i]! / norm;
  return v;
}
