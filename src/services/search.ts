/**
 * @module The one search engine every search tool uses: semantic, keyword and hybrid.
 *
 * - semantic: embed the query, cosine KNN in the collection (filters applied exactly).
 * - keyword: FTS5 over every record's text, ranked by BM25 (CALM scanned only the first 1000 records).
 * - hybrid: coverage-gated score fusion of the two rankings over the top 3·limit candidates of each
 *   (see `coverageFusion`). A blank query returns no results and never reaches the embedder.
 */
import type { Embedder } from '../embedding/embedder.js';
import type { Filter } from '../store/records/filter.js';
import type { RecordStore, ScoredRecord } from '../store/records/record-store.js';
import type { CollectionGuard } from './collection-guard.js';
import { meaningfulTerms, sharedTerms } from './query-terms.js';
import type { SearchMode } from './validation.js';

export const RRF_K = 60;
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

/** calm's first hybrid ranking (0.75 · cosine + 0.25 · keyword relevance): the benchmark's comparison. */
export function weightedScoreFusion(
  semantic: readonly ScoredRecord[],
  keyword: readonly ScoredRecord[],
  limit: number,
  semanticWeight = 0.75,
): ScoredRecord[] {
  const cosine = new Map(semantic.map((r) => [r.id, r.score]));
  const relevance = new Map(keyword.map((r) => [r.id, r.score]));
  return fuse(semantic, keyword, limit, (id) => semanticWeight * (cosine.get(id) ?? 0) + (1 - semanticWeight) * (relevance.get(id) ?? 0));
}

/**
 * How hybrid weighs its rankings. The keyword ranking counts in proportion to how much of the question
 * its records cover: per query, weight c = max(floor, best coverage^power); per record, its keyword
 * score times its own coverage (the share of the query's meaningful words it holds). A question that
 * names what it wants (most words found in one record) is decided by the words; a paraphrase, whose
 * words match only in passing, by the embedding.
 * - sentence model: scores min-max normalised per query (cosines of a sentence model sit in a narrow band
 *   and BM25 is unbounded), power 4, floor 0.
 * - hash (lexical): its "semantic" ranking is itself word-based, so raw scores, power 1, and half of the
 *   non-coverage part is keyword relevance (keywordBase 0.5).
 * Chosen on bench/retrieval.ts (README "Search modes" has the table): the only rule among those measured
 * (RRF; 0.75 · cosine + 0.25 · BM25; min-max or z-score with fixed weights 0.4–0.7; coverage gating)
 * whose hybrid was at least as good as the better of semantic and keyword on hit@1, hit@3 and MRR in
 * every set (paraphrase, overlap, overlap-hard) with both embedders. Fixed weights always lost somewhere:
 * e.g. 0.75/0.25 lost hit@1 on paraphrase with the sentence model (8% against 13%) and on overlap-hard
 * with hash (85% against 92%).
 */
export interface FusionProfile {
  readonly normalise: 'minmax' | 'raw';
  readonly power: number;
  readonly floor: number;
  /** Keyword relevance added whatever the coverage (a lexical embedder's cosines are word matches too). */
  readonly keywordBase?: number;
}
export const SENTENCE_MODEL_FUSION: FusionProfile = { normalise: 'minmax', power: 4, floor: 0 };
export const LEXICAL_FUSION: FusionProfile = { normalise: 'raw', power: 1, floor: 0, keywordBase: 0.5 };
export const fusionProfileFor = (embedderId: string): FusionProfile => (embedderId.startsWith('hash') ? LEXICAL_FUSION : SENTENCE_MODEL_FUSION);

export function coverageFusion(
  semantic: readonly ScoredRecord[],
  keyword: readonly ScoredRecord[],
  limit: number,
  query: string,
  profile: FusionProfile,
): ScoredRecord[] {
  const terms = meaningfulTerms(query);
  const coverage = new Map(keyword.map((r) => [r.id, terms.size === 0 ? 0 : sharedTerms(terms, r.text) / terms.size]));
  const c = Math.max(profile.floor, Math.max(0, ...coverage.values()) ** profile.power);
  const s = scoresOf(semantic, profile.normalise);
  const k = scoresOf(keyword, profile.normalise);
  const base = profile.keywordBase ?? 0;
  return fuse(semantic, keyword, limit, (id) => {
    const kw = k.get(id) ?? 0;
    return (1 - c) * ((1 - base) * (s.get(id) ?? 0) + base * kw) + c * kw * (coverage.get(id) ?? 0);
  });
}

function scoresOf(list: readonly ScoredRecord[], how: FusionProfile['normalise']): Map<string, number> {
  if (how === 'raw' || list.length === 0) return new Map(list.map((r) => [r.id, r.score]));
  let min = Number.POSITIVE_INFINITY, max = Number.NEGATIVE_INFINITY;
  for (const r of list) [min, max] = [Math.min(min, r.score), Math.max(max, r.score)];
  return new Map(list.map((r) => [r.id, max > min ? (r.score - min) / (max - min) : 1]));
}

/** Every candidate once, scored, best first (ties by id, so the order is stable). */
function fuse(semantic: readonly ScoredRecord[], keyword: readonly ScoredRecord[], limit: number, score: (id: string) => number): ScoredRecord[] {
  const records = new Map<string, ScoredRecord>();
  for (const r of [...semantic, ...keyword]) if (!records.has(r.id)) records.set(r.id, r);
  return [...records.values()]
    .map((r) => ({ ...r, score: score(r.id) }))
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
        const [semantic, keyword, embedder] = await Promise.all([
          this.semantic(collection, request.query, candidates, request.filter),
          this.records.keyword(collection, request.query, { limit: candidates, filter: request.filter }),
          this.embedder(),
        ]);
        return coverageFusion(semantic, keyword, request.limit, request.query, fusionProfileFor(embedder.id));
      }
    }
  }

  private async semantic(collection: string, query: string, limit: number, filter: Filter | undefined): Promise<ScoredRecord[]> {
    const [vector] = await (await this.embedder()).embed([query], 'query');
    return this.records.search(collection, vector!, { limit, filter });
  }
}
