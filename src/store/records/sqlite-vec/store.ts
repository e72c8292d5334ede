/**
 * @module The embedded RecordStore: rows in `records`, vectors in a sqlite-vec `vec0` table (cosine)
 * and keyword terms in an FTS5 table per collection, all in the one database file, so one transaction
 * covers a record, its vector and its index entry, and one online backup captures them all.
 */
import { CalmError } from '../../../errors.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db.js';
import { limitSql, StatementCache } from '../../statements.js';
import { nowIso } from '../../time.js';
import { assertCollectionName } from '../collections.js';
import { embedderMismatch } from '../embedder-mismatch.js';
import { type Filter, parseFilter } from '../filter.js';
import type {
  CollectionInfo, CollectionSpec, CollectionWrite, ConsistencyReport, NearDuplicateOptions, NearDuplicateQuery, RecordInput, RecordStore, ReembedVector, RepairReport, ScoredRecord,
  ScrollOptions, ScrollPosition, SearchOptions, StoredRecord,
} from '../record-store.js';
import { sameSpecifics } from '../specifics.js';
import { validateRecordBatch } from '../validate-batch.js';
import {
  bandTableMismatch, CANDIDATE_SHARE, candidatesSql, createBandTable, MAX_CANDIDATES, deleteKeysSql, dropBandTable, exactSql, FALLBACK_NEIGHBOURS, insertKeySql,
  probeKeys, rebuildBandTable, recordKeys, rescoreSql,
} from './band-index.js';
import { filterToSql, type SqlFragment } from './filter-to-sql.js';
import { ftsTableName, vecTableName } from './tables.js';

interface CollectionRow {
  name: string;
  embedder: string;
  dim: number;
  vec_table: string;
  fts_table: string;
  pending_embedder: string | null;
  pending_dim: number | null;
  pending_vec_table: string | null;
  /** Kept by triggers on `records` (migration 7), so counting never scans. */
  record_count: number;
}

interface RecordRow {
  rid: number;
  id: string;
  text: string;
  payload: string;
  created_at: string;
  updated_at: string;
}

/** RECORD_COLUMNS in raw mode: better-sqlite3 then builds an array per row, not an object (measured ~8 % of a page). */
type RawRecordRow = [rid: number, id: string, text: string, payload: string, createdAt: string, updatedAt: string];

/** sqlite-vec's KNN refuses larger k. */
const MAX_K = 4096;
const WORD_RE = /[\p{L}\p{N}_]+/gu;
const RECORD_COLUMNS = 'r.rid, r.id, r.text, r.payload, r.created_at, r.updated_at';

const toBlob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const fromBlob = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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

function checkLimit(limit: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new CalmError('validation_error', `Limit ${limit} out of range. Must be between 1 and ${max}.`);
  }
}

/**
 * The conditions that select what follows `after`, in scroll order, as parts run one after the other:
 * the key's range comes first, alone, so SQLite walks the index from there (a row-value comparison or an
 * OR around it would make it scan from the top); NULL sort keys are a part of their own for the same reason.
 */
function keysetParts(sortExpr: string | null, desc: boolean, after: ScrollPosition | undefined): SqlFragment[] {
  if (!after) return [{ sql: '1', params: [] }];
  if (sortExpr === null) return [{ sql: 'r.id > ?', params: [after.id] }];
  const key = after.key ?? null;
  if (desc) {
    return key === null
      ? [{ sql: `${sortExpr} IS NULL AND r.id < ?`, params: [after.id] }]
      : [{ sql: `${sortExpr} <= ? AND (${sortExpr} < ? OR r.id < ?)`, params: [key, key, after.id] }, { sql: `${sortExpr} IS NULL`, params: [] }];
  }
  return key === null
    ? [{ sql: `${sortExpr} IS NULL AND r.id > ?`, params: [after.id] }, { sql: `${sortExpr} IS NOT NULL`, params: [] }]
    : [{ sql: `${sortExpr} >= ? AND (${sortExpr} > ? OR r.id > ?)`, params: [key, key, after.id] }];
}

/** A StoredRecord from its columns, the payload parsed. */
function storedRecord(id: string, text: string, payload: string, createdAt: string, updatedAt: string, vector: Float32Array | undefined): StoredRecord {
  const parsed = JSON.parse(payload) as Record<string, unknown>;
  return vector ? { id, text, payload: parsed, createdAt, updatedAt, vector } : { id, text, payload: parsed, createdAt, updatedAt };
}

