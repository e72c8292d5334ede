/**
 * @module Keyword search on Qdrant: candidates come from Qdrant's full-text payload index on the
 * record text (any query word, through a `should` of one-word text matches), so only records that hold
 * a query word are read, never the whole collection. Qdrant filters but does not rank, so the candidates
 * are ranked here with BM25 (k1 = 1.2, b = 0.75): the document frequency of a word is exact (every
 * record holding it is a candidate), the collection size comes from Qdrant's count, and the average
 * length is the candidates' (the collection's would need a full scan). The score is mapped onto (0, 1)
 * as s / (1 + s), like the embedded backend's FTS5 bm25, and ties go by id.
 *
 * Words are chosen exactly as the embedded backend chooses them (toFtsQuery: stopwords dropped unless
 * nothing else is left), and text is split the way Qdrant's `word` tokenizer splits it (on anything
 * that is not a letter or digit, lower-cased). No stemming: Qdrant's index is built without a stemmer so
 * that this ranking sees the same tokens Qdrant matched.
 */
import { toFtsQuery } from '../sqlite-vec/index.js';

const K1 = 1.2;
const B = 0.75;

/** The words of a text as Qdrant's `word` tokenizer with `lowercase: true` sees them. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}

/** The query's search words (as the embedded backend picks them), as single tokens Qdrant can match. */
export function queryTerms(query: string): string[] {
  const fts = toFtsQuery(query);
  if (fts === null) return [];
  const words = fts.split(' OR ').map((w) => w.slice(1, -1));
  // a word with an underscore is two tokens to Qdrant's tokenizer
  return [...new Set(words.flatMap((w) => tokenize(w)))];
}

export interface Candidate {
  readonly id: string;
  readonly text: string;
}

/** BM25 over the candidates; returns every candidate that holds a query term, best first. */
export function rankBm25(terms: readonly string[], candidates: readonly Candidate[], collectionSize: number): { id: string; score: number }[] {
  const docs = candidates.map((c) => {
    const tokens = tokenize(c.text);
    const tf = new Map<string, number>();
    for (const t of tokens) if (terms.includes(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    return { id: c.id, length: tokens.length, tf };
  });
  const df = new Map<string, number>(terms.map((t) => [t, docs.filter((d) => d.tf.has(t)).length]));
  const n = Math.max(collectionSize, docs.length);
  const avgdl = docs.length > 0 ? docs.reduce((s, d) => s + d.length, 0) / docs.length || 1 : 1;
  const scored: { id: string; score: number }[] = [];
  for (const d of docs) {
    if (d.tf.size === 0) continue;
    let s = 0;
    for (const [t, f] of d.tf) {
      const dft = df.get(t) ?? 0;
      const idf = Math.log(1 + (n - dft + 0.5) / (dft + 0.5));
      s += (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * d.length) / avgdl));
    }
    scored.push({ id: d.id, score: s / (1 + s) });
  }
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored;
}
