/**
 * @module The SQLite connection: WAL, busy timeout, foreign keys, sqlite-vec, migrations on open.
 *
 * Many processes (daemon, stdio servers, hooks, CLI) share one file. WAL lets readers run beside one
 * writer; the busy timeout makes writers queue instead of surfacing SQLITE_BUSY; every write is a
 * short transaction.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { CalmError } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { isRecordStoreTable } from './records/sqlite-vec/tables.js';
import { nowIso } from './time.js';

export type Db = Database.Database;

export interface OpenOptions {
  readonly readonly?: boolean;
  /** Called once, before the first pending migration runs (the daemon backs up here). */
  readonly beforeMigrate?: (fromVersion: number, pending: readonly Migration[]) => void;
  /** Milliseconds a writer waits for the lock before giving up. */
  readonly busyTimeoutMs?: number;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (!options.readonly) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // memories are private: create the file owner-only; SQLite gives -wal and -shm the same mode
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  }
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (e) {
    throw new CalmError('storage_error', `Cannot open database ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 30_000}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    sqliteVec.load(db);
    if (!options.readonly) migrate(db, options.beforeMigrate);
  } catch (e) {
    db.close();
    if (e instanceof CalmError) throw e;
    throw new CalmError('storage_error', `Cannot prepare database ${file}: ${(e as Error).message}`, { cause: e });
  }
  return db;
}

export function schemaVersion(db: Db): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!exists) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Applies every migration not yet recorded, in version order. Safe when several processes open a
 * fresh file at once: each migration re-checks under the write lock. A database that records a
 * version this calm does not know is refused: it was written by a newer calm.
 */
export function migrate(db: Db, beforeMigrate?: OpenOptions['beforeMigrate'], migrations: readonly Migration[] = MIGRATIONS): number {
  const current = schemaVersion(db);
  const known = [...migrations].sort((a, b) => a.version - b.version);
  const newest = known[known.length - 1]!.version;
  if (current > newest) {
    throw new CalmError('storage_error', `Database schema ${current} is newer than this calm (${newest}); upgrade calm`);
  }
  const applied = appliedVersions(db);
  const pending = known.filter((m) => !applied.has(m.version));
  if (pending.length === 0) return current;
  if (current > 0) beforeMigrate?.(current, pending);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  for (const m of pending) {
    const apply = db.transaction(() => {
      const done = db.prepare('SELECT 1 FROM schema_version WHERE version = ?').get(m.version);
      if (done) return;
      m.up(db);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, nowIso());
    });
    apply.immediate();
  }
  return schemaVersion(db);
}

function appliedVersions(db: Db): Set<number> {
  if (schemaVersion(db) === 0) return new Set();
  return new Set(db.prepare('SELECT version FROM schema_version').pluck().all() as number[]);
}

/**
 * Row counts of every calm table, for `calm status`, doctor and backup manifests: SQLite's own tables and
 * the embedded record store's private ones (it names them: sqlite-vec/tables.ts) are left out.
 */
export function tableCounts(db: Db): Record<string, number> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const counts: Record<string, number> = {};
  for (const name of tables.filter((t) => !isRecordStoreTable(t))) {
    counts[name] = (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n;
  }
  return counts;
}
