/**
 * @module The backups directory: where each backup lives, listing, showing and deleting, and the
 * staging protocol that keeps half-written backups out of sight. A backup is built in a hidden
 * `.staging-<pid>-…` directory and renamed into place when complete; leftovers of killed processes are
 * swept by the next create.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupLocation } from '../settings.js';
import { CalmError, notFound, validationError } from '../../errors.js';
import { type BackupKind, type Manifest, readManifest } from './manifest.js';
import { validateBackupName } from './names.js';
import { isProcessAlive } from '../daemon.js';

export interface BackupEntry {
  readonly name: string;
  readonly path: string;
  readonly kind: BackupKind | 'unknown';
  readonly created_at: string | null;
  readonly size: number;
  readonly backend: string | null;
  readonly partial: boolean;
  readonly records: number;
  /** Set when the manifest cannot be read: the backup cannot be trusted. */
  readonly damaged?: string;
}

export function backupsDir(config: BackupLocation): string {
  return config.paths.backups;
}

export function backupPath(config: BackupLocation, name: string): string {
  return join(backupsDir(config), validateBackupName(name));
}

/** The directory of an existing backup, or a not_found error in CALM's words. */
export function existingBackup(config: BackupLocation, name: string): string {
  const dir = backupPath(config, name);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw notFound(`Backup not found: ${name}`);
  return dir;
}

/** Every file under `dir`, relative, with `/` separators. */
export function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

function sizeOf(dir: string): number {
  return filesUnder(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

function entryFor(config: BackupLocation, name: string): BackupEntry {
  const path = join(backupsDir(config), name);
  let manifest: Manifest;
  try {
    manifest = readManifest(path);
  } catch (e) {
    return {
      name, path, kind: 'unknown', created_at: null, size: sizeOf(path), backend: null, partial: false, records: 0,
      damaged: (e as Error).message,
    };
  }
  return {
    name,
    path,
    kind: manifest.kind,
    created_at: manifest.created_at,
    size: manifest.files.reduce((sum, f) => sum + f.size, 0),
    backend: manifest.backend,
    partial: manifest.partial,
    records: manifest.collections.reduce((sum, c) => sum + c.count, 0),
  };
}

/** Newest first; damaged backups are listed (last) so they can be seen and deleted. */
export function listBackups(config: BackupLocation): BackupEntry[] {
  const dir = backupsDir(config);
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name);
  return names
    .map((n) => entryFor(config, n))
    .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || a.name.localeCompare(b.name));
}

export function showBackup(config: BackupLocation, name: string): { path: string; size: number; manifest: Manifest } {
  const path = existingBackup(config, name);
  const manifest = readManifest(path);
  return { path, size: manifest.files.reduce((sum, f) => sum + f.size, 0), manifest };
}

/** Renamed out of sight first, so a backup is either listed whole or gone. */
export function deleteBackup(config: BackupLocation, name: string): { deleted: string } {
  const path = existingBackup(config, name);
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
  for (let i = 2; existsSync(join(backupsDir(config), name)); i++) name = `${base}_${i}`;
  return name;
}
