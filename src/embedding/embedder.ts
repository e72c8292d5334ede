/** @module The embedder interface every model implements. */
import type { EmbedPurpose } from './model-profile.js';

export type { EmbedPurpose } from './model-profile.js';

export interface Embedder {
  /** Stable identity recorded on every collection, e.g. `hash-v1` or `onnx:Xenova/all-MiniLM-L6-v2`. */
  readonly id: string;
  readonly dim: number;
  /**
   * One L2-normalised vector per text, in order. An empty input gives an empty output. `purpose`
   * (default 'document') lets models trained with query/document prompts use them; others ignore it.
   */
  embed(texts: readonly string[], purpose?: EmbedPurpose): Promise<Float32Array[]>;
  /** Releases native resources (ONNX sessions); safe to call more than once. */
  dispose?(): Promise<void>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

/** Cosine similarity in [-1, 1]; 0 when either vector is all zeros. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
