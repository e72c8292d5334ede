/**
 * @module Vectors as calm keeps them in a point's payload (the shared base64 form, vector-codec.ts):
 * Qdrant may return its own stored vector normalised, so the exact vector a record was written with
 * rides along. An empty one counts as none.
 */
import { decodeVector as decodeBase64 } from '../vector-codec.js';

export { encodeVector } from '../vector-codec.js';

export function decodeVector(value: unknown): Float32Array | undefined {
  const v = decodeBase64(value);
  return v && v.length > 0 ? v : undefined;
}
