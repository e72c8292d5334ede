/**
 * @module The tables the embedded record store keeps for itself beside calm's relational ones, named in
 * ONE place: per collection a vec0 table (`vec_<collection>_<generation>`, a new generation while a
 * re-embedding runs), its near-duplicate index (`<vec table>_lsh`, band-index.ts, under the same prefix)
 * and an FTS5 table (`fts_<collection>`), each with the shadow tables SQLite makes
 * under the same prefix. Row counts of "calm's tables" (status, doctor, backup manifests) leave them out
 * by asking `isRecordStoreTable`; a new side table of this store gets its prefix added here.
 * Imports nothing, so db.ts can ask it without a cycle.
 */

/** Prefixes of every table this store creates (and of SQLite's shadow tables for them). */
export const RECORD_STORE_TABLE_PREFIXES = ['vec_', 'fts_'] as const;

/** The vec0 table of `collection`'s vectors, generation `generation` (1 at creation, +1 per re-embedding). */
export const vecTableName = (collection: string, generation: number): string => `vec_${collection}_${generation}`;

/** The near-duplicate band index beside a vec0 table (band-index.ts). */
export const bandTableOf = (vecTable: string): string => `${vecTable}_lsh`;

/** The FTS5 table of `collection`'s keyword index. */
export const ftsTableName = (collection: string): string => `fts_${collection}`;

/** True for a table this store keeps for itself (not one of calm's relational tables). */
export function isRecordStoreTable(name: string): boolean {
  return RECORD_STORE_TABLE_PREFIXES.some((prefix) => name.startsWith(prefix));
}
