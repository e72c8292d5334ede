/**
 * @module A database file as a whole, for backups, restores, imports and doctor: a consistent copy of
 * it, the copy's journal mode, SQLite's integrity check, its table names, and read-only or private views
 * of a file that is not (or not yet) calm's live database (CALM's database, a backup's copy, a file
 * calm-home detection probes). With db.ts the only place that opens SQLite: the architecture rule
 * `sqlite-behind-the-store` keeps better-sqlite3 and sqlite-vec inside src/store.
 *
 * Copies are made with SQLite's backup API in ONE step, i.e. inside one read transaction on the source:
 * in WAL mode writers keep going, and the copy is the database as of one commit (a copy made in many
 * small steps restarts whenever another process writes, and might never finish under load). Copied INTO
 * a live database, the same step is one write transaction on it, so a crash leaves the old or the new
 * state, never a mix (services/backup/sqlite-source.ts says why a restore copies rather than renames).
 */
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Db, openDatabase } from './db.js';

/** Pages per backup step: everything at once (see the module comment). */
const ALL_PAGES = 0x7fffffff;
const BUSY_TIMEOUT_MS = 30_000;

/**
 * Copies the database at `source` (opened read-only) into `target` in one backup step. `target` is
 * created owner-only first when missing (SQLite would use the umask's mode), so a process killed
 * mid-copy leaves no readable file. Throws a CalmError when `source` cannot be opened, SQLite's error
 * as it is when the copy fails.
 */
export async function copyDatabaseFile(source: string, target: string): Promise<void> {
  const db = openDatabase(source, { readonly: true });
  try {
    if (!existsSync(target)) closeSync(openSync(target, 'a', 0o600));
    await db.backup(target, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
}

/** Synchronous copy of `source` into a new file `target` (`VACUUM INTO`, one read transaction), for callers that cannot await. */
export function vacuumDatabaseInto(source: string, target: string): void {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
}

/** Rollback-journal mode for a finished copy, so opening it read-only later creates no -wal/-shm files beside it. */
export function settleCopy(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/** A live database just copied into: back in WAL mode, and the copied pages moved from the WAL into the file now rather than at some later checkpoint. */
export function checkpointLiveDatabase(file: string): void {
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** SQLite's integrity_check: no messages when the database is sound, else its messages (the first `limit`). */
export function integrityProblems(db: Db, limit = 5): string[] {
  const messages = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  return messages.length === 1 && messages[0] === 'ok' ? [] : messages.slice(0, limit);
}

/** Names of every table in `db` (SQLite's own included), as sqlite_master lists them. */
export function tableNames(db: Db): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
}

/** A database file that is not calm's live one (CALM's, a copy), opened read-only as it is: no extension, no pragma, no migration; SQLite's error as it is. */
export function openForeignDatabase(file: string): Db {
  return new Database(file, { readonly: true, fileMustExist: true });
}

export interface PrivateCopy {
  readonly file: string;
  dispose(): void;
}

/**
 * A private copy of a WAL-mode database to read from. Opening such a file itself, even read-only, writes
 * read marks into its `-shm` (and replays an unclean `-wal`), so the file with its `-wal` and `-shm` is
 * copied into a temporary folder, checkpointed there, and read from the copy.
 */
export function privateCopy(file: string): PrivateCopy {
  const dir = mkdtempSync(join(tmpdir(), 'calm-read-'));
  const copy = join(dir, 'metadata.db');
  try {
    copyFileSync(file, copy);
    for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) copyFileSync(file + suffix, copy + suffix);
    const db = new Database(copy);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { file: copy, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface DatabaseImage {
  readonly tables: string[];
  /** A `schema_version` table with at least one row (calm's, once it migrated the file). */
  readonly schemaRecorded: boolean;
}

/**
 * What the bytes of a database's main file hold, read as an in-memory database, so the file itself is
 * never opened (see privateCopy for why). `bytes` is changed in place (its header is told rollback mode).
 * Null when they are not a SQLite database that can be read.
 */
export function readDatabaseImage(bytes: Buffer): DatabaseImage | null {
  if (bytes.length < 100 || bytes.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') return null;
  // bytes 18 and 19 say "WAL"; an in-memory copy must be told rollback mode to open at all
  bytes[18] = 1;
  bytes[19] = 1;
  let db: Db;
  try {
    db = new Database(bytes);
  } catch {
    return null;
  }
  try {
    const tables = tableNames(db);
    const schemaRecorded = tables.includes('schema_version') && (db.prepare('SELECT COUNT(*) FROM schema_version').pluck().get() as number) > 0;
    return { tables, schemaRecorded };
  } catch {
    return null;
  } finally {
    db.close();
  }
}
