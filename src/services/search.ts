/**
 * @module The one search engine every search tool uses: semantic, keyword and hybrid.
 *
 * - semantic: embed the query, cosine KNN in the collection (filters applied exactly).
 * - keyword: FTS5 over every record's text, ranked by BM25 (CALM scanned only the first 1000 records).
 * - hybrid: Reciprocal Rank Fusion (Cormack et al., 2009) of the two rankings: each record scores
 *   Σ 1/(k + rank) over the lists it appears in, with k = 60, over the top 3·limit candidates of each.
 *   Ranks, unlike raw scores, are comparable across the two methods (cosine vs BM25), so neither
 *   dominates by scale. The reported score is that sum divided by its maximum, 2/(k+1): 1.0 means
 *   first in both rankings.
 * A blank query returns no results and never reaches the embedder.
 */
import type { Embedder } from '../embedding/embedder.js';
import type { Filter } from '../store/records/filter.js';
import type { RecordStore, ScoredRecord } from '../store/records/record-store.js';
import type { CollectionGuard } from './collection-guard.js';
import type { SearchMode } from './validation.js';

export const RRF_K = 60;
const HYBRID_CANDIDATES_FACTOR = 3;

export interface SearchRequest {
  readonly query: string;
  readonly mode: SearchMode;
  readonly limit: number;
  readonly filter?: Filter | undefined;
}

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
        return reciprocalRankFusion([semantic, keyword], request.limit);
      }
    }
  }

  private async semantic(collection: string, query: string, limit: number, filter: Filter | undefined): Promise<ScoredRecord[]> {
    const [vector] = await (await this.embedder()).embed([query], 'query');
    return this.records.search(collection, vector!, { limit, filter });
  }
}
