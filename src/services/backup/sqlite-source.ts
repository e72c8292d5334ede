/**
 * @module The SQLite part of every backup: `metadata.db`, an online copy of calm's database taken in one
 * backup step (store/db-file.ts: the database as of one commit while writers keep going), switched to
 * rollback-journal mode, so opening it read-only later creates no -wal/-shm files beside it.
 *
 * Restore copies the backup INTO the live database with the same API, rather than renaming a file over
 * it: the copy is one write transaction on the live file, so a crash leaves the old or the new state,
 * never a mix; processes that have the database open (the daemon, MCP servers, hooks) see the restored
 * data on their next read instead of writing into an unlinked inode; and a -wal file left by the old
 * database can never be replayed onto a file it does not belong to.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CalmError } from '../../errors.js';
import { type Db, openDatabase, schemaVersion, tableCounts } from '../../store/db.js';
import { checkpointLiveDatabase, copyDatabaseFile, integrityProblems, settleCopy, vacuumDatabaseInto } from '../../store/db-file.js';
import { describeEmbeddedCollections } from '../../store/records/sqlite-vec/describe.js';
import type { Manifest, ManifestCollection } from './manifest.js';
import type { BackupSource, CaptureResult, SourceRestoreReport, VerifyProblem } from './source.js';

export const SQLITE_FILE = 'metadata.db';

export interface DatabaseDescription {
  readonly schemaVersion: number;
  readonly tables: Record<string, number>;
  readonly collections: ManifestCollection[];
}

/** Schema version, row counts of every table, and per collection its embedder, records and vectors (as the embedded backend describes them). */
export function describeDatabase(db: Db): DatabaseDescription {
  const read = db.transaction(() => ({
    schemaVersion: schemaVersion(db),
    tables: tableCounts(db),
    collections: describeEmbeddedCollections(db).map((c): ManifestCollection => ({ ...c, source: 'sqlite' })),
  }));
  return read.deferred(); // one read transaction: counts of one instant
}

export function describeDatabaseFile(file: string): DatabaseDescription {
  const db = openDatabase(file, { readonly: true });
  try {
    return describeDatabase(db);
  } finally {
    db.close();
  }
}

function captured(dir: string): CaptureResult {
  const d = describeDatabaseFile(join(dir, SQLITE_FILE));
  return { files: [SQLITE_FILE], collections: d.collections, notIncluded: [], partial: false, schemaVersion: d.schemaVersion, tables: d.tables };
}

/** Synchronous capture through an open connection (`VACUUM INTO`, one read transaction), for the pre-migration hook. */
export function captureSqliteSync(dbFile: string, dir: string): CaptureResult {
  vacuumDatabaseInto(dbFile, join(dir, SQLITE_FILE));
  settleCopy(join(dir, SQLITE_FILE));
  return captured(dir);
}

/** Compares a description with a manifest: tables and the collections stored in SQLite. */
export function compareWithManifest(d: DatabaseDescription, manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const [table, n] of Object.entries(manifest.tables)) {
    const actual = d.tables[table];
    if (actual !== n) problems.push(`table ${table}: ${actual ?? 'missing'} rows, manifest says ${n}`);
  }
  for (const table of Object.keys(d.tables)) if (!(table in manifest.tables)) problems.push(`table ${table}: not in the manifest`);
  for (const c of manifest.collections.filter((c) => c.source === 'sqlite')) {
    const actual = d.collections.find((x) => x.name === c.name);
    if (!actual) problems.push(`collection ${c.name}: missing`);
    else if (actual.count !== c.count || actual.vectors !== c.vectors || actual.embedder !== c.embedder || actual.dim !== c.dim) {
      problems.push(
        `collection ${c.name}: ${actual.count} records / ${actual.vectors} vectors (${actual.embedder}, ${actual.dim}-d), ` +
          `manifest says ${c.count} / ${c.vectors} (${c.embedder}, ${c.dim}-d)`,
      );
    }
  }
  return problems;
}

export class SqliteBackupSource implements BackupSource {
  readonly name = 'sqlite' as const;

  constructor(private readonly dbFile: string) {}

  async capture(dir: string): Promise<CaptureResult> {
    if (!existsSync(this.dbFile)) throw new CalmError('not_found', `Database not found: ${this.dbFile}; run \`calm init\` first`);
    // opened read-only: a backup never migrates the database it copies
    try {
      await copyDatabaseFile(this.dbFile, join(dir, SQLITE_FILE));
    } catch (e) {
      if (e instanceof CalmError) throw e;
      throw new CalmError('storage_error', `Could not copy ${this.dbFile}: ${(e as Error).message}`, { cause: e });
    }
    settleCopy(join(dir, SQLITE_FILE));
    return captured(dir);
  }

  async verify(dir: string, manifest: Manifest): Promise<VerifyProblem[]> {
    const file = join(dir, SQLITE_FILE);
    let db: Db;
    try {
      db = openDatabase(file, { readonly: true });
    } catch (e) {
      return [{ file: SQLITE_FILE, problem: `cannot be opened: ${(e as Error).message}` }];
    }
    try {
      const integrity = integrityProblems(db, 3);
      if (integrity.length > 0) return [{ file: SQLITE_FILE, problem: `integrity_check failed: ${integrity.join('; ')}` }];
      const d = describeDatabase(db);
      const problems = compareWithManifest(d, manifest).map((problem) => ({ file: SQLITE_FILE, problem }));
      if (d.schemaVersion !== manifest.schema_version) {
        problems.push({ file: SQLITE_FILE, problem: `schema ${d.schemaVersion}, manifest says ${manifest.schema_version}` });
      }
      for (const c of d.collections) {
        if (c.count !== c.vectors) problems.push({ file: SQLITE_FILE, problem: `collection ${c.name}: ${c.count} records but ${c.vectors} vectors` });
      }
      return problems;
    } catch (e) {
      return [{ file: SQLITE_FILE, problem: `cannot be read: ${(e as Error).message}` }];
    } finally {
      db.close();
    }
  }

  async restore(dir: string): Promise<SourceRestoreReport> {
    if (!existsSync(this.dbFile)) {
      // no database: a -wal/-shm pair left beside the path belongs to a file that is gone
      for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${this.dbFile}${suffix}`, { force: true });
    }
    // the live file is created owner-only when missing, then the copy is one write transaction on it
    try {
      await copyDatabaseFile(join(dir, SQLITE_FILE), this.dbFile);
    } catch (e) {
      throw new CalmError('storage_error', `Could not restore into ${this.dbFile}: ${(e as Error).message}; the database is unchanged`, { cause: e });
    }
    checkpointLiveDatabase(this.dbFile);
    return { source: this.name, detail: `metadata.db restored into ${this.dbFile}` };
  }

  async checkRestored(manifest: Manifest): Promise<string[]> {
    return compareWithManifest(describeDatabaseFile(this.dbFile), manifest);
  }
}
