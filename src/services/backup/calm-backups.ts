/**
 * @module CALM's own backups, found in the same `backups/` folder after `calm init` adopted a CALM home
 * (reference cli-orchestration §4.9): `NAME.db`, CALM's plain copy of its SQLite database, and
 * optionally `NAME.qdrant/<collection>.snapshot`, one Qdrant collection snapshot each. calm lists them
 * (kind `calm`), verifies what can be verified (CALM wrote no checksums: SQLite's integrity_check on a
 * private copy, and every snapshot file present, a regular file and readable to its end), never rotates
 * them, and restores one by importing it (restore-calm-backup.ts). Nothing here writes a byte of them:
 * the database is checked on a copy, since opening CALM's WAL-mode file even read-only writes beside it.
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import type { BackupLocation } from '../settings.js';
import { notFound } from '../../errors.js';
import { CALM_TABLES } from '../calm-home/detect.js';
import { integrityProblems, openForeignDatabase, privateCopy, tableNames } from '../../store/db-file.js';
import { validateBackupName } from './names.js';
import type { VerifyProblem } from './source.js';

export const CALM_DB_SUFFIX = '.db';
export const CALM_QDRANT_SUFFIX = '.qdrant';
export const SNAPSHOT_SUFFIX = '.snapshot';

export interface CalmBackup {
  readonly name: string;
  /** `backups/NAME.db` (may be missing when only the Qdrant folder is left). */
  readonly db: string;
  /** `backups/NAME.qdrant`, or null when this backup has none. */
  readonly qdrantDir: string | null;
  /** Collection names, from `<collection>.snapshot`, sorted. */
  readonly snapshots: string[];
  /** The copy's modification time: CALM's `created_at` (shutil.copy2 keeps the database's). */
  readonly createdAt: string | null;
  readonly size: number;
}

const lstatOrNull = (path: string): Stats | null => {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
};

function snapshotFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(SNAPSHOT_SUFFIX)).sort();
}

function describe(backups: string, name: string): CalmBackup {
  const db = join(backups, `${name}${CALM_DB_SUFFIX}`);
  const qdrant = join(backups, `${name}${CALM_QDRANT_SUFFIX}`);
  const dbStat = lstatOrNull(db);
  // a `NAME.qdrant` folder with a manifest is one of calm's own backups, not part of CALM's
  const qStat = existsSync(join(qdrant, 'manifest.json')) ? null : lstatOrNull(qdrant);
  const qdrantDir = qStat ? qdrant : null;
  const files = qStat?.isDirectory() ? snapshotFiles(qdrant) : [];
  const size = (dbStat?.isFile() ? dbStat.size : 0) + files.reduce((s, f) => s + (lstatOrNull(join(qdrant, f))?.size ?? 0), 0);
  const created = dbStat ?? qStat;
  return {
    name, db, qdrantDir, snapshots: files.map((f) => f.slice(0, -SNAPSHOT_SUFFIX.length)),
    createdAt: created ? created.mtime.toISOString() : null, size,
  };
}

const isName = (n: string): boolean => {
  try {
    validateBackupName(n);
    return true;
  } catch {
    return false;
  }
};

/**
 * The names of CALM's backups in `backups/`: every `NAME.db` file, and every `NAME.qdrant` folder that
 * is not one of calm's own backups (calm's hold a manifest.json). Names calm could not address are left out.
 */
export function calmBackupNames(backupsDir: string): string[] {
  if (!existsSync(backupsDir)) return [];
  const names = new Set<string>();
  for (const e of readdirSync(backupsDir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.name.endsWith(CALM_DB_SUFFIX) && !e.isDirectory()) names.add(e.name.slice(0, -CALM_DB_SUFFIX.length));
    else if (e.name.endsWith(CALM_QDRANT_SUFFIX) && !existsSync(join(backupsDir, e.name, 'manifest.json'))) {
      names.add(e.name.slice(0, -CALM_QDRANT_SUFFIX.length));
    }
  }
  return [...names].filter(isName).sort();
}

/** True when `name` is a folder of `backups/` that belongs to a CALM backup (its `.qdrant` part). */
export function isCalmBackupPart(backupsDir: string, entry: string): boolean {
  return entry.endsWith(CALM_QDRANT_SUFFIX) && !existsSync(join(backupsDir, entry, 'manifest.json'));
}

export function listCalmBackups(config: BackupLocation): CalmBackup[] {
  return calmBackupNames(config.paths.backups).map((n) => describe(config.paths.backups, n));
}

/** CALM's backup of that name, or null when there is none (the name is validated first). */
export function findCalmBackup(config: BackupLocation, name: string): CalmBackup | null {
  validateBackupName(name);
  const b = describe(config.paths.backups, name);
  return lstatOrNull(b.db) || b.qdrantDir ? b : null;
}

