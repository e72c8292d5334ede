/**
 * @module The embedded RecordStore: rows in `records`, vectors in a sqlite-vec `vec0` table (cosine)
 * and keyword terms in an FTS5 table per collection, all in the one database file, so one transaction
 * covers a record, its vector and its index entry, and one online backup captures them all. This file
 * keeps the collections, the writes and the paged reads; its other parts, one concern a file:
 * context.ts (the connection, statement cache and collection lookups the parts share), search.ts
 * (vector, near-duplicate and keyword search), reembed.ts (the pending vec0 table and its commit),
 * consistency.ts (the doctor's check and repair), band-index.ts and simhash.ts (the near-duplicate index),
 * filter-to-sql.ts (filters), tables.ts (the table names), describe.ts (what a database file holds).
 */
import { CalmError } from '../../../errors.js';
import type { Db } from '../../db.js';
import { limitSql } from '../../statements.js';
import { nowIso } from '../../time.js';
import { assertCollectionName } from '../collections.js';
import { embedderMismatch } from '../embedder-mismatch.js';
import { type Filter, parseFilter } from '../filter.js';
import type {
  CollectionInfo, CollectionSpec, CollectionWrite, ConsistencyReport, NearDuplicateOptions, NearDuplicateQuery, RecordInput, RecordStore, ReembedVector, RepairReport, ScoredRecord,
  ScrollOptions, ScrollPosition, SearchOptions, StoredRecord,
} from '../record-store.js';
import { validateRecordBatch } from '../validate-batch.js';
import { deleteKeysSql, insertKeySql, recordKeys } from './band-index.js';
import { checkConsistency, repair } from './consistency.js';
import { checkLimit, type CollectionRow, RECORD_COLUMNS, type RecordRow, StoreContext, storedRecord, toBlob, toRecord } from './context.js';
import { filterToSql, type SqlFragment } from './filter-to-sql.js';
import { PendingTableReembedding } from './reembed.js';
import { keywordSearch, nearDuplicates, vectorSearch } from './search.js';
import { ftsTableName, vecTableName } from './tables.js';

/** RECORD_COLUMNS in raw mode: better-sqlite3 then builds an array per row, not an object (measured ~8 % of a page). */
type RawRecordRow = [rid: number, id: string, text: string, payload: string, createdAt: string, updatedAt: string];

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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

export class SqliteVecRecordStore implements RecordStore {
  readonly backend = 'embedded' as const;
  /** The connection, statement cache and collection lookups the parts of this store share (context.ts). */
  private readonly ctx: StoreContext;
  private readonly reembed: PendingTableReembedding;

  constructor(private readonly db: Db) {
    this.ctx = new StoreContext(db);
    this.reembed = new PendingTableReembedding(this.ctx);
  }

  // ---- collections -------------------------------------------------------------------------

