/**
 * @module The backups directory: where each backup lives, listing, showing and deleting, and the
 * staging protocol that keeps half-written backups out of sight. A backup is built in a hidden
 * `.staging-<pid>-…` directory and renamed into place when complete; leftovers of killed processes are
 * swept by the next create.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupLocation } from '../settings.js';
import { CalmError, notFound, validationError } from '../../errors.js';
import { type BackupKind, type Manifest, readManifest } from './manifest.js';
import { validateBackupName } from './names.js';
import { readVerifications, type Verification } from './verify-state.js';
import { type CalmBackup, deleteCalmBackup, findCalmBackup, isCalmBackupPart, listCalmBackups } from './calm-backups.js';
import { isProcessAlive } from '../daemon.js';

export interface BackupEntry {
  readonly name: string;
  readonly path: string;
  /** `calm`: one of CALM's backups (`NAME.db` + `NAME.qdrant/`), kept from before `calm init`; never rotated. */
  readonly kind: BackupKind | 'calm' | 'unknown';
  readonly created_at: string | null;
  readonly size: number;
  readonly backend: string | null;
  readonly partial: boolean;
  readonly records: number;
  /** Set when the manifest cannot be read: the backup cannot be trusted. */
  readonly damaged?: string;
  /** What the last `verify` of this backup found (checksums, counts, integrity); null when never verified. */
  readonly last_verified: Verification | null;
  /** CALM's backups: the Qdrant collections it holds snapshots of. */
  readonly qdrant_snapshots?: string[];
}

export function backupsDir(config: BackupLocation): string {
  return config.paths.backups;
}

export function backupPath(config: BackupLocation, name: string): string {
  return join(backupsDir(config), validateBackupName(name));
}

/**
 * The directory of an existing backup, or a not_found error in CALM's words. A symbolic link in place of
 * the folder is refused: a backup is what calm wrote there, not whatever a link points to.
 */
export function existingBackup(config: BackupLocation, name: string): string {
  const dir = backupPath(config, name);
  const st = existsSync(dir) || isLink(dir) ? lstatSync(dir) : undefined;
  if (st?.isSymbolicLink()) {
    throw new CalmError('storage_error', `Backup '${name}' is a symbolic link (${dir}), not a folder calm wrote; refusing to follow it`);
  }
  if (!st || !st.isDirectory()) throw notFound(`Backup not found: ${name}`);
  return dir;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export type FoundBackup = { readonly kind: 'own'; readonly path: string } | { readonly kind: 'calm'; readonly calm: CalmBackup };

/** calm's backup of that name, else CALM's (`NAME.db` / `NAME.qdrant`), else not_found. */
export function findBackup(config: BackupLocation, name: string): FoundBackup {
  const dir = backupPath(config, name);
  if (existsSync(dir) || isLink(dir)) return { kind: 'own', path: existingBackup(config, name) };
  const calm = findCalmBackup(config, name);
  if (calm) return { kind: 'calm', calm };
  throw notFound(`Backup not found: ${name}`);
}

/** Every file under `dir`, relative, with `/` separators. */
export function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

function sizeOf(dir: string): number {
  return filesUnder(dir).reduce((sum, f) => sum + lstatSync(join(dir, f)).size, 0);
}

function entryFor(config: BackupLocation, name: string, verifications: Record<string, Verification>): BackupEntry {
  const path = join(backupsDir(config), name);
  let manifest: Manifest;
  try {
    manifest = readManifest(path);
  } catch (e) {
    return {
      name, path, kind: 'unknown', created_at: null, size: sizeOf(path), backend: null, partial: false, records: 0,
      damaged: (e as Error).message, last_verified: null,
    };
  }
  const verified = verifications[name];
  return {
    name,
    path,
    kind: manifest.kind,
    created_at: manifest.created_at,
    size: manifest.files.reduce((sum, f) => sum + f.size, 0),
    backend: manifest.backend,
    partial: manifest.partial,
    records: manifest.collections.reduce((sum, c) => sum + c.count, 0),
    last_verified: verified?.backup_created_at === manifest.created_at ? verified : null,
  };
}

/** Newest first; damaged backups are listed (last) so they can be seen and deleted. */
export function listBackups(config: BackupLocation): BackupEntry[] {
  const dir = backupsDir(config);
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !isCalmBackupPart(dir, e.name))
    .map((e) => e.name);
  const verifications = readVerifications(dir);
  const calms = listCalmBackups(config).map((b): BackupEntry => ({
    name: b.name, path: b.db, kind: 'calm', created_at: b.createdAt, size: b.size, backend: b.snapshots.length ? 'qdrant' : null,
    partial: false, records: 0, qdrant_snapshots: b.snapshots, last_verified: verifications[b.name] ?? null,
  }));
  return [...names.map((n) => entryFor(config, n, verifications)), ...calms]
    .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || a.name.localeCompare(b.name));
}

