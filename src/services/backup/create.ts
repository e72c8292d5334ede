/**
 * @module `calm backup create`: every source captures into a hidden staging directory, every file is
 * checksummed into `manifest.json`, and only then is the directory renamed to its name.
 */
import { existsSync, rmSync } from 'node:fs';
import type { BackupSettings, FullBackupSettings } from '../settings.js';
import { validationError } from '../../errors.js';
import { nowIso } from '../../store/time.js';
import { VERSION } from '../../version.js';
import { findCalmBackup } from './calm-backups.js';
import { backupPath, commitStaging, freeName, stagingDir, sweepStale } from './catalog.js';
import { type BackupKind, describeFile, type Manifest, type NotIncluded, writeManifest } from './manifest.js';
import { AUTO_PREFIX, SAFETY_PREFIX, timestampName, validateBackupName } from './names.js';
import type { BackupSource, CaptureResult } from './source.js';
import { backupSources } from './sources.js';
import { captureSqliteSync } from './sqlite-source.js';

export interface CreateBackupOptions {
  /** Omitted: a timestamp (`auto_…` / `pre-restore_…` for those kinds). */
  readonly name?: string | undefined;
  readonly force?: boolean | undefined;
  readonly kind?: BackupKind;
  readonly reason?: string;
  /** Defaults to the sources of the configured backend. */
  readonly sources?: readonly BackupSource[];
}

export interface CreatedBackup {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly manifest: Manifest;
}

const PREFIX: Record<BackupKind, string> = { named: '', auto: AUTO_PREFIX, safety: SAFETY_PREFIX };

function chooseName(config: BackupSettings, options: CreateBackupOptions): string {
  if (options.name !== undefined) return validateBackupName(options.name);
  return freeName(config, `${PREFIX[options.kind ?? 'named']}${timestampName()}`);
}

/** Writes the manifest for what the sources captured, then moves the staging directory into place. */
function finish(
  config: BackupSettings,
  staging: string,
  name: string,
  options: CreateBackupOptions,
  parts: readonly CaptureResult[],
): CreatedBackup {
  const sqlite = parts.find((p) => p.schemaVersion !== undefined);
  const notIncluded: NotIncluded[] = parts.flatMap((p) => p.notIncluded);
  const manifest = writeManifest(staging, {
    format: 1,
    name,
    kind: options.kind ?? 'named',
    reason: options.reason ?? 'calm backup create',
    created_at: nowIso(),
    calm_version: VERSION,
    schema_version: sqlite?.schemaVersion ?? 0,
    backend: config.vectorBackend,
    collections: parts.flatMap((p) => p.collections),
    tables: sqlite?.tables ?? {},
    files: parts.flatMap((p) => p.files).map((f) => describeFile(staging, f)),
    not_included: notIncluded,
    partial: parts.some((p) => p.partial),
  });
  const path = commitStaging(config, staging, name, options.force ?? false);
  return { name, path, size: manifest.files.reduce((s, f) => s + f.size, 0), manifest };
}

/** A backup being made: its name, checked free, and the staging directory its sources capture into. */
function begin(config: BackupSettings, options: CreateBackupOptions): { name: string; staging: string } {
  const name = chooseName(config, options);
  // fail before any work when the name is taken (checked again, atomically, by the final rename)
  if (!options.force) commitCheck(config, name);
  sweepStale(config);
  return { name, staging: stagingDir(config) };
}

export async function createBackup(config: FullBackupSettings, options: CreateBackupOptions = {}): Promise<CreatedBackup> {
  const { name, staging } = begin(config, options);
  try {
    const parts: CaptureResult[] = [];
    for (const source of options.sources ?? backupSources(config)) parts.push(await source.capture(staging));
    return finish(config, staging, name, options, parts);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The same, synchronously and SQLite only, for `openDatabase`'s `beforeMigrate` hook (which cannot
 * await). Migrations change only the SQLite schema, so that is what must be saved before one.
 */
export function createBackupSync(config: BackupSettings, options: CreateBackupOptions = {}): CreatedBackup {
  const { name, staging } = begin(config, options);
  try {
    const part = captureSqliteSync(config.paths.database, staging);
    const extra: CaptureResult[] =
      config.vectorBackend === 'qdrant'
        ? [{ files: [], collections: [], partial: false, notIncluded: [{ what: 'Qdrant collections', reason: 'pre-migration backups cover the SQLite schema being migrated' }] }]
        : [];
    return finish(config, staging, name, options, [part, ...extra]);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

function commitCheck(config: BackupSettings, name: string): void {
  if (existsSync(backupPath(config, name))) throw validationError(`Backup '${name}' already exists; pass --force to replace it`);
  // one name, one backup: CALM's `NAME.db` would be shadowed by calm's folder of the same name
  if (findCalmBackup(config, name)) throw validationError(`Backup '${name}' already exists (one of CALM's); choose another name`);
}
