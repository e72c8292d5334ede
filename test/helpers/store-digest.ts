/**
 * A digest of everything a calm database stores: every row of every real table, including the
 * shadow tables behind the vector and full-text indexes, so "nothing changed" means byte for byte.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

type Db = Database.Database;

/** Tables that count bookkeeping no user can see: SQLite's own statistics. */
const IGNORED = /^sqlite_/;

/** Table name → sha256 of its rows (sorted, so physical order does not matter). */
export function tableDigests(db: Db): Record<string, string> {
  const tables = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all() as { name: string; sql: string | null }[];
  const out: Record<string, string> = {};
  for (const { name, sql } of tables) {
    if (IGNORED.test(name) || /^CREATE VIRTUAL/i.test(sql ?? '')) continue;
    const rows = (db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).raw().all() as unknown[][]).map((row) =>
      JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? `x'${v.toString('hex')}'` : typeof v === 'bigint' ? `${v}n` : v))),
    );
    rows.sort();
    out[name] = createHash('sha256').update(rows.join('\n')).digest('hex');
  }
  return out;
}

/** One hash for the whole store. */
export function storeDigest(db: Db): string {
  return createHash('sha256').update(JSON.stringify(tableDigests(db))).digest('hex');
}

/** The digest of a database file, opened read-write because a killed writer may have left a WAL to recover. */
export function fileDigest(file: string): string {
  const db = new Database(file, { fileMustExist: true });
  try {
    return storeDigest(db);
  } finally {
    db.close();
  }
}

/** Which tables differ between two digests (for failure messages). */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).sort();
}
