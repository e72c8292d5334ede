/**
 * @module The embedded store's three ways to find records: vector KNN in the vec0 table (the filter
 * inside the KNN), near duplicates through the band index (band-index.ts) with exact rescoring, and
 * keyword search over FTS5 with BM25. Apart from store.ts, which keeps the writes and the paged reads.
 */
import { CalmError } from '../../../errors.js';
import { limitSql } from '../../statements.js';
import { parseFilter } from '../filter.js';
import type { NearDuplicateOptions, NearDuplicateQuery, ScoredRecord, SearchOptions } from '../record-store.js';
import { sameSpecifics } from '../specifics.js';
import { CANDIDATE_SHARE, candidatesSql, exactSql, FALLBACK_NEIGHBOURS, MAX_CANDIDATES, probeKeys, rescoreSql } from './band-index.js';
import { checkLimit, RECORD_COLUMNS, type RecordRow, type StoreContext, toBlob, toRecord } from './context.js';
import { filterToSql } from './filter-to-sql.js';

/** sqlite-vec's KNN refuses larger k. */
const MAX_K = 4096;
const WORD_RE = /[\p{L}\p{N}_]+/gu;

/** Words too common to say anything about relevance; any one of them would match most records. */
const STOPWORDS = new Set(
  ('a an and are as at be but by can could did do does for from had has have how i if in into is it its me my no not of on or our ' +
    'should so that the their them then there these they this to was we were what when where which who why will with would you your')
    .split(' '),
);

/**
 * FTS5 query from free text: every word quoted (no operator injection), any word may match, BM25
 * ranks. Stopwords are dropped unless the query has nothing else.
 */
export function toFtsQuery(text: string): string | null {
  const words = [...new Set(text.toLowerCase().match(WORD_RE) ?? [])];
  const meaningful = words.filter((w) => !STOPWORDS.has(w));
  const terms = meaningful.length > 0 ? meaningful : words;
  return terms.length === 0 ? null : terms.map((w) => `"${w}"`).join(' OR ');
}

export function vectorSearch(ctx: StoreContext, name: string, vector: Float32Array, options: SearchOptions): ScoredRecord[] {
  const meta = ctx.require(name);
  checkLimit(options.limit, MAX_K);
  if (vector.length !== meta.dim) {
    throw new CalmError('validation_error', `Query vector has dimension ${vector.length}, collection '${name}' needs ${meta.dim}`);
  }
  const conditions = parseFilter(options.filter);
  let rows: (RecordRow & { distance: number })[];
  if (conditions.length === 0) {
    rows = ctx.prepared(`WITH knn AS (SELECT rowid AS rid, distance FROM "${meta.vec_table}" WHERE embedding MATCH ? AND k = ?)
         SELECT ${RECORD_COLUMNS}, knn.distance FROM knn JOIN records r ON r.rid = knn.rid ORDER BY knn.distance, r.id`,
      )
      .all(toBlob(vector), options.limit) as (RecordRow & { distance: number })[];
  } else {
    // The filter runs inside the KNN (`rowid IN`), so the top-k comes from the matching rows only:
    // a post-filtered KNN could return fewer than `limit` matches.
    const where = filterToSql(conditions);
    rows = ctx.prepared(`WITH knn AS (
           SELECT rowid AS rid, distance FROM "${meta.vec_table}"
            WHERE embedding MATCH ? AND k = ?
              AND rowid IN (SELECT r.rid FROM records r WHERE r.collection = ? AND ${where.sql}))
         SELECT ${RECORD_COLUMNS}, knn.distance FROM knn JOIN records r ON r.rid = knn.rid ORDER BY knn.distance, r.id`,
      )
      .all(toBlob(vector), options.limit, name, ...where.params) as (RecordRow & { distance: number })[];
  }
  return rows.map((row) => ({
    ...toRecord(row, options.withVectors ? ctx.vectorOf(meta.vec_table, row.rid) : undefined),
    score: 1 - row.distance,
  }));
}

/**
 * Candidates from the band index (band-index.ts), which only pairs records of the same specifics,
 * rescored with the exact cosine: never a record below `minScore` or with other specifics.
 */
export function nearDuplicates(ctx: StoreContext, name: string, query: NearDuplicateQuery, options: NearDuplicateOptions): ScoredRecord[] {
  const { vector, text } = query;
  const meta = ctx.require(name);
  checkLimit(options.limit, MAX_K);
  if (vector.length !== meta.dim) {
    throw new CalmError('validation_error', `Query vector has dimension ${vector.length}, collection '${name}' needs ${meta.dim}`);
  }
  if (!Number.isFinite(options.minScore)) throw new CalmError('validation_error', `minScore ${options.minScore} must be a number`);
  const keys = probeKeys(vector, text);
  const most = Math.min(MAX_CANDIDATES, Math.floor(meta.record_count / CANDIDATE_SHARE)) + 1;
  const rids = ctx.prepared(candidatesSql(meta.vec_table, keys.length)).raw(true).all(...keys, most) as [number][];
  if (rids.length === 0) return [];
  const rows = (rids.length >= most
    ? ctx.prepared(exactSql(meta.vec_table, RECORD_COLUMNS))
      .all(toBlob(vector), Math.min(MAX_K, meta.record_count, Math.max(FALLBACK_NEIGHBOURS, options.limit)), options.minScore)
    : ctx.prepared(rescoreSql(meta.vec_table, RECORD_COLUMNS))
      .all(JSON.stringify(rids.map(([rid]) => rid)), toBlob(vector), options.minScore, options.limit)) as (RecordRow & { distance: number })[];
  // the exact fallback sees every group; and a salt shared by other specifics (1 in 2^32) must not make them duplicates
  return rows.filter((row) => sameSpecifics(row.text, text)).slice(0, options.limit).map((row) => ({ ...toRecord(row), score: 1 - row.distance }));
}

export function keywordSearch(ctx: StoreContext, name: string, query: string, options: SearchOptions): ScoredRecord[] {
  const meta = ctx.require(name);
  checkLimit(options.limit);
  const match = toFtsQuery(query);
  if (match === null) return [];
  const where = filterToSql(parseFilter(options.filter));
  const rows = ctx.prepared(`SELECT ${RECORD_COLUMNS}, bm25("${meta.fts_table}") AS rank
         FROM "${meta.fts_table}" JOIN records r ON r.rid = "${meta.fts_table}".rowid
        WHERE "${meta.fts_table}" MATCH ? AND r.collection = ? AND ${where.sql}
        ORDER BY rank, r.id ${limitSql(options.limit)}`,
    )
    .all(match, name, ...where.params) as (RecordRow & { rank: number })[];
  return rows.map((row) => {
    // bm25 is negative, more negative is better; map it onto (0, 1) keeping the order
    const strength = Math.max(0, -row.rank);
    return {
      ...toRecord(row, options.withVectors ? ctx.vectorOf(meta.vec_table, row.rid) : undefined),
      score: strength / (1 + strength),
    };
  });
}
