/**
 * @module The one search engine every search tool uses: semantic, keyword and hybrid.
 *
 * - semantic: embed the query, cosine KNN in the collection (filters applied exactly).
 * - keyword: FTS5 over every record's text, ranked by BM25 (CALM scanned only the first 1000 records).
 * - hybrid: weighted score fusion of the two rankings over the top 3·limit candidates of each:
 *   0.75 · cosine + 0.25 · keyword relevance (BM25 mapped onto (0, 1)); a record missing from one
 *   ranking's candidates adds 0 for it (counting it with the lowest candidate cosine instead measured
 *   worse: 33% paraphrase hit@3 with the sentence encoder, whose unrelated texts still score ~0.5). Measured on bench/retrieval.ts: Reciprocal Rank Fusion, used before, let a
 *   weak keyword ranking pull a good semantic one down (paraphrase hit@3 34% against semantic's 36% with
 *   the sentence encoder); scores keep how sure each method is, ranks throw that away. See README
 *   "Search modes" for the figures.
 * A blank query returns no results and never reaches the embedder.
 */
import type { Embedder } from '../embedding/embedder.js';
import type { Filter } from '../store/records/filter.js';
import type { RecordStore, ScoredRecord } from '../store/records/record-store.js';
import type { CollectionGuard } from './collection-guard.js';
import type { SearchMode } from './validation.js';

export const RRF_K = 60;
export const HYBRID_SEMANTIC_WEIGHT = 0.75;
const HYBRID_CANDIDATES_FACTOR = 3;

export interface SearchRequest {
  readonly query: string;
  readonly mode: SearchMode;
  readonly limit: number;
  readonly filter?: Filter | undefined;
}

/** Reciprocal Rank Fusion (Cormack et al., 2009), k = 60: the benchmark's comparison for hybrid. */
export function reciprocalRankFusion(rankings: readonly (readonly ScoredRecord[])[], limit: number, k = RRF_K): ScoredRecord[] {
  const fused = new Map<string, { record: ScoredRecord; score: number; best: number }>();
  for (const ranking of rankings) {
    ranking.forEach((record, rank) => {
      const entry = fused.get(record.id) ?? { record, score: 0, best: Number.POSITIVE_INFINITY };
      entry.score += 1 / (k + rank + 1);
      entry.best = Math.min(entry.best, rank);
      fused.set(record.id, entry);
    });
  }
  const max = rankings.length / (k + 1);
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || a.record.id.localeCompare(b.record.id))
    .slice(0, limit)
    .map(({ record, score }) => ({ ...record, score: score / max }));
}

/** calm's hybrid ranking: see the module comment. Scores are in [0, 1] when cosines are. */
export function weightedScoreFusion(
  semantic: readonly ScoredRecord[],
  keyword: readonly ScoredRecord[],
  limit: number,
  semanticWeight = HYBRID_SEMANTIC_WEIGHT,
): ScoredRecord[] {
  const cosine = new Map(semantic.map((r) => [r.id, r.score]));
  const relevance = new Map(keyword.map((r) => [r.id, r.score]));
  const records = new Map<string, ScoredRecord>();
  for (const r of [...semantic, ...keyword]) if (!records.has(r.id)) records.set(r.id, r);
  return [...records.values()]
    .map((r) => ({ ...r, score: semanticWeight * (cosine.get(r.id) ?? 0) + (1 - semanticWeight) * (relevance.get(r.id) ?? 0) }))
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, limit);
}

export class SearchEngine {
  constructor(
    private readonly records: RecordStore,
    private readonly embedder: () => Promise<Embedder>,
    private readonly guard: CollectionGuard,
  ) {}

  async search(collection: string, request: SearchRequest): Promise<ScoredRecord[]> {
    if (request.query.trim() === '') return [];
    if (!(await this.guard.exists(collection))) return [];
    switch (request.mode) {
      case 'semantic':
        return this.semantic(collection, request.query, request.limit, request.filter);
      case 'keyword':
        return this.records.keyword(collection, request.query, { limit: request.limit, filter: request.filter });
      case 'hybrid': {
        const candidates = request.limit * HYBRID_CANDIDATES_FACTOR;
        const [semantic, keyword] = await Promise.all([
          this.semantic(collection, request.query, candidates, request.filter),
          this.records.keyword(collection, request.query, { limit: candidates, filter: request.filter }),
        ]);
        return weightedScoreFusion(semantic, keyword, request.limit);
      }
    }
  }

  private async semantic(collection: string, query: string, limit: number, filter: Filter | undefined): Promise<ScoredRecord[]> {
    const [vector] = await (await this.embedder()).embed([query], 'query');
    return this.records.search(collection, vector!, { limit, filter });
  }
}
