/**
 * @module The near-duplicate side index of a vec0 table: `<vec table>_lsh`, rows (key, rid) with a primary
 * key on (key, rid) and an index on rid. "Which records may have cosine ≥ t to this vector and the same
 * specifics as this text" becomes one indexed `IN` lookup; the candidates are then rescored with the exact
 * cosine against the vec0 table, so the index may miss a far-fetched pair but never reports a false one.
 *
 * A text that names numbers or identifiers (specifics.ts) is filed under one key, its specifics group, and
 * a lookup rescores that whole group: such groups are small, and only they can hold a duplicate. This is
 * what keeps a corpus of look-alike sentences fast (bench/speed.ts: ~5% of all memories sit at cosine ≥
 * 0.9 to each new one and differ only in their numbers; any index on the vectors alone hands back a share
 * of the whole collection). A text without specifics shares one large group with every other such text and
 * is filed under SimHash band keys: 192 seeded random hyperplanes, 12 bands of 16 sign bits; a lookup
 * probes each band's key and the 8 keys with one of its least certain bits flipped (multi-probe: recall
 * paid for with reads, not with more rows per write). Measured on bench/retrieval-data.ts' 166 memories,
 * each re-stored as two near-duplicates, with the bands alone (no groups): the exact dedupe decision in
 * 298/298 lookups with hash and 248/248 with USE; 24 bands of 20 bits with 2 probes reached 298 and 246 at
 * twice the rows. Each write adds 1 row (with specifics) or 12.
 *
 * Look-alike texts without specifics defeat the bands: 100,000 hash-embedded sentences over a 400-word
 * vocabulary share a key with ~26% of the collection per lookup. Past MAX_CANDIDATES (or one in
 * CANDIDATE_SHARE) the lookup runs the exact KNN instead: measured 93 ms against the KNN's 78 ms there.
 *
 * The table is derived data: migration 8 fills it from the stored vectors and texts, `repair` rebuilds it.
 */
// better-sqlite3's type, not db.ts's alias: migrations.ts (imported by db.ts) uses this module
import type { Database as Db } from 'better-sqlite3';
import { specificsGroup } from '../specifics.js';
import { type BandScheme, SimHashBands } from './simhash.js';
import { bandTableOf } from './tables.js';

export const BAND_SCHEME: BandScheme = { poolBits: 192, bandBits: 16, bands: 12 };
/** Flipped-bit probes per band at lookup time (multi-probe LSH): recall for reads, not for writes. */
export const PROBE_FLIPS = 8;
/** The key slot that names a whole specifics group (the bands use slots 0..bands-1). */
const GROUP_SLOT = 15;
const BATCH = 1000;

const byDim = new Map<number, SimHashBands>();

/** The hyperplanes for one dimension: seeded, so the same in every process. */
function bandsFor(dim: number): SimHashBands {
  let bands = byDim.get(dim);
  if (!bands) byDim.set(dim, (bands = new SimHashBands(dim, BAND_SCHEME)));
  return bands;
}

export function createBandTable(db: Db, vecTable: string): void {
  const table = bandTableOf(vecTable);
  db.exec(`CREATE TABLE "${table}" (k INTEGER NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (k, rid)) WITHOUT ROWID;
    CREATE INDEX "${table}_rid" ON "${table}" (rid);`);
}

export const dropBandTable = (db: Db, vecTable: string): void => {
  db.exec(`DROP TABLE IF EXISTS "${bandTableOf(vecTable)}"`);
};

export const insertKeySql = (vecTable: string): string => `INSERT OR IGNORE INTO "${bandTableOf(vecTable)}" (k, rid) VALUES (?, ?)`;
export const deleteKeysSql = (vecTable: string): string => `DELETE FROM "${bandTableOf(vecTable)}" WHERE rid = ?`;

/** (salt · 16 + slot) · 2^bandBits + bits: at most 52 bits, exact in a double and in SQLite's integers. */
const key = (salt: number, slot: number, bits: number): number => (salt * 16 + slot) * 2 ** BAND_SCHEME.bandBits + bits;

/**
 * The keys a record is filed under. A text that names numbers or identifiers has one key, its specifics
 * group: such groups are small (the same numbers and names), so a lookup rescores the whole group exactly.
 * A text without any shares one large group with every other such text: it is filed under its band keys.
 */
export function recordKeys(vector: Float32Array, text: string): number[] {
  const { salt, named } = specificsGroup(text);
  if (named) return [key(salt, GROUP_SLOT, 0)];
  return bandsFor(vector.length).keys(vector).map((bits, band) => key(salt, band, bits));
}

/** The keys a query looks up: its group, or its band keys with the least certain bits flipped. */
export function probeKeys(vector: Float32Array, text: string): number[] {
  const { salt, named } = specificsGroup(text);
  if (named) return [key(salt, GROUP_SLOT, 0)];
  return bandsFor(vector.length).probes(vector, PROBE_FLIPS).flatMap((keys, band) => keys.map((bits) => key(salt, band, bits)));
}

