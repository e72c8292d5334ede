/**
 * @module Fusion methods the retrieval benchmark compares with calm's hybrid (which runs through the real
 * search path, coverageFusion with the embedder's profile). Each takes the semantic and keyword candidate
 * lists of one query, best first. The figures behind the choice are in README "Search modes".
 */
import {
  coverageFusion, LEXICAL_FUSION, reciprocalRankFusion, SENTENCE_MODEL_FUSION, weightedScoreFusion,
} from '../src/services/search.js';
import type { ScoredRecord } from '../src/store/records/record-store.js';

type Fusion = (semantic: readonly ScoredRecord[], keyword: readonly ScoredRecord[], limit: number, query: string) => ScoredRecord[];

/** Each list's scores normalised per query (min-max or z-score), then a fixed weighted sum. */
function normalisedFusion(how: 'minmax' | 'z', semanticWeight: number): Fusion {
  const normalised = (list: readonly ScoredRecord[]): Map<string, number> => {
    const scores = list.map((r) => r.score);
    const min = Math.min(...scores), max = Math.max(...scores);
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length) || 1;
    return new Map(list.map((r) => [r.id, how === 'minmax' ? (max > min ? (r.score - min) / (max - min) : 1) : (r.score - mean) / sd]));
  };
  return (semantic, keyword, limit) => {
    const s = normalised(semantic), k = normalised(keyword);
    // a record missing from one list counts as that list's lowest
    const floorS = Math.min(0, ...s.values()), floorK = Math.min(0, ...k.values());
    const records = new Map<string, ScoredRecord>();
    for (const r of [...semantic, ...keyword]) if (!records.has(r.id)) records.set(r.id, r);
    return [...records.values()]
      .map((r) => ({ ...r, score: semanticWeight * (s.get(r.id) ?? floorS) + (1 - semanticWeight) * (k.get(r.id) ?? floorK) }))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, limit);
  };
}

export const FUSIONS: Record<string, Fusion> = {
  rrf: (s, k, limit) => reciprocalRankFusion([s, k], limit),
  'w0.75-raw': (s, k, limit) => weightedScoreFusion(s, k, limit, 0.75),
  'w0.5-minmax': normalisedFusion('minmax', 0.5),
  'w0.7-minmax': normalisedFusion('minmax', 0.7),
  'w0.5-z': normalisedFusion('z', 0.5),
  'cov-lexical': (s, k, limit, q) => coverageFusion(s, k, limit, q, LEXICAL_FUSION),
  'cov-sentence': (s, k, limit, q) => coverageFusion(s, k, limit, q, SENTENCE_MODEL_FUSION),
};