export function existingCalmBackup(config: BackupLocation, name: string): CalmBackup {
  const b = findCalmBackup(config, name);
  if (!b) throw notFound(`Backup not found: ${name}`);
  return b;
}

/** Reads a file to its end (a snapshot CALM wrote: readable, whatever Qdrant version made it). */
function readToEnd(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let total = 0;
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) total += n;
    return total;
  } finally {
    closeSync(fd);
  }
}

function checkRegularFile(path: string, rel: string): VerifyProblem | null {
  const st = lstatOrNull(path);
  if (!st) return { file: rel, problem: 'missing' };
  if (st.isSymbolicLink()) return { file: rel, problem: 'is a symbolic link, not a file CALM wrote; refusing to follow it' };
  if (!st.isFile()) return { file: rel, problem: 'is not a regular file' };
  if (st.size === 0) return { file: rel, problem: 'is empty' };
  try {
    const n = readToEnd(path);
    if (n !== st.size) return { file: rel, problem: `read ${n} of ${st.size} bytes` };
  } catch (e) {
    return { file: rel, problem: `cannot be read: ${(e as Error).message}` };
  }
  return null;
}

/** SQLite's integrity_check on a private copy, and CALM's tables present; returns the problems. */
function checkCalmDatabase(b: CalmBackup, rel: string): VerifyProblem[] {
  let copy;
  try {
    copy = privateCopy(b.db);
  } catch (e) {
    return [{ file: rel, problem: `is not a readable SQLite database: ${(e as Error).message}` }];
  }
  try {
    const db = openForeignDatabase(copy.file);
    try {
      const integrity = integrityProblems(db, 3);
      if (integrity.length > 0) return [{ file: rel, problem: `integrity_check failed: ${integrity.join('; ')}` }];
      const tables = tableNames(db);
      if (!tables.some((t) => (CALM_TABLES as readonly string[]).includes(t))) return [{ file: rel, problem: "holds none of CALM's tables" }];
      return [];
    } finally {
      db.close();
    }
  } catch (e) {
    return [{ file: rel, problem: `is not a readable SQLite database: ${(e as Error).message}` }];
  } finally {
    copy.dispose();
  }
}

export interface CalmVerifyReport {
  readonly name: string;
  readonly path: string;
  readonly kind: 'calm';
  readonly ok: boolean;
  readonly files: number;
  readonly problems: VerifyProblem[];
  readonly snapshots: string[];
  /** What could not be checked, in words (CALM wrote no checksums). */
  readonly note: string;
}

export function verifyCalmBackup(config: BackupLocation, name: string): CalmVerifyReport {
  const b = existingCalmBackup(config, name);
  const dbRel = `${name}${CALM_DB_SUFFIX}`;
  const problems: VerifyProblem[] = [];
  const dbProblem = checkRegularFile(b.db, dbRel);
  if (dbProblem) problems.push(dbProblem);
  else problems.push(...checkCalmDatabase(b, dbRel));
  if (b.qdrantDir) {
    const qRel = `${name}${CALM_QDRANT_SUFFIX}`;
    const st = lstatSync(b.qdrantDir);
    if (st.isSymbolicLink()) problems.push({ file: qRel, problem: 'is a symbolic link, not a folder CALM wrote; refusing to follow it' });
    else if (!st.isDirectory()) problems.push({ file: qRel, problem: 'is not a folder' });
    else if (b.snapshots.length === 0) problems.push({ file: qRel, problem: 'holds no .snapshot file (an interrupted CALM backup)' });
    else {
      for (const c of b.snapshots) {
        const p = checkRegularFile(join(b.qdrantDir, `${c}${SNAPSHOT_SUFFIX}`), `${qRel}/${c}${SNAPSHOT_SUFFIX}`);
        if (p) problems.push(p);
      }
    }
  }
  return {
    name, path: b.db, kind: 'calm', ok: problems.length === 0, files: 1 + b.snapshots.length, problems, snapshots: b.snapshots,
    note: "CALM's backups carry no checksums: the database passed SQLite's integrity_check and every snapshot was read to its end; " +
      'Qdrant checks a snapshot itself when it is imported.',
  };
}

/** Deletes CALM's backup (its .db and .qdrant/), moved out of sight first so it is listed whole or gone. */
export function deleteCalmBackup(config: BackupLocation, name: string): { deleted: string } {
  const b = existingCalmBackup(config, name);
  // a `.trash-<pid>-…` folder: what a killed delete leaves is swept by the next create
  const trash = join(config.paths.backups, `.trash-${process.pid}-${Date.now()}-${name}`);
  mkdirSync(trash, { mode: 0o700 });
  if (lstatOrNull(b.db)) renameSync(b.db, join(trash, basename(b.db)));
  if (b.qdrantDir) renameSync(b.qdrantDir, join(trash, basename(b.qdrantDir)));
  rmSync(trash, { recursive: true, force: true });
  return { deleted: name };
}
