/**
 * @module The built-in embedder: signed feature hashing, no weights, always available.
 *
 * Lexical rather than semantic: texts that share words, word pairs or character trigrams land close
 * together. Deterministic across machines and releases (the id carries a version), which is what tests,
 * offline machines and the benchmarks need.
 */
import { type Embedder, l2normalize } from './embedder.js';

export const HASH_EMBEDDER_ID = 'hash-v1';
export const HASH_DIM = 384;

const WORD_WEIGHT = 1.0;
const BIGRAM_WEIGHT = 0.7;
const TRIGRAM_WEIGHT = 0.35;
const WORD_RE = /[\p{L}\p{N}_]+/gu;

/** FNV-1a over UTF-16 code units, seeded so the three feature kinds hash independently. */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche so nearby strings spread over the whole range
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

function add(v: Float32Array, feature: string, seed: number, weight: number): void {
  const h = fnv1a(feature, seed);
  const index = h % v.length;
  const sign = h & 0x80000000 ? -1 : 1;
  v[index] = v[index]! + sign * weight;
}

export function hashEmbed(text: string, dim = HASH_DIM): Float32Array {
  const v = new Float32Array(dim);
  const words = text.toLowerCase().match(WORD_RE) ?? [];
  if (words.length === 0) {
    // blank text still gets a valid unit vector, so cosine distance is always defined
    add(v, '\u0000empty', 0, 1);
    return l2normalize(v);
  }
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    add(v, word, 1, WORD_WEIGHT);
    if (i + 1 < words.length) add(v, `${word} ${words[i + 1]}`, 2, BIGRAM_WEIGHT);
    const padded = ` ${word} `;
    for (let j = 0; j + 3 <= padded.length; j++) add(v, padded.slice(j, j + 3), 3, TRIGRAM_WEIGHT);
  }
  return l2normalize(v);
}

export class HashEmbedder implements Embedder {
  readonly id = HASH_EMBEDDER_ID;
  readonly dim = HASH_DIM;

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => hashEmbed(t, this.dim));
  }
}
