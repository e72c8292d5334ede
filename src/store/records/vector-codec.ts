/**
 * @module Vectors as text: little-endian float32, base64. The portable export (records/*.jsonl) and the
 * Qdrant backend (the exact vector rides along in a point's payload) both write this form.
 */
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';

export function encodeVector(v: Float32Array): string {
  const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return (LITTLE_ENDIAN ? bytes : Buffer.from(bytes).swap32()).toString('base64');
}

/** The vector in a base64 string; undefined for anything else or a length that is not whole float32s. */
export function decodeVector(value: unknown): Float32Array | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length % 4 !== 0) return undefined;
  const copy = Buffer.from(bytes); // own, aligned buffer
  if (!LITTLE_ENDIAN) copy.swap32();
  return new Float32Array(copy.buffer, copy.byteOffset, copy.length / 4);
}