  async ensureCollection(name: string, spec: CollectionSpec): Promise<CollectionInfo> {
    assertCollectionName(name);
    if (!Number.isInteger(spec.dim) || spec.dim < 1) throw new CalmError('validation_error', `Invalid dimension ${spec.dim}`);
    const create = this.db.transaction(() => {
      const existing = this.ctx.row(name);
      if (existing) return existing;
      const now = nowIso();
      const vecTable = vecTableName(name, 1);
      const ftsTable = ftsTableName(name);
      this.ctx.createVecTable(vecTable, spec.dim);
      this.db.exec(
        `CREATE VIRTUAL TABLE "${ftsTable}" USING fts5(text, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2')`,
      );
      this.db
        .prepare('INSERT INTO record_collections (name, embedder, dim, vec_table, fts_table, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(name, spec.embedder, spec.dim, vecTable, ftsTable, now, now);
      return this.ctx.row(name)!;
    });
    const row = create.immediate();
    if (row.embedder !== spec.embedder || row.dim !== spec.dim) throw embedderMismatch(name, row, spec);
    return this.ctx.toInfo(row);
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const rows = this.db.prepare('SELECT * FROM record_collections ORDER BY name').all() as CollectionRow[];
    return rows.map((r) => this.ctx.toInfo(r));
  }

  async info(name: string): Promise<CollectionInfo | null> {
    assertCollectionName(name);
    const row = this.ctx.row(name);
    return row ? this.ctx.toInfo(row) : null;
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    const drop = this.db.transaction(() => {
      const row = this.ctx.row(name);
      if (!row) return false;
      this.db.prepare('DELETE FROM records WHERE collection = ?').run(name);
      for (const t of [row.vec_table, row.pending_vec_table]) if (t) this.ctx.dropVecTable(t);
      this.db.exec(`DROP TABLE IF EXISTS "${row.fts_table}"`);
      this.db.prepare('DELETE FROM record_collections WHERE name = ?').run(name);
      return true;
    });
    this.reembed.forget(name);
    return drop.immediate();
  }

  // ---- writes ------------------------------------------------------------------------------

  async upsert(name: string, records: readonly RecordInput[]): Promise<void> {
    await this.upsertWith([{ collection: name, records }], () => undefined);
  }

  async upsertWith<T>(writes: readonly CollectionWrite[], alongside: () => T): Promise<T> {
    // every batch is checked before the transaction opens, so a refused record never half-applies a write
    const checked = writes.map((w) => {
      const meta = this.ctx.require(w.collection);
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
    const findRid = this.ctx.prepared('SELECT rid FROM records WHERE collection = ? AND id = ?').pluck();
    const insert = this.ctx.prepared(
      'INSERT INTO records (collection, id, text, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const update = this.ctx.prepared('UPDATE records SET text = ?, payload = ?, updated_at = ? WHERE rid = ?');
    const delVec = this.ctx.prepared(`DELETE FROM "${meta.vec_table}" WHERE rowid = ?`);
    const addVec = this.ctx.prepared(`INSERT INTO "${meta.vec_table}" (rowid, embedding) VALUES (?, ?)`);
    const delFts = this.ctx.prepared(`DELETE FROM "${meta.fts_table}" WHERE rowid = ?`);
    const addFts = this.ctx.prepared(`INSERT INTO "${meta.fts_table}" (rowid, text) VALUES (?, ?)`);
    const delPending = meta.pending_vec_table ? this.ctx.prepared(`DELETE FROM "${meta.pending_vec_table}" WHERE rowid = ?`) : null;
    const delPendingKeys = meta.pending_vec_table ? this.ctx.prepared(deleteKeysSql(meta.pending_vec_table)) : null;
    const delKeys = this.ctx.prepared(deleteKeysSql(meta.vec_table));
    const addKey = this.ctx.prepared(insertKeySql(meta.vec_table));
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
    const meta = this.ctx.require(name);
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

  private withVectors(meta: CollectionRow, rows: RecordRow[], want: boolean | undefined): StoredRecord[] {
    return rows.map((row) => toRecord(row, want ? this.ctx.vectorOf(meta.vec_table, row.rid) : undefined));
  }

  // ---- search (search.ts) ------------------------------------------------------------------

  async search(name: string, vector: Float32Array, options: SearchOptions): Promise<ScoredRecord[]> {
    return vectorSearch(this.ctx, name, vector, options);
  }

  async nearDuplicates(name: string, query: NearDuplicateQuery, options: NearDuplicateOptions): Promise<ScoredRecord[]> {
    return nearDuplicates(this.ctx, name, query, options);
  }

  async keyword(name: string, query: string, options: SearchOptions): Promise<ScoredRecord[]> {
    return keywordSearch(this.ctx, name, query, options);
  }

  /**
   * Pages in the order of a payload key (then id) or of id. The sort key is written into the SQL as a
   * literal path, so the expression indexes of migration 7 serve it; `after` continues from a position
   * (keyset paging) and never counts or skips rows. Records without the key sort first ascending, last
   * descending, as SQLite orders NULL; the query is split around them so each part can walk an index.
   */
  async scroll(name: string, options: ScrollOptions): Promise<StoredRecord[]> {
    const vecTable = this.ctx.column(name, 'vec_table');
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
      const rows = this.ctx.prepared(`SELECT ${RECORD_COLUMNS} FROM records r WHERE r.collection = ? AND ${where.sql} AND ${part.sql} ORDER BY ${order} ${limitSql(left)}${offset > 0 ? ' OFFSET ?' : ''}`)
        .raw(true).all(name, ...where.params, ...part.params, ...(offset > 0 ? [offset] : [])) as RawRecordRow[];
      for (const [rid, id, text, payload, createdAt, updatedAt] of rows) {
        out.push(storedRecord(id, text, payload, createdAt, updatedAt, options.withVectors ? this.ctx.vectorOf(vecTable, rid) : undefined));
      }
    }
    return out;
  }

  async count(name: string, filter?: Filter): Promise<number> {
    const recordCount = this.ctx.column(name, 'record_count');
    const conditions = parseFilter(filter);
    if (conditions.length === 0) return recordCount; // kept by migration 7's triggers
    const where = filterToSql(conditions);
    return (this.ctx.prepared(`SELECT COUNT(*) AS n FROM records r WHERE r.collection = ? AND ${where.sql}`)
      .get(name, ...where.params) as { n: number }).n;
  }

  async get(name: string, ids: readonly string[], options: { withVectors?: boolean } = {}): Promise<StoredRecord[]> {
    const meta = this.ctx.require(name);
    const byId = new Map<string, RecordRow>();
    for (const part of chunks(ids, 500)) {
      const rows = this.ctx.prepared(`SELECT ${RECORD_COLUMNS} FROM records r WHERE r.collection = ? AND r.id IN (${part.map(() => '?').join(',')})`)
        .all(name, ...part) as RecordRow[];
      for (const row of rows) byId.set(row.id, row);
    }
    const found = [...new Set(ids)].map((id) => byId.get(id)).filter((r): r is RecordRow => r !== undefined);
    return this.withVectors(meta, found, options.withVectors);
  }

  // ---- re-embedding (reembed.ts) -----------------------------------------------------------

  async beginReembed(name: string, spec: CollectionSpec): Promise<{ done: number; total: number }> {
    return this.reembed.begin(name, spec);
  }

  async pendingReembed(name: string, limit: number): Promise<StoredRecord[]> {
    return this.reembed.pending(name, limit);
  }

  async writeReembed(name: string, vectors: readonly ReembedVector[]): Promise<void> {
    this.reembed.write(name, vectors);
  }

  async commitReembed(name: string): Promise<CollectionInfo> {
    return this.reembed.commit(name);
  }

  // ---- consistency (consistency.ts) --------------------------------------------------------

  async checkConsistency(name: string): Promise<ConsistencyReport> {
    return checkConsistency(this.ctx, this.ctx.require(name));
  }

  async repair(name: string): Promise<RepairReport> {
    return repair(this.ctx, this.ctx.require(name));
  }

  async close(): Promise<void> {
    // the connection belongs to the caller (app.ts), which closes it
  }
}

