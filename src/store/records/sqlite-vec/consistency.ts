/**
 * @module The embedded store's consistency check and repair (`calm doctor`), apart from the hot paths:
 * the check counts each way a collection's rows, vectors, keyword entries and band-index keys can
 * disagree; the repair removes orphan vectors and rebuilds the derived indexes (FTS5, bands) from what
 * remains, in one transaction.
 */
import type { ConsistencyReport, RepairReport } from '../record-store.js';
import { bandTableMismatch, rebuildBandTable } from './band-index.js';
import type { CollectionRow, StoreContext } from './context.js';

export function checkConsistency(ctx: StoreContext, meta: CollectionRow): ConsistencyReport {
  const { db } = ctx;
  const name = meta.name;
  const missingVectors = db
    .prepare(
      `SELECT r.id FROM records r WHERE r.collection = ?
         AND NOT EXISTS (SELECT 1 FROM "${meta.vec_table}" v WHERE v.rowid = r.rid) ORDER BY r.id`,
    )
    .pluck()
    .all(name) as string[];
  const orphanVectors = (db
    .prepare(
      `SELECT COUNT(*) AS n FROM "${meta.vec_table}" v
        WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.rid = v.rowid AND r.collection = ?)`,
    )
    .get(name) as { n: number }).n;
  const notIndexed = (db
    .prepare(
      `SELECT COUNT(*) AS n FROM records r WHERE r.collection = ?
         AND NOT EXISTS (SELECT 1 FROM "${meta.fts_table}" f WHERE f.rowid = r.rid)`,
    )
    .get(name) as { n: number }).n;
  const strayIndexed = (db
    .prepare(
      `SELECT COUNT(*) AS n FROM "${meta.fts_table}" f
        WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.rid = f.rowid AND r.collection = ?)`,
    )
    .get(name) as { n: number }).n;
  return { missingVectors, orphanVectors, keywordIndexMismatch: notIndexed + strayIndexed, nearDuplicateIndexMismatch: bandTableMismatch(db, meta.vec_table) };
}

export function repair(ctx: StoreContext, meta: CollectionRow): RepairReport {
  const { db } = ctx;
  const name = meta.name;
  const run = db.transaction(() => {
    const orphans = db
      .prepare(`SELECT v.rowid FROM "${meta.vec_table}" v WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.rid = v.rowid AND r.collection = ?)`)
      .pluck()
      .all(name) as number[];
    const del = db.prepare(`DELETE FROM "${meta.vec_table}" WHERE rowid = ?`);
    for (const rid of orphans) del.run(BigInt(rid));
    db.exec(`INSERT INTO "${meta.fts_table}" ("${meta.fts_table}") VALUES ('delete-all')`);
    const add = db.prepare(`INSERT INTO "${meta.fts_table}" (rowid, text) VALUES (?, ?)`);
    // .all(): better-sqlite3 cannot write while a read statement is still iterating
    for (const row of db.prepare('SELECT rid, text FROM records WHERE collection = ?').all(name) as { rid: number; text: string }[]) {
      add.run(BigInt(row.rid), row.text);
    }
    // derived from the vectors: rebuilt whole when out of step (after the orphans are gone)
    const rebuildBands = bandTableMismatch(db, meta.vec_table) > 0;
    if (rebuildBands) rebuildBandTable(db, meta.vec_table);
    return { orphanVectorsRemoved: orphans.length, keywordIndexRebuilt: true, nearDuplicateIndexRebuilt: rebuildBands };
  });
  return run.immediate();
}
