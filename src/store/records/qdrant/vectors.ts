/**
 * @module Vectors as calm keeps them in a point's payload (little-endian float32, base64): Qdrant may
 * return its own stored vector normalised, so the exact vector a record was written with rides along.
 */

export function encodeVector(v: Float32Array): string {
  const copy = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) copy.writeFloatLE(v[i]!, i * 4);
  return copy.toString('base64');
}

export function decodeVector(value: unknown): Float32Array | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
