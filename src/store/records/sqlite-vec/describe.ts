/**
 * @module What the embedded backend holds in a database file, read synchronously from its own tables
 * (`record_collections`, `records` and each collection's vec0 table): per collection its embedder, and
 * how many records and vectors it has, counted rather than taken from the kept counts, so a damaged or
 * half-copied file shows. Backups describe the copies they make with it (the pre-migration one runs
 * inside `openDatabase`'s hook, which cannot await) and never read these tables themselves.
 */
import type { Db } from '../../db.js';

export interface EmbeddedCollectionDescription {
  readonly name: string;
  readonly embedder: string;
  readonly dim: number;
  /** Rows in `records`. */
  readonly count: number;
  /** Rows in the collection's vector table (equal to `count` in a consistent file). */
  readonly vectors: number;
}

/** Every collection of the embedded backend in `db`, by name; none in a file it never wrote to. Call inside a read transaction for counts of one instant. */
export function describeEmbeddedCollections(db: Db): EmbeddedCollectionDescription[] {
  const hasCollections = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'record_collections'").get();
  if (!hasCollections) return [];
  const rows = db.prepare('SELECT name, embedder, dim, vec_table FROM record_collections ORDER BY name').all() as {
    name: string; embedder: string; dim: number; vec_table: string;
  }[];
  return rows.map((r) => ({
    name: r.name,
    embedder: r.embedder,
    dim: r.dim,
    count: (db.prepare('SELECT COUNT(*) AS n FROM records WHERE collection = ?').get(r.name) as { n: number }).n,
    vectors: (db.prepare(`SELECT COUNT(*) AS n FROM "${r.vec_table}"`).get() as { n: number }).n,
  }));
}
