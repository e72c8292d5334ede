/**
 * @module Re-embedding in the embedded store: the new vectors go into the collection's next-generation
 * vec0 table (tables.ts), filled beside the live one while search keeps using the old vectors, and the
 * commit swaps the table names in the collection's row in one transaction, so a crash leaves either the
 * old vectors or the new ones, never a mix.
 */
import { CalmError } from '../../../errors.js';
import { nowIso } from '../../time.js';
import type { CollectionInfo, CollectionSpec, ReembedVector, StoredRecord } from '../record-store.js';
import { deleteKeysSql, insertKeySql, recordKeys } from './band-index.js';
import { checkLimit, RECORD_COLUMNS, type RecordRow, type StoreContext, toBlob, toRecord } from './context.js';
import { vecTableName } from './tables.js';

export class PendingTableReembedding {
  /** Where this process's re-embedding pass has got to, per collection (rid order). */
  private readonly cursor = new Map<string, number>();

  constructor(private readonly ctx: StoreContext) {}

  /** Forgets this process's position (the collection was dropped). */
  forget(name: string): void {
    this.cursor.delete(name);
  }

  begin(name: string, spec: CollectionSpec): { done: number; total: number } {
    const { ctx } = this;
    const begin = ctx.db.transaction(() => {
      const meta = ctx.require(name);
      if (meta.pending_vec_table && (meta.pending_embedder !== spec.embedder || meta.pending_dim !== spec.dim)) {
        ctx.dropVecTable(meta.pending_vec_table);
        meta.pending_vec_table = null;
      }
      if (!meta.pending_vec_table) {
        const generation = Number(/_(\d+)$/.exec(meta.vec_table)?.[1] ?? '1') + 1;
        const table = vecTableName(name, generation);
        ctx.dropVecTable(table);
        ctx.createVecTable(table, spec.dim);
        ctx.db
          .prepare('UPDATE record_collections SET pending_embedder = ?, pending_dim = ?, pending_vec_table = ?, updated_at = ? WHERE name = ?')
          .run(spec.embedder, spec.dim, table, nowIso(), name);
      }
      return ctx.toInfo(ctx.row(name)!);
    });
    const info = begin.immediate();
    this.cursor.delete(name);
    return { done: info.pending?.done ?? 0, total: info.count };
  }

  pending(name: string, limit: number): StoredRecord[] {
    const { ctx } = this;
    const meta = ctx.require(name);
    checkLimit(limit);
    if (!meta.pending_vec_table) throw new CalmError('validation_error', `No re-embedding in progress for '${name}'`);
    const query = ctx.db.prepare(
      `SELECT ${RECORD_COLUMNS} FROM records r WHERE r.collection = ? AND r.rid > ?
          AND NOT EXISTS (SELECT 1 FROM "${meta.pending_vec_table}" p WHERE p.rowid = r.rid)
        ORDER BY r.rid LIMIT ?`,
    );
    const from = this.cursor.get(name) ?? 0;
    let rows = query.all(name, from, limit) as RecordRow[];
    // one more pass from the start catches records rewritten behind the cursor
    if (rows.length === 0 && from > 0) rows = query.all(name, 0, limit) as RecordRow[];
    this.cursor.set(name, rows.length > 0 ? rows[rows.length - 1]!.rid : 0);
    return rows.map((row) => toRecord(row));
  }

  write(name: string, vectors: readonly ReembedVector[]): void {
    const { ctx } = this;
    const meta = ctx.require(name);
    const table = meta.pending_vec_table;
    if (!table || !meta.pending_dim) throw new CalmError('validation_error', `No re-embedding in progress for '${name}'`);
    for (const v of vectors) {
      if (v.vector.length !== meta.pending_dim) {
        throw new CalmError('validation_error', `Vector for '${v.id}' has dimension ${v.vector.length}, expected ${meta.pending_dim}`);
      }
      for (const x of v.vector) if (!Number.isFinite(x)) throw new CalmError('validation_error', `Vector for '${v.id}' holds a non-finite number`);
    }
    const find = ctx.db.prepare('SELECT rid, text FROM records WHERE collection = ? AND id = ?');
    const del = ctx.db.prepare(`DELETE FROM "${table}" WHERE rowid = ?`);
    const add = ctx.db.prepare(`INSERT INTO "${table}" (rowid, embedding) VALUES (?, ?)`);
    const delKeys = ctx.db.prepare(deleteKeysSql(table));
    const addKey = ctx.db.prepare(insertKeySql(table));
    ctx.db.transaction(() => {
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

  commit(name: string): CollectionInfo {
    const { ctx } = this;
    const commit = ctx.db.transaction(() => {
      const meta = ctx.require(name);
      if (!meta.pending_vec_table) throw new CalmError('validation_error', `No re-embedding in progress for '${name}'`);
      const missing = (ctx.db
        .prepare(
          `SELECT COUNT(*) AS n FROM records r WHERE r.collection = ?
             AND NOT EXISTS (SELECT 1 FROM "${meta.pending_vec_table}" p WHERE p.rowid = r.rid)`,
        )
        .get(name) as { n: number }).n;
      if (missing > 0) {
        throw new CalmError('storage_error', `Re-embedding of '${name}' is incomplete (${missing} records left); run \`calm reembed\` again`);
      }
      ctx.dropVecTable(meta.vec_table);
      ctx.db
        .prepare(
          `UPDATE record_collections SET embedder = pending_embedder, dim = pending_dim, vec_table = pending_vec_table,
             pending_embedder = NULL, pending_dim = NULL, pending_vec_table = NULL, updated_at = ? WHERE name = ?`,
        )
        .run(nowIso(), name);
      return ctx.toInfo(ctx.row(name)!);
    });
    this.cursor.delete(name);
    return commit.immediate();
  }
}