export class SqliteVecRecordStore implements RecordStore {
  readonly backend = 'embedded' as const;
  /** Where this process's re-embedding pass has got to, per collection (rid order). */
  private readonly reembedCursor = new Map<string, number>();

  /** Prepared statements of the hot paths by SQL text: compiling one costs more than a small query. */
  private readonly statements: StatementCache;

  constructor(private readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  private prepared(sql: string): Statement {
    return this.statements.get(sql);
  }

  // ---- collections -------------------------------------------------------------------------

  private row(name: string): CollectionRow | undefined {
    return this.prepared('SELECT * FROM record_collections WHERE name = ?').get(name) as CollectionRow | undefined;
  }

  private require(name: string): CollectionRow {
    assertCollectionName(name);
    const row = this.row(name);
    if (!row) throw new CalmError('not_found', `Collection not found: ${name}`);
    return row;
  }

  /** One column of the collection's row, or not_found: on the paging paths, a third of what reading the whole row costs. */
  private column<K extends 'vec_table' | 'record_count'>(name: string, key: K): CollectionRow[K] {
    assertCollectionName(name);
    const value = this.prepared(`SELECT ${key} FROM record_collections WHERE name = ?`).pluck().get(name) as CollectionRow[K] | undefined;
    if (value === undefined) throw new CalmError('not_found', `Collection not found: ${name}`);
    return value;
  }

  private toInfo(row: CollectionRow): CollectionInfo {
    const count = row.record_count;
    const pending = row.pending_embedder && row.pending_dim && row.pending_vec_table
      ? { embedder: row.pending_embedder, dim: row.pending_dim, done: this.vecCount(row.pending_vec_table) }
      : undefined;
    return { name: row.name, embedder: row.embedder, dim: row.dim, count, pending };
  }

  private vecCount(table: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
  }

  /** A vec0 table and its near-duplicate band index (band-index.ts), created and dropped together. */
  private createVecTable(table: string, dim: number): void {
    this.db.exec(`CREATE VIRTUAL TABLE "${table}" USING vec0(embedding float[${dim}] distance_metric=cosine)`);
    createBandTable(this.db, table);
  }

  private dropVecTable(table: string): void {
    this.db.exec(`DROP TABLE IF EXISTS "${table}"`);
    dropBandTable(this.db, table);
  }

  async ensureCollection(name: string, spec: CollectionSpec): Promise<CollectionInfo> {
    assertCollectionName(name);
    if (!Number.isInteger(spec.dim) || spec.dim < 1) throw new CalmError('validation_error', `Invalid dimension ${spec.dim}`);
    const create = this.db.transaction(() => {
      const existing = this.row(name);
      if (existing) return existing;
      const now = nowIso();
      const vecTable = vecTableName(name, 1);
      const ftsTable = ftsTableName(name);
      this.createVecTable(vecTable, spec.dim);
      this.db.exec(
        `CREATE VIRTUAL TABLE "${ftsTable}" USING fts5(text, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2')`,
      );
      this.db
        .prepare('INSERT INTO record_collections (name, embedder, dim, vec_table, fts_table, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(name, spec.embedder, spec.dim, vecTable, ftsTable, now, now);
      return this.row(name)!;
    });
    const row = create.immediate();
    if (row.embedder !== spec.embedder || row.dim !== spec.dim) throw embedderMismatch(name, row, spec);
    return this.toInfo(row);
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const rows = this.db.prepare('SELECT * FROM record_collections ORDER BY name').all() as CollectionRow[];
    return rows.map((r) => this.toInfo(r));
  }

  async info(name: string): Promise<CollectionInfo | null> {
    assertCollectionName(name);
    const row = this.row(name);
    return row ? this.toInfo(row) : null;
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    const drop = this.db.transaction(() => {
      const row = this.row(name);
      if (!row) return false;
      this.db.prepare('DELETE FROM records WHERE collection = ?').run(name);
      for (const t of [row.vec_table, row.pending_vec_table]) if (t) this.dropVecTable(t);
      this.db.exec(`DROP TABLE IF EXISTS "${row.fts_table}"`);
      this.db.prepare('DELETE FROM record_collections WHERE name = ?').run(name);
      return true;
    });
    this.reembedCursor.delete(name);
    return drop.immediate();
  }

  // ---- writes ------------------------------------------------------------------------------

  async upsert(name: string, records: readonly RecordInput[]): Promise<void> {
    await this.upsertWith([{ collection: name, records }], () => undefined);
  }

  async upsertWith<T>(writes: readonly CollectionWrite[], alongside: () => T): Promise<T> {
    // every batch is checked before the transaction opens, so a refused record never half-applies a write
    const checked = writes.map((w) => {
      const meta = this.require(w.collection);
      validateRecordBatch(w.collection, meta.dim, w.records);
      return { meta, records: w.records };
    });
    // better-sqlite3 refuses a callback that returns a promise, so an async `alongside` fails loudly
    const write = this.db.transaction(() => {
      const out = alongside();
      for (const { meta, records } of checked) this.writeRecords(meta, records);
      return out;
    });
    return write.immediate();
  }

  /** The row, vector and keyword entry of each record; runs inside the caller's transaction. */
  private writeRecords(meta: CollectionRow, records: readonly RecordInput[]): void {
    if (records.length === 0) return;
    const name = meta.name;
    const findRid = this.prepared('SELECT rid FROM records WHERE collection = ? AND id = ?').pluck();
    const insert = this.prepared(
      'INSERT INTO records (collection, id, text, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const update = this.prepared('UPDATE records SET text = ?, payload = ?, updated_at = ? WHERE rid = ?');
    const delVec = this.prepared(`DELETE FROM "${meta.vec_table}" WHERE rowid = ?`);
    const addVec = this.prepared(`INSERT INTO "${meta.vec_table}" (rowid, embedding) VALUES (?, ?)`);
    const delFts = this.prepared(`DELETE FROM "${meta.fts_table}" WHERE rowid = ?`);
    const addFts = this.prepared(`INSERT INTO "${meta.fts_table}" (rowid, text) VALUES (?, ?)`);
    const delPending = meta.pending_vec_table ? this.prepared(`DELETE FROM "${meta.pending_vec_table}" WHERE rowid = ?`) : null;
    const delPendingKeys = meta.pending_vec_table ? this.prepared(deleteKeysSql(meta.pending_vec_table)) : null;
    const delKeys = this.prepared(deleteKeysSql(meta.vec_table));
    const addKey = this.prepared(insertKeySql(meta.vec_table));
    const now = nowIso();
    for (const r of records) {
      const payload = JSON.stringify(r.payload);
      const existing = findRid.get(name, r.id) as number | undefined;
      let rid: bigint;
      if (existing === undefined) {
        rid = BigInt(insert.run(name, r.id, r.text, payload, now, now).lastInsertRowid);
      } else {
        rid = BigInt(existing);
        update.run(r.text, payload, now, rid);
        delVec.run(rid);
        delKeys.run(rid);
        delFts.run(rid);
        // the text may have changed: its vector for the pending embedder must be recomputed
        delPending?.run(rid);
        delPendingKeys?.run(rid);
      }
      addVec.run(rid, toBlob(r.vector));
      for (const k of recordKeys(r.vector, r.text)) addKey.run(k, rid);
      addFts.run(rid, r.text);
    }
  }

  private deleteRids(meta: CollectionRow, rids: readonly number[]): void {
    const vecTables = [meta.vec_table, meta.pending_vec_table].filter((t): t is string => !!t);
    const deletes = [...vecTables, meta.fts_table].map((t) => this.db.prepare(`DELETE FROM "${t}" WHERE rowid = ?`))
      .concat(vecTables.map((t) => this.db.prepare(deleteKeysSql(t))));
    const delRecord = this.db.prepare('DELETE FROM records WHERE rid = ?');
    for (const rid of rids) {
      const key = BigInt(rid);
      for (const d of deletes) d.run(key);
      delRecord.run(key);
    }
  }

  async delete(name: string, target: { ids: readonly string[] } | { filter: Filter }): Promise<number> {
    const meta = this.require(name);
    const run = this.db.transaction(() => {
      let rids: number[];
      if ('ids' in target) {
        rids = [];
        for (const part of chunks([...new Set(target.ids)], 500)) {
          rids.push(
            ...(this.db
              .prepare(`SELECT rid FROM records WHERE collection = ? AND id IN (${part.map(() => '?').join(',')})`)
              .pluck()
              .all(name, ...part) as number[]),
          );
        }
      } else {
        const where = filterToSql(parseFilter(target.filter));
        rids = this.db
          .prepare(`SELECT r.rid FROM records r WHERE r.collection = ? AND ${where.sql}`)
          .pluck()
          .all(name, ...where.params) as number[];
      }
      this.deleteRids(meta, rids);
      return rids.length;
    });
    return run.immediate();
  }

  // ---- reads -------------------------------------------------------------------------------

  private toRecord(row: RecordRow, vector?: Float32Array): StoredRecord {
    return storedRecord(row.id, row.text, row.payload, row.created_at, row.updated_at, vector);
  }

  private vectorOf(table: string, rid: number): Float32Array | undefined {
    const blob = this.db.prepare(`SELECT embedding FROM "${table}" WHERE rowid = ?`).pluck().get(BigInt(rid)) as Buffer | undefined;
    return blob ? fromBlob(blob) : undefined;
  }

  private withVectors(meta: CollectionRow, rows: RecordRow[], want: boolean | undefined): StoredRecord[] {
    return rows.map((row) => this.toRecord(row, want ? this.vectorOf(meta.vec_table, row.rid) : undefined));
  }

  async search(name: string, vector: Float32Array, options: SearchOptions): Promise<ScoredRecord[]> {
    const meta = this.require(name);
    checkLimit(options.limit, MAX_K);
    if (vector.length !== meta.dim) {
      throw new CalmError('validation_error', `Query vector has dimension ${vector.length}, collection '${name}' needs ${meta.dim}`);
    }
    const conditions = parseFilter(options.filter);
    let rows: (RecordRow & { distance: number })[];
    if (conditions.length === 0) {
      rows = this.prepared(`WITH knn AS (SELECT rowid AS rid, distance FROM "${meta.vec_table}" WHERE embedding MATCH ? AND k = ?)
           SELECT ${RECORD_COLUMNS}, knn.distance FROM knn JOIN records r ON r.rid = knn.rid ORDER BY knn.distance, r.id`,
        )
        .all(toBlob(vector), options.limit) as (RecordRow & { distance: number })[];
    } else {
      // The filter runs inside the KNN (`rowid IN`), so the top-k comes from the matching rows only:
      // a post-filtered KNN could return fewer than `limit` matches.
      const where = filterToSql(conditions);
      rows = this.prepared(`WITH knn AS (
             SELECT rowid AS rid, distance FROM "${meta.vec_table}"
              WHERE embedding MATCH ? AND k = ?
                AND rowid IN (SELECT r.rid FROM records r WHERE r.collection = ? AND ${where.sql}))
           SELECT ${RECORD_COLUMNS}, knn.distance FROM knn JOIN records r ON r.rid = knn.rid ORDER BY knn.distance, r.id`,
        )
        .all(toBlob(vector), options.limit, name, ...where.params) as (RecordRow & { distance: number })[];
    }
    return rows.map((row) => ({
      ...this.toRecord(row, options.withVectors ? this.vectorOf(meta.vec_table, row.rid) : undefined),
      score: 1 - row.distance,
    }));
  }

  /**
   * Candidates from the band index (band-index.ts), which only pairs records of the same specifics,
   * rescored with the exact cosine: never a record below `minScore` or with other specifics.
   */
  async nearDuplicates(name: string, query: NearDuplicateQuery, options: NearDuplicateOptions): Promise<ScoredRecord[]> {
    const { vector, text } = query;
    const meta = this.require(name);
    checkLimit(options.limit, MAX_K);
    if (vector.length !== meta.dim) {
      throw new CalmError('validation_error', `Query vector has dimension ${vector.length}, collection '${name}' needs ${meta.dim}`);
    }
    if (!Number.isFinite(options.minScore)) throw new CalmError('validation_error', `minScore ${options.minScore} must be a number`);
    const keys = probeKeys(vector, text);
    const most = Math.min(MAX_CANDIDATES, Math.floor(meta.record_count / CANDIDATE_SHARE)) + 1;
    const rids = this.prepared(candidatesSql(meta.vec_table, keys.length)).raw(true).all(...keys, most) as [number][];
    if (rids.length === 0) return [];
    const rows = (rids.length >= most
      ? this.prepared(exactSql(meta.vec_table, RECORD_COLUMNS))
        .all(toBlob(vector), Math.min(MAX_K, meta.record_count, Math.max(FALLBACK_NEIGHBOURS, options.limit)), options.minScore)
      : this.prepared(rescoreSql(meta.vec_table, RECORD_COLUMNS))
        .all(JSON.stringify(rids.map(([rid]) => rid)), toBlob(vector), options.minScore, options.limit)) as (RecordRow & { distance: number })[];
    // the exact fallback sees every group; and a salt shared by other specifics (1 in 2^32) must not make them duplicates
    return rows.filter((row) => sameSpecifics(row.text, text)).slice(0, options.limit).map((row) => ({ ...this.toRecord(row), score: 1 - row.distance }));
  }

  async keyword(name: string, query: string, options: SearchOptions): Promise<ScoredRecord[]> {
    const meta = this.require(name);
    checkLimit(options.limit);
    const match = toFtsQuery(query);
    if (match === null) return [];
    const where = filterToSql(parseFilter(options.filter));
    const rows = this.prepared(`SELECT ${RECORD_COLUMNS}, bm25("${meta.fts_table}") AS rank
           FROM "${meta.fts_table}" JOIN records r ON r.rid = "${meta.fts_table}".rowid
          WHERE "${meta.fts_table}" MATCH ? AND r.collection = ? AND ${where.sql}
          ORDER BY rank, r.id ${limitSql(options.limit)}`,
      )
      .all(match, name, ...where.params) as (RecordRow & { rank: number })[];
    return rows.map((row) => {
      // bm25 is negative, more negative is better; map it onto (0, 1) keeping the order
      const strength = Math.max(0, -row.rank);
      return {
        ...this.toRecord(row, options.withVectors ? this.vectorOf(meta.vec_table, row.rid) : undefined),
        score: strength / (1 + strength),
      };
    });
  }

  /**
   * Pages in the order of a payload key (then id) or of id. The sort key is written into the SQL as a
   * literal path, so the expression indexes of migration 7 serve it; `after` continues from a position
   * (keyset paging) and never counts or skips rows. Records without the key sort first ascending, last
   * descending, as SQLite orders NULL; the query is split around them so each part can walk an index.
   */
  async scroll(name: string, options: ScrollOptions): Promise<StoredRecord[]> {
    const vecTable = this.column(name, 'vec_table');
    checkLimit(options.limit);
    const offset = options.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0) throw new CalmError('validation_error', `Offset ${offset} must be >= 0.`);
    if (options.after && offset > 0) throw new CalmError('validation_error', 'Give either an offset or a position to continue after, not both.');
    const where = filterToSql(parseFilter(options.filter));
    let sortExpr: string | null = null;
    if (options.orderBy) {
      parseFilter({ [options.orderBy.key]: 0 }); // validates the field name, so it is safe as a literal
      sortExpr = `json_extract(r.payload, '$.${options.orderBy.key}')`;
    }
    const desc = sortExpr !== null && options.orderBy?.direction === 'desc';
    const dir = desc ? 'DESC' : 'ASC';
    const order = sortExpr ? `${sortExpr} ${dir}, r.id ${dir}` : 'r.id ASC';
    const out: StoredRecord[] = [];
    for (const part of keysetParts(sortExpr, desc, options.after)) {
      const left = options.limit - out.length;
      if (left <= 0) break;
      // raw mode on every use of this SQL: scroll is its only caller; no OFFSET clause for the usual 0 (measured ~5 % of a page)
      const rows = this.prepared(`SELECT ${RECORD_COLUMNS} FROM records r WHERE r.collection = ? AND ${where.sql} AND ${part.sql} ORDER BY ${order} ${limitSql(left)}${offset > 0 ? ' OFFSET ?' : ''}`)
        .raw(true).all(name, ...where.params, ...part.params, ...(offset > 0 ? [offset] : [])) as RawRecordRow[];
      for (const [rid, id, text, payload, createdAt, updatedAt] of rows) {
        out.push(storedRecord(id, text, payload, createdAt, updatedAt, options.withVectors ? this.vectorOf(vecTable, rid) : undefined));
      }
    }
    return out;
  }

  async count(name: string, filter?: Filter): Promise<number> {
    const recordCount = this.column(name, 'record_count');
    const conditions = parseFilter(filter);
    if (conditions.length === 0) return recordCount; // kept by migration 7's triggers
    const where = filterToSql(conditions);
    return (this.prepared(`SELECT COUNT(*) AS n FROM records r WHERE r.collection = ? AND ${where.sql}`)
      .get(name, ...where.params) as { n: number }).n;
  }

  async get(name: string, ids: readonly string[], options: { withVectors?: boolean } = {}): Promise<StoredRecord[]> {
    const meta = this.require(name);
    const byId = new Map<string, RecordRow>();
    for (const part of chunks(ids, 500)) {
      const rows = this.prepared(`SELECT ${RECORD_COLUMNS} FROM records r WHERE r.collection = ? AND r.id IN (${part.map(() => '?').join(',')})`)
        .all(name, ...part) as RecordRow[];
      for (const row of rows) byId.set(row.id, row);
    }
    const found = [...new Set(ids)].map((id) => byId.get(id)).filter((r): r is RecordRow => r !== undefined);
    return this.withVectors(meta, found, options.withVectors);
  }

  // ---- re-embedding ------------------------------------------------------------------------

  async beginReembed(name: string, spec: CollectionSpec): Promise<{ done: number; total: number }> {
    const begin = this.db.transaction(() => {
      const meta = this.require(name);
      if (meta.pending_vec_table && (meta.pending_embedder !== spec.embedder || meta.pending_dim !== spec.dim)) {
        this.dropVecTable(meta.pending_vec_table);
        meta.pending_vec_table = null;
      }
      if (!meta.pending_vec_table) {
        const generation = Number(/_(\d+)$/.exec(meta.vec_table)?.[1] ?? '1') + 1;
        const table = vecTableName(name, generation);
        this.dropVecTable(table);
        this.createVecTable(table, spec.dim);
        this.db
          .prepare('UPDATE record_collections SET pending_embedder = ?, pending_dim = ?, pending_vec_table = ?, updated_at = ? WHERE name = ?')
          .run(spec.embedder, spec.dim, table, nowIso(), name);
      }
      return this.toInfo(this.row(name)!);
    });
    const info = begin.immediate();
    this.reembedCursor.delete(name);
    return { done: info.pending?.done ?? 0, total: info.count };
  }

  async pendingReembed(name: string, limit: number): Promise<StoredRecord[]> {
    const meta = this.require(name);
    checkLimit(limit);
    if (!meta.pending_vec_table) throw new CalmError('validation_error', `No re-embedding in progress for '${name}'`);
    const query = this.db.prepare(
      `SELECT ${RECORD_COLUMNS} FROM records r WHERE r.collection = ? AND r.rid > ?
          AND NOT EXISTS (SELECT 1 FROM "${meta.pending_vec_table}" p WHERE p.rowid = r.rid)
        ORDER BY r.rid LIMIT ?`,
    );
    const from = this.reembedCursor.get(name) ?? 0;
    let rows = query.all(name, from, limit) as RecordRow[];
    // one more pass from the start catches records rewritten behind the cursor
    if (rows.length === 0 && from > 0) rows = query.all(name, 0, limit) as RecordRow[];
    this.reembedCursor.set(name, rows.length > 0 ? rows[rows.length - 1]!.rid : 0);
    return rows.map((row) => this.toRecord(row));
  }

  async writeReembed(name: string, vectors: readonly ReembedVector[]): Promise<void> {
    const meta = this.require(name);
    const table = meta.pending_vec_table;
    if (!table || !meta.pending_dim) throw new CalmError('validation_error', `No re-embedding in progress for '${name}'`);
    for (const v of vectors) {
      if (v.vector.length !== meta.pending_dim) {
        throw new CalmError('validation_error', `Vector for '${v.id}' has dimension ${v.vector.length}, expected ${meta.pending_dim}`);
      }
      for (const x of v.vector) if (!Number.isFinite(x)) throw new CalmError('validation_error', `Vector for '${v.id}' holds a non-finite number`);
    }
    const find = this.db.prepare('SELECT rid, text FROM records WHERE collection = ? AND id = ?');
    const del = this.db.prepare(`DELETE FROM "${table}" WHERE rowid = ?`);
    const add = this.db.prepare(`INSERT INTO "${table}" (rowid, embedding) VALUES (?, ?)`);
    const delKeys = this.db.prepare(deleteKeysSql(table));
    const addKey = this.db.prepare(insertKeySql(table));
    this.db.transaction(() => {
      for (const v of vectors) {
        const row = find.get(name, v.id) as { rid: number; text: string } | undefined;
        if (row === undefined) continue; // deleted meanwhile
        // rewritten since it was handed out: this vector is stale, the record stays pending
        if (v.text !== undefined && v.text !== row.text) continue;
        del.run(BigInt(row.rid));
        add.run(BigInt(row.rid), toBlob(v.vector));
        delKeys.run(BigInt(row.rid));
        for (const k of recordKeys(v.vector, row.text)) addKey.run(k, BigInt(row.rid));
      }
    }).immediate();
  }

  async commitReembed(name: string): Promise<CollectionInfo> {
    const commit = this.db.transaction(() => {
      const meta = this.require(name);
      if (!meta.pending_vec_table) throw new CalmError('validation_error', `No re-embedding in progress for '${name}'`);
      const missing = (this.db
        .prepare(
          `SELECT COUNT(*) AS n FROM records r WHERE r.collection = ?
             AND NOT EXISTS (SELECT 1 FROM "${meta.pending_vec_table}" p WHERE p.rowid = r.rid)`,
        )
        .get(name) as { n: number }).n;
      if (missing > 0) {
        throw new CalmError('storage_error', `Re-embedding of '${name}' is incomplete (${missing} records left); run \`calm reembed\` again`);
      }
      this.dropVecTable(meta.vec_table);
      this.db
        .prepare(
          `UPDATE record_collections SET embedder = pending_embedder, dim = pending_dim, vec_table = pending_vec_table,
             pending_embedder = NULL, pending_dim = NULL, pending_vec_table = NULL, updated_at = ? WHERE name = ?`,
        )
        .run(nowIso(), name);
      return this.toInfo(this.row(name)!);
    });
    this.reembedCursor.delete(name);
    return commit.immediate();
  }

  // ---- consistency -------------------------------------------------------------------------

  async checkConsistency(name: string): Promise<ConsistencyReport> {
    const meta = this.require(name);
    const missingVectors = this.db
      .prepare(
        `SELECT r.id FROM records r WHERE r.collection = ?
           AND NOT EXISTS (SELECT 1 FROM "${meta.vec_table}" v WHERE v.rowid = r.rid) ORDER BY r.id`,
      )
      .pluck()
      .all(name) as string[];
    const orphanVectors = (this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM "${meta.vec_table}" v
          WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.rid = v.rowid AND r.collection = ?)`,
      )
      .get(name) as { n: number }).n;
    const notIndexed = (this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM records r WHERE r.collection = ?
           AND NOT EXISTS (SELECT 1 FROM "${meta.fts_table}" f WHERE f.rowid = r.rid)`,
      )
      .get(name) as { n: number }).n;
    const strayIndexed = (this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM "${meta.fts_table}" f
          WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.rid = f.rowid AND r.collection = ?)`,
      )
      .get(name) as { n: number }).n;
    return { missingVectors, orphanVectors, keywordIndexMismatch: notIndexed + strayIndexed, nearDuplicateIndexMismatch: bandTableMismatch(this.db, meta.vec_table) };
  }

  async repair(name: string): Promise<RepairReport> {
    const meta = this.require(name);
    const run = this.db.transaction(() => {
      const orphans = this.db
        .prepare(`SELECT v.rowid FROM "${meta.vec_table}" v WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.rid = v.rowid AND r.collection = ?)`)
        .pluck()
        .all(name) as number[];
      const del = this.db.prepare(`DELETE FROM "${meta.vec_table}" WHERE rowid = ?`);
      for (const rid of orphans) del.run(BigInt(rid));
      this.db.exec(`INSERT INTO "${meta.fts_table}" ("${meta.fts_table}") VALUES ('delete-all')`);
      const add = this.db.prepare(`INSERT INTO "${meta.fts_table}" (rowid, text) VALUES (?, ?)`);
      // .all(): better-sqlite3 cannot write while a read statement is still iterating
      for (const row of this.db.prepare('SELECT rid, text FROM records WHERE collection = ?').all(name) as { rid: number; text: string }[]) {
        add.run(BigInt(row.rid), row.text);
      }
      // derived from the vectors: rebuilt whole when out of step (after the orphans are gone)
      const rebuildBands = bandTableMismatch(this.db, meta.vec_table) > 0;
      if (rebuildBands) rebuildBandTable(this.db, meta.vec_table);
      return { orphanVectorsRemoved: orphans.length, keywordIndexRebuilt: true, nearDuplicateIndexRebuilt: rebuildBands };
    });
    return run.immediate();
  }

  async close(): Promise<void> {
    // the connection belongs to the caller (app.ts), which closes it
  }
}

