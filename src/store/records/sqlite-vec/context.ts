/**
 * @module What the parts of the embedded RecordStore share (store.ts, search.ts, reembed.ts,
 * consistency.ts): the connection and its statement cache, a collection's row and its vec0 tables, and
 * the record row → StoredRecord conversion. One copy of each, so the parts cannot drift apart on how a
 * collection is looked up or how a vector table is made.
 */
import type { Statement } from 'better-sqlite3';
import { CalmError } from '../../../errors.js';
import type { Db } from '../../db.js';
import { StatementCache } from '../../statements.js';
import { assertCollectionName } from '../collections.js';
import type { CollectionInfo, StoredRecord } from '../record-store.js';
import { createBandTable, dropBandTable } from './band-index.js';

export interface CollectionRow {
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

export interface RecordRow {
  rid: number;
  id: string;
  text: string;
  payload: string;
  created_at: string;
  updated_at: string;
}

export const RECORD_COLUMNS = 'r.rid, r.id, r.text, r.payload, r.created_at, r.updated_at';

export const toBlob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const fromBlob = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export function checkLimit(limit: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new CalmError('validation_error', `Limit ${limit} out of range. Must be between 1 and ${max}.`);
  }
}

/** A StoredRecord from its columns, the payload parsed. */
export function storedRecord(id: string, text: string, payload: string, createdAt: string, updatedAt: string, vector: Float32Array | undefined): StoredRecord {
  const parsed = JSON.parse(payload) as Record<string, unknown>;
  return vector ? { id, text, payload: parsed, createdAt, updatedAt, vector } : { id, text, payload: parsed, createdAt, updatedAt };
}

export function toRecord(row: RecordRow, vector?: Float32Array): StoredRecord {
  return storedRecord(row.id, row.text, row.payload, row.created_at, row.updated_at, vector);
}

/** The connection and the collection lookups every part of the store goes through. */
export class StoreContext {
  /** Prepared statements of the hot paths by SQL text: compiling one costs more than a small query. */
  private readonly statements: StatementCache;

  constructor(readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  prepared(sql: string): Statement {
    return this.statements.get(sql);
  }

  row(name: string): CollectionRow | undefined {
    return this.prepared('SELECT * FROM record_collections WHERE name = ?').get(name) as CollectionRow | undefined;
  }

  require(name: string): CollectionRow {
    assertCollectionName(name);
    const row = this.row(name);
    if (!row) throw new CalmError('not_found', `Collection not found: ${name}`);
    return row;
  }

  /** One column of the collection's row, or not_found: on the paging paths, a third of what reading the whole row costs. */
  column<K extends 'vec_table' | 'record_count'>(name: string, key: K): CollectionRow[K] {
    assertCollectionName(name);
    const value = this.prepared(`SELECT ${key} FROM record_collections WHERE name = ?`).pluck().get(name) as CollectionRow[K] | undefined;
    if (value === undefined) throw new CalmError('not_found', `Collection not found: ${name}`);
    return value;
  }

  toInfo(row: CollectionRow): CollectionInfo {
    const count = row.record_count;
    const pending = row.pending_embedder && row.pending_dim && row.pending_vec_table
      ? { embedder: row.pending_embedder, dim: row.pending_dim, done: this.vecCount(row.pending_vec_table) }
      : undefined;
    return { name: row.name, embedder: row.embedder, dim: row.dim, count, pending };
  }

  vecCount(table: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
  }

  /** A vec0 table and its near-duplicate band index (band-index.ts), created and dropped together. */
  createVecTable(table: string, dim: number): void {
    this.db.exec(`CREATE VIRTUAL TABLE "${table}" USING vec0(embedding float[${dim}] distance_metric=cosine)`);
    createBandTable(this.db, table);
  }

  dropVecTable(table: string): void {
    this.db.exec(`DROP TABLE IF EXISTS "${table}"`);
    dropBandTable(this.db, table);
  }

  vectorOf(table: string, rid: number): Float32Array | undefined {
    const blob = this.db.prepare(`SELECT embedding FROM "${table}" WHERE rowid = ?`).pluck().get(BigInt(rid)) as Buffer | undefined;
    return blob ? fromBlob(blob) : undefined;
  }
}