/**
 * More candidates than one in CANDIDATE_SHARE of the collection cost more to rescore one by one than an
 * exact KNN over every vector: the lookup then runs that KNN instead (a large specifics group, or look-alike
 * texts without specifics), so the index is never much slower than the search it replaces.
 */
export const CANDIDATE_SHARE = 8;
/** And never more than this many: gathering them (DISTINCT over the index) costs too, long before the KNN. */
export const MAX_CANDIDATES = 2000;
/** Nearest neighbours the exact fallback ranks (sqlite-vec's KNN slows down with a large k). */
export const FALLBACK_NEIGHBOURS = 128;

/** The rids filed under any of `keys` probe keys (parameters: the keys, then the most to return). */
export const candidatesSql = (vecTable: string, keys: number): string =>
  `SELECT DISTINCT rid FROM "${bandTableOf(vecTable)}" WHERE k IN (?${', ?'.repeat(keys - 1)}) LIMIT ?`;

/**
 * Candidates rescored by the exact cosine distance, kept at `1 - distance >= minScore`, best first.
 * Parameters: the rids as a JSON array, the query vector, the minimum score and the limit. Run only when
 * there are candidates: most stores have none, and then the vec0 table is never opened.
 */
/** The exact fallback: every vector's cosine distance, the best k kept (parameters: vector, k, minimum score). */
export const exactSql = (vecTable: string, recordColumns: string): string =>
  `WITH knn AS (SELECT rowid AS rid, distance FROM "${vecTable}" WHERE embedding MATCH ? AND k = ?)
    SELECT ${recordColumns}, knn.distance FROM knn JOIN records r ON r.rid = knn.rid
     WHERE 1 - knn.distance >= ? ORDER BY knn.distance, r.id`;

export const rescoreSql = (vecTable: string, recordColumns: string): string =>
  `WITH c(rid) AS (SELECT value FROM json_each(?)),
      scored AS (SELECT c.rid, vec_distance_cosine(v.embedding, ?) AS distance FROM c JOIN "${vecTable}" v ON v.rowid = c.rid)
    SELECT ${recordColumns}, scored.distance FROM scored JOIN records r ON r.rid = scored.rid
     WHERE 1 - scored.distance >= ? ORDER BY scored.distance, r.id LIMIT ?`;

/** Files the vectors of `vecTable` under their keys, from their records' texts, a batch at a time (bounded memory); returns vectors filed. */
export function fillBandTable(db: Db, vecTable: string): number {
  const read = db.prepare(`SELECT v.rowid AS rid, v.embedding, r.text FROM "${vecTable}" v JOIN records r ON r.rid = v.rowid
    WHERE v.rowid > ? ORDER BY v.rowid LIMIT ${BATCH}`);
  const insert = db.prepare(insertKeySql(vecTable));
  let after = -Infinity;
  let written = 0;
  for (;;) {
    // .all(): better-sqlite3 cannot write while a read statement is still iterating
    const rows = read.all(after) as { rid: number; embedding: Buffer; text: string }[];
    if (rows.length === 0) return written;
    for (const { rid, embedding, text } of rows) {
      const vector = new Float32Array(embedding.buffer.slice(embedding.byteOffset, embedding.byteOffset + embedding.byteLength));
      for (const k of recordKeys(vector, text)) insert.run(k, BigInt(rid));
    }
    written += rows.length;
    after = rows[rows.length - 1]!.rid;
  }
}

/** Vectors filed under no key plus filed rids with no vector: zero when the index is in step (a missing table counts as out of step). */
export function bandTableMismatch(db: Db, vecTable: string): number {
  const table = bandTableOf(vecTable);
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  if (!exists) return Math.max(1, (db.prepare(`SELECT COUNT(*) AS n FROM "${vecTable}"`).get() as { n: number }).n);
  const missing = (db.prepare(`SELECT COUNT(*) AS n FROM "${vecTable}" v WHERE NOT EXISTS (SELECT 1 FROM "${table}" l WHERE l.rid = v.rowid)`)
    .get() as { n: number }).n;
  const stray = (db.prepare(`SELECT COUNT(*) AS n FROM (SELECT DISTINCT rid FROM "${table}") l
      WHERE NOT EXISTS (SELECT 1 FROM "${vecTable}" v WHERE v.rowid = l.rid)`).get() as { n: number }).n;
  return missing + stray;
}

/** Rebuilds the band table of `vecTable` from scratch (creating it if it is missing). */
export function rebuildBandTable(db: Db, vecTable: string): number {
  dropBandTable(db, vecTable);
  createBandTable(db, vecTable);
  return fillBandTable(db, vecTable);
}