export function showBackup(config: BackupLocation, name: string): { path: string; size: number; manifest: Manifest } {
  const path = existingBackup(config, name);
  const manifest = readManifest(path);
  return { path, size: manifest.files.reduce((sum, f) => sum + f.size, 0), manifest };
}

/** What `calm backup show` shows: calm's backup with its manifest, or one of CALM's. */
export function showAnyBackup(config: BackupLocation, name: string): ReturnType<typeof showBackup> | { kind: 'calm'; backup: CalmBackup } {
  const found = findBackup(config, name);
  return found.kind === 'calm' ? { kind: 'calm', backup: found.calm } : showBackup(config, name);
}

/** Renamed out of sight first, so a backup is either listed whole or gone. */
export function deleteBackup(config: BackupLocation, name: string): { deleted: string } {
  const found = findBackup(config, name);
  if (found.kind === 'calm') return deleteCalmBackup(config, name);
  const path = found.path;
  const trash = join(backupsDir(config), `.trash-${process.pid}-${Date.now()}-${name}`);
  renameSync(path, trash);
  rmSync(trash, { recursive: true, force: true });
  return { deleted: name };
}

/**
 * Tidies what killed processes left: `.staging-<pid>-…` (unfinished backups) and `.trash-<pid>-…`
 * (deletions) are removed; `.replaced-<pid>-<ms>-<name>` (a backup being replaced with --force) is put
 * back under its name when the replacement never arrived, and removed otherwise.
 */
export function sweepStale(config: BackupLocation): string[] {
  const dir = backupsDir(config);
  if (!existsSync(dir)) return [];
  const swept: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const m = /^\.(staging|trash|replaced)-(\d+)-(?:\d+-(.+))?/.exec(e.name);
    if (!e.isDirectory() || !m || isProcessAlive(Number(m[2]))) continue;
    const original = m[1] === 'replaced' && m[3] ? join(dir, m[3]) : undefined;
    if (original && !existsSync(original)) renameSync(join(dir, e.name), original);
    else rmSync(join(dir, e.name), { recursive: true, force: true });
    swept.push(e.name);
  }
  return swept;
}

export function stagingDir(config: BackupLocation): string {
  const dir = backupsDir(config);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return mkdtempSync(join(dir, `.staging-${process.pid}-`));
}

/** Moves a finished staging directory to its name; with `force` an existing backup of that name is replaced. */
export function commitStaging(config: BackupLocation, staging: string, name: string, force: boolean): string {
  const target = backupPath(config, name);
  if (existsSync(target)) {
    if (!force) throw validationError(`Backup '${name}' already exists; pass --force to replace it`);
    const replaced = join(backupsDir(config), `.replaced-${process.pid}-${Date.now()}-${name}`);
    renameSync(target, replaced);
    renameSync(staging, target);
    rmSync(replaced, { recursive: true, force: true });
  } else {
    try {
      renameSync(staging, target);
    } catch (e) {
      throw new CalmError('storage_error', `Could not move the backup into place at ${target}: ${(e as Error).message}`, { cause: e });
    }
  }
  return target;
}

/** A free name `<prefix><timestamp>`, with `_2`, `_3`… when two backups fall in the same second. */
export function freeName(config: BackupLocation, base: string): string {
  let name = base;
  const taken = (n: string): boolean => existsSync(join(backupsDir(config), n)) || findCalmBackup(config, n) !== null;
  for (let i = 2; taken(name); i++) name = `${base}_${i}`;
  return name;
}
